//! The print mechanism of the preview (and the simulated printer): applies parsed ops to modes
//! and paper, and answers status queries.

use super::paper::{Cell, Paper, PaperLine};
use crate::devices::printer::escpos::Align;
use crate::devices::printer::parser::{Op, Parser};
use crate::devices::printer::status::{
    offline_cause_byte, paper_after_printing_byte, paper_sensor_byte, printer_byte, PrinterStatus,
};
use crate::devices::printer::width::char_columns;

/// Lines of paper a head keeps before it counts overflow (a hostile stream cannot grow it further).
pub(crate) const DEFAULT_MAX_LINES: usize = 4000;
/// Dots per text line (font A 24 dots), for `ESC J` feeds.
const DOTS_PER_LINE: u8 = 24;

/// Character modes set by commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Modes {
    align: Align,
    bold: bool,
    width: u8,
    height: u8,
}

impl Default for Modes {
    fn default() -> Self {
        Modes { align: Align::Left, bold: false, width: 1, height: 1 }
    }
}

/// A print head with its paper: feed it the byte stream, collect status answers.
#[derive(Debug)]
pub struct PrintHead {
    parser: Parser,
    modes: Modes,
    line: Vec<Cell>,
    line_span: usize,
    paper: Paper,
    max_lines: usize,
    /// What the sensors report.
    pub status: PrinterStatus,
    /// Lines left on the roll (`None`: endless); at 0 the paper runs out.
    pub paper_left: Option<usize>,
    lost_lines: usize,
}

impl PrintHead {
    /// A head printing `columns` columns, in Chinese mode from power-on or not.
    pub fn new(columns: usize, chinese_at_init: bool, max_lines: usize) -> PrintHead {
        PrintHead {
            parser: Parser::new(chinese_at_init),
            modes: Modes::default(),
            line: Vec::new(),
            line_span: 0,
            paper: Paper::new(columns, max_lines),
            max_lines,
            status: PrinterStatus::default(),
            paper_left: None,
            lost_lines: 0,
        }
    }

    /// The paper so far.
    pub fn paper(&self) -> &Paper {
        &self.paper
    }

    /// Tears the printed paper off, leaving blank paper.
    pub fn take_paper(&mut self) -> Paper {
        let blank = Paper::new(self.paper.columns(), self.max_lines);
        std::mem::replace(&mut self.paper, blank)
    }

    /// Lines that did not print because there was no paper or the cover was open.
    pub fn lost_lines(&self) -> usize {
        self.lost_lines
    }

    /// Processes a chunk; returns the status bytes to answer, in order.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut ops = Vec::new();
        self.parser.push(bytes, &mut ops);
        let mut answers = Vec::new();
        for op in ops {
            self.apply(op, &mut answers);
        }
        answers
    }

    fn apply(&mut self, op: Op, answers: &mut Vec<u8>) {
        match op {
            Op::Init => {
                // ESC @ clears the line buffer and the modes.
                self.line.clear();
                self.line_span = 0;
                self.modes = Modes::default();
            }
            Op::Align(a) => self.modes.align = a,
            Op::Bold(b) => self.modes.bold = b,
            Op::PrintMode { bold, double_width, double_height } => {
                self.modes.bold = bold;
                self.modes.width = if double_width { 2 } else { 1 };
                self.modes.height = if double_height { 2 } else { 1 };
            }
            Op::Size { width, height } => {
                self.modes.width = width;
                self.modes.height = height;
            }
            Op::Text(s) => s.chars().for_each(|c| self.put(c)),
            Op::LineFeed => self.print_line(),
            Op::FeedLines(n) => {
                self.print_line_if_any();
                (0..n).for_each(|_| self.blank_line());
            }
            Op::FeedDots(n) => {
                self.print_line_if_any();
                (0..n / DOTS_PER_LINE).for_each(|_| self.blank_line());
            }
            Op::Cut => {
                self.print_line_if_any();
                self.emit(PaperLine::Cut);
            }
            Op::Chinese(_) => {}
            Op::RealtimeStatus(n) => {
                let s = &self.status;
                let answer = match n {
                    1 => Some(printer_byte(s)),
                    2 => Some(offline_cause_byte(s)),
                    3 => Some(0x12),
                    4 => Some(paper_sensor_byte(s)),
                    _ => None,
                };
                answers.extend(answer);
            }
            Op::Status(n) => {
                // Processed in turn with the data: a stopped printer (no paper, cover open)
                // never gets to it, so it stays unanswered, as on real printers.
                if self.status.ready() {
                    match n {
                        1 | b'1' => answers.push(paper_after_printing_byte(&self.status)),
                        2 | b'2' => answers.push(0),
                        _ => {}
                    }
                }
            }
        }
    }

    /// Adds a character to the line buffer, printing the buffer first when it would overflow.
    fn put(&mut self, ch: char) {
        let cols = char_columns(ch);
        if cols == 0 {
            return;
        }
        let cell =
            Cell { ch, cols: cols as u8, width: self.modes.width, height: self.modes.height, bold: self.modes.bold };
        let columns = self.paper.columns();
        if cell.span() > columns {
            return;
        }
        if self.line_span + cell.span() > columns {
            self.print_line();
        }
        self.line_span += cell.span();
        self.line.push(cell);
    }

    fn print_line_if_any(&mut self) {
        if !self.line.is_empty() {
            self.print_line();
        }
    }

    fn print_line(&mut self) {
        let cells = std::mem::take(&mut self.line);
        self.line_span = 0;
        let height = cells.iter().map(|c| c.height).max().unwrap_or(self.modes.height);
        self.emit(PaperLine::Text { align: self.modes.align, height, cells });
    }

    fn blank_line(&mut self) {
        self.emit(PaperLine::Text { align: Align::Left, height: 1, cells: Vec::new() });
    }

    /// Puts a line on the paper if the printer can print, counting down the roll.
    fn emit(&mut self, line: PaperLine) {
        if !self.status.ready() {
            self.lost_lines = self.lost_lines.saturating_add(1);
            return;
        }
        self.paper.push(line);
        if let Some(left) = self.paper_left.as_mut() {
            *left = left.saturating_sub(1);
            if *left == 0 {
                self.status.paper_out = true;
            }
        }
    }
}

