#![no_main]
//! A hostile ESC/POS stream on the simulated printer: never panics, paper and preview stay bounded.
use libfuzzer_sys::fuzz_target;
use pos_core::devices::printer::preview::PrintHead;
use pos_core::devices::printer::sim::{to_png, MAX_HEIGHT_PX};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the paper width and where the stream is cut in two chunks.
    let Some((&first, stream)) = data.split_first() else { return };
    let columns = if first & 1 == 0 { 32 } else { 48 };
    let split = usize::from(first).min(stream.len());
    let mut head = PrintHead::new(columns, first & 2 == 0, 200);
    head.feed(&stream[..split]);
    head.feed(&stream[split..]);
    let paper = head.paper();
    assert!(paper.lines().len() <= 200);
    assert!(paper.lines().iter().all(|l| l.span() <= columns));
    // The preview (a PNG of the paper) costs a hundred times the parse: one input in sixteen.
    if first >> 4 == 0 {
        let png = to_png(paper).expect("preview encodes");
        let height = u32::from_be_bytes([png[20], png[21], png[22], png[23]]) as usize;
        assert!(height <= MAX_HEIGHT_PX);
    }
});
