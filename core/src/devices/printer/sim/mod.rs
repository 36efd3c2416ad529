//! A simulated thermal printer (feature `sim`): parses the ESC/POS stream it receives over
//! the in-memory link with the preview's print head, keeps the paper (text and PNG), and
//! reports paper and cover state.

mod device;
mod font;
mod png;

pub use device::{SimPrinter, SimPrinterConfig};
pub use font::{glyph, glyph_count, Glyph};
pub use png::{missing_glyphs, PreviewError, PX_PER_COLUMN};
pub use png::{to_png, MAX_HEIGHT_PX};
