//! Card expiry date as the card and field 14 carry it: YYMM.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::card::error::CardError;

/// A card's expiry year and month. The card is valid through the end of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Expiry {
    // Field order matters: the derived Ord compares year first.
    year: u8,
    month: u8,
}

impl Expiry {
    /// Builds an expiry from a two-digit year (0..=99) and a month (1..=12).
    pub fn new(year: u8, month: u8) -> Result<Expiry, CardError> {
        if year <= 99 && (1..=12).contains(&month) {
            Ok(Expiry { year, month })
        } else {
            Err(CardError::InvalidExpiry)
        }
    }

    /// Parses the four digits YYMM, as on a track or in field 14.
    pub fn parse_yymm(s: &str) -> Result<Expiry, CardError> {
        Self::from_ascii(s.as_bytes()).ok_or(CardError::InvalidExpiry)
    }

    /// Parses YYMM from raw bytes; `None` unless exactly four valid digits.
    pub(crate) fn from_ascii(b: &[u8]) -> Option<Expiry> {
        let [y1, y2, m1, m2] = <[u8; 4]>::try_from(b).ok()?;
        let digit = |c: u8| c.is_ascii_digit().then(|| c - b'0');
        let year = digit(y1)? * 10 + digit(y2)?;
        let month = digit(m1)? * 10 + digit(m2)?;
        Expiry::new(year, month).ok()
    }

    /// The two-digit year.
    pub fn year(&self) -> u8 {
        self.year
    }

    /// The month, 1..=12.
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The YYMM text sent in field 14, e.g. "2812".
    pub(crate) fn yymm(&self) -> String {
        format!("{:02}{:02}", self.year, self.month)
    }

    /// True once `today` (the current year and month, as an `Expiry`) is past
    /// the expiry month. Two-digit years are compared as they stand, as
    /// terminals do: the rollover at 2099 is out of a card's lifetime.
    pub fn is_expired(&self, today: Expiry) -> bool {
        today > *self
    }
}

/// Shown as on the card face, MM/YY.
impl fmt::Display for Expiry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}/{:02}", self.month, self.year)
    }
}

impl TryFrom<String> for Expiry {
    type Error = CardError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Expiry::parse_yymm(&s)
    }
}

impl From<Expiry> for String {
    fn from(e: Expiry) -> String {
        e.yymm()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_format() {
        let e = Expiry::parse_yymm("2812").unwrap();
        assert_eq!((e.year(), e.month()), (28, 12));
        assert_eq!(e.yymm(), "2812");
        assert_eq!(e.to_string(), "12/28");
        assert_eq!(Expiry::parse_yymm("0501").unwrap().yymm(), "0501");
    }

    #[test]
    fn rejects_bad_months_and_shapes() {
        for bad in ["2800", "2813", "281", "28122", "2a12", "", "２８12"] {
            assert_eq!(Expiry::parse_yymm(bad), Err(CardError::InvalidExpiry), "{bad}");
        }
        assert!(Expiry::new(100, 1).is_err());
        assert!(Expiry::new(99, 0).is_err());
    }

    #[test]
    fn expired_after_the_month() {
        let e = Expiry::new(26, 5).unwrap();
        assert!(!e.is_expired(Expiry::new(26, 5).unwrap()));
        assert!(!e.is_expired(Expiry::new(25, 12).unwrap()));
        assert!(e.is_expired(Expiry::new(26, 6).unwrap()));
        assert!(e.is_expired(Expiry::new(27, 1).unwrap()));
    }

    #[test]
    fn serde_as_yymm() {
        let e = Expiry::new(28, 2).unwrap();
        assert_eq!(serde_json::to_string(&e).unwrap(), "\"2802\"");
        assert!(serde_json::from_str::<Expiry>("\"2813\"").is_err());
    }
}
