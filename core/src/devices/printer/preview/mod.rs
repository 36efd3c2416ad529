//! The text preview of an ESC/POS job: a print head that interprets the stream onto paper
//! (lines of styled cells), and the paper as plain text. Receipt and slip previews of the
//! front ends use [`render`]; the simulated printer (feature `sim`) prints with the same head.

mod head;
mod paper;

#[cfg(any(test, feature = "sim"))]
pub(crate) use head::DEFAULT_MAX_LINES;
pub use head::{render, PrintHead};
pub use paper::PaperLine;
pub use paper::{left_pad, Cell, Paper};
