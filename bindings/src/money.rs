//! Money across the boundary: integer minor units (`Long` in Kotlin) and the currency code.

use pos_core::{Amount, Currency, MoneyError};

use crate::error::PosError;

/// An amount in minor units (fen for CNY) with its ISO 4217 alphabetic code; never a float.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Money {
    /// Minor units.
    pub minor: i64,
    /// "CNY", "HKD", "USD".
    pub currency: String,
}

impl From<Amount> for Money {
    fn from(a: Amount) -> Self {
        // Amounts are within field 4 (12 digits), far inside i64.
        Money { minor: i64::try_from(a.minor()).unwrap_or(i64::MAX), currency: a.currency().alpha().to_string() }
    }
}

/// `minor` units of `currency` as an [`Amount`], refusing negatives and overflow.
pub(crate) fn amount(minor: i64, currency: Currency) -> Result<Amount, PosError> {
    let minor = u64::try_from(minor).map_err(|_| money_error(MoneyError::Negative))?;
    Amount::from_minor(minor, currency).map_err(money_error)
}

/// `minor` units of `currency` as [`Money`] (a total that may exceed one field 4).
pub(crate) fn money_of(minor: u64, currency: Currency) -> Money {
    Money { minor: i64::try_from(minor).unwrap_or(i64::MAX), currency: currency.alpha().to_string() }
}

pub(crate) fn money_error(e: MoneyError) -> PosError {
    pos_core::Error::from(e).into()
}

/// Parses what the operator typed (`12.34`, `1,234.00`) into fen, exactly: the core's parser.
#[uniffi::export]
pub fn parse_amount(input: String) -> Result<i64, PosError> {
    let a = Amount::parse(&input, Currency::CNY).map_err(money_error)?;
    Ok(Money::from(a).minor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_and_never_negative() {
        assert_eq!(parse_amount("12.34".into()), Ok(1234));
        assert_eq!(parse_amount("1,234.5".into()), Ok(123_450));
        assert!(matches!(parse_amount("1.234".into()), Err(PosError::InvalidInput { .. })));
        assert!(matches!(amount(-1, Currency::CNY), Err(PosError::InvalidInput { .. })));
        assert_eq!(Money::from(amount(5, Currency::CNY).unwrap()), Money { minor: 5, currency: "CNY".into() });
    }
}
