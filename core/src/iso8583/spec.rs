//! Field specifications as data: how each field is laid out on the wire.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// How a field's length is carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LengthKind {
    /// Always exactly this many units.
    Fixed(u16),
    /// A 2-digit length prefix, then up to this many units.
    LlVar(u16),
    /// A 3-digit length prefix, then up to this many units.
    LllVar(u16),
}

impl LengthKind {
    /// The largest length the field may have.
    pub fn max(&self) -> usize {
        match *self {
            LengthKind::Fixed(n) | LengthKind::LlVar(n) | LengthKind::LllVar(n) => usize::from(n),
        }
    }

    /// Digits in the length prefix (0 for fixed).
    pub fn prefix_digits(&self) -> usize {
        match self {
            LengthKind::Fixed(_) => 0,
            LengthKind::LlVar(_) => 2,
            LengthKind::LllVar(_) => 3,
        }
    }
}

/// How a field's content is carried; lengths count digits for BCD and bytes otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// Decimal digits packed two per byte, padding nibble at the end.
    BcdLeft,
    /// Decimal digits packed two per byte, padding nibble at the start.
    BcdRight,
    /// Track data (`z`): nibbles 0-9, `D` as separator, A-F when encrypted; left-aligned.
    Track,
    /// One ASCII byte per character (`an`, `ans`; `n` in ASCII profiles).
    Ascii,
    /// Raw bytes (`b`); shown as uppercase hex.
    Binary,
}

impl Encoding {
    /// True when the length counts nibbles rather than bytes.
    pub fn counts_digits(&self) -> bool {
        matches!(self, Encoding::BcdLeft | Encoding::BcdRight | Encoding::Track)
    }

    /// Wire bytes for a value of `len` units.
    pub fn wire_len(&self, len: usize) -> usize {
        if self.counts_digits() {
            len.div_ceil(2)
        } else {
            len
        }
    }
}

/// The layout of one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSpec {
    /// Field number, 2..=128.
    pub number: u8,
    /// What the field is, for tables and errors.
    pub name: Cow<'static, str>,
    /// Fixed or variable length.
    pub length: LengthKind,
    /// Content encoding.
    pub encoding: Encoding,
}

/// How length prefixes and the MTI are written in a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrefixEncoding {
    /// BCD digits (UnionPay): LL in 1 byte, LLL in 2 bytes.
    Bcd,
    /// ASCII digits (ISO 8583:1987 ASCII variants).
    Ascii,
}

/// A message profile: every field spec plus the framing choices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Name for logs and tables.
    pub name: Cow<'static, str>,
    /// Length prefixes and MTI encoding.
    pub prefix: PrefixEncoding,
    /// Largest frame accepted, so a hostile length cannot make us allocate much.
    pub max_frame: usize,
    /// The field specs; fields without one are rejected when their bit is set.
    pub fields: Vec<FieldSpec>,
    #[serde(skip)]
    index: Vec<Option<usize>>,
}

impl Profile {
    /// Builds a profile and its lookup index; rejects duplicate or out-of-range fields.
    pub fn new(
        name: impl Into<Cow<'static, str>>,
        prefix: PrefixEncoding,
        max_frame: usize,
        fields: Vec<FieldSpec>,
    ) -> Result<Profile, String> {
        let mut p = Profile { name: name.into(), prefix, max_frame, fields, index: Vec::new() };
        p.reindex()?;
        Ok(p)
    }

    /// Loads a profile from JSON, so another acquirer's variant is data, not code.
    pub fn from_json(json: &str) -> Result<Profile, String> {
        let mut p: Profile = serde_json::from_str(json).map_err(|e| e.to_string())?;
        p.reindex()?;
        Ok(p)
    }

    fn reindex(&mut self) -> Result<(), String> {
        let mut index = vec![None; 129];
        for (i, f) in self.fields.iter().enumerate() {
            let slot = index
                .get_mut(usize::from(f.number))
                .filter(|_| f.number >= 2)
                .ok_or_else(|| format!("field number {} out of range", f.number))?;
            if slot.replace(i).is_some() {
                return Err(format!("field {} specified twice", f.number));
            }
            // A length prefix of d digits cannot state more than 10^d - 1.
            let limit = match f.length {
                LengthKind::LlVar(_) => 99,
                LengthKind::Fixed(_) | LengthKind::LllVar(_) => 999,
            };
            if f.length.max() == 0 || f.length.max() > limit {
                return Err(format!("field {}: maximum length {} not in 1..={limit}", f.number, f.length.max()));
            }
        }
        self.index = index;
        Ok(())
    }

    /// The spec of field `n`, if the profile has one.
    #[inline]
    pub fn field(&self, n: u8) -> Option<&FieldSpec> {
        let i = (*self.index.get(usize::from(n))?)?;
        self.fields.get(i)
    }
}

/// Shorthand used by profile tables.
pub(crate) fn spec(number: u8, name: &'static str, length: LengthKind, encoding: Encoding) -> FieldSpec {
    FieldSpec { number, name: Cow::Borrowed(name), length, encoding }
}
