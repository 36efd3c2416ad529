//! The real-world frame corpus: frames in the shapes later editions of the UnionPay POS
//! specification and deployed hosts send (core/tests/frames/*.hex, docs/wire-profile.md).
//!
//! The frames were written byte by byte by core/tests/frames/make_corpus.py, from the
//! published layouts and without this codec, and their MACs computed there with
//! PyCryptodome's DES. Each frame must:
//! - decode, and re-encode to exactly the bytes received;
//! - be read by pyiso8583 (decoding the body independently) to the same field values;
//! - verify its MAC over the bytes as received, under the algorithm it was signed with only;
//! - be read by the typed readers (or fail with a typed error where the shape is not ours);
//! - be a seed of the frame_decode fuzz target.
//!
//! The pyiso8583 part needs the venv the interop tests build (see interop/bridge.rs);
//! POS_SKIP_INTEROP=1 skips it when that is impossible.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::bridge::{bridge, differences, field_map};
use pos_core::crypto::{MacAlgorithm, SecretKey};
use pos_core::iso8583::{
    check_mac, encode_signed, unionpay, AdminRequest, AdminResponse, CodecError, Encoding, Field60, FinancialRequest,
    FinancialResponse, Frame, MacCheck, Message,
};
use serde_json::{json, Value};

/// One corpus file.
struct CorpusFrame {
    name: String,
    bytes: Vec<u8>,
    mac: Option<(MacAlgorithm, SecretKey)>,
    /// Pad conventions pyiso8583 decodes this frame with ({"2": {"right_pad": "F"}}).
    pads: Value,
}

fn frames_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/frames")
}

fn corpus() -> Vec<CorpusFrame> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(frames_dir())
        .expect("core/tests/frames")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "hex"))
        .collect();
    paths.sort();
    paths.iter().map(|p| parse_file(p)).collect()
}

fn parse_file(path: &Path) -> CorpusFrame {
    let name = path.file_stem().and_then(|s| s.to_str()).expect("file name").to_string();
    let text = std::fs::read_to_string(path).expect("corpus file");
    let mut hex_text = String::new();
    let mut mac = None;
    let mut pads = json!({});
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# mac: ") {
            let (algo, key) = rest.split_once(' ').expect("# mac: ALGO KEY");
            let algo = match algo {
                "ecb" => MacAlgorithm::UnionPayEcb,
                "x919" => MacAlgorithm::X919,
                other => panic!("{name}: unknown MAC algorithm {other}"),
            };
            mac = Some((algo, SecretKey::from_hex(key).expect("MAC key")));
        } else if let Some(rest) = line.strip_prefix("# pyiso: ") {
            for item in rest.split_whitespace() {
                let (field, pad) = item.split_once('=').expect("FIELD=KIND:PAD");
                let (kind, value) = pad.split_once(':').expect("KIND:PAD");
                pads[field] = json!({ kind: value });
            }
        } else if !line.starts_with('#') {
            hex_text.push_str(line.trim());
        }
    }
    let bytes = hex::decode(&hex_text).unwrap_or_else(|e| panic!("{name}: bad hex: {e}"));
    CorpusFrame { name, bytes, mac, pads }
}

fn decode(f: &CorpusFrame) -> Frame {
    Frame::decode(unionpay(), &f.bytes).unwrap_or_else(|e| panic!("{}: refused: {e}", f.name))
}

