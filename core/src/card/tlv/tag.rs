//! A BER-TLV tag as EMV uses it: one to three bytes, read as a number.

use std::fmt;

/// A tag, its bytes read big-endian: `Tag(0x9F26)` is the two bytes 9F 26.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(pub u32);

impl Tag {
    /// 57, Track 2 Equivalent Data.
    pub const TRACK2_EQUIVALENT: Tag = Tag(0x57);
    /// 5A, Application PAN.
    pub const PAN: Tag = Tag(0x5A);
    /// 5F34, Application PAN Sequence Number (field 23).
    pub const PAN_SEQUENCE_NUMBER: Tag = Tag(0x5F34);
    /// 5F24, Application Expiration Date (YYMMDD).
    pub const EXPIRATION_DATE: Tag = Tag(0x5F24);
    /// 9F26, Application Cryptogram.
    pub const APPLICATION_CRYPTOGRAM: Tag = Tag(0x9F26);
    /// 9F27, Cryptogram Information Data.
    pub const CRYPTOGRAM_INFORMATION_DATA: Tag = Tag(0x9F27);
    /// 9F36, Application Transaction Counter.
    pub const ATC: Tag = Tag(0x9F36);
    /// 95, Terminal Verification Results.
    pub const TVR: Tag = Tag(0x95);
    /// 9F10, Issuer Application Data.
    pub const ISSUER_APPLICATION_DATA: Tag = Tag(0x9F10);
    /// 91, Issuer Authentication Data (from the host).
    pub const ISSUER_AUTHENTICATION_DATA: Tag = Tag(0x91);
    /// 71, Issuer Script Template 1 (from the host).
    pub const ISSUER_SCRIPT_1: Tag = Tag(0x71);
    /// 72, Issuer Script Template 2 (from the host).
    pub const ISSUER_SCRIPT_2: Tag = Tag(0x72);

    /// The tag's bytes on the wire, leading zero bytes dropped (at least one).
    pub(crate) fn to_bytes(self) -> Vec<u8> {
        let be = self.0.to_be_bytes();
        let skip = be.iter().take(3).take_while(|b| **b == 0).count();
        be.iter().skip(skip).copied().collect()
    }

    /// Number of bytes the tag takes on the wire.
    pub(crate) fn encoded_len(self) -> usize {
        match self.0 {
            0..=0xFF => 1,
            0x100..=0xFFFF => 2,
            0x1_0000..=0xFF_FFFF => 3,
            _ => 4,
        }
    }

    /// Bit 6 of the first byte: the value is a sequence of TLV objects.
    pub(crate) fn is_constructed(self) -> bool {
        self.to_bytes().first().is_some_and(|b| b & 0x20 != 0)
    }

    /// Whether the value is cardholder data (PAN, track, name, PIN data) that
    /// must never be logged or displayed.
    pub fn is_sensitive(self) -> bool {
        matches!(self.0, 0x56 | 0x57 | 0x5A | 0x5F20 | 0x99 | 0x9F0B | 0x9F1F | 0x9F20 | 0x9F6B)
    }
}

/// Uppercase hex of the tag's bytes, e.g. `9F26`.
impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.to_bytes() {
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag({self})")
    }
}
