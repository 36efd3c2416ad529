//! Counters and identifiers carried in messages: STAN, batch number, TID, MID.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::CodecError;

/// Parses exactly `width` ASCII digits of field `field`.
pub(crate) fn digits_u32(field: u8, s: &[u8], width: usize) -> Result<u32, CodecError> {
    if s.len() != width || !s.iter().all(u8::is_ascii_digit) {
        return Err(CodecError::bad_value(field, format!("expected {width} digits")));
    }
    Ok(s.iter().fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0')))
}

/// Parses ASCII digits of any length up to 18 as u64.
pub(crate) fn digits_u64(field: u8, s: &[u8]) -> Result<u64, CodecError> {
    if s.is_empty() || s.len() > 18 || !s.iter().all(u8::is_ascii_digit) {
        return Err(CodecError::bad_value(field, "expected digits"));
    }
    Ok(s.iter().fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0')))
}

/// System trace audit number (field 11): 000001-999999, wrapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Stan(u32);

impl Stan {
    /// The first STAN of a fresh terminal.
    pub const FIRST: Stan = Stan(1);

    /// A STAN in 1..=999999.
    pub fn new(v: u32) -> Option<Stan> {
        (1..=999_999).contains(&v).then_some(Stan(v))
    }

    /// The numeric value.
    pub fn value(&self) -> u32 {
        self.0
    }

    /// The next STAN; 999999 wraps to 000001 (000000 is never used).
    pub fn next(&self) -> Stan {
        if self.0 >= 999_999 {
            Stan(1)
        } else {
            Stan(self.0 + 1)
        }
    }

    /// Reads field 11 (or a STAN inside 61).
    pub fn parse(field: u8, s: &[u8]) -> Result<Stan, CodecError> {
        let v = digits_u32(field, s, 6)?;
        Stan::new(v).ok_or_else(|| CodecError::bad_value(field, "STAN 000000"))
    }
}

impl fmt::Display for Stan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

/// Batch number (60.2): 000001-999999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BatchNo(u32);

impl BatchNo {
    /// A batch number in 0..=999999 (000000 appears in some originals).
    pub fn new(v: u32) -> Option<BatchNo> {
        (v <= 999_999).then_some(BatchNo(v))
    }

    /// The numeric value.
    pub fn value(&self) -> u32 {
        self.0
    }

    /// The batch after settlement; wraps to 000001.
    pub fn next(&self) -> BatchNo {
        if self.0 >= 999_999 {
            BatchNo(1)
        } else {
            BatchNo(self.0 + 1)
        }
    }

    /// Reads six digits.
    pub fn parse(field: u8, s: &[u8]) -> Result<BatchNo, CodecError> {
        Ok(BatchNo(digits_u32(field, s, 6)?))
    }
}

impl fmt::Display for BatchNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

macro_rules! fixed_ascii_id {
    ($name:ident, $len:expr, $field:expr, $doc:expr) => {
        #[doc = $doc]
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Validates printable ASCII of exactly the field's length.
            pub fn new(s: &str) -> Result<$name, CodecError> {
                if s.len() == $len && s.bytes().all(|b| b.is_ascii_graphic()) {
                    Ok($name(s.to_string()))
                } else {
                    Err(CodecError::bad_value($field, concat!("expected ", stringify!($len), " printable characters")))
                }
            }

            /// Reads the field's bytes.
            pub(crate) fn from_field(b: &[u8]) -> Result<$name, CodecError> {
                let s = std::str::from_utf8(b).map_err(|_| CodecError::BadCharacter { field: $field })?;
                $name::new(s)
            }

            /// The identifier.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = CodecError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                $name::new(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
    };
}

fixed_ascii_id!(TerminalId, 8, 41, "Terminal ID (field 41), 8 characters.");
fixed_ascii_id!(MerchantId, 15, 42, "Merchant ID (field 42), 15 characters.");