fn assert_no_failures(what: &str, total: usize, failures: &[String]) {
    assert!(failures.is_empty(), "{} of {total} {what}:\n{}", failures.len(), failures.join("\n"));
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[test]
fn every_frame_decodes_and_re_encodes_byte_identically() {
    let corpus = corpus();
    let mut failures = Vec::new();
    for f in &corpus {
        match Frame::decode(unionpay(), &f.bytes) {
            Ok(frame) => match frame.encode(unionpay()) {
                Ok(again) if again == f.bytes => {}
                Ok(again) => failures.push(format!(
                    "{}: re-encoded differently\n  received {}\n  again    {}",
                    f.name,
                    hex::encode_upper(&f.bytes),
                    hex::encode_upper(&again)
                )),
                Err(e) => failures.push(format!("{}: does not re-encode: {e}", f.name)),
            },
            Err(e) => failures.push(format!("{}: refused: {e}", f.name)),
        }
    }
    assert_no_failures("frames not carried through byte for byte", corpus.len(), &failures);
}

/// The corpus has the shapes the issue names, judged from the decoded frames themselves.
#[test]
fn corpus_covers_the_shapes_of_later_editions_and_other_hosts() {
    let corpus = corpus();
    assert!(corpus.len() >= 30, "{} frames", corpus.len());
    let frames: Vec<(String, Frame)> = corpus.iter().map(|f| (f.name.clone(), decode(f))).collect();
    let msgs = || frames.iter().map(|(_, f)| &f.message);
    let len = |m: &Message, n: u8| m.get(n).map_or(0, <[u8]>::len);
    let mti = |m: &Message| m.mti().to_string();

    let f60: BTreeSet<usize> = msgs().map(|m| len(m, 60)).filter(|&l| l >= 17).collect();
    assert!(f60.contains(&17) && f60.contains(&30) && f60.len() >= 10, "field 60 lengths {f60:?}");
    assert!(msgs().any(|m| m.mti().is_request() && len(m, 60) > 17), "a request with 60 past 17 digits");
    assert!(msgs().any(|m| !m.mti().is_request() && len(m, 60) > 17), "an answer with 60 past 17 digits");
    for req in ["0200", "0800"] {
        assert!(msgs().any(|m| mti(m) == req && m.has(62)), "62 in a {req}");
    }
    let orgs: BTreeSet<&[u8]> = msgs().filter_map(|m| m.get(63)).filter_map(|v| v.get(..3)).collect();
    for org in [&b"CUP"[..], b"VIS", b"MCC", b"JCB"] {
        assert!(orgs.contains(org), "63 with {}", String::from_utf8_lossy(org));
    }
    assert!(msgs().any(|m| len(m, 63) > 163), "63 longer than the older 163");
    let f48: BTreeSet<(String, usize)> = msgs().filter(|m| m.has(48)).map(|m| (mti(m), len(m, 48))).collect();
    assert!(f48.iter().any(|(t, l)| t == "0500" && *l == 62), "settlement totals: {f48:?}");
    assert!(f48.iter().any(|(t, _)| t == "0510"), "0510 totals: {f48:?}");
    assert!(f48.iter().any(|(t, l)| t == "0320" && *l > 322), "48 past 322 digits: {f48:?}");
    assert!(f48.iter().any(|(t, l)| t == "0320" && *l == 4), "batch count: {f48:?}");
    assert!(msgs().any(Message::has_empty_secondary), "an empty secondary bitmap");
    assert!(msgs().any(|m| m.bitmap().needs_secondary()), "fields behind a secondary bitmap");
    assert!(msgs().any(|m| m.mti().is_request() && len(m, 55) > 255), "a request with 55 past 255");
    assert!(msgs().any(|m| !m.mti().is_request() && len(m, 55) > 255), "an answer with 55 past 255");
    let f54: BTreeSet<usize> = msgs().map(|m| len(m, 54)).filter(|&l| l > 0).collect();
    assert!([20, 40, 60].iter().all(|l| f54.contains(l)), "54 of 1-3 blocks: {f54:?}");
    // Odd-length BCD: left-aligned and right-aligned fields, each padded with 0 and with F.
    let mut pads = BTreeSet::new();
    for m in msgs() {
        for (n, v) in m.fields() {
            let spec = unionpay().field(n).expect("spec");
            let right = match spec.encoding {
                Encoding::BcdLeft | Encoding::Track => false,
                Encoding::BcdRight => true,
                Encoding::Ascii | Encoding::Binary => continue,
            };
            if v.len() % 2 == 1 {
                pads.insert((right, m.wire(n).pad));
            }
        }
    }
    for want in [(false, 0), (false, 0xF), (true, 0), (true, 0xF)] {
        assert!(pads.contains(&want), "odd BCD (right-aligned {}, pad {:X}): {pads:?}", want.0, want.1);
    }
    let tpdus: BTreeSet<[u8; 5]> = frames.iter().map(|(_, f)| f.tpdu.bytes()).collect();
    let headers: BTreeSet<[u8; 6]> = frames.iter().map(|(_, f)| f.header.0).collect();
    assert!(tpdus.len() >= 4 && headers.len() >= 5, "{} TPDUs, {} headers", tpdus.len(), headers.len());
    assert!(tpdus.iter().any(|t| t[0] != 0x60), "a TPDU whose protocol id is not 60");
    // The host's processing requirement is the low nibble of header byte 3.
    use pos_core::iso8583::ProcessingRequirement as R;
    let asks = |name: &str| {
        let (_, f) = frames.iter().find(|(c, _)| c.starts_with(name)).expect("frame");
        (f.header.terminal_status(), f.header.processing_requirement())
    };
    assert_eq!(asks("36-"), (0, R::DownloadParameters));
    assert_eq!(asks("38-"), (0, R::SignIn));
    assert_eq!(pos_core::iso8583::Header::MAGSTRIPE.with_requirement(R::DownloadBlacklist).0[2], 0x07);
    for n in 0..16 {
        assert_eq!(R::from_nibble(n).nibble(), n);
    }
}

/// pyiso8583 decodes every body (with the pad convention each frame states) to our values.
#[test]
fn pyiso8583_reads_every_frame_as_we_do() {
    let Some(mut bridge) = bridge("pyiso8583_reads_every_frame_as_we_do") else { return };
    let corpus = corpus();
    let mut failures = Vec::new();
    for f in &corpus {
        let frame = decode(f);
        let body = &f.bytes[13..];
        let mut theirs = match bridge.decode_with_pads(body, &f.pads) {
            Ok(fields) => fields,
            Err(e) => {
                failures.push(format!("{}: pyiso8583 cannot decode {}: {e}", f.name, hex::encode_upper(body)));
                continue;
            }
        };
        let mut diffs = differences(&field_map(&frame.message), &{
            let mut t = theirs.clone();
            t.remove("p");
            t.remove("1");
            t
        });
        let primary = theirs.remove("p");
        if primary.as_deref() != Some(&hex::encode_upper(&body[2..10])) {
            diffs.push(format!("  primary bitmap: pyiso8583 {primary:?}"));
        }
        let secondary = theirs.remove("1");
        let ours = (body[2] & 0x80 != 0).then(|| hex::encode_upper(&body[10..18]));
        if secondary != ours {
            diffs.push(format!("  secondary bitmap: ours {ours:?}, pyiso8583 {secondary:?}"));
        }
        if !diffs.is_empty() {
            failures.push(format!("{} ({}):\n{}", f.name, hex::encode_upper(body), diffs.join("\n")));
        }
    }
    assert_no_failures("frames read differently by pyiso8583", corpus.len(), &failures);
}

/// MACs are checked over the received bytes: the MAB is exactly the bytes between the
/// preamble and field 64, only the signing algorithm verifies, one flipped bit fails, and
/// signing the carried-through frame again reproduces the received bytes.
#[test]
fn macs_over_the_received_bytes_are_exact_with_both_algorithms() {
    let corpus = corpus();
    let mut seen: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for f in &corpus {
        let Some((algo, key)) = &f.mac else { continue };
        *seen.entry(algo.name()).or_default() += 1;
        let (frame, layout) = Frame::decode_with_layout(unionpay(), &f.bytes).expect("decodes");
        let end = f.bytes.len() - 8;
        if layout.mab(&f.bytes) != Some(&f.bytes[13..end]) {
            failures.push(format!("{}: the MAB is not the received bytes between preamble and MAC", f.name));
        }
        if check_mac(&f.bytes, &layout, *algo, key) != MacCheck::Valid {
            failures.push(format!("{}: {} MAC does not verify", f.name, algo.name()));
        }
        let other = match algo {
            MacAlgorithm::UnionPayEcb => MacAlgorithm::X919,
            MacAlgorithm::X919 => MacAlgorithm::UnionPayEcb,
        };
        if check_mac(&f.bytes, &layout, other, key) != MacCheck::Invalid {
            failures.push(format!("{}: verifies under {} too", f.name, other.name()));
        }
        // Bit 0 of the last MAB byte: a digit stays a digit, a pad stays a pad, so the frame
        // still decodes and only the MAC notices.
        let mut tampered = f.bytes.clone();
        tampered[end - 1] ^= 0x01;
        match Frame::decode_with_layout(unionpay(), &tampered) {
            Ok((_, l)) if check_mac(&tampered, &l, *algo, key) == MacCheck::Invalid => {}
            Ok(_) => failures.push(format!("{}: a flipped bit still verifies", f.name)),
            Err(e) => failures.push(format!("{}: a flipped bit broke decoding: {e}", f.name)),
        }
        match encode_signed(&frame, unionpay(), *algo, key) {
            Ok(signed) if signed == f.bytes => {}
            Ok(signed) => failures.push(format!(
                "{}: signing again gave other bytes\n  received {}\n  signed   {}",
                f.name,
                hex::encode_upper(&f.bytes),
                hex::encode_upper(&signed)
            )),
            Err(e) => failures.push(format!("{}: cannot sign again: {e}", f.name)),
        }
    }
    assert_no_failures("MAC checks not exact", corpus.len(), &failures);
    assert!(seen.values().all(|&n| n >= 5) && seen.len() == 2, "frames signed per algorithm: {seen:?}");
}

/// Field 60 of any length reads as its subfields, the rest kept raw at its position.
#[test]
fn field_60_of_every_frame_reads_back_as_received() {
    for f in corpus() {
        let frame = decode(&f);
        let v = frame.message.get(60).expect("every corpus frame carries 60");
        let f60 = Field60::parse(v).unwrap_or_else(|e| panic!("{}: {e}", f.name));
        assert_eq!(f60.to_string().as_bytes(), v, "{}", f.name);
        assert_eq!(f60.rest_offset() + f60.rest.len(), v.len(), "{}", f.name);
        if v.len() >= 17 {
            assert!(f60.partial_approval.is_some() && f60.account_type.is_some(), "{}: 60.6/60.7", f.name);
        }
    }
}

/// The typed readers take the corpus: requests as the simulator reads them, answers as the
/// terminal does. The shapes that are not transactions of ours fail with typed errors.
#[test]
fn typed_readers_accept_the_corpus() {
    let corpus = corpus();
    let mut failures = Vec::new();
    for f in &corpus {
        let m = decode(f).message;
        let result: Result<(), CodecError> = match m.mti().as_str() {
            "0100" | "0200" | "0220" | "0400" => FinancialRequest::from_message(&m).map(|r| {
                let batch = Field60::parse(m.get(60).unwrap_or_default()).map(|x| x.batch);
                assert_eq!(Ok(r.batch), batch, "{}: batch from 60.2", f.name);
            }),
            "0210" => FinancialResponse::from_message(&m).map(drop),
            "0800" | "0820" | "0500" | "0320" => AdminRequest::from_message(&m).map(drop),
            "0810" | "0830" | "0510" => AdminResponse::from_message(&m).map(drop),
            other => panic!("{}: MTI {other} not expected in the corpus", f.name),
        };
        let expected_error = match f.name.as_str() {
            // Transfers (processing code 40) are not a transaction type of this terminal.
            n if n.contains("transfer") => Some("no transaction type"),
            // Nine magstripe records exceed the eight this profile uploads per message.
            n if n.contains("nine-records") => Some("field 48"),
            _ => None,
        };
        match (result, expected_error) {
            (Ok(()), None) => {}
            (Err(e), Some(want)) if e.to_string().contains(want) => {}
            (r, want) => failures.push(format!("{}: {r:?}, expected {want:?}", f.name)),
        }
    }
    assert_no_failures("frames the typed readers got wrong", corpus.len(), &failures);
}

/// Every corpus frame seeds the frame_decode fuzz target, byte for byte.
#[test]
fn fuzz_corpus_has_every_frame() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/frame_decode");
    for f in corpus() {
        let path = fuzz.join(format!("corpus-{}.bin", f.name));
        let seed = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(seed, f.bytes, "{} differs from its .hex", path.display());
    }
}
