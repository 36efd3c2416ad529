//! Amounts in integer minor units with an ISO 4217 currency; never floats.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::i18n::Bilingual;

/// The largest amount field 4 (n12) can carry, in minor units.
pub const MAX_MINOR: u64 = 999_999_999_999;

/// An ISO 4217 currency: numeric code and number of minor-unit digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Currency {
    /// ISO 4217 numeric code, e.g. 156 for CNY.
    pub numeric: u16,
    /// Minor-unit digits (2 for CNY: fen).
    pub exponent: u8,
}

impl Currency {
    /// Chinese yuan renminbi, the profile default.
    pub const CNY: Currency = Currency { numeric: 156, exponent: 2 };
    /// Hong Kong dollar.
    pub const HKD: Currency = Currency { numeric: 344, exponent: 2 };
    /// US dollar.
    pub const USD: Currency = Currency { numeric: 840, exponent: 2 };

    /// Looks a currency up by its numeric code (as in field 49).
    pub(crate) fn from_numeric(code: u16) -> Option<Currency> {
        [Self::CNY, Self::HKD, Self::USD].into_iter().find(|c| c.numeric == code)
    }

    /// The three-digit code as sent in field 49, e.g. "156".
    pub fn code(&self) -> String {
        format!("{:03}", self.numeric)
    }

    /// The alphabetic code for display, e.g. "CNY".
    pub fn alpha(&self) -> &'static str {
        match self.numeric {
            156 => "CNY",
            344 => "HKD",
            840 => "USD",
            _ => "???",
        }
    }
}

impl Default for Currency {
    fn default() -> Self {
        Currency::CNY
    }
}

/// Why operator input is not an amount.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MoneyError {
    /// Nothing was entered.
    #[error("empty amount")]
    Empty,
    /// A minus sign: payments are never negative.
    #[error("negative amount")]
    Negative,
    /// More fractional digits than the currency has.
    #[error("more than {max} decimal places")]
    TooManyDecimals {
        /// The currency's exponent.
        max: u8,
    },
    /// Larger than field 4 can carry.
    #[error("amount too large")]
    Overflow,
    /// Anything that is not digits, one point and well-placed group commas.
    #[error("not an amount: {0:?}")]
    Garbage(String),
    /// Arithmetic on amounts of different currencies.
    #[error("currency mismatch")]
    CurrencyMismatch,
}

impl Bilingual for MoneyError {
    fn zh(&self) -> String {
        match self {
            MoneyError::Empty => "请输入金额".into(),
            MoneyError::Negative => "金额不能为负".into(),
            MoneyError::TooManyDecimals { max } => format!("金额最多 {max} 位小数"),
            MoneyError::Overflow => "金额超出上限：最多 9,999,999,999.99".into(),
            MoneyError::Garbage(_) => "金额格式错误，请重新输入".into(),
            MoneyError::CurrencyMismatch => "币种不一致".into(),
        }
    }
    fn en(&self) -> String {
        match self {
            MoneyError::Empty => "Enter an amount".into(),
            MoneyError::Negative => "The amount cannot be negative".into(),
            MoneyError::TooManyDecimals { max } => {
                format!("At most {max} decimal places")
            }
            MoneyError::Overflow => "The amount is too large: at most 9,999,999,999.99".into(),
            MoneyError::Garbage(_) => "Not a valid amount; enter it again".into(),
            MoneyError::CurrencyMismatch => "Currencies differ".into(),
        }
    }
}

/// A non-negative amount in minor units (fen for CNY).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Amount {
    minor: u64,
    currency: Currency,
}

impl PartialOrd for Currency {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Currency {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.numeric.cmp(&other.numeric)
    }
}

impl Amount {
    /// An amount of `minor` units; fails above what field 4 can carry.
    pub fn from_minor(minor: u64, currency: Currency) -> Result<Amount, MoneyError> {
        if minor > MAX_MINOR {
            return Err(MoneyError::Overflow);
        }
        Ok(Amount { minor, currency })
    }

    /// An amount in CNY fen.
    pub fn cny(minor: u64) -> Result<Amount, MoneyError> {
        Self::from_minor(minor, Currency::CNY)
    }

    /// Zero in `currency`.
    pub fn zero(currency: Currency) -> Amount {
        Amount { minor: 0, currency }
    }

    /// The count of minor units.
    pub fn minor(&self) -> u64 {
        self.minor
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Parses operator input such as `12.34`, `0.5` or `1,234.00`.
    pub fn parse(input: &str, currency: Currency) -> Result<Amount, MoneyError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(MoneyError::Empty);
        }
        if s.starts_with('-') {
            return Err(MoneyError::Negative);
        }
        let s = s.strip_prefix('+').unwrap_or(s);
        let garbage = || MoneyError::Garbage(truncate(input));
        let (int_part, frac_part) = match s.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (s, None),
        };
        let int_digits = strip_grouping(int_part).ok_or_else(garbage)?;
        let frac = frac_part.unwrap_or("");
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(garbage());
        }
        if int_digits.is_empty() && frac.is_empty() {
            return Err(garbage());
        }
        if frac.len() > usize::from(currency.exponent) {
            return Err(MoneyError::TooManyDecimals { max: currency.exponent });
        }
        let mut minor: u64 = 0;
        let padded = frac.bytes().chain(std::iter::repeat_n(b'0', usize::from(currency.exponent) - frac.len()));
        for b in int_digits.bytes().chain(padded) {
            minor =
                minor.checked_mul(10).and_then(|m| m.checked_add(u64::from(b - b'0'))).ok_or(MoneyError::Overflow)?;
        }
        Amount::from_minor(minor, currency)
    }

    /// Adds two amounts of the same currency.
    pub fn checked_add(self, other: Amount) -> Result<Amount, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch);
        }
        let sum = self.minor.checked_add(other.minor).ok_or(MoneyError::Overflow)?;
        Amount::from_minor(sum, self.currency)
    }

    /// Subtracts, failing (as `Negative`) below zero.
    pub fn checked_sub(self, other: Amount) -> Result<Amount, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch);
        }
        let diff = self.minor.checked_sub(other.minor).ok_or(MoneyError::Negative)?;
        Ok(Amount { minor: diff, currency: self.currency })
    }

    /// The 12 digits of field 4.
    pub fn to_field4(&self) -> String {
        format!("{:012}", self.minor)
    }
}

