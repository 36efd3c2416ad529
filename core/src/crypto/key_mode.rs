//! The sign-in key mode: which working keys field 62 carries (60.3 network management code).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::{clip, CryptoError};

/// Which working keys a sign-in delivers, from the 60.3 code of the 0800/0810.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum KeyMode {
    /// "001": single-length PIK and MAK.
    #[serde(rename = "001")]
    Single001,
    /// "003": double-length PIK, MAK (single or double length).
    #[serde(rename = "003")]
    Double003,
    /// "004": as 003 plus a double-length track data key (TDK).
    #[serde(rename = "004")]
    DoubleWithTrack004,
}

impl KeyMode {
    /// Reads the 60.3 network management code.
    pub fn from_code(code: &str) -> Result<Self, CryptoError> {
        match code.trim() {
            "001" => Ok(KeyMode::Single001),
            "003" => Ok(KeyMode::Double003),
            "004" => Ok(KeyMode::DoubleWithTrack004),
            _ => Err(CryptoError::UnknownKeyMode { code: clip(code) }),
        }
    }

    /// The 60.3 network management code.
    pub fn code(self) -> &'static str {
        match self {
            KeyMode::Single001 => "001",
            KeyMode::Double003 => "003",
            KeyMode::DoubleWithTrack004 => "004",
        }
    }

    /// Whether this mode delivers a track data key.
    pub(crate) fn has_tdk(self) -> bool {
        matches!(self, KeyMode::DoubleWithTrack004)
    }

    /// The PIK length this mode carries.
    pub fn pik_len(self) -> usize {
        match self {
            KeyMode::Single001 => 8,
            KeyMode::Double003 | KeyMode::DoubleWithTrack004 => 16,
        }
    }
}

impl fmt::Display for KeyMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for KeyMode {
    type Err = CryptoError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        KeyMode::from_code(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for m in [KeyMode::Single001, KeyMode::Double003, KeyMode::DoubleWithTrack004] {
            assert_eq!(KeyMode::from_code(m.code()), Ok(m));
            assert_eq!(m.to_string().parse(), Ok(m));
        }
        assert_eq!(KeyMode::from_code("002"), Err(CryptoError::UnknownKeyMode { code: "002".to_owned() }));
    }

    #[test]
    fn serde_uses_codes() -> Result<(), serde_json::Error> {
        assert_eq!(serde_json::to_string(&KeyMode::Double003)?, "\"003\"");
        Ok(())
    }
}
