//! Encoding and decoding of a message body (MTI, bitmap, fields) under a profile.

use super::bcd::bcd_byte;
use super::error::CodecError;
use super::message::{Bitmap, Message, Mti, Wire};
use super::spec::{Encoding, FieldSpec, LengthKind, PrefixEncoding, Profile};

/// Where the parts of a decoded body sit, for MAC verification over received bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BodyLayout {
    /// Offset of field 64's value within the body, if present.
    pub mac_offset: Option<usize>,
}

/// Encodes `msg` under `profile`, appending to `out`; offsets in the layout are relative to where it started.
///
/// Strict for what we compose (a value set by us is checked against the largest length the
/// profile sends), faithful for what we carry through (a received value is checked against
/// what the profile accepts and keeps its pad nibble, so a decoded message re-encodes
/// byte-identically).
pub fn encode_message(profile: &Profile, msg: &Message, out: &mut Vec<u8>) -> Result<BodyLayout, CodecError> {
    let start = out.len();
    let mut layout = BodyLayout::default();
    write_mti(profile, msg.mti(), out);
    let mut bitmap = msg.bitmap();
    let secondary = bitmap.needs_secondary() || msg.has_empty_secondary();
    if secondary {
        bitmap.set(1);
    } else {
        bitmap.clear(1);
    }
    out.extend_from_slice(&bitmap.primary_bytes());
    if secondary {
        out.extend_from_slice(&bitmap.secondary_bytes());
    }
    for (n, value) in msg.fields() {
        let spec = profile.field(n).ok_or(CodecError::NoSpec(n))?;
        if n == 64 {
            layout.mac_offset = Some(out.len() - start);
        }
        encode_field(profile, spec, value, msg.wire(n), out)?;
    }
    Ok(layout)
}

fn write_mti(profile: &Profile, mti: Mti, out: &mut Vec<u8>) {
    let d = mti.digits();
    match profile.prefix {
        PrefixEncoding::Bcd => {
            out.push(((d[0] - b'0') << 4) | (d[1] - b'0'));
            out.push(((d[2] - b'0') << 4) | (d[3] - b'0'));
        }
        PrefixEncoding::Ascii => out.extend_from_slice(&d),
    }
}

fn encode_field(
    profile: &Profile,
    spec: &FieldSpec,
    value: &[u8],
    wire: Wire,
    out: &mut Vec<u8>,
) -> Result<(), CodecError> {
    let n = spec.number;
    let len = value.len();
    let max = if wire.received { spec.max_accept() } else { spec.max_send() };
    match spec.length {
        LengthKind::Fixed(f) if len != usize::from(f) => {
            return Err(if len > usize::from(f) {
                CodecError::LengthOutOfRange { field: n, len, max: usize::from(f) }
            } else {
                CodecError::TooShort { field: n, len, min: usize::from(f) }
            });
        }
        _ if len > max => return Err(CodecError::LengthOutOfRange { field: n, len, max }),
        _ => {}
    }
    write_prefix(profile.prefix_of(spec), spec.length.prefix_digits(), len, out);
    match spec.encoding {
        Encoding::BcdLeft | Encoding::BcdRight | Encoding::Track => {
            let right = spec.encoding == Encoding::BcdRight;
            let track = spec.encoding == Encoding::Track;
            let pad = wire.pad & 0x0F;
            let mut nibbles = Nibbles::new(out);
            if right && len % 2 == 1 {
                nibbles.push(pad);
            }
            for &c in value {
                let v = if track { track_nibble(c) } else { digit_nibble(c) };
                nibbles.push(v.ok_or(CodecError::BadCharacter { field: n })?);
            }
            nibbles.finish(pad);
        }
        Encoding::Ascii | Encoding::Binary => out.extend_from_slice(value),
    }
    Ok(())
}

fn write_prefix(enc: PrefixEncoding, digits: usize, len: usize, out: &mut Vec<u8>) {
    match (enc, digits) {
        (_, 0) => {}
        (PrefixEncoding::Bcd, 2) => out.push(bcd_byte((len % 100) as u8)),
        (PrefixEncoding::Bcd, _) => {
            out.push(bcd_byte((len / 100 % 10) as u8));
            out.push(bcd_byte((len % 100) as u8));
        }
        (PrefixEncoding::Ascii, d) => {
            let s = format!("{:0d$}", len, d = d);
            out.extend_from_slice(s.as_bytes());
        }
    }
}

fn digit_nibble(c: u8) -> Option<u8> {
    c.is_ascii_digit().then(|| c - b'0')
}

fn track_nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'A'..=b'F' => Some(c - b'A' + 10),
        b'=' => Some(0xD),
        _ => None,
    }
}

struct Nibbles<'a> {
    out: &'a mut Vec<u8>,
    high: Option<u8>,
}

