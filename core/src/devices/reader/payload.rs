//! Payloads as tag-length-value items: one byte tag, two byte big-endian length, value.

use crate::reader::ReaderError;

/// Builds a payload.
#[derive(Debug, Default)]
pub struct PayloadWriter(Vec<u8>);

impl PayloadWriter {
    /// An empty payload.
    pub fn new() -> Self {
        PayloadWriter(Vec::with_capacity(64))
    }

    /// Appends bytes under `tag` (values above 65535 bytes are the caller's bug and are cut).
    pub fn bytes(mut self, tag: u8, v: &[u8]) -> Self {
        let v = &v[..v.len().min(usize::from(u16::MAX))];
        self.0.push(tag);
        self.0.extend_from_slice(&(v.len() as u16).to_be_bytes());
        self.0.extend_from_slice(v);
        self
    }

    /// Appends UTF-8 text.
    pub fn text(self, tag: u8, v: &str) -> Self {
        self.bytes(tag, v.as_bytes())
    }

    /// Appends one byte.
    pub fn u8(self, tag: u8, v: u8) -> Self {
        self.bytes(tag, &[v])
    }

    /// Appends a big-endian u16.
    pub fn u16(self, tag: u8, v: u16) -> Self {
        self.bytes(tag, &v.to_be_bytes())
    }

    /// Appends a big-endian u32.
    pub fn u32(self, tag: u8, v: u32) -> Self {
        self.bytes(tag, &v.to_be_bytes())
    }

    /// Appends a big-endian u64.
    pub fn u64(self, tag: u8, v: u64) -> Self {
        self.bytes(tag, &v.to_be_bytes())
    }

    /// Appends the item only when `v` is some.
    pub fn opt(self, tag: u8, v: Option<&[u8]>) -> Self {
        match v {
            Some(v) => self.bytes(tag, v),
            None => self,
        }
    }

    /// The encoded payload.
    pub fn finish(self) -> Vec<u8> {
        self.0
    }
}

/// A parsed payload borrowing its bytes.
#[derive(Debug)]
pub struct Payload<'a> {
    items: Vec<(u8, &'a [u8])>,
}

fn bad(why: &str) -> ReaderError {
    ReaderError::Protocol(why.into())
}

impl<'a> Payload<'a> {
    /// Parses `bytes`; a length running past the end is a protocol error.
    pub fn parse(bytes: &'a [u8]) -> Result<Payload<'a>, ReaderError> {
        let mut items = Vec::new();
        let mut rest = bytes;
        while !rest.is_empty() {
            let [tag, hi, lo, tail @ ..] = rest else { return Err(bad("truncated item header")) };
            let len = usize::from(u16::from_be_bytes([*hi, *lo]));
            if tail.len() < len {
                return Err(bad("item length past the end"));
            }
            let (value, next) = tail.split_at(len);
            items.push((*tag, value));
            rest = next;
        }
        Ok(Payload { items })
    }

    /// The value under `tag`.
    pub fn get(&self, tag: u8) -> Option<&'a [u8]> {
        self.items.iter().find(|(t, _)| *t == tag).map(|(_, v)| *v)
    }

    /// Every value under `tag`, in order (repeatable items).
    pub fn all(&self, tag: u8) -> impl Iterator<Item = &'a [u8]> + '_ {
        self.items.iter().filter(move |(t, _)| *t == tag).map(|(_, v)| *v)
    }

    /// The value under `tag`, or a protocol error naming what is missing.
    pub fn need(&self, tag: u8, what: &str) -> Result<&'a [u8], ReaderError> {
        self.get(tag).ok_or_else(|| ReaderError::Protocol(format!("missing {what}")))
    }

    /// One byte.
    pub fn u8(&self, tag: u8) -> Option<u8> {
        match self.get(tag)? {
            [b] => Some(*b),
            _ => None,
        }
    }

    /// A fixed-size big-endian integer.
    fn array<const N: usize>(&self, tag: u8) -> Option<[u8; N]> {
        self.get(tag).and_then(|v| <[u8; N]>::try_from(v).ok())
    }

    /// A big-endian u16.
    pub fn u16(&self, tag: u8) -> Option<u16> {
        self.array::<2>(tag).map(u16::from_be_bytes)
    }

    /// A big-endian u32.
    pub fn u32(&self, tag: u8) -> Option<u32> {
        self.array::<4>(tag).map(u32::from_be_bytes)
    }

    /// A big-endian u64.
    pub fn u64(&self, tag: u8) -> Option<u64> {
        self.array::<8>(tag).map(u64::from_be_bytes)
    }

    /// A big-endian i64.
    pub fn i64(&self, tag: u8) -> Option<i64> {
        self.array::<8>(tag).map(i64::from_be_bytes)
    }

    /// A big-endian i32.
    pub fn i32(&self, tag: u8) -> Option<i32> {
        self.array::<4>(tag).map(i32::from_be_bytes)
    }

    /// UTF-8 text.
    pub fn text(&self, tag: u8) -> Option<&'a str> {
        self.get(tag).and_then(|v| std::str::from_utf8(v).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn round_trip() {
        let p = PayloadWriter::new().u8(1, 7).u16(2, 513).u64(3, 42).text(4, "读卡").opt(5, None).finish();
        let r = Payload::parse(&p).unwrap();
        assert_eq!((r.u8(1), r.u16(2), r.u64(3), r.text(4)), (Some(7), Some(513), Some(42), Some("读卡")));
        assert!(r.get(5).is_none());
        assert!(Payload::parse(&p[..p.len() - 1]).is_err());
        assert!(Payload::parse(&[9, 0]).is_err());
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = Payload::parse(&b);
        }
    }
}
