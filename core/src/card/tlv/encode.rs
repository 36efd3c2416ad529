//! Encoding data objects as BER-TLV with minimal lengths.

use crate::card::tlv::object::{Tlv, TlvValue};

/// Encodes data objects, each length in its shortest form. The output is
/// sized in advance so that no partial copy of card data is left behind by
/// a reallocation. Values over 65535 bytes get a longer BER length form
/// that [`parse_tlv`](crate::card::tlv::parse_tlv) refuses, as EMV never
/// needs one.
pub fn encode_tlv(objects: &[Tlv]) -> Vec<u8> {
    let mut out = Vec::with_capacity(objects.iter().map(encoded_len).sum());
    for tlv in objects {
        write(tlv, &mut out);
    }
    out
}

fn write(tlv: &Tlv, out: &mut Vec<u8>) {
    out.extend(tlv.tag.to_bytes());
    write_length(content_len(tlv), out);
    match &tlv.value {
        TlvValue::Primitive(bytes) => out.extend_from_slice(bytes),
        TlvValue::Constructed(children) => children.iter().for_each(|c| write(c, out)),
    }
}

fn write_length(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        // Short form: the length itself, below 0x80.
        out.push(len as u8);
    } else {
        let be = len.to_be_bytes();
        let skip = be.iter().take_while(|b| **b == 0).count();
        let significant = be.len() - skip;
        // At most 8 bytes for a 64-bit usize, so the count fits in 7 bits.
        out.push(0x80 | significant as u8);
        out.extend(be.iter().skip(skip));
    }
}

fn length_len(len: usize) -> usize {
    if len < 0x80 {
        1
    } else {
        1 + len.to_be_bytes().iter().skip_while(|b| **b == 0).count()
    }
}

fn content_len(tlv: &Tlv) -> usize {
    match &tlv.value {
        TlvValue::Primitive(bytes) => bytes.len(),
        TlvValue::Constructed(children) => children.iter().map(encoded_len).sum(),
    }
}

fn encoded_len(tlv: &Tlv) -> usize {
    let content = content_len(tlv);
    tlv.tag.encoded_len() + length_len(content) + content
}