/// Renders a whole ESC/POS job on fresh paper (for previews and tests).
pub fn render(job: &[u8], columns: usize) -> Paper {
    let mut head = PrintHead::new(columns, false, DEFAULT_MAX_LINES);
    head.feed(job);
    head.take_paper()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::devices::printer::escpos::{EscPos, StatusQuery};
    use crate::devices::printer::sim::{to_png, MAX_HEIGHT_PX};

    #[test]
    fn long_lines_wrap_and_sizes_scale_columns() {
        let mut e = EscPos::new();
        e.init().line(&"x".repeat(40)).size(2, 1).line("中文AB").size(1, 1).align(Align::Right).line("R");
        let paper = render(&e.into_bytes(), 32);
        let spans: Vec<usize> = paper.lines().iter().map(PaperLine::span).collect();
        assert_eq!(spans, [32, 8, 12, 1]);
        assert_eq!(
            paper.to_text(),
            format!("{}\n{}\n中  文  A B\n{}R\n", "x".repeat(32), "x".repeat(8), " ".repeat(31))
        );
    }

    #[test]
    fn init_drops_the_unprinted_line_and_resets_modes() {
        let mut e = EscPos::new();
        e.bold(true).size(3, 3).text("lost").init().line("kept");
        let paper = render(&e.into_bytes(), 32);
        assert_eq!(paper.to_text(), "kept\n");
        assert!(matches!(&paper.lines()[0], PaperLine::Text { cells, height: 1, .. } if !cells[0].bold));
    }

    #[test]
    fn a_stopped_printer_loses_lines_answers_realtime_but_not_gs_r() {
        let mut head = PrintHead::new(32, false, DEFAULT_MAX_LINES);
        head.status.paper_out = true;
        let mut job = b"a\nb\n".to_vec();
        job.extend_from_slice(&StatusQuery::PaperAfterPrinting.bytes());
        job.extend_from_slice(&StatusQuery::PaperSensor.bytes());
        assert_eq!(head.feed(&job), [0x72]);
        assert_eq!((head.paper().lines().len(), head.lost_lines()), (0, 2));
        head.status.paper_out = false;
        assert_eq!(head.feed(&StatusQuery::PaperAfterPrinting.bytes()), [0x00]);
    }

    #[test]
    fn a_short_roll_runs_out() {
        let mut head = PrintHead::new(32, false, DEFAULT_MAX_LINES);
        head.paper_left = Some(2);
        head.feed(b"1\n2\n3\n");
        assert_eq!(head.paper().to_text(), "1\n2\n");
        assert!(head.status.paper_out);
    }

    proptest! {
        #[test]
        fn hostile_streams_stay_within_bounds(bytes in proptest::collection::vec(any::<u8>(), 0..2048), cols in 1usize..300) {
            let mut head = PrintHead::new(cols, true, 50);
            head.feed(&bytes);
            let paper = head.paper();
            prop_assert!(paper.lines().len() <= 50);
            prop_assert!(paper.lines().iter().all(|l| l.span() <= paper.columns()));
            let png = to_png(paper).unwrap_or_default();
            // IHDR: width at bytes 16..20, height at 20..24.
            let height = png.get(20..24).map(|h| u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as usize);
            prop_assert!(height.is_some_and(|h| h <= MAX_HEIGHT_PX));
            prop_assert!(paper.to_text().lines().count() <= 50);
        }
    }

    #[test]
    fn endless_feeds_are_capped() {
        let job = [0x1B, b'd', 255].repeat(1000);
        let mut head = PrintHead::new(32, false, 100);
        head.feed(&job);
        assert_eq!(head.paper().lines().len(), 100);
        assert_eq!(head.paper().overflow(), 1000 * 255 - 100);
        let png = to_png(head.paper()).unwrap_or_default();
        assert!(!png.is_empty());
    }
}
