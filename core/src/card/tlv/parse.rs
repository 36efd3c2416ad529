//! Decoding BER-TLV as EMV restricts it (Book 3, Annex B).

use crate::card::error::CardError;
use crate::card::tlv::object::{Tlv, TlvValue};
use crate::card::tlv::tag::Tag;

/// Deepest nesting of templates accepted. EMV needs three (77 > 71 > 86 at
/// most); the bound keeps hostile input from exhausting the stack.
pub const MAX_TLV_DEPTH: usize = 8;

/// EMV allows these bytes before, between and after data objects.
fn is_padding(b: u8) -> bool {
    b == 0x00 || b == 0xFF
}

/// Parses a sequence of data objects, such as the content of field 55.
pub fn parse_tlv(data: &[u8]) -> Result<Vec<Tlv>, CardError> {
    parse_level(data, 0, 0)
}

/// Parses the objects in `data`, which starts at `base` in the whole input.
fn parse_level(data: &[u8], base: usize, depth: usize) -> Result<Vec<Tlv>, CardError> {
    let mut objects = Vec::new();
    let mut pos = 0;
    while let Some(&first) = data.get(pos) {
        if is_padding(first) {
            pos += 1;
            continue;
        }
        let offset = base + pos;
        let rest = data.get(pos..).unwrap_or_default();
        let (tag, tag_len) = read_tag(rest, offset)?;
        let rest = rest.get(tag_len..).unwrap_or_default();
        let (len, len_len) = read_length(rest, offset + tag_len, offset)?;
        let value_start = tag_len + len_len;
        let value = rest.get(len_len..).and_then(|v| v.get(..len)).ok_or(CardError::TlvTruncated { offset })?;
        let value = if tag.is_constructed() {
            if depth >= MAX_TLV_DEPTH {
                return Err(CardError::TlvTooDeep { offset });
            }
            TlvValue::Constructed(parse_level(value, offset + value_start, depth + 1)?)
        } else {
            TlvValue::Primitive(value.to_vec())
        };
        objects.push(Tlv { tag, value });
        pos += value_start + len;
    }
    Ok(objects)
}

/// Reads a tag: more bytes follow the first when its low five bits are all
/// ones, and each further byte with bit 8 set announces another.
fn read_tag(data: &[u8], offset: usize) -> Result<(Tag, usize), CardError> {
    let truncated = CardError::TlvTruncated { offset };
    let first = *data.first().ok_or(truncated.clone())?;
    if first & 0x1F != 0x1F {
        return Ok((Tag(u32::from(first)), 1));
    }
    let mut value = u32::from(first);
    for (i, &b) in data.iter().enumerate().skip(1) {
        if i >= 3 {
            return Err(CardError::TlvTagTooLong { offset });
        }
        value = (value << 8) | u32::from(b);
        if b & 0x80 == 0 {
            return Ok((Tag(value), i + 1));
        }
    }
    Err(truncated)
}

/// Reads a length: short form below 0x80, or 0x81/0x82 followed by one or
/// two bytes. Returns the length and the bytes it took.
fn read_length(data: &[u8], at: usize, object: usize) -> Result<(usize, usize), CardError> {
    let truncated = CardError::TlvTruncated { offset: object };
    match data {
        [] => Err(truncated),
        [n @ 0x00..=0x7F, ..] => Ok((usize::from(*n), 1)),
        [0x80, ..] => Err(CardError::TlvIndefiniteLength { offset: at }),
        [0x81, n, ..] => Ok((usize::from(*n), 2)),
        [0x82, hi, lo, ..] => Ok((usize::from(u16::from_be_bytes([*hi, *lo])), 3)),
        [0x81 | 0x82, ..] => Err(truncated),
        [_, ..] => Err(CardError::TlvLengthTooLong { offset: at }),
    }
}
