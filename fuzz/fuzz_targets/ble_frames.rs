#![no_main]
//! Hostile BLE chunks: the reassembler resynchronises, never panics, and every frame it
//! returns encodes and comes back the same.
use libfuzzer_sys::fuzz_target;
use pos_core::devices::ble::Reassembler;

fuzz_target!(|data: &[u8]| {
    // The first byte is the chunk size (an ATT payload is 20..=514 bytes; any size here).
    let Some((&size, stream)) = data.split_first() else { return };
    let mut r = Reassembler::new();
    for chunk in stream.chunks(usize::from(size).max(1)) {
        for frame in r.push(chunk).into_iter().flatten() {
            let bytes = frame.encode().expect("a received frame encodes");
            let mut again = Reassembler::new();
            let back: Vec<_> = again.push(&bytes).into_iter().flatten().collect();
            assert_eq!(back, vec![frame]);
        }
    }
});
