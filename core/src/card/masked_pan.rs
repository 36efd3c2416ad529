//! The masked PAN (first 6, last 4): the only form of a card number we keep.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::card::error::CardError;
use crate::card::pan::{Pan, BIN_LEN, LAST_LEN, PAN_MAX_LEN, PAN_MIN_LEN};
use crate::card::scheme::CardScheme;

/// A card number with all but the first 6 and last 4 digits replaced by '*',
/// same length as the PAN, e.g. "622848******1234". Safe to store and print.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MaskedPan(String);

impl MaskedPan {
    /// Masks a PAN.
    pub(crate) fn from_pan(pan: &Pan) -> MaskedPan {
        let digits = pan.as_digits();
        let len = digits.len();
        let masked = digits
            .chars()
            .enumerate()
            .map(|(i, c)| if i < BIN_LEN || i >= len.saturating_sub(LAST_LEN) { c } else { '*' })
            .collect();
        MaskedPan(masked)
    }

    /// Parses a stored masked PAN, insisting that nothing beyond the first 6
    /// and last 4 digits is in clear (so a full PAN cannot sneak in).
    pub fn parse(s: &str) -> Result<MaskedPan, CardError> {
        let bytes = s.as_bytes();
        let len = bytes.len();
        if !(PAN_MIN_LEN..=PAN_MAX_LEN).contains(&len) {
            return Err(CardError::InvalidMaskedPan);
        }
        let well_formed = bytes.iter().enumerate().all(|(i, &b)| {
            if i < BIN_LEN || i >= len - LAST_LEN {
                b.is_ascii_digit()
            } else {
                b == b'*'
            }
        });
        if well_formed {
            Ok(MaskedPan(s.to_owned()))
        } else {
            Err(CardError::InvalidMaskedPan)
        }
    }

    /// The text, e.g. "622848******1234".
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The issuer identification number: the first 6 digits.
    pub fn bin(&self) -> &str {
        self.0.get(..BIN_LEN).unwrap_or_default()
    }

    /// The last 4 digits.
    pub fn last4(&self) -> &str {
        let start = self.0.len().saturating_sub(LAST_LEN);
        self.0.get(start..).unwrap_or_default()
    }

    /// The scheme the BIN belongs to.
    pub fn scheme(&self) -> CardScheme {
        CardScheme::from_bin(self.bin())
    }
}

impl fmt::Display for MaskedPan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for MaskedPan {
    type Err = CardError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MaskedPan::parse(s)
    }
}

impl TryFrom<String> for MaskedPan {
    type Error = CardError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        MaskedPan::parse(&s)
    }
}

impl From<MaskedPan> for String {
    fn from(m: MaskedPan) -> String {
        m.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_length() {
        let pan12 = Pan::parse("622848000007").unwrap();
        assert_eq!(pan12.masked().as_str(), "622848**0007");
        let pan16 = Pan::parse("4111111111111111").unwrap();
        assert_eq!(pan16.masked().as_str(), "411111******1111");
        assert_eq!(pan16.masked().bin(), "411111");
        assert_eq!(pan16.masked().last4(), "1111");
        assert_eq!(pan16.masked().scheme(), CardScheme::Visa);
    }

    #[test]
    fn parse_rejects_clear_middle_digits() {
        assert!(MaskedPan::parse("411111******1111").is_ok());
        assert_eq!(MaskedPan::parse("4111111111111111"), Err(CardError::InvalidMaskedPan));
        assert!(MaskedPan::parse("41111******1111").is_err());
        assert!(MaskedPan::parse("411111*1111").is_err());
        assert!(MaskedPan::parse("411111******111*").is_err());
        assert!(MaskedPan::parse("").is_err());
        assert!(MaskedPan::parse("411111******111１").is_err());
    }

    #[test]
    fn serde_round_trip_validates() {
        let m = MaskedPan::parse("622848*********0018").unwrap();
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, "\"622848*********0018\"");
        let back: MaskedPan = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
        assert!(serde_json::from_str::<MaskedPan>("\"6228480402564890018\"").is_err());
    }
}
