//! Both sides speak the profile: a realistic session between the terminal and the acquirer
//! simulator is recorded by a relay on loopback, and every frame on the wire, both ways, is
//! read by pyiso8583 (an ISO 8583 codec written independently of ours) and by our codec.
//!
//! The pyiso8583 side runs through core/tests/interop/bridge.rs (venv under the target dir,
//! one Python process); like the codec interop test, it fails when python3 or PyPI is
//! unavailable unless POS_SKIP_INTEROP=1. The session is recorded once per test binary and
//! shared by the tests below, which only read it.

#[path = "../../../core/tests/interop/bridge.rs"]
mod bridge;

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Duration;

use bridge::{bridge, differences, field_map};
use pos_acquirer_sim::{SimConfig, Simulator};
use pos_core::iso8583::frame::PREAMBLE_LEN;
use pos_core::iso8583::{unionpay, Frame, Mti};
use pos_core::provision::DEMO_TPDU;
use pos_core::terminal::{AdminOutcome, OriginalRef, Terminal, TerminalConfig, TxnOutcome};
use pos_core::Error;
use pos_core::SoftwareReader;
use pos_e2e::relay::{Direction, Recorded, Relay};
use pos_e2e::{cny, init_tracing, pan, Station};

/// Bytes before the ISO 8583 body: the 2-byte length, the 5-byte TPDU and the 6-byte header.
const BODY_START: usize = 2 + PREAMBLE_LEN;

/// The deck cards the session presents; none of their PANs may travel in clear.
const CARDS: [&str; 5] = ["debit", "contactless", "swipe123", "lowbal", "credit"];

/// What the relay saw, and how many exchanges the session made.
struct Session {
    frames: Vec<Recorded>,
    exchanges: usize,
}

/// The session, recorded on first use in a runtime of its own (each test has none).
fn session() -> &'static Session {
    static SESSION: OnceLock<Session> = OnceLock::new();
    SESSION.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        rt.block_on(record_session())
    })
}

/// Drives the terminal and counts its exchanges, checking each outcome as it goes.
struct Script<'a> {
    t: &'a Terminal,
    reader: &'a SoftwareReader,
    exchanges: usize,
}

impl Script<'_> {
    fn present(&self, card: &str) {
        self.reader.present(card).expect("deck card");
    }

    fn admin<E: std::fmt::Display>(&mut self, what: &str, r: Result<AdminOutcome, E>) {
        self.exchanges += 1;
        let o = r.unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(o.approved, "{what} declined: {o:?}");
    }

    /// One financial exchange, checked for response code `rc`.
    fn txn(&mut self, what: &str, rc: &str, r: Result<TxnOutcome, Error>) -> TxnOutcome {
        self.exchanges += 1;
        let o = r.unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(o.response_code.as_str(), rc, "{what}: {o:?}");
        o
    }
}

/// The voucher of an outcome, to name it as an original.
fn voucher(o: &TxnOutcome) -> OriginalRef {
    OriginalRef::Voucher(o.voucher.expect("approved outcomes have a voucher"))
}

/// Sign-in (mode 004), sales (PIN, contactless, swipe, a decline), void, refund, the
/// pre-auth family, balance and sign-off, all through the relay.
async fn record_session() -> Session {
    init_tracing();
    // Plain TCP on purpose, both legs: the relay reads and records the frames, which TLS would
    // hide (terminating TLS in the relay would test nothing more about the codec). TLS itself
    // is tested in tests/e2e/tls.rs and core's acquirer tests.
    let sim = Simulator::start(SimConfig::demo().plain().listening_on("127.0.0.1:0")).await.expect("simulator starts");
    let relay = Relay::start(sim.addr(), unionpay().max_frame).await.expect("relay starts");
    let mut config = TerminalConfig::demo_at_plain(relay.addr().to_string());
    // Pays with the same few cards many times a day; the default risk policy would ask for
    // confirmations (the risk engine has its own tests: tests/e2e/risk.rs, core risk::tests).
    config.risk_policy = None;
    config.response_timeout = Duration::from_secs(5);
    config.card_timeout = Duration::from_secs(2);
    assert_eq!(config.key_mode.code(), "004", "the session must run in key mode 004 (tracks under the TDK)");
    let station = Station::new(config, "traffic");
    let mut s = Script { t: &station.terminal, reader: &station.reader, exchanges: 0 };
    s.admin("sign-in", s.t.sign_in().await);
    sales(&mut s).await;
    void_and_refund(&mut s).await;
    pre_auths(&mut s).await;
    s.txn("balance", "00", s.t.balance().await);
    // Sign-off is refused with an unsettled batch: settle first (0500, and the batch upload
    // if the totals differ), counting its exchanges from what the relay saw.
    s.t.settle().await.unwrap_or_else(|e| panic!("settle: {e}"));
    s.exchanges = relay.frames().len() / 2;
    s.admin("sign-off", s.t.sign_off().await);
    let exchanges = s.exchanges;
    drop(station);
    Session { frames: relay.frames(), exchanges }
}

