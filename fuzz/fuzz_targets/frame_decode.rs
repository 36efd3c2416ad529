#![no_main]
//! Hostile frames: decoding never panics, and what decodes re-encodes and decodes the same.
use libfuzzer_sys::fuzz_target;
use pos_core::iso8583::{unionpay, FinancialRequest, FinancialResponse, AdminRequest, AdminResponse, Frame};

fuzz_target!(|data: &[u8]| {
    let p = unionpay();
    if let Ok(frame) = Frame::decode(p, data) {
        let _ = FinancialRequest::from_message(&frame.message);
        let _ = FinancialResponse::from_message(&frame.message);
        let _ = AdminRequest::from_message(&frame.message);
        let _ = AdminResponse::from_message(&frame.message);
        if let Ok(again) = frame.encode(p) {
            let back = Frame::decode(p, &again).expect("re-encoded frame decodes");
            assert_eq!(back, frame);
        }
    }
});