/// Accepts `1234` or `1,234` (commas only between groups of three).
fn strip_grouping(int_part: &str) -> Option<String> {
    if !int_part.contains(',') {
        return int_part.bytes().all(|b| b.is_ascii_digit()).then(|| int_part.to_string());
    }
    let mut groups = int_part.split(',');
    let first = groups.next()?;
    if first.is_empty() || first.len() > 3 || !first.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut out = first.to_string();
    for g in groups {
        if g.len() != 3 || !g.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        out.push_str(g);
    }
    Some(out)
}

/// Keeps error text bounded whatever the operator pasted.
fn truncate(s: &str) -> String {
    s.chars().take(32).collect()
}

impl fmt::Display for Amount {
    /// `12.34 CNY`: the amount as the operator and the receipt show it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scale = 10u64.pow(u32::from(self.currency.exponent));
        if self.currency.exponent == 0 {
            write!(f, "{} {}", self.minor, self.currency.alpha())
        } else {
            write!(
                f,
                "{}.{:0width$} {}",
                self.minor / scale,
                self.minor % scale,
                self.currency.alpha(),
                width = usize::from(self.currency.exponent)
            )
        }
    }
}

impl FromStr for Amount {
    type Err = MoneyError;
    /// Parses in CNY; use [`Amount::parse`] for another currency.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Amount::parse(s, Currency::CNY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cny(s: &str) -> Result<u64, MoneyError> {
        Amount::parse(s, Currency::CNY).map(|a| a.minor())
    }

    #[test]
    fn parses_operator_input_exactly() {
        assert_eq!(cny("12.34"), Ok(1234));
        assert_eq!(cny("0.5"), Ok(50));
        assert_eq!(cny("1,234.00"), Ok(123_400));
        assert_eq!(cny("1,234,567.89"), Ok(123_456_789));
        assert_eq!(cny("7"), Ok(700));
        assert_eq!(cny(".5"), Ok(50));
        assert_eq!(cny("5."), Ok(500));
        assert_eq!(cny(" 0.01 "), Ok(1));
        assert_eq!(cny("9999999999.99"), Ok(MAX_MINOR));
        // The refusal names the largest amount, which is MAX_MINOR.
        let said = crate::i18n::Bilingual::en(&MoneyError::Overflow);
        assert!(said.contains("9,999,999,999.99") && MAX_MINOR == 999_999_999_999, "{said}");
    }

    #[test]
    fn rejects_bad_input_with_typed_errors() {
        assert_eq!(cny(""), Err(MoneyError::Empty));
        assert_eq!(cny("-1.00"), Err(MoneyError::Negative));
        assert_eq!(cny("1.234"), Err(MoneyError::TooManyDecimals { max: 2 }));
        assert_eq!(cny("10000000000.00"), Err(MoneyError::Overflow));
        assert_eq!(cny("99999999999999999999999"), Err(MoneyError::Overflow));
        for bad in ["abc", "1.2.3", "1,23.00", "12,34", ",123", "1e5", ".", "1 000", "１２"] {
            assert!(matches!(cny(bad), Err(MoneyError::Garbage(_))), "{bad}");
        }
    }

    #[test]
    fn displays_and_formats_field4() {
        let a = Amount::cny(123_456).unwrap();
        assert_eq!(a.to_string(), "1234.56 CNY");
        assert_eq!(a.to_field4(), "000000123456");
        assert_eq!(Amount::cny(5).unwrap().to_string(), "0.05 CNY");
    }

    #[test]
    fn arithmetic_checks_currency_and_sign() {
        let a = Amount::cny(100).unwrap();
        let b = Amount::from_minor(1, Currency::USD).unwrap();
        assert_eq!(a.checked_add(b), Err(MoneyError::CurrencyMismatch));
        assert_eq!(a.checked_sub(Amount::cny(101).unwrap()), Err(MoneyError::Negative));
        assert_eq!(a.checked_add(a).unwrap().minor(), 200);
    }

    proptest! {
        #[test]
        fn display_parses_back(minor in 0u64..=MAX_MINOR) {
            let a = Amount::cny(minor).unwrap();
            let shown = a.to_string();
            let number = shown.trim_end_matches(" CNY");
            prop_assert_eq!(cny(number), Ok(minor));
        }

        #[test]
        fn never_panics(s in ".{0,40}") {
            let _ = cny(&s);
        }
    }
}
