//! The three-digit service code of a magnetic stripe (ISO/IEC 7813).

use std::fmt;

use crate::card::error::CardError;

/// The service code: digit 1 interchange and technology, digit 2
/// authorisation processing, digit 3 allowed services and PIN requirements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ServiceCode([u8; 3]);

impl ServiceCode {
    /// Builds a service code from three digit values (each 0..=9).
    pub fn new(digits: [u8; 3]) -> Result<ServiceCode, CardError> {
        if digits.iter().all(|d| *d <= 9) {
            Ok(ServiceCode(digits))
        } else {
            Err(CardError::InvalidServiceCode)
        }
    }

    /// Parses the three ASCII digits, e.g. "201".
    pub fn parse(s: &str) -> Result<ServiceCode, CardError> {
        Self::from_ascii(s.as_bytes()).ok_or(CardError::InvalidServiceCode)
    }

    /// Parses three ASCII digits from raw bytes; `None` unless exactly that.
    pub(crate) fn from_ascii(b: &[u8]) -> Option<ServiceCode> {
        let [a, b, c] = <[u8; 3]>::try_from(b).ok()?;
        let digit = |x: u8| x.is_ascii_digit().then(|| x - b'0');
        Some(ServiceCode([digit(a)?, digit(b)?, digit(c)?]))
    }

    /// The three digit values.
    pub fn digits(&self) -> [u8; 3] {
        self.0
    }

    /// The card has a chip (first digit 2 or 6): a swipe must be refused and
    /// the chip used instead, unless the terminal is doing a fallback.
    pub fn is_chip(&self) -> bool {
        matches!(self.0, [2 | 6, _, _])
    }

    /// The issuer demands a PIN: third digit 0 (no restrictions, PIN
    /// required), 3 (ATM only, PIN required) or 5 (goods and services only,
    /// PIN required). Digits 6 and 7 mean "prompt if a PIN pad is present",
    /// which [`ServiceCode::prompts_for_pin`] reports.
    pub fn requires_pin(&self) -> bool {
        matches!(self.0, [_, _, 0 | 3 | 5])
    }

    /// The issuer asks for a PIN when the terminal has a PIN pad (third
    /// digit 6 or 7); ours always has one, so treat these like `requires_pin`
    /// unless a risk rule decides otherwise.
    pub fn prompts_for_pin(&self) -> bool {
        matches!(self.0, [_, _, 6 | 7])
    }
}

impl fmt::Display for ServiceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c] = self.0;
        write!(f, "{a}{b}{c}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_flags() {
        let chip_pin = ServiceCode::parse("220").unwrap();
        assert!(chip_pin.is_chip() && chip_pin.requires_pin());
        assert_eq!(chip_pin.to_string(), "220");
        let plain = ServiceCode::parse("101").unwrap();
        assert!(!plain.is_chip() && !plain.requires_pin() && !plain.prompts_for_pin());
        assert!(ServiceCode::parse("601").unwrap().is_chip());
        assert!(ServiceCode::parse("103").unwrap().requires_pin());
        assert!(ServiceCode::parse("105").unwrap().requires_pin());
        assert!(ServiceCode::parse("106").unwrap().prompts_for_pin());
        assert_eq!(ServiceCode::parse("201").unwrap().digits(), [2, 0, 1]);
    }

    #[test]
    fn rejects_malformed() {
        for bad in ["", "20", "2011", "2a1", "２01"] {
            assert_eq!(ServiceCode::parse(bad), Err(CardError::InvalidServiceCode));
        }
        assert!(ServiceCode::new([1, 0, 10]).is_err());
    }
}
