//! Lays text out on a paper width, measuring columns as the printer does, and encodes it.
//!
//! Every line the layout emits fits the paper at its character size, so the printer never
//! wraps on its own (which would push right-aligned amounts onto the next line).

use crate::devices::printer::{char_columns, str_columns, Align, EscPos, PaperWidth};

/// Most lines one slip may have (a pathological merchant name cannot make a metre of paper).
const MAX_LINES: usize = 200;

/// One printed line with its style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    pub text: String,
    pub align: Align,
    pub bold: bool,
    /// Width and height multipliers.
    pub size: (u8, u8),
}

/// Something on the slip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Block {
    Line(Line),
    Feed(u8),
}

/// A slip under construction for one paper width.
#[derive(Debug, Clone)]
pub(crate) struct Doc {
    width: PaperWidth,
    blocks: Vec<Block>,
    lines: usize,
}

impl Doc {
    pub fn new(width: PaperWidth) -> Doc {
        Doc { width, blocks: Vec::new(), lines: 0 }
    }

    pub fn columns(&self) -> usize {
        self.width.columns()
    }

    /// Adds `text`, wrapped to the width at `size`.
    pub(crate) fn styled(&mut self, text: &str, align: Align, bold: bool, size: (u8, u8)) {
        let cols = self.columns() / usize::from(size.0.max(1));
        for piece in wrap(text, cols) {
            self.push_line(Line { text: piece, align, bold, size });
        }
    }

    fn push_line(&mut self, line: Line) {
        if self.lines < MAX_LINES {
            self.lines += 1;
            self.blocks.push(Block::Line(line));
        }
    }

    pub fn text(&mut self, text: &str) {
        self.styled(text, Align::Left, false, (1, 1));
    }

    pub fn center(&mut self, text: &str, bold: bool) {
        self.styled(text, Align::Center, bold, (1, 1));
    }

    /// A rule across the paper.
    pub fn rule(&mut self, c: char) {
        let n = self.columns() / char_columns(c).max(1);
        self.text(&c.to_string().repeat(n));
    }

    /// `label` left and `value` right on one line, or, if they do not fit, the label then
    /// the value right-aligned below it.
    pub fn pair(&mut self, label: &str, value: &str, bold_value: bool) {
        let cols = self.columns();
        let (l, v) = (str_columns(label), str_columns(value));
        if l + 1 + v <= cols && !bold_value {
            let gap = " ".repeat(cols - l - v);
            self.text(&format!("{label}{gap}{value}"));
        } else {
            self.text(label);
            self.styled(value, Align::Right, bold_value, (1, 1));
        }
    }

    /// `label` on its own line and `value` below it, large.
    pub(crate) fn big_value(&mut self, label: &str, value: &str, align: Align) {
        self.text(label);
        self.styled(value, align, true, (2, 2));
    }

    pub fn feed(&mut self, lines: u8) {
        self.blocks.push(Block::Feed(lines));
    }

    /// The blocks, for tests.
    #[cfg(test)]
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// ESC/POS for the slip: init, the lines with only the style changes they need, feed and cut.
    pub(crate) fn to_escpos(&self) -> Vec<u8> {
        let mut e = EscPos::new();
        e.init();
        let (mut align, mut bold, mut size) = (Align::Left, false, (1, 1));
        for b in &self.blocks {
            match b {
                Block::Feed(n) => {
                    e.feed(*n);
                }
                Block::Line(l) => {
                    if l.align != align {
                        e.align(l.align);
                        align = l.align;
                    }
                    if l.bold != bold {
                        e.bold(l.bold);
                        bold = l.bold;
                    }
                    if l.size != size {
                        e.size(l.size.0, l.size.1);
                        size = l.size;
                    }
                    e.line(&l.text);
                }
            }
        }
        // Past the tear bar, then cut (printers without a cutter ignore it).
        e.feed(4).cut();
        e.into_bytes()
    }
}

/// A word for wrapping: an ASCII word, or one other character (Chinese wraps anywhere).
fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        let word_char = c.is_ascii_graphic();
        match (start, word_char) {
            (None, true) => start = Some(i),
            (Some(st), false) => {
                out.push(&s[st..i]);
                start = None;
            }
            _ => {}
        }
        if !word_char {
            out.push(&s[i..i + c.len_utf8()]);
        }
    }
    if let Some(st) = start {
        out.push(&s[st..]);
    }
    out
}

/// Splits `s` into lines of at most `cols` columns, breaking between words where it can.
pub(crate) fn wrap(s: &str, cols: usize) -> Vec<String> {
    let cols = cols.max(2);
    let mut lines = Vec::new();
    let mut cur = String::new();
    let mut used = 0;
    for tok in tokens(s) {
        let w = str_columns(tok);
        if tok == " " && used == 0 {
            continue;
        }
        if used + w > cols && used > 0 {
            lines.push(std::mem::take(&mut cur).trim_end().to_string());
            used = 0;
            if tok == " " {
                continue;
            }
        }
        if w > cols {
            // A word longer than the line is cut by characters.
            for c in tok.chars() {
                let cw = char_columns(c);
                if used + cw > cols {
                    lines.push(std::mem::take(&mut cur));
                    used = 0;
                }
                cur.push(c);
                used += cw;
            }
        } else {
            cur.push_str(tok);
            used += w;
        }
    }
    let last = cur.trim_end();
    if !last.is_empty() || lines.is_empty() {
        lines.push(last.to_string());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_by_columns_not_chars() {
        assert_eq!(wrap("演示商户 DEMO MERCHANT", 12), ["演示商户", "DEMO", "MERCHANT"]);
        assert_eq!(wrap("演示商户 DEMO MERCHANT", 13), ["演示商户 DEMO", "MERCHANT"]);
        assert_eq!(wrap("一二三四五六七", 5), ["一二", "三四", "五六", "七"]);
        assert_eq!(wrap("ABCDEFGHIJ", 4), ["ABCD", "EFGH", "IJ"]);
        assert_eq!(wrap("", 8), [""]);
        for s in
            ["本人确认以上交易，同意将其记入本卡账户", "I ACKNOWLEDGE SATISFACTORY RECEIPT OF RELATIVE GOODS/SERVICES"]
        {
            for cols in 2..40 {
                assert!(wrap(s, cols).iter().all(|l| str_columns(l) <= cols), "{s} at {cols}");
                let joined: String = wrap(s, cols).concat();
                assert_eq!(joined.replace(' ', ""), s.replace(' ', ""));
            }
        }
    }

    #[test]
    fn pairs_share_a_line_only_when_they_fit() {
        let mut d = Doc::new(PaperWidth::Mm58);
        d.pair("终端编号 TERMINAL NO.", "10000001", false);
        d.pair("商户编号 MERCHANT NO.", "898310048990001", false);
        let texts: Vec<&str> = d
            .blocks()
            .iter()
            .filter_map(|b| if let Block::Line(l) = b { Some(l.text.as_str()) } else { None })
            .collect();
        assert_eq!(texts, ["终端编号 TERMINAL NO.   10000001", "商户编号 MERCHANT NO.", "898310048990001"]);
        assert_eq!(str_columns(texts[0]), 32);
    }
}