/// A chip sale with PIN, a contactless one, a swipe of all three tracks and a decline.
async fn sales(s: &mut Script<'_>) {
    s.present("debit");
    let sale = s.txn("debit sale with PIN", "00", s.t.sale(cny(12_345)).await);
    assert!(sale.entry_mode.pin_entered, "the debit sale carries a PIN block");
    s.present("contactless");
    s.txn("contactless sale", "00", s.t.sale(cny(8_800)).await);
    s.present("swipe123");
    s.txn("magstripe sale", "00", s.t.sale(cny(4_321)).await);
    s.present("lowbal");
    s.txn("insufficient funds", "51", s.t.sale(cny(5_000)).await);
}

async fn void_and_refund(s: &mut Script<'_>) {
    s.present("debit");
    let sale = s.txn("sale to void", "00", s.t.sale(cny(2_000)).await);
    s.txn("void", "00", s.t.void(voucher(&sale)).await);
    s.present("credit");
    let sale = s.txn("sale to refund", "00", s.t.sale(cny(10_000)).await);
    s.txn("refund", "00", s.t.refund(cny(4_000), voucher(&sale)).await);
}

/// Pre-auth, completion and its cancel; another pre-auth and its cancel (credit card).
async fn pre_auths(s: &mut Script<'_>) {
    s.present("credit");
    let pa = s.txn("pre-auth", "00", s.t.pre_auth(cny(50_000)).await);
    let done = s.txn("completion", "00", s.t.pre_auth_complete(cny(48_000), voucher(&pa)).await);
    s.txn("completion cancel", "00", s.t.completion_cancel(voucher(&done)).await);
    let pa = s.txn("pre-auth to cancel", "00", s.t.pre_auth(cny(30_000)).await);
    s.txn("pre-auth cancel", "00", s.t.pre_auth_cancel(cny(30_000), voucher(&pa)).await);
}

/// Our decoding of a recorded frame (which must decode).
fn ours(frame: &Recorded) -> Frame {
    Frame::decode(unionpay(), &frame.bytes).unwrap_or_else(|e| panic!("we cannot decode {}: {e}", hex(frame)))
}

fn hex(frame: &Recorded) -> String {
    hex::encode_upper(&frame.bytes)
}

fn requests(s: &Session) -> impl Iterator<Item = &Recorded> {
    s.frames.iter().filter(|f| f.direction == Direction::ToHost)
}

/// Field 41 and field 11 of a message: what pairs a response with its request.
fn match_key(f: &Frame) -> (String, String) {
    let get = |n| f.message.get_str(n).unwrap_or_default().to_owned();
    (get(41), get(11))
}

/// The MTI as a number, so that "response = request + 10" reads as written.
fn mti_number(m: Mti) -> u32 {
    m.as_str().parse().expect("MTI digits")
}

#[test]
fn every_request_is_answered_once_with_the_tpdu_swapped() {
    let s = session();
    assert_eq!(s.frames.len(), 2 * s.exchanges, "one request and one response per exchange");
    let mut answers: BTreeMap<(String, String), Vec<Frame>> = BTreeMap::new();
    for f in s.frames.iter().filter(|f| f.direction == Direction::ToTerminal) {
        let frame = ours(f);
        assert!(!frame.message.mti().is_request(), "the host sent a request {}", frame.message.mti());
        answers.entry(match_key(&frame)).or_default().push(frame);
    }
    for r in requests(s) {
        let req = ours(r);
        let mti = req.message.mti();
        assert!(mti.is_request(), "the terminal sent a response {mti}");
        let key = match_key(&req);
        let found = answers.remove(&key).unwrap_or_else(|| panic!("no answer to {mti} TID/STAN {key:?}"));
        assert_eq!(found.len(), 1, "{mti} {key:?} answered {} times", found.len());
        let resp = &found[0];
        assert_eq!(mti_number(resp.message.mti()), mti_number(mti) + 10, "{mti} {key:?}");
        assert_eq!(resp.tpdu, req.tpdu.swapped(), "{mti} {key:?}: the reply's TPDU is the request's, swapped");
        assert_eq!(req.tpdu, DEMO_TPDU, "the terminal addresses the acquirer's NII");
    }
    assert!(answers.is_empty(), "answers to no request: {:?}", answers.keys().collect::<Vec<_>>());
}

#[test]
fn the_session_covers_every_message_type() {
    let seen: std::collections::BTreeSet<String> =
        requests(session()).map(|r| ours(r).message.mti().as_str().to_owned()).collect();
    for mti in ["0800", "0820", "0200", "0220", "0100"] {
        assert!(seen.contains(mti), "no {mti} in the session: {seen:?}");
    }
}

