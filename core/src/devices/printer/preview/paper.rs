//! The printed paper: lines of styled character cells, and its plain-text rendering.

use crate::devices::printer::escpos::Align;
use crate::devices::printer::width::char_columns;

/// One printed character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    /// The character.
    pub ch: char,
    /// Columns at normal size: 1 (half width) or 2 (full width).
    pub cols: u8,
    /// Horizontal multiplier.
    pub width: u8,
    /// Vertical multiplier.
    pub height: u8,
    /// Emphasised.
    pub bold: bool,
}

impl Cell {
    /// Columns the cell takes on paper.
    pub fn span(&self) -> usize {
        usize::from(self.cols) * usize::from(self.width)
    }
}

/// One line of paper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaperLine {
    /// Printed (or blank) text.
    Text {
        /// Alignment in force when the line printed.
        align: Align,
        /// Vertical multiplier of the line (its tallest cell).
        height: u8,
        /// The characters, left to right.
        cells: Vec<Cell>,
    },
    /// The cutter cut here.
    Cut,
}

impl PaperLine {
    /// Columns the text takes (0 for a cut).
    pub fn span(&self) -> usize {
        match self {
            PaperLine::Text { cells, .. } => cells.iter().map(Cell::span).sum(),
            PaperLine::Cut => 0,
        }
    }
}

/// What came out of the printer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paper {
    columns: usize,
    max_lines: usize,
    lines: Vec<PaperLine>,
    overflow: usize,
}

impl Paper {
    /// Blank paper `columns` wide that keeps at most `max_lines` lines.
    pub fn new(columns: usize, max_lines: usize) -> Paper {
        Paper { columns: columns.clamp(1, 255), max_lines, lines: Vec::new(), overflow: 0 }
    }

    /// Half-width columns per line.
    pub fn columns(&self) -> usize {
        self.columns
    }

    /// The lines, top to bottom.
    pub fn lines(&self) -> &[PaperLine] {
        &self.lines
    }

    /// Lines that did not fit under `max_lines` and were dropped.
    pub fn overflow(&self) -> usize {
        self.overflow
    }

    /// True when nothing was printed.
    pub fn is_blank(&self) -> bool {
        self.lines.is_empty()
    }

    /// Adds a line, if there is room.
    pub(crate) fn push(&mut self, line: PaperLine) {
        if self.lines.len() < self.max_lines {
            self.lines.push(line);
        } else {
            self.overflow = self.overflow.saturating_add(1);
        }
    }

    /// Every character printed, for scans (no layout).
    pub fn chars(&self) -> impl Iterator<Item = char> + '_ {
        self.lines
            .iter()
            .flat_map(|l| match l {
                PaperLine::Text { cells, .. } => cells.as_slice(),
                PaperLine::Cut => &[],
            })
            .map(|c| c.ch)
    }

    /// The paper as text: characters at their columns, a double-width cell padded with
    /// spaces to its span, `8<----` where the cutter cut. Sizes and emphasis show in the PNG.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for line in &self.lines {
            match line {
                PaperLine::Cut => {
                    out.push_str("8<");
                    out.push_str(&"-".repeat(self.columns.saturating_sub(2)));
                }
                PaperLine::Text { align, cells, .. } => {
                    out.push_str(&" ".repeat(left_pad(*align, line.span(), self.columns)));
                    for c in cells {
                        out.push(c.ch);
                        out.push_str(&" ".repeat(c.span().saturating_sub(char_columns(c.ch))));
                    }
                    let trimmed = out.trim_end_matches(' ').len();
                    out.truncate(trimmed);
                }
            }
            out.push('\n');
        }
        out
    }
}

/// Blank columns before a line of `span` columns.
pub fn left_pad(align: Align, span: usize, columns: usize) -> usize {
    let free = columns.saturating_sub(span);
    match align {
        Align::Left => 0,
        Align::Center => free / 2,
        Align::Right => free,
    }
}
