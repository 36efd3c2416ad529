#![no_main]
//! Hostile field 55: parsing never panics; parsed trees encode and parse back the same.
use libfuzzer_sys::fuzz_target;
use pos_core::card::{encode_tlv, parse_tlv};

fuzz_target!(|data: &[u8]| {
    if let Ok(objects) = parse_tlv(data) {
        let bytes = encode_tlv(&objects);
        assert_eq!(parse_tlv(&bytes).expect("re-encoded TLV parses"), objects);
    }
});
