//! The primary account number: held only in memory, zeroized, shown masked.

use std::fmt;

use zeroize::Zeroizing;

use crate::card::error::{CardError, PanProblem};
use crate::card::luhn::luhn_valid;
use crate::card::masked_pan::MaskedPan;
use crate::card::scheme::CardScheme;
use crate::card::track::TrackId;

/// Shortest PAN ISO/IEC 7812 allows.
pub const PAN_MIN_LEN: usize = 12;
/// Longest PAN ISO/IEC 7812 allows (and field 2 carries).
pub const PAN_MAX_LEN: usize = 19;
/// Digits kept in clear at the front of a masked PAN (the BIN).
pub(crate) const BIN_LEN: usize = 6;
/// Digits kept in clear at the end of a masked PAN.
pub(crate) const LAST_LEN: usize = 4;

/// A full card number: 12 to 19 digits with a valid Luhn check digit.
///
/// Deliberately not `Serialize`: a full PAN must never reach storage or logs.
/// Debug and Display print the masked form only; the digits are wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct Pan(Zeroizing<String>);

impl Pan {
    /// Parses a PAN from its digits, checking length and the Luhn digit.
    pub fn parse(digits: &str) -> Result<Pan, CardError> {
        check(digits).map_err(CardError::InvalidPan)?;
        Ok(Pan(Zeroizing::new(digits.to_owned())))
    }

    /// Parses the card number found on a track, reporting problems against it.
    pub(crate) fn parse_on_track(digits: &str, track: TrackId) -> Result<Pan, CardError> {
        check(digits).map_err(|problem| CardError::TrackPanInvalid { track, problem })?;
        Ok(Pan(Zeroizing::new(digits.to_owned())))
    }

    /// The masked form (first 6, last 4), safe to store, print and log.
    pub fn masked(&self) -> MaskedPan {
        MaskedPan::from_pan(self)
    }

    /// The issuer identification number: the first 6 digits.
    pub fn bin(&self) -> &str {
        self.0.get(..BIN_LEN).unwrap_or_default()
    }

    /// The last 4 digits, as printed on receipts.
    pub fn last4(&self) -> &str {
        let start = self.0.len().saturating_sub(LAST_LEN);
        self.0.get(start..).unwrap_or_default()
    }

    /// The scheme the BIN belongs to.
    pub fn scheme(&self) -> CardScheme {
        CardScheme::from_bin(self.bin())
    }

    /// The full digits. Only for code that must send or bind the PAN itself:
    /// building field 2, the PAN block of an ISO 9564 format 0 PIN block, or the
    /// card fingerprint. Never log, store or display the result.
    pub fn as_digits(&self) -> &str {
        &self.0
    }
}

/// Validates PAN digits without copying them.
fn check(digits: &str) -> Result<(), PanProblem> {
    if let Some(position) = digits.bytes().position(|b| !b.is_ascii_digit()) {
        return Err(PanProblem::NotDigit { position });
    }
    let len = digits.len();
    if !(PAN_MIN_LEN..=PAN_MAX_LEN).contains(&len) {
        return Err(PanProblem::Length { len });
    }
    if !luhn_valid(digits) {
        return Err(PanProblem::Luhn);
    }
    Ok(())
}

impl fmt::Debug for Pan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pan({})", self.masked())
    }
}

impl fmt::Display for Pan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.masked(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNIONPAY: &str = "6228480402564890018";

    #[test]
    fn parses_and_masks() {
        let pan = Pan::parse(UNIONPAY).unwrap();
        assert_eq!(pan.bin(), "622848");
        assert_eq!(pan.last4(), "0018");
        assert_eq!(pan.masked().as_str(), "622848*********0018");
        assert_eq!(pan.to_string(), "622848*********0018");
        assert_eq!(format!("{pan:?}"), "Pan(622848*********0018)");
        assert_eq!(pan.as_digits(), UNIONPAY);
        assert_eq!(pan.scheme(), CardScheme::UnionPay);
    }

    #[test]
    fn length_bounds() {
        assert!(Pan::parse("622848000007").is_ok());
        assert_eq!(Pan::parse("62284800007"), Err(CardError::InvalidPan(PanProblem::Length { len: 11 })));
        assert_eq!(Pan::parse("62123456789012345690"), Err(CardError::InvalidPan(PanProblem::Length { len: 20 })));
        assert_eq!(Pan::parse(""), Err(CardError::InvalidPan(PanProblem::Length { len: 0 })));
    }

    #[test]
    fn rejects_bad_digits_and_luhn() {
        assert_eq!(Pan::parse("4111 1111 1111 1111"), Err(CardError::InvalidPan(PanProblem::NotDigit { position: 4 })));
        assert_eq!(Pan::parse("4111111111111112"), Err(CardError::InvalidPan(PanProblem::Luhn)));
    }
}
