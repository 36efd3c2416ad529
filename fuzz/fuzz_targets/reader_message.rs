#![no_main]
//! A hostile reader's messages: every decoder of the reader protocol (docs/reader-protocol.md)
//! answers with a value or a protocol error, never a panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = pos_core::devices::reader::fuzzing::decode_everything(data);
});
