//! Tests of the BER-TLV codec, including property tests.

use proptest::collection::vec;
use proptest::prelude::*;

use super::*;
use crate::card::CardError;

fn bytes(h: &str) -> Vec<u8> {
    hex::decode(h.replace(' ', "")).unwrap()
}

/// A field 55 as a UnionPay terminal sends it for an ARQC.
const FIELD55: &str = "9F2608 1122334455667788 9F2701 80 9F100807 010103A0A802 01 \
    9F3704 A1B2C3D4 9F3602 0012 9505 0000048000 9A03 250115 9C01 00 \
    9F0206 000000001000 5F2A02 0156 8202 7C00 9F1A02 0156 9F0306 000000000000 \
    9F3303 E0E1C8 9F3403 420300 9F3501 22 9F1E08 3132333435363738 \
    8408 A000000333010101 9F0902 0030 9F4104 00000001 5F3401 01";

#[test]
fn parses_a_field_55() {
    let objects = parse_tlv(&bytes(FIELD55)).unwrap();
    assert_eq!(objects.len(), 21);
    let ac = find(&objects, Tag::APPLICATION_CRYPTOGRAM).unwrap();
    assert_eq!(ac.bytes(), Some(&bytes("1122334455667788")[..]));
    assert_eq!(find(&objects, Tag(0x5F2A)).unwrap().bytes(), Some(&[0x01, 0x56][..]));
    assert_eq!(find(&objects, Tag(0x84)).unwrap().tag.name(), Some("Dedicated File (DF) Name"));
    assert_eq!(encode_tlv(&objects), bytes(FIELD55));
}

#[test]
fn multi_byte_tags() {
    let objects = parse_tlv(&bytes("9F2701 80 DF810102 ABCD 5F3401 01")).unwrap();
    let tags: Vec<Tag> = objects.iter().map(|t| t.tag).collect();
    assert_eq!(tags, [Tag(0x9F27), Tag(0xDF8101), Tag(0x5F34)]);
    assert_eq!(Tag(0xDF8101).to_string(), "DF8101");
    assert_eq!(Tag(0x9F26).to_string(), "9F26");
    assert_eq!(Tag(0x5A).to_string(), "5A");
    assert_eq!(Tag(0x0A).to_string(), "0A");
    assert_eq!(Tag(0x57).name(), Some("Track 2 Equivalent Data"));
    assert_eq!(Tag(0x9F26).name(), Some("Application Cryptogram"));
    assert_eq!(Tag(0xDF8101).name(), None);
}

#[test]
fn long_form_lengths() {
    let mut input = bytes("9F1081C8");
    input.extend([0xAB; 200]);
    input.extend(bytes("DF01820130"));
    input.extend([0xCD; 0x130]);
    let objects = parse_tlv(&input).unwrap();
    assert_eq!(objects[0].bytes().map(<[u8]>::len), Some(200));
    assert_eq!(objects[1].bytes().map(<[u8]>::len), Some(0x130));
    assert_eq!(encode_tlv(&objects), input);
    // A length that fits the short form is re-encoded minimally.
    let loose = parse_tlv(&bytes("9F3781 04 01020304")).unwrap();
    assert_eq!(encode_tlv(&loose), bytes("9F3704 01020304"));
}

#[test]
fn nested_templates() {
    // 77 { 71 { 9F18 04 .., 86 05 .. }, 9F27 01 80 }
    let input = bytes("7714 710E 9F180400000001 860584DA000000 9F270180");
    let objects = parse_tlv(&input).unwrap();
    let template = &objects[0];
    assert_eq!(template.tag, Tag(0x77));
    assert_eq!(template.children().len(), 2);
    assert_eq!(template.children()[0].children().len(), 2);
    // Depth first: 86 inside 71 is found.
    assert_eq!(find(&objects, Tag(0x86)).unwrap().bytes(), Some(&bytes("84DA000000")[..]));
    assert_eq!(find(&objects, Tag(0x9F27)).unwrap().bytes(), Some(&[0x80][..]));
    assert!(find(&objects, Tag(0x9F26)).is_none());
    assert_eq!(encode_tlv(&objects), input);
}

#[test]
fn find_prefers_the_earlier_depth_first_match() {
    let tree =
        vec![Tlv::constructed(Tag(0x70), vec![Tlv::primitive(Tag(0x9F36), [1])]), Tlv::primitive(Tag(0x9F36), [2])];
    assert_eq!(find(&tree, Tag(0x9F36)).unwrap().bytes(), Some(&[1][..]));
}

#[test]
fn skips_padding() {
    let objects = parse_tlv(&bytes("00 FF 9F3602 0012 0000 9C01 00 FFFF")).unwrap();
    assert_eq!(objects.len(), 2);
    let padded_template = parse_tlv(&bytes("7006 00 9C0100 FF 00")).unwrap();
    assert_eq!(padded_template[0].children().len(), 1);
    assert_eq!(parse_tlv(&[]).unwrap(), vec![]);
}

