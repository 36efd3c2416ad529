//! Field 22 (entry mode) and field 53 (security control).

use serde::{Deserialize, Serialize};

use super::error::CodecError;

/// How the card was read: the first two digits of field 22.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryMethod {
    /// `01` key-entered.
    Manual,
    /// `02` magnetic stripe.
    Swipe,
    /// `05` chip (contact).
    Chip,
    /// `07` contactless (qPBOC).
    Contactless,
    /// `80` swipe after a chip failure (fallback).
    Fallback,
}

impl EntryMethod {
    fn code(self) -> &'static str {
        match self {
            EntryMethod::Manual => "01",
            EntryMethod::Swipe => "02",
            EntryMethod::Chip => "05",
            EntryMethod::Contactless => "07",
            EntryMethod::Fallback => "80",
        }
    }

    /// True for chip and contactless reads (which carry field 55).
    pub fn is_chip(self) -> bool {
        matches!(self, EntryMethod::Chip | EntryMethod::Contactless)
    }
}

/// Field 22: entry method plus whether a PIN was entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EntryMode {
    /// How the card was read.
    pub method: EntryMethod,
    /// Third digit: `1` PIN entered, `2` no PIN.
    pub pin_entered: bool,
}

impl EntryMode {
    /// The three digits of field 22.
    pub fn to_field(&self) -> String {
        format!("{}{}", self.method.code(), if self.pin_entered { '1' } else { '2' })
    }

    /// Reads field 22.
    pub fn parse(v: &[u8]) -> Result<EntryMode, CodecError> {
        let method = match v.get(..2) {
            Some(b"01") => EntryMethod::Manual,
            Some(b"02") => EntryMethod::Swipe,
            Some(b"05") => EntryMethod::Chip,
            Some(b"07") => EntryMethod::Contactless,
            Some(b"80") => EntryMethod::Fallback,
            _ => return Err(CodecError::bad_value(22, "unknown entry method")),
        };
        let pin_entered = match v.get(2) {
            Some(b'1') => true,
            Some(b'2' | b'0') => false,
            _ => return Err(CodecError::bad_value(22, "PIN capability digit not 0-2")),
        };
        Ok(EntryMode { method, pin_entered })
    }
}

/// Field 53: PIN block format, key length and whether tracks are encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SecurityControl {
    /// First digit `2`: ANSI X9.8 PIN block with PAN (`1` without).
    pub pin_with_pan: bool,
    /// Second digit `6`: double-length keys (`0` single).
    pub double_length: bool,
    /// Third digit `1` or `2`: track data encrypted under the TDK.
    pub track_encrypted: bool,
    /// Third digit `2`: the whole track is encrypted (this profile's variant), not only the TDB.
    pub whole_track: bool,
}

impl SecurityControl {
    /// The 16 digits of field 53.
    pub fn to_field(&self) -> String {
        format!(
            "{}{}{}0000000000000",
            if self.pin_with_pan { '2' } else { '1' },
            if self.double_length { '6' } else { '0' },
            match (self.track_encrypted, self.whole_track) {
                (false, _) => '0',
                (true, false) => '1',
                (true, true) => '2',
            }
        )
    }

    /// Reads field 53.
    pub fn parse(v: &[u8]) -> Result<SecurityControl, CodecError> {
        if v.len() != 16 {
            return Err(CodecError::bad_value(53, "expected 16 digits"));
        }
        let pin_with_pan = match v[0] {
            b'2' => true,
            b'1' | b'0' => false,
            _ => return Err(CodecError::bad_value(53, "PIN format digit")),
        };
        let double_length = match v[1] {
            b'6' => true,
            b'0' => false,
            _ => return Err(CodecError::bad_value(53, "key length digit")),
        };
        let (track_encrypted, whole_track) = match v[2] {
            b'2' => (true, true),
            b'1' => (true, false),
            b'0' => (false, false),
            _ => return Err(CodecError::bad_value(53, "track encryption digit")),
        };
        Ok(SecurityControl { pin_with_pan, double_length, track_encrypted, whole_track })
    }
}
