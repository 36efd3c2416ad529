//! An ISO 8583 message: MTI plus field values in their logical form.
//!
//! Values are kept as the text or bytes a reader means (numeric fields as ASCII
//! digits, binary fields as bytes), in one arena buffer so that decoding a
//! frame costs a single allocation.

use std::fmt;

use super::error::CodecError;

/// A message type indicator, four ASCII digits such as `0200`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mti([u8; 4]);

impl Mti {
    /// Builds from four ASCII digits; anything else fails.
    pub fn new(s: &str) -> Result<Mti, CodecError> {
        match s.as_bytes() {
            b @ [_, _, _, _] if b.iter().all(u8::is_ascii_digit) => Ok(Mti([b[0], b[1], b[2], b[3]])),
            _ => Err(CodecError::UnknownMti(s.chars().take(8).collect())),
        }
    }

    /// Builds from four ASCII digits known at compile time.
    pub(crate) const fn from_digits(d: [u8; 4]) -> Mti {
        Mti(d)
    }

    /// The four digits.
    pub fn as_str(&self) -> &str {
        // Constructors only admit ASCII digits.
        std::str::from_utf8(&self.0).unwrap_or("????")
    }

    /// The digits as bytes.
    pub fn digits(&self) -> [u8; 4] {
        self.0
    }

    /// The response MTI for a request (`0200` -> `0210`).
    pub fn response(&self) -> Mti {
        let mut d = self.0;
        d[2] = if d[2] < b'9' { d[2] + 1 } else { d[2] };
        Mti(d)
    }

    /// True for requests and advices (third digit even).
    pub fn is_request(&self) -> bool {
        self.0[2] & 1 == 0
    }
}

impl serde::Serialize for Mti {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Mti {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Mti::new(&s).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Mti {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Mti {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mti({})", self.as_str())
    }
}

#[derive(Clone, Copy, Default, PartialEq, Eq)]
struct Span {
    start: u32,
    len: u32,
    wire: Wire,
}

/// How a field's value sat on the wire when it was received, so that it re-encodes
/// byte-identically: a value we compose has the default (strict limits, pad nibble 0).
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct Wire {
    /// The value was decoded from received bytes: encode checks it against what the
    /// profile accepts rather than what it sends.
    pub received: bool,
    /// The pad nibble of an odd-length BCD or track value (0 unless received otherwise).
    pub pad: u8,
}

/// Which fields are present, as the primary and secondary bitmap.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct Bitmap([u64; 2]);

impl Bitmap {
    /// Sets field `n` (1..=128).
    pub fn set(&mut self, n: u8) {
        if (1..=128).contains(&n) {
            let i = usize::from(n - 1);
            self.0[i / 64] |= 1u64 << (63 - i % 64);
        }
    }

    /// Clears field `n`.
    pub fn clear(&mut self, n: u8) {
        if (1..=128).contains(&n) {
            let i = usize::from(n - 1);
            self.0[i / 64] &= !(1u64 << (63 - i % 64));
        }
    }

    /// True if field `n` is present.
    pub(crate) fn is_set(&self, n: u8) -> bool {
        if !(1..=128).contains(&n) {
            return false;
        }
        let i = usize::from(n - 1);
        self.0[i / 64] & (1u64 << (63 - i % 64)) != 0
    }

    /// True if any field above 64 is present.
    pub fn needs_secondary(&self) -> bool {
        self.0[1] != 0
    }

    /// The present data fields (2..=128) in order.
    pub fn fields(&self) -> impl Iterator<Item = u8> + '_ {
        (2u8..=128).filter(move |&n| self.is_set(n))
    }

    /// The 8 bytes of the primary bitmap.
    pub fn primary_bytes(&self) -> [u8; 8] {
        self.0[0].to_be_bytes()
    }

    /// The 8 bytes of the secondary bitmap.
    pub(crate) fn secondary_bytes(&self) -> [u8; 8] {
        self.0[1].to_be_bytes()
    }

    /// Rebuilds from wire bytes.
    pub(crate) fn from_words(primary: u64, secondary: u64) -> Bitmap {
        Bitmap([primary, secondary])
    }
}

/// One message: MTI and fields 2..=128.
#[derive(Clone)]
pub struct Message {
    mti: Mti,
    bitmap: Bitmap,
    spans: [Span; 129],
    buf: Vec<u8>,
    /// Received with a secondary bitmap although no field above 64 was present.
    empty_secondary: bool,
}

impl Message {
    /// An empty message of type `mti`.
    pub fn new(mti: Mti) -> Message {
        Message::with_capacity(mti, 256)
    }

    /// An empty message whose arena holds `cap` bytes before growing.
    pub fn with_capacity(mti: Mti, cap: usize) -> Message {
        Message {
            mti,
            bitmap: Bitmap::default(),
            spans: [Span::default(); 129],
            buf: Vec::with_capacity(cap),
            empty_secondary: false,
        }
    }