#[test]
fn errors() {
    let cases = [
        ("9F", CardError::TlvTruncated { offset: 0 }),
        ("9F26", CardError::TlvTruncated { offset: 0 }),
        ("9F2608 1122", CardError::TlvTruncated { offset: 0 }),
        ("9C0100 9F8181 01 00", CardError::TlvTagTooLong { offset: 3 }),
        ("9C0100 9F8101 80", CardError::TlvIndefiniteLength { offset: 6 }),
        ("9F26 83 000001 00", CardError::TlvLengthTooLong { offset: 2 }),
        ("9F26 81", CardError::TlvTruncated { offset: 0 }),
        ("9F26 82 01", CardError::TlvTruncated { offset: 0 }),
        ("7003 9F2608", CardError::TlvTruncated { offset: 2 }),
    ];
    for (input, want) in cases {
        assert_eq!(parse_tlv(&bytes(input)), Err(want), "{input}");
    }
}

fn nested(levels: usize) -> Vec<u8> {
    let mut inner = bytes("9C0100");
    for _ in 0..levels {
        let mut outer = vec![0x70, inner.len() as u8];
        outer.extend(inner);
        inner = outer;
    }
    inner
}

#[test]
fn nesting_is_bounded() {
    assert!(parse_tlv(&nested(MAX_TLV_DEPTH)).is_ok());
    assert_eq!(parse_tlv(&nested(MAX_TLV_DEPTH + 1)), Err(CardError::TlvTooDeep { offset: 2 * MAX_TLV_DEPTH }));
}

#[test]
fn debug_redacts_cardholder_data() {
    let objects = parse_tlv(&bytes("5A08 6228480402564890 5F3401 01")).unwrap();
    let dbg = format!("{objects:?}");
    assert!(dbg.contains("5A: <8 bytes redacted>"), "{dbg}");
    assert!(dbg.contains("5F34: 01"), "{dbg}");
    assert!(!dbg.contains("6228480402564890"), "{dbg}");
    assert!(!format!("{:?}", objects[0].value).contains("6228"));
}

/// A tag of the given form; never 00 or FF as a first byte, which are padding.
fn tag(constructed: bool) -> impl Strategy<Value = Tag> {
    let c = if constructed { 0x20u32 } else { 0 };
    prop_oneof![
        (0u32..4, 0u32..31)
            .prop_filter("00 is padding", move |(class, n)| (class << 6) | c | n != 0)
            .prop_map(move |(class, n)| Tag((class << 6) | c | n)),
        (0u32..4, 0u32..0x80)
            .prop_filter("FF is padding", move |(class, _)| (class << 6) | c | 0x1F != 0xFF)
            .prop_map(move |(class, b)| Tag((((class << 6) | c | 0x1F) << 8) | b)),
        (0u32..4, 0x80u32..0x100, 0u32..0x80)
            .prop_filter("FF is padding", move |(class, _, _)| (class << 6) | c | 0x1F != 0xFF)
            .prop_map(move |(class, b, d)| Tag((((((class << 6) | c | 0x1F) << 8) | b) << 8) | d)),
    ]
}

fn tree() -> impl Strategy<Value = Tlv> {
    let leaf = (tag(false), vec(any::<u8>(), 0..300)).prop_map(|(t, v)| Tlv::primitive(t, v));
    leaf.prop_recursive(4, 48, 4, |inner| (tag(true), vec(inner, 0..4)).prop_map(|(t, c)| Tlv::constructed(t, c)))
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(input in vec(any::<u8>(), 0..512)) {
        if let Ok(objects) = parse_tlv(&input) {
            // Whatever parses re-encodes canonically and parses back the same.
            let canonical = encode_tlv(&objects);
            prop_assert_eq!(parse_tlv(&canonical), Ok(objects));
        }
    }

    #[test]
    fn generated_trees_round_trip(trees in vec(tree(), 0..4)) {
        let encoded = encode_tlv(&trees);
        let parsed = parse_tlv(&encoded);
        prop_assert_eq!(parsed.as_ref(), Ok(&trees));
        if let Ok(parsed) = parsed {
            prop_assert_eq!(encode_tlv(&parsed), encoded);
        }
    }
}

proptest! {
    #[test]
    fn damaged_encodings_never_panic(
        trees in vec(tree(), 1..3),
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
        mask in 1u8..=255,
    ) {
        let encoded = encode_tlv(&trees);
        let _ = parse_tlv(&encoded[..cut.index(encoded.len() + 1)]);
        let mut flipped = encoded.clone();
        if !flipped.is_empty() {
            let i = flip.index(flipped.len());
            flipped[i] ^= mask;
        }
        let _ = parse_tlv(&flipped);
    }
}
