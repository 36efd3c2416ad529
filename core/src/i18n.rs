//! Operator-facing text in Chinese and English.
//!
//! Every error and outcome an operator may see implements [`Bilingual`], so the
//! shell can show the text in the operator's language without its own tables.

use std::fmt;

/// A message an operator sees, in Chinese and English.
pub trait Bilingual {
    /// The Chinese text.
    fn zh(&self) -> String;
    /// The English text.
    fn en(&self) -> String;
    /// Both, as shown on the terminal: "中文 / English".
    fn both(&self) -> String {
        format!("{} / {}", self.zh(), self.en())
    }
}

/// The operator's chosen language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// 中文
    #[default]
    Zh,
    /// English
    En,
}

impl Lang {
    /// Picks the text of `m` in this language.
    pub fn pick<B: Bilingual + ?Sized>(self, m: &B) -> String {
        match self {
            Lang::Zh => m.zh(),
            Lang::En => m.en(),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        })
    }
}