    /// The message type.
    pub fn mti(&self) -> Mti {
        self.mti
    }

    /// Changes the message type (a reversal copies its original, say).
    pub fn set_mti(&mut self, mti: Mti) {
        self.mti = mti;
    }

    /// The presence bitmap (field 1 is derived on encode).
    pub fn bitmap(&self) -> Bitmap {
        self.bitmap
    }

    /// Sets field `n` (2..=128) to `value`; validated against the profile on encode.
    pub fn set(&mut self, n: u8, value: impl AsRef<[u8]>) -> Result<&mut Self, CodecError> {
        if !(2..=128).contains(&n) {
            return Err(CodecError::BadFieldNumber(u16::from(n)));
        }
        let v = value.as_ref();
        let start = self.buf.len();
        self.buf.extend_from_slice(v);
        self.spans[usize::from(n)] = Span { start: start as u32, len: v.len() as u32, wire: Wire::default() };
        self.bitmap.set(n);
        Ok(self)
    }

    /// Copies field `n` from `other` as it is there, wire form included: a value received
    /// from the other side and carried through (an echo, a reversal) re-encodes as received.
    /// Returns false (and changes nothing) when `other` lacks the field.
    pub fn copy_field(&mut self, other: &Message, n: u8) -> bool {
        let Some(v) = other.get(n) else { return false };
        let wire = other.wire(n);
        let start = self.buf.len();
        self.buf.extend_from_slice(v);
        self.spans[usize::from(n)] = Span { start: start as u32, len: v.len() as u32, wire };
        self.bitmap.set(n);
        true
    }

    /// Appends the value of field `n` produced by `write`, avoiding a temporary.
    pub(crate) fn set_with(&mut self, n: u8, wire: Wire, write: impl FnOnce(&mut Vec<u8>)) {
        let start = self.buf.len();
        write(&mut self.buf);
        let len = self.buf.len() - start;
        self.spans[usize::from(n)] = Span { start: start as u32, len: len as u32, wire };
        self.bitmap.set(n);
    }

    /// How field `n` sat on the wire (the default for a value we set).
    pub fn wire(&self, n: u8) -> Wire {
        match self.spans.get(usize::from(n)) {
            Some(s) if self.has(n) => s.wire,
            _ => Wire::default(),
        }
    }

    /// True when the message was received with a secondary bitmap and no field above 64.
    pub fn has_empty_secondary(&self) -> bool {
        self.empty_secondary
    }

    /// Keeps (or drops) an empty secondary bitmap on encoding, as a received message had it.
    pub(crate) fn set_empty_secondary(&mut self, keep: bool) {
        self.empty_secondary = keep;
    }

    /// Removes field `n`.
    pub fn remove(&mut self, n: u8) {
        self.bitmap.clear(n);
    }

    /// The value of field `n`, if present.
    #[inline]
    pub fn get(&self, n: u8) -> Option<&[u8]> {
        if !self.bitmap.is_set(n) || n < 2 {
            return None;
        }
        let s = self.spans.get(usize::from(n))?;
        self.buf.get(s.start as usize..(s.start + s.len) as usize)
    }

    /// The value of field `n` as text (numeric and ASCII fields).
    pub fn get_str(&self, n: u8) -> Option<&str> {
        self.get(n).and_then(|v| std::str::from_utf8(v).ok())
    }

    /// The value of field `n`, or a typed error naming the missing field.
    pub fn require(&self, n: u8) -> Result<&[u8], CodecError> {
        self.get(n).ok_or(CodecError::MissingField(n))
    }

    /// The value of field `n` as text, or a typed error.
    pub(crate) fn require_str(&self, n: u8) -> Result<&str, CodecError> {
        let v = self.require(n)?;
        std::str::from_utf8(v).map_err(|_| CodecError::BadCharacter { field: n })
    }

    /// True if field `n` is present.
    pub fn has(&self, n: u8) -> bool {
        self.bitmap.is_set(n)
    }

    /// Present fields with their values, in field order.
    pub fn fields(&self) -> impl Iterator<Item = (u8, &[u8])> + '_ {
        self.bitmap.fields().filter_map(move |n| self.get(n).map(|v| (n, v)))
    }
}

impl PartialEq for Message {
    /// Same type and same field values, whatever the arena holds.
    fn eq(&self, other: &Self) -> bool {
        self.mti == other.mti && self.bitmap == other.bitmap && self.fields().eq(other.fields())
    }
}

impl Eq for Message {}

impl fmt::Debug for Message {
    /// Field numbers and lengths only: values may be card data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Message");
        d.field("mti", &self.mti);
        let present: Vec<(u8, usize)> = self.fields().map(|(n, v)| (n, v.len())).collect();
        d.field("fields(len)", &present);
        d.finish()
    }
}
