use proptest::prelude::*;

use super::*;
use crate::devices::printer::escpos::{EscPos, StatusQuery};

fn parse(chinese: bool, chunks: &[&[u8]]) -> Vec<Op> {
    let mut p = Parser::new(chinese);
    let mut out = Vec::new();
    for c in chunks {
        p.push(c, &mut out);
    }
    merge_text(out)
}

/// Joins adjacent text ops, so chunkings that split a run compare equal.
fn merge_text(ops: Vec<Op>) -> Vec<Op> {
    let mut out: Vec<Op> = Vec::new();
    for op in ops {
        match (out.last_mut(), op) {
            (Some(Op::Text(a)), Op::Text(b)) => a.push_str(&b),
            (_, op) => out.push(op),
        }
    }
    out
}

fn sample_job() -> Vec<u8> {
    let mut e = EscPos::new();
    e.init()
        .align(Align::Center)
        .bold(true)
        .size(2, 2)
        .line("POS签购单")
        .size(1, 1)
        .bold(false)
        .align(Align::Left)
        .line("商户名称 MERCHANT NAME")
        .text("金额 AMOUNT: RMB 12.34")
        .feed(3)
        .cut();
    e.into_bytes()
}

fn sample_ops() -> Vec<Op> {
    vec![
        Op::Init,
        Op::Align(Align::Center),
        Op::Bold(true),
        Op::Size { width: 2, height: 2 },
        Op::Chinese(true),
        Op::Text("POS签购单".into()),
        Op::LineFeed,
        Op::Size { width: 1, height: 1 },
        Op::Bold(false),
        Op::Align(Align::Left),
        Op::Text("商户名称 MERCHANT NAME".into()),
        Op::LineFeed,
        Op::Text("金额 AMOUNT: RMB 12.34".into()),
        Op::FeedLines(3),
        Op::Cut,
    ]
}

#[test]
fn encoder_output_parses_back() {
    assert_eq!(parse(false, &[&sample_job()]), sample_ops());
}

#[test]
fn every_split_point_gives_the_same_ops() {
    let job = sample_job();
    for i in 0..=job.len() {
        let (a, b) = job.split_at(i);
        assert_eq!(parse(false, &[a, b]), sample_ops(), "split at {i}");
    }
    let bytes: Vec<&[u8]> = job.chunks(1).collect();
    assert_eq!(parse(false, &bytes), sample_ops());
}

#[test]
fn status_queries_and_print_mode() {
    let mut job = Vec::new();
    for q in
        [StatusQuery::Printer, StatusQuery::OfflineCause, StatusQuery::PaperSensor, StatusQuery::PaperAfterPrinting]
    {
        job.extend_from_slice(&q.bytes());
    }
    job.extend_from_slice(&[ESC, b'!', 0x38, ESC, b'J', 48]);
    assert_eq!(
        parse(false, &[&job]),
        [
            Op::RealtimeStatus(1),
            Op::RealtimeStatus(2),
            Op::RealtimeStatus(4),
            Op::Status(1),
            Op::PrintMode { bold: true, double_width: true, double_height: true },
            Op::FeedDots(48),
        ]
    );
}

#[test]
fn chinese_bytes_without_fs_ampersand_show_as_question_marks() {
    let (gb, _, _) = GB18030.encode("中A");
    assert_eq!(parse(false, &[&gb]), [Op::Text("??A".into())]);
    // A printer that powers on in Chinese mode prints it, and ESC @ keeps that default.
    assert_eq!(parse(true, &[&gb, &[ESC, b'@'], &gb]), [Op::Text("中A".into()), Op::Init, Op::Text("中A".into())]);
}

#[test]
fn half_a_character_before_a_command_is_a_replacement_char() {
    assert_eq!(parse(true, &[&[0xD6, LF, b'A']]), [Op::Text("\u{FFFD}".into()), Op::LineFeed, Op::Text("A".into())]);
    // Across chunks, with no control byte in between, the character is completed.
    assert_eq!(parse(true, &[&[0xD6], &[0xD0]]), [Op::Text("中".into())]);
}

#[test]
fn known_commands_consume_their_arguments_and_data() {
    let raster = [GS, b'v', b'0', 0, 2, 0, 3, 0];
    let image = [0xAAu8; 6];
    let qr = [GS, b'(', b'k', 3, 0, 49, 81, 48];
    let barcode_nul = [GS, b'k', 4, b'1', b'2', 0];
    let barcode_len = [GS, b'k', 73, 3, b'A', b'B', b'C'];
    let tabs = [ESC, b'D', 8, 16, 0];
    let job =
        [&raster[..], &image, &qr, &barcode_nul, &barcode_len, &tabs, &[ESC, b'W', 1, 2, 3, 4, 5, 6, 7, 8], b"ok"]
            .concat();
    assert_eq!(parse(false, &[&job]), [Op::Text("ok".into())]);
}

#[test]
fn unknown_commands_drop_only_their_first_byte() {
    assert_eq!(parse(false, &[&[ESC, b'Z', b'x', GS, 0x01, DLE, b'y', 0x07, 0x0D]]), [Op::Text("Zxy".into())]);
    assert_eq!(parse(false, &[&[ESC, ESC, b'@']]), [Op::Init]);
}

#[test]
fn long_text_is_split_into_bounded_runs() {
    let text = vec![b'a'; 5000];
    let mut p = Parser::new(false);
    let mut out = Vec::new();
    p.push(&text, &mut out);
    assert!(out.iter().all(|op| matches!(op, Op::Text(s) if s.len() <= MAX_TEXT_RUN)));
    assert_eq!(merge_text(out), [Op::Text("a".repeat(5000))]);
}

#[test]
fn huge_skip_counts_do_not_allocate() {
    // A raster header announcing 65535 x 65535 bytes: skipped by count.
    let mut p = Parser::new(false);
    let mut out = Vec::new();
    p.push(&[GS, b'v', b'0', 0, 0xFF, 0xFF, 0xFF, 0xFF], &mut out);
    p.push(&[b'x'; 4096], &mut out);
    assert!(out.is_empty());
    assert_eq!(p.state, State::Skip(65535 * 65535 - 4096));
}

#[test]
fn line_ends_skip_arguments_and_data_that_look_like_lf() {
    let job = [&[ESC, b'd', LF, b'a', LF][..], &[GS, b'v', b'0', 0, 1, 0, 2, 0, LF, LF], b"b\n"].concat();
    assert_eq!(line_ends(&job), [5, 17]);
}

proptest! {
    #[test]
    fn hostile_bytes_never_panic_and_output_is_bounded(bytes in proptest::collection::vec(any::<u8>(), 0..2048), split in 0usize..2048, chinese: bool) {
        let split = split.min(bytes.len());
        let mut p = Parser::new(chinese);
        let mut out = Vec::new();
        p.push(&bytes[..split], &mut out);
        p.push(&bytes[split..], &mut out);
        let text: usize = out.iter().map(|op| if let Op::Text(s) = op { s.chars().count() } else { 0 }).sum();
        prop_assert!(out.len() <= bytes.len() + 2);
        prop_assert!(text <= bytes.len() + 2);
    }

    #[test]
    fn any_text_round_trips(s in "[ -~\u{4e00}-\u{9fff}\u{3000}-\u{303f}\u{ff01}-\u{ff5e}]{0,80}") {
        let mut e = EscPos::new();
        e.text(&s);
        let ops = parse(false, &[&e.into_bytes()]);
        let back: String = ops.iter().filter_map(|op| if let Op::Text(t) = op { Some(t.as_str()) } else { None }).collect();
        prop_assert_eq!(back, s);
    }
}
