//! A simulated thermal printer: parses the ESC/POS stream it receives over the in-memory
//! link, prints it on paper that renders to text and PNG, and reports paper and cover state.

mod device;
mod font;
mod head;
mod paper;
mod png;

pub use device::{SimPrinter, SimPrinterConfig};
pub use font::{glyph, glyph_count, Glyph};
pub use head::{render, PrintHead, DEFAULT_MAX_LINES};
pub use paper::{Cell, Paper, PaperLine};
pub use png::{missing_glyphs, to_png, PreviewError, MAX_HEIGHT_PX, PX_PER_COLUMN};