#[test]
fn pyiso8583_reads_every_frame_as_we_do() {
    let Some(mut bridge) = bridge("pyiso8583_reads_every_frame_as_we_do") else { return };
    let s = session();
    let mut failures = Vec::new();
    for (i, f) in s.frames.iter().enumerate() {
        let body = &f.bytes[BODY_START..];
        let diffs = match bridge.decode(body) {
            Ok(theirs) => compare(&ours(f), body, theirs),
            Err(e) => vec![format!("  pyiso8583 cannot decode: {e}")],
        };
        if !diffs.is_empty() {
            failures.push(format!("frame #{i} {:?} ({}):\n{}", f.direction, hex(f), diffs.join("\n")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} frames read differently:\n{}",
        failures.len(),
        s.frames.len(),
        failures.join("\n")
    );
}

/// Lines naming each field, and the bitmap, where pyiso8583's reading differs from ours.
fn compare(ours: &Frame, body: &[u8], mut theirs: bridge::Fields) -> Vec<String> {
    let their_bitmap = theirs.remove("p");
    let mut diffs = differences(&field_map(&ours.message), &theirs);
    // The MTI is 2 BCD bytes; the primary bitmap follows (the profile has no secondary one).
    let wire = hex::encode_upper(&body[2..10]);
    let held = hex::encode_upper(ours.message.bitmap().primary_bytes());
    if their_bitmap.as_deref() != Some(wire.as_str()) || held != wire {
        diffs.push(format!("  bitmap: wire {wire}, ours {held}, pyiso8583 {their_bitmap:?}"));
    }
    diffs
}

// ---------------------------------------------------------------------------
// Card data on the wire
// ---------------------------------------------------------------------------

/// Where `digits` shows in a frame: as ASCII, or packed as BCD at either nibble alignment
/// (a search of the frame's hex text finds both alignments at once).
fn shows(frame: &[u8], digits: &str) -> bool {
    let ascii = frame.windows(digits.len()).any(|w| w == digits.as_bytes());
    ascii || hex::encode_upper(frame).contains(digits)
}

/// The fields of a request whose value (as held, or as hex) shows `digits`: for the report.
fn fields_showing(frame: &Frame, digits: &str) -> Vec<u8> {
    frame.message.fields().filter(|(_, v)| shows(v, digits)).map(|(n, _)| n).collect()
}

#[test]
fn field_2_is_never_sent() {
    for r in requests(session()) {
        let req = ours(r);
        assert!(!req.message.has(2), "{} carries field 2 (the PAN in clear)", req.message.mti());
    }
}

/// Never as ASCII, never outside the track fields, and the tracks as sent are not the
/// clear tracks (mode 004 encrypts them under the TDK).
#[test]
fn card_numbers_travel_only_in_the_encrypted_track_fields() {
    for r in requests(session()) {
        let req = ours(r);
        for card in CARDS {
            let digits = luhn_prefix(pan(card));
            let ascii = r.bytes.windows(digits.len()).any(|w| w == digits.as_bytes());
            assert!(!ascii, "{} carries the {card} PAN as ASCII", req.message.mti());
            let fields = fields_showing(&req, digits);
            assert!(fields.iter().all(|n| [35, 36].contains(n)), "{card} PAN in fields {fields:?}");
            let deck = pos_core::deck::find(card).expect("deck card");
            let clear = |track: String| track.replace('=', "D");
            assert_ne!(req.message.get_str(35), Some(clear(deck.track2()).as_str()), "{card}: track 2 in clear");
            assert_ne!(req.message.get_str(36), Some(clear(deck.track3()).as_str()), "{card}: track 3 in clear");
        }
    }
}

/// What Luhn gives back in full: the PAN without its check digit.
fn luhn_prefix(pan: &str) -> &str {
    &pan[..pan.len() - 1]
}

/// The rule asked for: no request carries a card's clear PAN, as ASCII or BCD, anywhere
/// ("clear" includes the PAN without its check digit, which Luhn gives back).
///
/// Plain UnionPay track encryption (`pos_core::crypto::encrypt_track`) would fail this: it
/// encrypts one 8-byte block, the 16 digits before the track's last character, leaving most of
/// the PAN clear BCD in field 35 and all of it in field 36. The reader therefore encrypts whole
/// tracks (field 53 third digit `2`, `encrypt_whole_track`), and this test holds the line.
#[test]
fn no_request_carries_a_clear_pan() {
    let mut found = Vec::new();
    for r in requests(session()) {
        let req = ours(r);
        for card in CARDS {
            let digits = luhn_prefix(pan(card));
            if shows(&r.bytes, digits) {
                let (mti, stan, fields) = (req.message.mti(), match_key(&req).1, fields_showing(&req, digits));
                found.push(format!("  {mti} STAN {stan}: {card} PAN (all but its check digit) in field(s) {fields:?}"));
            }
        }
    }
    assert!(found.is_empty(), "clear card numbers on the wire:\n{}", found.join("\n"));
}