impl<'a> Nibbles<'a> {
    fn new(out: &'a mut Vec<u8>) -> Self {
        Nibbles { out, high: None }
    }
    fn push(&mut self, v: u8) {
        match self.high.take() {
            Some(h) => self.out.push((h << 4) | v),
            None => self.high = Some(v),
        }
    }
    fn finish(self, pad: u8) {
        if let Some(h) = self.high {
            self.out.push((h << 4) | pad);
        }
    }
}

/// A cursor over hostile input: every read is bounds-checked.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }
    pub(crate) fn take(&mut self, n: usize, part: impl FnOnce() -> String) -> Result<&'a [u8], CodecError> {
        let rest = self.remaining();
        if n > rest {
            return Err(CodecError::truncated(part(), n, rest));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }
}

/// Decodes a body (MTI, bitmap, fields) that must fill `body` exactly.
pub fn decode_message(profile: &Profile, body: &[u8]) -> Result<(Message, BodyLayout), CodecError> {
    if body.len() > profile.max_frame {
        return Err(CodecError::FrameTooLarge { len: body.len(), max: profile.max_frame });
    }
    let mut r = Reader::new(body);
    let mti = read_mti(profile, &mut r)?;
    let primary = u64::from_be_bytes(to8(r.take(8, || "bitmap".into())?));
    let secondary =
        if primary & (1 << 63) != 0 { u64::from_be_bytes(to8(r.take(8, || "secondary bitmap".into())?)) } else { 0 };
    let bitmap = Bitmap::from_words(primary, secondary);
    // Unpacked digits take at most twice the wire bytes: bounded by the input.
    let mut msg = Message::with_capacity(mti, body.len() * 2);
    msg.set_empty_secondary(primary & (1 << 63) != 0 && secondary == 0);
    let mut layout = BodyLayout::default();
    for n in bitmap.fields() {
        let spec = profile.field(n).ok_or(CodecError::NoSpec(n))?;
        if n == 64 {
            layout.mac_offset = Some(r.pos());
        }
        decode_field(profile, spec, &mut r, &mut msg)?;
    }
    if r.remaining() > 0 {
        return Err(CodecError::TrailingBytes(r.remaining()));
    }
    Ok((msg, layout))
}

fn to8(s: &[u8]) -> [u8; 8] {
    let mut a = [0u8; 8];
    a.copy_from_slice(&s[..8]);
    a
}

fn read_mti(profile: &Profile, r: &mut Reader<'_>) -> Result<Mti, CodecError> {
    let mut d = [0u8; 4];
    match profile.prefix {
        PrefixEncoding::Bcd => {
            let b = r.take(2, || "MTI".into())?;
            for (i, nib) in [b[0] >> 4, b[0] & 0xF, b[1] >> 4, b[1] & 0xF].into_iter().enumerate() {
                if nib > 9 {
                    return Err(CodecError::NonBcdDigit { part: "MTI".into() });
                }
                d[i] = b'0' + nib;
            }
        }
        PrefixEncoding::Ascii => {
            let b = r.take(4, || "MTI".into())?;
            if !b.iter().all(u8::is_ascii_digit) {
                return Err(CodecError::NonBcdDigit { part: "MTI".into() });
            }
            d.copy_from_slice(b);
        }
    }
    Ok(Mti::from_digits(d))
}

fn read_len(profile: &Profile, spec: &FieldSpec, r: &mut Reader<'_>) -> Result<usize, CodecError> {
    let n = spec.number;
    let digits = spec.length.prefix_digits();
    let len = match (profile.prefix_of(spec), digits) {
        (_, 0) => return Ok(spec.length.max()),
        (PrefixEncoding::Bcd, d) => {
            let bytes = r.take(d.div_ceil(2), || format!("field {n} length"))?;
            let mut v = 0usize;
            for &b in bytes {
                let (h, l) = (b >> 4, b & 0xF);
                if h > 9 || l > 9 {
                    return Err(CodecError::NonBcdDigit { part: format!("field {n} length") });
                }
                v = v * 100 + usize::from(h) * 10 + usize::from(l);
            }
            v
        }
        (PrefixEncoding::Ascii, d) => {
            let bytes = r.take(d, || format!("field {n} length"))?;
            let mut v = 0usize;
            for &b in bytes {
                let nib =
                    digit_nibble(b).ok_or_else(|| CodecError::NonBcdDigit { part: format!("field {n} length") })?;
                v = v * 10 + usize::from(nib);
            }
            v
        }
    };
    // Liberal: whatever the profile accepts, which may be more than it sends.
    if len > spec.max_accept() {
        return Err(CodecError::LengthOutOfRange { field: n, len, max: spec.max_accept() });
    }
    Ok(len)
}

