#![no_main]
//! Hostile frames: decoding never panics, and what decodes re-encodes to exactly the bytes
//! received (a decoded value keeps its wire form) and decodes the same.
//! Seeds: corpus/frame_decode, including every frame of core/tests/frames (corpus-*.bin).
use libfuzzer_sys::fuzz_target;
use pos_core::iso8583::{unionpay, AdminRequest, AdminResponse, FinancialRequest, FinancialResponse, Frame};

fuzz_target!(|data: &[u8]| {
    let p = unionpay();
    if let Ok(frame) = Frame::decode(p, data) {
        let _ = FinancialRequest::from_message(&frame.message);
        let _ = FinancialResponse::from_message(&frame.message);
        let _ = AdminRequest::from_message(&frame.message);
        let _ = AdminResponse::from_message(&frame.message);
        let again = frame.encode(p).expect("a decoded frame re-encodes");
        assert_eq!(again, data, "re-encoding is not byte-identical");
        let back = Frame::decode(p, &again).expect("re-encoded frame decodes");
        assert_eq!(back, frame);
    }
});
