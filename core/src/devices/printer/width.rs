//! How many print columns text takes on a thermal printer in Chinese mode.
//!
//! The printer decides by encoding, not by Unicode: in Chinese mode every one-byte GB18030
//! code (ASCII) is a half-width cell and every two- or four-byte code is one full-width
//! cell of two columns. So "é" or "·" take two columns on paper although Unicode calls them
//! narrow; measuring chars or bytes would misalign every right-aligned amount.

/// The paper roll a printer takes, and so its line length in font A columns (12 dots each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PaperWidth {
    /// 58 mm roll: 384 dots, 32 columns.
    #[default]
    Mm58,
    /// 80 mm roll: 576 dots, 48 columns.
    Mm80,
}

impl PaperWidth {
    /// Half-width characters per line.
    pub fn columns(self) -> usize {
        match self {
            PaperWidth::Mm58 => 32,
            PaperWidth::Mm80 => 48,
        }
    }

    /// The roll width in millimetres, for names and logs.
    pub fn mm(self) -> u8 {
        match self {
            PaperWidth::Mm58 => 58,
            PaperWidth::Mm80 => 80,
        }
    }
}

/// Columns one character takes: 1 for printable ASCII, 2 for everything else, 0 for controls.
pub(crate) fn char_columns(c: char) -> usize {
    match c {
        ' '..='~' => 1,
        c if c.is_control() => 0,
        _ => 2,
    }
}

/// Columns a string takes (see [`char_columns`]).
pub fn str_columns(s: &str) -> usize {
    s.chars().map(char_columns).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_takes_two_columns() {
        assert_eq!(str_columns("RMB 12.34"), 9);
        assert_eq!(str_columns("商户存根"), 8);
        assert_eq!(str_columns("金额：12"), 8);
        assert_eq!(str_columns("é·"), 4);
        assert_eq!(str_columns("a\u{1b}b"), 2);
    }
}