fn decode_field(profile: &Profile, spec: &FieldSpec, r: &mut Reader<'_>, msg: &mut Message) -> Result<(), CodecError> {
    let n = spec.number;
    let len = read_len(profile, spec, r)?;
    let raw = r.take(spec.encoding.wire_len(len), || format!("field {n}"))?;
    match spec.encoding {
        Encoding::Ascii | Encoding::Binary => {
            msg.set_with(n, Wire { received: true, pad: 0 }, |buf| buf.extend_from_slice(raw));
        }
        enc => {
            let right = enc == Encoding::BcdRight;
            let skip = usize::from(right && len % 2 == 1);
            // The pad nibble of an odd-length value, kept so the value re-encodes as received
            // (hosts pad with 0 or F).
            let pad = match (len % 2, right) {
                (0, _) => 0,
                (_, true) => raw.first().map_or(0, |b| b >> 4),
                (_, false) => raw.last().map_or(0, |b| b & 0x0F),
            };
            let mut bad = false;
            msg.set_with(n, Wire { received: true, pad }, |buf| {
                for i in skip..skip + len {
                    let b = raw[i / 2];
                    let nib = if i % 2 == 0 { b >> 4 } else { b & 0xF };
                    match (enc, nib) {
                        (_, 0..=9) => buf.push(b'0' + nib),
                        (Encoding::Track, _) => buf.push(b'A' + nib - 10),
                        _ => {
                            bad = true;
                            break;
                        }
                    }
                }
            });
            if bad {
                return Err(CodecError::NonBcdDigit { part: format!("field {n}") });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iso8583::profile::unionpay;

    fn sample() -> Message {
        let mut m = Message::new(Mti::new("0200").unwrap());
        m.set(2, "6228480402564890018").unwrap();
        m.set(3, "000000").unwrap();
        m.set(4, "000000012345").unwrap();
        m.set(22, "051").unwrap();
        m.set(23, "001").unwrap();
        m.set(35, "6228480402564890018D49121200000000").unwrap();
        m.set(41, "12345678").unwrap();
        m.set(55, [0x9F, 0x26, 0x02, 0xAB, 0xCD]).unwrap();
        m.set(60, "22000001000").unwrap();
        m.set(64, [0u8; 8]).unwrap();
        m
    }

    #[test]
    fn round_trip_and_wire_layout() {
        let p = unionpay();
        let mut out = Vec::new();
        encode_message(p, &sample(), &mut out).unwrap();
        assert_eq!(&out[..2], &[0x02, 0x00]);
        // field 2: LL=19 then 10 bytes left-aligned with pad nibble 0
        assert_eq!(&out[10..21], &hex::decode("196228480402564890018 0".replace(' ', "")).unwrap()[..]);
        let (back, layout) = decode_message(p, &out).unwrap();
        assert_eq!(back, sample());
        assert_eq!(layout.mac_offset, Some(out.len() - 8));
    }

    #[test]
    fn right_aligned_bcd_pads_in_front() {
        let p = unionpay();
        let mut m = Message::new(Mti::new("0200").unwrap());
        m.set(23, "001").unwrap();
        let mut out = Vec::new();
        encode_message(p, &m, &mut out).unwrap();
        assert_eq!(&out[10..], &[0x00, 0x01]);
        let mut m = Message::new(Mti::new("0200").unwrap());
        m.set(22, "051").unwrap();
        out.clear();
        encode_message(p, &m, &mut out).unwrap();
        assert_eq!(&out[10..], &[0x05, 0x10]);
    }

    #[test]
    fn hostile_inputs_give_typed_errors() {
        let p = unionpay();
        let mut good = Vec::new();
        encode_message(p, &sample(), &mut good).unwrap();
        for cut in 0..good.len() {
            assert!(matches!(decode_message(p, &good[..cut]), Err(CodecError::Truncated { .. })), "cut {cut}");
        }
        let mut trailing = good.clone();
        trailing.push(0);
        assert_eq!(decode_message(p, &trailing).unwrap_err(), CodecError::TrailingBytes(1));
        let mut nobcd = good.clone();
        nobcd[0] = 0x0A;
        assert!(matches!(decode_message(p, &nobcd), Err(CodecError::NonBcdDigit { .. })));
        // bit 5 has no spec in the UnionPay profile
        let mut nospec = good.clone();
        nospec[2] |= 0x08;
        assert_eq!(decode_message(p, &nospec).unwrap_err(), CodecError::NoSpec(5));
        // LL of field 2 says 99 > 19
        let mut lying = good.clone();
        lying[10] = 0x99;
        assert!(matches!(decode_message(p, &lying), Err(CodecError::LengthOutOfRange { field: 2, len: 99, .. })));
    }
}
