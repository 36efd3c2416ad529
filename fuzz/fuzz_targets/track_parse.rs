#![no_main]
//! Hostile reader output: track parsers never panic.
use libfuzzer_sys::fuzz_target;
use pos_core::card::{Track1, Track2, Track3, TrackSet};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let _ = Track1::parse(&s);
    let _ = Track2::parse(&s);
    let _ = Track3::parse(&s);
    let _ = TrackSet::parse_swipe(&s);
});
