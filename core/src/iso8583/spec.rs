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
    pub(crate) fn counts_digits(&self) -> bool {
        matches!(self, Encoding::BcdLeft | Encoding::BcdRight | Encoding::Track)
    }

    /// Wire bytes for a value of `len` units.
    pub(crate) fn wire_len(&self, len: usize) -> usize {
        if self.counts_digits() {
            len.div_ceil(2)
        } else {
            len
        }
    }
}

/// The layout of one field.
///
/// Decode liberally, encode strictly: `length` carries the largest value we *send*, `accept`
/// the largest we *accept* from the other side (deployed hosts and later editions send longer
/// private fields than the older edition allows; a received value re-encodes as received).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSpec {
    /// Field number, 2..=128.
    pub number: u8,
    /// What the field is, for tables and errors.
    pub name: Cow<'static, str>,
    /// Fixed or variable length, with the largest length we send.
    pub length: LengthKind,
    /// Content encoding.
    pub encoding: Encoding,
    /// How this field's length prefix is written; `None` (in JSON: absent) means the profile's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<PrefixEncoding>,
    /// The largest length accepted on decode; `None` (in JSON: absent) means the same as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept: Option<u16>,
}

impl FieldSpec {
    /// A field whose prefix encoding is the profile's and that accepts what it sends.
    pub fn new(number: u8, name: impl Into<Cow<'static, str>>, length: LengthKind, encoding: Encoding) -> FieldSpec {
        FieldSpec { number, name: name.into(), length, encoding, prefix: None, accept: None }
    }

    /// The same field accepting up to `max` on decode (at least what it sends).
    pub fn accepting(mut self, max: u16) -> FieldSpec {
        self.accept = Some(max);
        self
    }

    /// The same field with its length prefix written in `enc`.
    pub fn prefixed(mut self, enc: PrefixEncoding) -> FieldSpec {
        self.prefix = Some(enc);
        self
    }

    /// The largest length we send (what a value we compose is checked against).
    pub fn max_send(&self) -> usize {
        self.length.max()
    }

    /// The largest length we accept (what a received value is checked against).
    pub fn max_accept(&self) -> usize {
        self.accept.map_or(self.length.max(), usize::from)
    }

    /// The encoding of the length prefix, `default` being the profile's.
    pub(crate) fn prefix_encoding(&self, default: PrefixEncoding) -> PrefixEncoding {
        self.prefix.unwrap_or(default)
    }
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
    /// MTI encoding, and the length-prefix encoding of fields that do not state their own.
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
            let accept = f.max_accept();
            match f.length {
                LengthKind::Fixed(n) if accept != usize::from(n) => {
                    return Err(format!("field {}: fixed length {n} cannot accept {accept}", f.number));
                }
                _ if accept < f.max_send() || accept > limit => {
                    return Err(format!(
                        "field {}: accepted maximum {accept} not in {}..={limit} (at least what is sent)",
                        f.number,
                        f.max_send()
                    ));
                }
                _ => {}
            }
        }
        self.index = index;
        Ok(())
    }

    /// The profile with every field's prefix encoding and accepted maximum stated explicitly,
    /// as [`Profile::to_json`] writes it.
    pub(crate) fn resolved(&self) -> Profile {
        let mut p = self.clone();
        for f in &mut p.fields {
            let variable = f.length.prefix_digits() > 0;
            f.prefix = variable.then(|| f.prefix_encoding(self.prefix));
            f.accept = Some(f.max_accept() as u16);
        }
        p
    }

    /// The profile as JSON, one field a line, every field's limits stated (what
    /// [`Profile::from_json`] reads).
    pub fn to_json(&self) -> String {
        let p = self.resolved();
        let fields: Vec<String> = p.fields.iter().map(|f| format!("    {}", compact(f))).collect();
        format!(
            "{{\n  \"name\": {},\n  \"prefix\": {},\n  \"max_frame\": {},\n  \"fields\": [\n{}\n  ]\n}}",
            compact(&p.name),
            compact(&p.prefix),
            p.max_frame,
            fields.join(",\n")
        )
    }

    /// The length-prefix encoding of `spec` in this profile.
    pub(crate) fn prefix_of(&self, spec: &FieldSpec) -> PrefixEncoding {
        spec.prefix_encoding(self.prefix)
    }

    /// The spec of field `n`, if the profile has one.
    #[inline]
    pub fn field(&self, n: u8) -> Option<&FieldSpec> {
        let i = (*self.index.get(usize::from(n))?)?;
        self.fields.get(i)
    }
}

/// Compact JSON of a value (profile parts always serialise).
fn compact<T: Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Shorthand used by profile tables.
pub(crate) fn spec(number: u8, name: &'static str, length: LengthKind, encoding: Encoding) -> FieldSpec {
    FieldSpec::new(number, name, length, encoding)
}
