//! Draws [`Paper`] as a 1-bit PNG: 8 pixels per column, 16-pixel glyphs scaled by the character size.

use thiserror::Error;

use super::font::{glyph, Glyph, GLYPH_ROWS};
use crate::devices::printer::preview::{left_pad, Paper, PaperLine};
use crate::i18n::Bilingual;

/// Pixels per half-width column.
pub const PX_PER_COLUMN: usize = 8;
/// Blank pixels between lines (the printer's default line spacing).
const LINE_GAP: usize = 4;
/// Blank pixels around the print area.
const MARGIN: usize = 8;
/// Tallest image drawn; a longer paper is cut off (a hostile stream cannot make a huge image).
pub const MAX_HEIGHT_PX: usize = 16_384;

/// Why a preview could not be drawn.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PreviewError {
    /// The PNG encoder failed.
    #[error("png encoding failed: {0}")]
    Encode(String),
}

impl Bilingual for PreviewError {
    fn zh(&self) -> String {
        "签购单预览生成失败".into()
    }
    fn en(&self) -> String {
        "Could not draw the receipt preview".into()
    }
}

/// A white canvas of 1-bit pixels, packed as PNG grayscale depth 1 wants: rows MSB first,
/// 1 = white. (Packed from the start: a tall preview is millions of pixels, and a byte per
/// pixel plus a packing pass cost more than the drawing.)
struct Canvas {
    width: usize,
    height: usize,
    stride: usize,
    bits: Vec<u8>,
}

impl Canvas {
    fn new(width: usize, height: usize) -> Canvas {
        let stride = width.div_ceil(8);
        Canvas { width, height, stride, bits: vec![0xFF; stride * height] }
    }

    fn set(&mut self, x: usize, y: usize) {
        if x < self.width && y < self.height {
            self.bits[y * self.stride + x / 8] &= !(0x80 >> (x % 8));
        }
    }
}

/// Height in pixels of one paper line.
fn line_px(line: &PaperLine) -> usize {
    match line {
        PaperLine::Text { height, .. } => GLYPH_ROWS * usize::from(*height) + LINE_GAP,
        PaperLine::Cut => GLYPH_ROWS + LINE_GAP,
    }
}

/// Draws `g` scaled by `sx`,`sy` centred in a cell `cell_px` wide at (`x0`,`y0`); bold smears one pixel right.
#[allow(clippy::too_many_arguments)] // the drawing position and scale of one glyph
fn draw_glyph(c: &mut Canvas, g: &Glyph, x0: usize, y0: usize, cell_px: usize, sx: usize, sy: usize, bold: bool) {
    let gw = g.px_width() * sx;
    let x0 = x0 + cell_px.saturating_sub(gw) / 2;
    for gy in 0..GLYPH_ROWS {
        for gx in 0..g.px_width() {
            if !g.ink(gx, gy) {
                continue;
            }
            for dy in 0..sy {
                for dx in 0..sx + usize::from(bold) {
                    c.set(x0 + gx * sx + dx, y0 + gy * sy + dy);
                }
            }
        }
    }
}

/// The paper as PNG bytes.
pub fn to_png(paper: &Paper) -> Result<Vec<u8>, PreviewError> {
    let width = paper.columns() * PX_PER_COLUMN + 2 * MARGIN;
    let content: usize = paper.lines().iter().map(line_px).sum();
    let height = (content + 2 * MARGIN).min(MAX_HEIGHT_PX);
    let mut canvas = Canvas::new(width, height);
    let mut y = MARGIN;
    for line in paper.lines() {
        if y + line_px(line) > height {
            break;
        }
        match line {
            PaperLine::Cut => {
                let mid = y + GLYPH_ROWS / 2;
                (0..width).filter(|x| x % 6 < 3).for_each(|x| canvas.set(x, mid));
            }
            PaperLine::Text { align, height: lh, cells } => {
                let mut x = MARGIN + left_pad(*align, line.span(), paper.columns()) * PX_PER_COLUMN;
                let base = y + GLYPH_ROWS * usize::from(*lh);
                for cell in cells {
                    let cell_px = cell.span() * PX_PER_COLUMN;
                    let missing = Glyph::missing(cell.cols > 1);
                    let g = glyph(cell.ch).unwrap_or(&missing);
                    let (sx, sy) = (usize::from(cell.width), usize::from(cell.height));
                    // Cells sit on the line's baseline, so a normal cell beside a tall one lines up at the bottom.
                    let top = base.saturating_sub(GLYPH_ROWS * sy);
                    draw_glyph(&mut canvas, g, x, top, cell_px, sx, sy, cell.bold);
                    x += cell_px;
                }
            }
        }
        y += line_px(line);
    }
    encode(&canvas)
}

fn encode(c: &Canvas) -> Result<Vec<u8>, PreviewError> {
    let err = |e: png::EncodingError| PreviewError::Encode(e.to_string());
    let mut out = Vec::new();
    let w = u32::try_from(c.width).map_err(|_| PreviewError::Encode("width".into()))?;
    let h = u32::try_from(c.height).map_err(|_| PreviewError::Encode("height".into()))?;
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::One);
    // fdeflate: a slip preview is mostly white runs, which it packs about as well as the
    // balanced setting, at a fraction of the time (a hostile stream can ask for 16,384 rows).
    enc.set_compression(png::Compression::Fast);
    let mut writer = enc.write_header().map_err(err)?;
    writer.write_image_data(&c.bits).map_err(err)?;
    writer.finish().map_err(err)?;
    Ok(out)
}

/// Characters on `paper` the font subset lacks (drawn as boxes).
pub fn missing_glyphs(paper: &Paper) -> Vec<char> {
    let mut v: Vec<char> = paper.chars().filter(|&c| glyph(c).is_none()).collect();
    v.sort_unstable();
    v.dedup();
    v
}
