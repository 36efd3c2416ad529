//! Property tests of the UnionPay ISO 8583 codec (tests/vectors/unionpay-profile.md).
//!
//! (a) Typed messages of every transaction type and every admin kind survive
//!     `to_message` -> frame encode -> frame decode -> `from_message` unchanged, and a
//!     reversal keeps its original's fields.
//! (b) Hostile bytes (random, or a valid frame flipped, truncated or extended) never
//!     panic the decoder or the typed readers behind it.
//! (c) Each class of malformed input gives its own `CodecError` variant.
//!
//! Failures print the values as JSON and the frame as hex: the `Debug` of card data
//! types hides their content on purpose, and everything here is synthetic.

use std::fmt::Debug;

use pos_core::iso8583::{
    decode_message, encode_message, reversal_of, unionpay, AdminKind, AdminRequest, AdminResponse, BatchNo,
    BatchRecord, CardFields, CodecError, Encoding, EntryMethod, EntryMode, FieldSpec, FinancialRequest,
    FinancialResponse, Frame, Header, IcUploadItem, LengthKind, Management, MerchantId, Message, Mti, NetCode,
    OriginalData, PrefixEncoding, Profile, Reconciliation, SecurityControl, SettlementTotals, Stan, TerminalId, Totals,
    Tpdu, TxnType,
};
use pos_core::Bilingual;
use pos_core::{Amount, Currency, MAX_MINOR};
use pos_core::{ResponseCode, RESPONSE_CODES};
use pos_testkit::bcd;
use proptest::collection::{vec, SizeRange};
use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde::Serialize;

// ---------------------------------------------------------------------------
// Runner and assertion helpers
// ---------------------------------------------------------------------------

/// `cases` cases (`PROPTEST_CASES` overrides for a longer hunt); no regression files
/// are written next to the tests.
fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(cases);
    Config { cases, failure_persistence: None, ..Config::default() }
}

/// Runs `test` over `cases` values of `strategy`; a failure names `what`.
fn check<S>(what: &str, cases: u32, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S: Strategy,
    S::Value: Debug,
{
    let mut runner = TestRunner::new(config(cases));
    if let Err(e) = runner.run(&strategy, test) {
        panic!("{what}: {e}");
    }
}

/// A codec result as a test result, naming the step that failed.
fn ok<T>(step: &str, r: Result<T, CodecError>) -> Result<T, TestCaseError> {
    r.map_err(|e| TestCaseError::fail(format!("{step} failed: {e:?}")))
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|e| format!("<not serialisable: {e}>"))
}

/// Fails with both values in full (as JSON) and the frame in hex.
fn same<T: PartialEq + Serialize>(what: &str, sent: &T, got: &T, frame: &[u8]) -> Result<(), TestCaseError> {
    if sent == got {
        return Ok(());
    }
    Err(TestCaseError::fail(format!(
        "{what} changed in the round trip\n sent: {}\n  got: {}\nframe: {}",
        json(sent),
        json(got),
        hex::encode_upper(frame)
    )))
}

// ---------------------------------------------------------------------------
// Encoding helpers
// ---------------------------------------------------------------------------

fn encode_body(msg: &Message) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::new();
    encode_message(unionpay(), msg, &mut out)?;
    Ok(out)
}

fn encode_frame(msg: &Message) -> Result<Vec<u8>, CodecError> {
    Frame::new(Tpdu::DEFAULT, Header::IC, msg.clone()).encode(unionpay())
}

/// A frame's 2-byte length prefix followed by `content` (TPDU, header, body).
fn with_prefix(content: &[u8]) -> Vec<u8> {
    let mut out = (content.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(content);
    out
}

/// Encodes `msg` in a frame, decodes it back and checks frame and message are unchanged.
fn frame_round_trip(msg: &Message) -> Result<(Vec<u8>, Message), TestCaseError> {
    let bytes = ok("frame encode", encode_frame(msg))?;
    let frame = ok("frame decode", Frame::decode(unionpay(), &bytes))?;
    prop_assert_eq!(frame.tpdu, Tpdu::DEFAULT);
    prop_assert_eq!(frame.header, Header::IC);
    prop_assert!(
        frame.message == *msg,
        "message changed in the frame round trip: {:?} -> {:?}\nframe: {}",
        msg,
        frame.message,
        hex::encode_upper(&bytes)
    );
    Ok((bytes, frame.message))
}

/// Where field `n` (its length prefix, if any) starts in the encoded body of `msg`.
fn field_offset(msg: &Message, n: u8) -> usize {
    let mut head = Message::new(msg.mti());
    for (k, v) in msg.fields().filter(|(k, _)| *k < n) {
        head.set(k, v).expect("field number in range");
    }
    let len = encode_body(&head).expect("a prefix of an encodable message encodes").len();
    // The whole message carries a secondary bitmap that its head may lack.
    let secondary = msg.bitmap().needs_secondary() && !head.bitmap().needs_secondary();
    len + if secondary { 8 } else { 0 }
}

/// The length prefix bytes of `len` for a field of kind `k` (BCD profile).
fn bcd_prefix(k: LengthKind, len: usize) -> Vec<u8> {
    match k {
        LengthKind::Fixed(_) => vec![],
        LengthKind::LlVar(_) => vec![bcd::byte(len % 100)],
        LengthKind::LllVar(_) => vec![bcd::byte(len / 100 % 100), bcd::byte(len % 100)],
    }
}

/// Sets bit `n` in an encoded body, adding an (empty) secondary bitmap when n > 64.
fn set_bit(body: &mut Vec<u8>, n: u8) {
    let n = usize::from(n);
    if n > 64 && body[2] & 0x80 == 0 {
        body[2] |= 0x80;
        body.splice(10..10, [0u8; 8]);
    }
    body[2 + (n - 1) / 8] |= 0x80 >> ((n - 1) % 8);
}

/// Field numbers 2..=128 the profile has no spec for.
fn unspecified_fields() -> Vec<u8> {
    (2u8..=128).filter(|&n| unionpay().field(n).is_none()).collect()
}

fn spec_of(n: u8) -> &'static FieldSpec {
    unionpay().field(n).unwrap_or_else(|| panic!("field {n} has a spec"))
}

/// What a successfully decoded (possibly hostile) message must allow: every typed
/// reader returns without panicking, errors render, and re-encoding is stable.
fn exercise(m: &Message) -> Result<(), TestCaseError> {
    let errors = [
        TxnType::identify(m).err(),
        FinancialRequest::from_message(m).err(),
        FinancialResponse::from_message(m).err(),
        AdminRequest::from_message(m).err(),
        AdminResponse::from_message(m).err(),
    ];
    for e in errors.into_iter().flatten() {
        render(&e);
    }
    let body = ok("re-encode of a decoded message", encode_body(m))?;
    let (again, _) = ok("decode of the re-encoded message", decode_message(unionpay(), &body))?;
    prop_assert!(again == *m, "decode(encode(m)) != m for {:?}\nbody: {}", m, hex::encode_upper(&body));
    Ok(())
}

/// As [`exercise`], and the decoded body re-encodes to exactly the bytes received.
fn exercise_body(m: &Message, received: &[u8]) -> Result<(), TestCaseError> {
    exercise(m)?;
    let body = ok("re-encode of a decoded message", encode_body(m))?;
    prop_assert_eq!(hex::encode_upper(&body), hex::encode_upper(received), "not byte-identical");
    Ok(())
}

/// As [`exercise`], and the decoded frame re-encodes to exactly the bytes received.
fn exercise_frame(f: &Frame, received: &[u8]) -> Result<(), TestCaseError> {
    exercise(&f.message)?;
    let bytes = ok("re-encode of a decoded frame", f.encode(unionpay()))?;
    prop_assert_eq!(hex::encode_upper(&bytes), hex::encode_upper(received), "not byte-identical");
    Ok(())
}

/// Every error has both texts.
fn render(e: &CodecError) {
    assert!(!e.en().is_empty() && !e.zh().is_empty(), "{e:?} renders empty");
}

// ---------------------------------------------------------------------------
// Strategies: values
// ---------------------------------------------------------------------------

const DIGITS: &[u8] = b"0123456789";
const HEX_UPPER: &[u8] = b"0123456789ABCDEF";
const TRACK_PLAIN: &[u8] = b"0123456789D";

fn chars(alphabet: &'static [u8], len: impl Into<SizeRange>) -> impl Strategy<Value = String> {
    vec(select(alphabet), len).prop_map(|v| String::from_utf8(v).expect("ASCII alphabet"))
}

fn digits(len: impl Into<SizeRange>) -> impl Strategy<Value = String> {
    chars(DIGITS, len)
}

/// Printable ASCII without space (`ans` identifiers such as TID and MID).
fn graphic(len: impl Into<SizeRange>) -> impl Strategy<Value = String> {
    vec(0x21u8..=0x7e, len).prop_map(|v| String::from_utf8(v).expect("ASCII"))
}

/// Printable ASCII with space (`an`/`ans` text).
fn text(len: impl Into<SizeRange>) -> impl Strategy<Value = String> {
    vec(0x20u8..=0x7e, len).prop_map(|v| String::from_utf8(v).expect("ASCII"))
}

fn bytes(len: impl Into<SizeRange>) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), len)
}

fn stan() -> impl Strategy<Value = Stan> {
    prop_oneof![Just(1u32), Just(999_999u32), 1u32..=999_999].prop_map(|v| Stan::new(v).expect("1..=999999"))
}

fn batch() -> impl Strategy<Value = BatchNo> {
    prop_oneof![Just(0u32), Just(999_999u32), 0u32..=999_999].prop_map(|v| BatchNo::new(v).expect("0..=999999"))
}

fn tid() -> impl Strategy<Value = TerminalId> {
    graphic(8).prop_map(|s| TerminalId::new(&s).expect("8 printable"))
}

fn mid() -> impl Strategy<Value = MerchantId> {
    graphic(15).prop_map(|s| MerchantId::new(&s).expect("15 printable"))
}

fn minor_units() -> impl Strategy<Value = u64> {
    prop_oneof![Just(0u64), Just(MAX_MINOR), 0u64..=MAX_MINOR, 1u64..=100_000]
}

fn amount() -> impl Strategy<Value = Amount> {
    (minor_units(), select(vec![Currency::CNY, Currency::HKD, Currency::USD]))
        .prop_map(|(m, c)| Amount::from_minor(m, c).expect("within n12"))
}

fn mmdd() -> impl Strategy<Value = String> {
    (1u32..=12, 1u32..=31).prop_map(|(m, d)| format!("{m:02}{d:02}"))
}

fn response_code() -> impl Strategy<Value = ResponseCode> {
    select(RESPONSE_CODES).prop_map(|r| ResponseCode::parse(r.code).expect("table code"))
}

fn entry_mode() -> impl Strategy<Value = EntryMode> {
    let methods = vec![
        EntryMethod::Manual,
        EntryMethod::Swipe,
        EntryMethod::Chip,
        EntryMethod::Contactless,
        EntryMethod::Fallback,
    ];
    (select(methods), any::<bool>()).prop_map(|(method, pin_entered)| EntryMode { method, pin_entered })
}

fn security() -> impl Strategy<Value = SecurityControl> {
    any::<(bool, bool, bool, bool)>().prop_map(|(pin_with_pan, double_length, track_encrypted, whole)| {
        SecurityControl { pin_with_pan, double_length, track_encrypted, whole_track: track_encrypted && whole }
    })
}

/// Clear track 2: PAN, `D`, then expiry, service code and discretionary digits; at most 37.
fn track2_clear() -> impl Strategy<Value = String> {
    (digits(13..=19), digits(0..=17)).prop_map(|(pan, rest)| {
        let mut t = format!("{pan}D{rest}");
        t.truncate(37);
        t
    })
}

/// Clear track 3: digits with `D` separators, at most 104.
fn track3_clear() -> impl Strategy<Value = String> {
    chars(TRACK_PLAIN, 1..=104)
}

/// Card fields as a reader hands them over: field 55 for chip reads, hex nibbles for
/// tracks when field 53 says they are encrypted.
fn card_fields() -> BoxedStrategy<CardFields> {
    (
        entry_mode(),
        prop::option::of(security()),
        prop::option::of(digits(13..=19)),
        prop::option::of(digits(4)),
        prop::option::of(0u16..=999),
        prop::option::of((track2_clear(), chars(HEX_UPPER, 1..=37))),
        prop::option::of((track3_clear(), chars(HEX_UPPER, 1..=104))),
        prop::option::of(any::<[u8; 8]>()),
        bytes(1..=255),
    )
        .prop_map(|(entry, security, pan, expiry, card_seq, t2, t3, pin_block, icc)| {
            let encrypted = security.is_some_and(|s| s.track_encrypted);
            let pick = |(clear, enc): (String, String)| if encrypted { enc } else { clear };
            CardFields {
                pan,
                expiry,
                entry_mode: Some(entry),
                card_seq,
                track2: t2.map(pick),
                track3: t3.map(pick),
                pin_block,
                security,
                icc: entry.method.is_chip().then_some(icc),
            }
        })
        .boxed()
}

/// Field 61: batch, STAN (000000 when unknown), optional date and further digits.
fn original() -> impl Strategy<Value = OriginalData> {
    (batch(), prop::option::of(stan()), prop::option::of((mmdd(), digits(0..=13)))).prop_map(|(batch, stan, date)| {
        let (date, rest) = match date {
            Some((d, r)) => (Some(d), r),
            None => (None, String::new()),
        };
        OriginalData { batch, stan, date, rest }
    })
}

/// A valid request of type `txn`: amount unless balance inquiry, field 61 exactly
/// when the type refers to an original, 60.5 only after 60.4.
fn financial_request(txn: TxnType) -> BoxedStrategy<FinancialRequest> {
    (
        amount(),
        stan(),
        tid(),
        mid(),
        batch(),
        card_fields(),
        prop::option::of(graphic(12)),
        prop::option::of(graphic(6)),
        original(),
        prop::option::of((0u8..=9, prop::option::of(0u8..=9))),
    )
        .prop_map(move |(amount, stan, tid, mid, batch, card, rrn, auth, original, read)| FinancialRequest {
            txn,
            amount: txn.has_amount().then_some(amount),
            stan,
            tid,
            mid,
            batch,
            card,
            original_rrn: rrn,
            original_auth: auth,
            original: txn.refers_to_original().then_some(original),
            read_capability: read.map(|r| r.0),
            ic_condition: read.and_then(|r| r.1),
            payee_account: (txn == TxnType::Transfer).then(|| "6217000012345678901".to_string()),
        })
        .boxed()
}

fn any_financial_request() -> BoxedStrategy<FinancialRequest> {
    select(TxnType::ALL.to_vec()).prop_flat_map(financial_request).boxed()
}

fn financial_response(txn: TxnType) -> BoxedStrategy<FinancialResponse> {
    (
        (response_code(), stan(), tid(), mid(), prop::option::of(amount()), batch()),
        (
            prop::option::of(digits(6)),
            prop::option::of(mmdd()),
            prop::option::of(mmdd()),
            prop::option::of(text(12)),
            prop::option::of(text(6)),
            prop::option::of(text(0..=25)),
            prop::option::of(text(0..=20)),
            prop::option::of(bytes(0..=255)),
        ),
    )
        .prop_map(
            move |(
                (response_code, stan, tid, mid, amount, batch),
                (time, date, settlement_date, rrn, auth_code, institutions, balance, icc),
            )| FinancialResponse {
                txn,
                response_code,
                stan,
                tid,
                mid,
                amount,
                batch,
                time,
                date,
                settlement_date,
                rrn,
                auth_code,
                institutions,
                balance,
                icc,
            },
        )
        .boxed()
}

fn any_financial_response() -> BoxedStrategy<FinancialResponse> {
    select(TxnType::ALL.to_vec()).prop_flat_map(financial_response).boxed()
}

fn totals() -> impl Strategy<Value = Totals> {
    let recon = vec![
        Reconciliation::NotReconciled,
        Reconciliation::Balanced,
        Reconciliation::Unbalanced,
        Reconciliation::Error,
    ];
    (minor_units(), 0u16..=999, minor_units(), 0u16..=999, select(recon)).prop_map(
        |(debit_amount, debit_count, credit_amount, credit_count, reconciliation)| Totals {
            debit_amount,
            debit_count,
            credit_amount,
            credit_count,
            reconciliation,
        },
    )
}

fn settlement_totals() -> impl Strategy<Value = SettlementTotals> {
    (totals(), totals()).prop_map(|(domestic, foreign)| SettlementTotals { domestic, foreign })
}

/// A batch record with the masked card at its full n20 width (shorter cards read back
/// zero-padded; `short_batch_cards_read_back_zero_padded` covers that).
fn batch_record() -> impl Strategy<Value = BatchRecord> {
    (0u8..=99, stan(), digits(20), minor_units()).prop_map(|(card_org, stan, card, amount)| BatchRecord {
        card_org,
        stan,
        card,
        amount,
    })
}

/// Each admin kind with a strategy for its contents; every variant of `AdminKind` and
/// every sign-in code appears.
fn admin_kinds() -> Vec<(&'static str, BoxedStrategy<AdminKind>)> {
    vec![
        ("sign-in 001", Just(AdminKind::SignIn(NetCode::SignInSingle)).boxed()),
        ("sign-in 003", Just(AdminKind::SignIn(NetCode::SignInDouble)).boxed()),
        ("sign-in 004", Just(AdminKind::SignIn(NetCode::SignInDoubleTdk)).boxed()),
        ("sign-off", Just(AdminKind::SignOff).boxed()),
        ("echo", Just(AdminKind::Echo).boxed()),
        ("settlement", settlement_totals().prop_map(AdminKind::Settlement).boxed()),
        ("batch upload", vec(batch_record(), 1..=8).prop_map(AdminKind::BatchUpload).boxed()),
        (
            "IC batch upload",
            (stan(), minor_units(), bytes(0..=255))
                .prop_map(|(original_stan, amount, icc)| {
                    AdminKind::IcBatchUpload(IcUploadItem { original_stan, amount, icc })
                })
                .boxed(),
        ),
        (
            "batch end",
            (select(vec![NetCode::BatchEnd, NetCode::BatchEndIc]), 0u32..=9999)
                .prop_map(|(code, count)| AdminKind::BatchEnd { code, count })
                .boxed(),
        ),
        ("parameter download 360", Just(mgmt(Management::ParameterDownload { page: 0 })).boxed()),
        (
            "parameter download 360, a later page",
            (1u16..=999).prop_map(|page| mgmt(Management::ParameterDownload { page })).boxed(),
        ),
        ("status upload 362", bytes(1..=200).prop_map(|v| mgmt(Management::StatusUpload(v))).boxed()),
        ("CAPK query 372", (0u8..=99).prop_map(|held| mgmt(Management::CapkQuery { held })).boxed()),
        ("CAPK download 370", bytes(1..=40).prop_map(|v| mgmt(Management::CapkDownload(v))).boxed()),
        ("CAPK end 371", Just(mgmt(Management::CapkEnd)).boxed()),
        ("AID query 382", (0u8..=99).prop_map(|held| mgmt(Management::AidQuery { held })).boxed()),
        ("AID download 380", bytes(1..=40).prop_map(|v| mgmt(Management::AidDownload(v))).boxed()),
        ("AID end 381", Just(mgmt(Management::AidEnd)).boxed()),
        ("blacklist page 390", bytes(1..=7).prop_map(|v| mgmt(Management::BlacklistPage(v))).boxed()),
        ("blacklist end 391", Just(mgmt(Management::BlacklistEnd)).boxed()),
    ]
}

fn mgmt(m: Management) -> AdminKind {
    AdminKind::Management(m)
}

/// The management requests' MTI, 60.3 and 62 as the profile's terminals send them
/// (docs/terminal-management.md).
#[test]
fn management_requests_carry_the_profile_codes() {
    let cases: [(Management, &str, &str, Option<&[u8]>); 5] = [
        (Management::ParameterDownload { page: 0 }, "0800", "360", None),
        (Management::CapkQuery { held: 0 }, "0820", "372", Some(b"100")),
        (Management::AidQuery { held: 7 }, "0820", "382", Some(b"107")),
        (Management::BlacklistPage(b"000".to_vec()), "0800", "390", Some(b"000")),
        (Management::CapkEnd, "0800", "371", None),
    ];
    for (m, mti, code, f62) in cases {
        let req = AdminRequest {
            kind: AdminKind::Management(m.clone()),
            stan: Stan::FIRST,
            tid: TerminalId::new("12345678").unwrap(),
            mid: MerchantId::new("123456789012345").unwrap(),
            batch: BatchNo::new(1).unwrap(),
            operator: None,
        };
        let msg = req.to_message(false).unwrap();
        assert_eq!(msg.mti().as_str(), mti, "{m:?}");
        assert_eq!(&msg.get_str(60).unwrap()[8..11], code, "{m:?}");
        assert_eq!(msg.get(62), f62, "{m:?}");
        assert!(msg.get(64).is_none(), "management requests are not MACed");
    }
    // A query some hosts send as 0800 reads the same.
    let mut m = AdminRequest {
        kind: AdminKind::Management(Management::CapkQuery { held: 3 }),
        stan: Stan::FIRST,
        tid: TerminalId::new("12345678").unwrap(),
        mid: MerchantId::new("123456789012345").unwrap(),
        batch: BatchNo::new(1).unwrap(),
        operator: None,
    }
    .to_message(false)
    .unwrap();
    m.set_mti(Mti::new("0800").unwrap());
    assert_eq!(AdminRequest::from_message(&m).unwrap().kind, AdminKind::Management(Management::CapkQuery { held: 3 }));
}

fn admin_request(kind: BoxedStrategy<AdminKind>) -> BoxedStrategy<AdminRequest> {
    (kind, stan(), tid(), mid(), batch(), prop::option::of(text(0..=163)))
        .prop_map(|(kind, stan, tid, mid, batch, operator)| AdminRequest { kind, stan, tid, mid, batch, operator })
        .boxed()
}

fn any_admin_request() -> BoxedStrategy<AdminRequest> {
    let kinds: Vec<BoxedStrategy<AdminKind>> = admin_kinds().into_iter().map(|(_, s)| s).collect();
    admin_request(proptest::strategy::Union::new(kinds).boxed()).boxed()
}

/// Network codes outside the named ones, kept as `Other`.
fn other_net_code() -> impl Strategy<Value = NetCode> {
    (5u16..=999).prop_filter_map("named code", |c| match NetCode::from_code(c) {
        NetCode::Other(c) => Some(NetCode::Other(c)),
        _ => None,
    })
}

/// Each response MTI with the 60.3 codes a host answers with.
fn admin_response_kinds() -> Vec<(&'static str, Mti, BoxedStrategy<NetCode>)> {
    let m = |s: &str| Mti::new(s).expect("MTI");
    vec![
        (
            "0810 sign-in",
            m("0810"),
            select(vec![NetCode::SignInSingle, NetCode::SignInDouble, NetCode::SignInDoubleTdk]).boxed(),
        ),
        ("0830 sign-off / echo", m("0830"), select(vec![NetCode::SignOff, NetCode::Echo]).boxed()),
        ("0830 unknown code", m("0830"), other_net_code().boxed()),
        ("0510 settlement", m("0510"), Just(NetCode::Settlement).boxed()),
        (
            "0330 batch upload",
            m("0330"),
            select(vec![NetCode::Settlement, NetCode::IcBatchUpload, NetCode::BatchEnd, NetCode::BatchEndIc]).boxed(),
        ),
    ]
}

fn admin_response(mti: Mti, net: BoxedStrategy<NetCode>) -> BoxedStrategy<AdminResponse> {
    let settlement = mti.as_str() == "0510";
    (
        (net, response_code(), stan(), tid(), mid(), batch()),
        (
            prop::option::of(digits(6)),
            prop::option::of(mmdd()),
            prop::option::of(text(12)),
            prop::option::of(settlement_totals()),
            prop::option::of(bytes(0..=512)),
        ),
    )
        .prop_map(move |((net, response_code, stan, tid, mid, batch), (time, date, rrn, totals, key_block))| {
            AdminResponse {
                mti,
                net,
                response_code,
                stan,
                tid,
                mid,
                batch,
                time,
                date,
                rrn,
                // Only a 0510 reads field 48 as totals.
                totals: totals.filter(|_| settlement),
                key_block,
            }
        })
        .boxed()
}

fn any_admin_response() -> BoxedStrategy<AdminResponse> {
    let all: Vec<BoxedStrategy<AdminResponse>> =
        admin_response_kinds().into_iter().map(|(_, mti, net)| admin_response(mti, net).boxed()).collect();
    proptest::strategy::Union::new(all).boxed()
}

// ---------------------------------------------------------------------------
// Strategies: raw messages and frames
// ---------------------------------------------------------------------------

fn mti() -> impl Strategy<Value = Mti> {
    digits(4).prop_map(|d| Mti::new(&d).expect("four digits"))
}

/// A valid value for a field: the right alphabet and a length the spec allows.
fn field_value(spec: &FieldSpec) -> BoxedStrategy<Vec<u8>> {
    let len: SizeRange = match spec.length {
        LengthKind::Fixed(n) => usize::from(n).into(),
        LengthKind::LlVar(m) | LengthKind::LllVar(m) => (0..=usize::from(m)).into(),
    };
    match spec.encoding {
        Encoding::BcdLeft | Encoding::BcdRight => vec(select(DIGITS), len).boxed(),
        // `=` is accepted on encode but reads back as `D`: generate the canonical form.
        Encoding::Track => vec(select(HEX_UPPER), len).boxed(),
        Encoding::Ascii => vec(0x20u8..=0x7e, len).boxed(),
        Encoding::Binary => vec(any::<u8>(), len).boxed(),
    }
}

/// Any MTI with any subset of the profile's fields, each with a valid value.
fn any_message() -> BoxedStrategy<Message> {
    let fields: Vec<_> = unionpay().fields.iter().map(|s| (Just(s.number), prop::option::of(field_value(s)))).collect();
    (mti(), fields)
        .prop_map(|(mti, fields)| {
            let mut m = Message::new(mti);
            for (n, v) in fields {
                if let Some(v) = v {
                    m.set(n, v).expect("field number in range");
                }
            }
            m
        })
        .boxed()
}

/// Encoded frames of every family the terminal sends or receives.
fn valid_frame() -> BoxedStrategy<Vec<u8>> {
    fn frame(m: Result<Message, CodecError>) -> Vec<u8> {
        encode_frame(&m.expect("valid value builds")).expect("valid message encodes")
    }
    prop_oneof![
        any_financial_request().prop_map(|r| frame(r.to_message(true))),
        any_financial_response().prop_map(|r| frame(r.to_message(true))),
        any_admin_request().prop_map(|r| frame(r.to_message(true))),
        any_admin_response().prop_map(|r| frame(r.to_message(true))),
        any_message().prop_map(|m| frame(Ok(m))),
    ]
    .boxed()
}

/// One edit of a frame.
#[derive(Debug, Clone)]
enum Mutation {
    /// XOR the byte at a position with a non-zero mask.
    Flip(Index, u8),
    /// Keep only the bytes before a position (strictly shorter).
    Truncate(Index),
    /// Insert a byte before a position (or at the end).
    Insert(Index, u8),
}

impl Mutation {
    fn apply(&self, bytes: &[u8]) -> Vec<u8> {
        let mut out = bytes.to_vec();
        match *self {
            Mutation::Flip(ref i, mask) => out[i.index(bytes.len())] ^= mask,
            Mutation::Truncate(ref i) => out.truncate(i.index(bytes.len())),
            Mutation::Insert(ref i, b) => out.insert(i.index(bytes.len() + 1), b),
        }
        out
    }
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 1u8..=255).prop_map(|(i, m)| Mutation::Flip(i, m)),
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
    ]
}

/// A body that gets past MTI and bitmap more often than random bytes: a BCD MTI, a
/// bitmap of specified fields, then random bytes.
fn plausible_body() -> BoxedStrategy<Vec<u8>> {
    let numbers: Vec<u8> = unionpay().fields.iter().map(|s| s.number).collect();
    (mti(), prop::sample::subsequence(numbers.clone(), 0..=numbers.len()), bytes(0..400))
        .prop_map(|(mti, present, tail)| {
            let mut body = encode_body(&Message::new(mti)).expect("empty message encodes");
            for n in present {
                set_bit(&mut body, n);
            }
            body.extend_from_slice(&tail);
            body
        })
        .boxed()
}

// ---------------------------------------------------------------------------
// (a) Round trips
// ---------------------------------------------------------------------------

#[test]
fn financial_requests_of_every_type_round_trip() {
    for txn in TxnType::ALL {
        check(&format!("{txn:?} request"), 96, financial_request(txn), |req| {
            let msg = ok("FinancialRequest::to_message", req.to_message(true))?;
            prop_assert_eq!(msg.mti(), txn.spec().mti);
            prop_assert_eq!(msg.get(64), Some(&[0u8; 8][..]), "MAC placeholder");
            let (bytes, back) = frame_round_trip(&msg)?;
            let read = ok("FinancialRequest::from_message", FinancialRequest::from_message(&back))?;
            same("request", &req, &read, &bytes)
        });
    }
}

#[test]
fn financial_responses_of_every_type_round_trip() {
    for txn in TxnType::ALL {
        check(&format!("{txn:?} response"), 64, (financial_response(txn), any::<bool>()), |(resp, with_mac)| {
            let msg = ok("FinancialResponse::to_message", resp.to_message(with_mac))?;
            prop_assert_eq!(msg.mti(), txn.spec().mti.response());
            prop_assert_eq!(msg.has(64), with_mac);
            let (bytes, back) = frame_round_trip(&msg)?;
            let read = ok("FinancialResponse::from_message", FinancialResponse::from_message(&back))?;
            same("response", &resp, &read, &bytes)
        });
    }
}

#[test]
fn reversals_keep_every_field_but_pin_and_mac() {
    let reasons = || select(vec!["98", "A0", "06"]).prop_map(|c| ResponseCode::parse(c).expect("code"));
    for txn in TxnType::ALL {
        check(
            &format!("{txn:?} reversal"),
            64,
            (financial_request(txn), reasons(), any::<bool>()),
            |(req, reason, with_mac)| {
                let original = ok("to_message", req.to_message(true))?;
                let rev = ok("reversal_of", reversal_of(&original, reason, with_mac))?;
                prop_assert_eq!(rev.mti(), Mti::new("0400").expect("MTI"));
                for n in 2u8..=128 {
                    match n {
                        26 | 52 => prop_assert_eq!(rev.get(n), None, "field {} must not be resent", n),
                        39 => prop_assert_eq!(rev.get(39), Some(&reason.bytes()[..]), "reason in field 39"),
                        64 => prop_assert_eq!(rev.get(64).is_some(), with_mac, "MAC placeholder iff with_mac"),
                        _ => prop_assert_eq!(rev.get(n), original.get(n), "field {} differs from the original", n),
                    }
                }
                let (bytes, back) = frame_round_trip(&rev)?;
                prop_assert_eq!(ok("identify", TxnType::identify(&back))?, txn);
                let read = ok("FinancialRequest::from_message(reversal)", FinancialRequest::from_message(&back))?;
                let expected =
                    FinancialRequest { card: CardFields { pin_block: None, ..req.card.clone() }, ..req.clone() };
                same("reversed request", &expected, &read, &bytes)
            },
        );
    }
}

#[test]
fn admin_requests_of_every_kind_round_trip() {
    for (name, kind) in admin_kinds() {
        check(&format!("{name} request"), 64, (admin_request(kind), any::<bool>()), |(req, with_mac)| {
            let msg = ok("AdminRequest::to_message", req.to_message(with_mac))?;
            let (bytes, back) = frame_round_trip(&msg)?;
            let read = ok("AdminRequest::from_message", AdminRequest::from_message(&back))?;
            same("admin request", &req, &read, &bytes)
        });
    }
}

#[test]
fn admin_responses_of_every_kind_round_trip() {
    for (name, mti, net) in admin_response_kinds() {
        check(&format!("{name} response"), 64, (admin_response(mti, net), any::<bool>()), |(resp, with_mac)| {
            let msg = ok("AdminResponse::to_message", resp.to_message(with_mac))?;
            let (bytes, back) = frame_round_trip(&msg)?;
            let read = ok("AdminResponse::from_message", AdminResponse::from_message(&back))?;
            same("admin response", &resp, &read, &bytes)
        });
    }
}

#[test]
fn short_batch_cards_read_back_zero_padded() {
    let record = |card: &str| BatchRecord { card_org: 1, stan: Stan::FIRST, card: card.into(), amount: 100 };
    let req = AdminRequest {
        kind: AdminKind::BatchUpload(vec![record("6228480000"), record("")]),
        stan: Stan::FIRST,
        tid: TerminalId::new("12345678").unwrap(),
        mid: MerchantId::new("123456789012345").unwrap(),
        batch: BatchNo::new(1).unwrap(),
        operator: None,
    };
    let bytes = encode_frame(&req.to_message(true).unwrap()).unwrap();
    let back = AdminRequest::from_message(&Frame::decode(unionpay(), &bytes).unwrap().message).unwrap();
    let AdminKind::BatchUpload(records) = back.kind else { panic!("not a batch upload: {:?}", back.kind) };
    let cards: Vec<&str> = records.iter().map(|r| r.card.as_str()).collect();
    assert_eq!(cards, ["62284800000000000000", "00000000000000000000"]);
}

proptest! {
    #![proptest_config(config(256))]

    /// Any subset of the profile's fields with valid values survives body and frame.
    #[test]
    fn any_field_set_round_trips(msg in any_message()) {
        let body = ok("encode_message", encode_body(&msg))?;
        let (back, layout) = ok("decode_message", decode_message(unionpay(), &body))?;
        prop_assert!(back == msg, "body round trip changed {:?}\nbody: {}", msg, hex::encode_upper(&body));
        prop_assert_eq!(layout.mac_offset, msg.has(64).then(|| field_offset(&msg, 64)));
        // The encoder reports the same MAC position as the decoder finds.
        let mut out = Vec::new();
        let encoded = ok("encode_message", encode_message(unionpay(), &msg, &mut out))?;
        prop_assert_eq!(encoded, layout);
        let (bytes, _) = frame_round_trip(&msg)?;
        let (_, frame_layout) = ok("decode_with_layout", Frame::decode_with_layout(unionpay(), &bytes))?;
        prop_assert_eq!(frame_layout.mac(&bytes), msg.get(64));
    }

    /// TPDU and header bytes are carried as they are.
    #[test]
    fn any_tpdu_and_header_round_trip(t in any::<[u8; 5]>(), h in any::<[u8; 6]>(), msg in any_message()) {
        let tpdu = Tpdu { id: t[0], dest: [t[1], t[2]], src: [t[3], t[4]] };
        let frame = Frame::new(tpdu, Header(h), msg);
        let bytes = ok("encode", frame.encode(unionpay()))?;
        prop_assert_eq!(&bytes[2..7], &t[..]);
        prop_assert_eq!(&bytes[7..13], &h[..]);
        let back = ok("decode", Frame::decode(unionpay(), &bytes))?;
        prop_assert!(back == frame, "frame changed");
    }
}

// ---------------------------------------------------------------------------
// (b) Hostile input never panics
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn random_bytes_never_panic(bytes in bytes(0..600)) {
        let p = unionpay();
        if let Err(e) = Frame::decode(p, &bytes) { render(&e) }
        match Frame::decode_unprefixed(p, &bytes) {
            Ok((f, _)) => exercise(&f.message)?,
            Err(e) => render(&e),
        }
        match decode_message(p, &bytes) {
            Ok((m, _)) => exercise_body(&m, &bytes)?,
            Err(e) => render(&e),
        }
    }

    #[test]
    fn plausible_bodies_never_panic(body in plausible_body(), preamble in any::<[u8; 11]>()) {
        match decode_message(unionpay(), &body) {
            Ok((m, _)) => exercise_body(&m, &body)?,
            Err(e) => render(&e),
        }
        let mut content = preamble.to_vec();
        content.extend_from_slice(&body);
        let framed = with_prefix(&content);
        match Frame::decode(unionpay(), &framed) {
            Ok(f) => exercise_frame(&f, &framed)?,
            Err(e) => render(&e),
        }
    }
}

proptest! {
    #![proptest_config(config(768))]

    #[test]
    fn mutated_frames_never_panic(frame in valid_frame(), edit in mutation()) {
        let p = unionpay();
        let bad = edit.apply(&frame);
        // As received: the length prefix usually no longer matches.
        match Frame::decode(p, &bad) {
            Ok(f) => exercise_frame(&f, &bad)?,
            Err(e) => render(&e),
        }
        // With the prefix repaired, so that the edit reaches the body decoder.
        let repaired = with_prefix(bad.get(2..).unwrap_or_default());
        let result = Frame::decode(p, &repaired);
        match &result {
            Ok(f) => exercise_frame(f, &repaired)?,
            Err(e) => render(e),
        }
        if let Mutation::Truncate(_) = edit {
            prop_assert!(Frame::decode(p, &bad).is_err(), "a truncated frame decoded");
            prop_assert!(matches!(result, Err(CodecError::Truncated { .. })), "truncated content gave {:?}", result);
        }
        if bad.len() > 13 {
            match decode_message(p, &bad[13..]) {
                Ok((m, _)) => exercise_body(&m, &bad[13..])?,
                Err(e) => render(&e),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// (c) Each malformed input gives its error
// ---------------------------------------------------------------------------

/// Every field of the profile at its largest length (odd digit counts included).
fn full_message() -> Message {
    let mut m = Message::new(Mti::new("0200").unwrap());
    for spec in &unionpay().fields {
        let len = spec.length.max();
        let value: Vec<u8> = match spec.encoding {
            Encoding::BcdLeft | Encoding::BcdRight => (0..len).map(|i| b'1' + (i % 9) as u8).collect(),
            Encoding::Track => (0..len).map(|i| HEX_UPPER[(i * 7 + 3) % 16]).collect(),
            Encoding::Ascii => (0..len).map(|i| b'A' + (i % 26) as u8).collect(),
            Encoding::Binary => (0..len).map(|i| (i * 37) as u8).collect(),
        };
        m.set(spec.number, value).unwrap();
    }
    m
}

/// [`full_message`] without the fields behind a secondary bitmap.
fn primary_message() -> Message {
    let full = full_message();
    let mut m = Message::new(full.mti());
    for (n, v) in full.fields().filter(|(n, _)| *n <= 64) {
        m.set(n, v).unwrap();
    }
    m
}

fn frame_of(msg: &Message) -> Vec<u8> {
    encode_frame(msg).expect("encodes")
}

fn body_of(msg: &Message) -> Vec<u8> {
    encode_body(msg).expect("encodes")
}

/// The length prefix of a frame changed by `delta`.
fn reprefixed(frame: &[u8], delta: i32) -> Vec<u8> {
    let declared = u16::from_be_bytes([frame[0], frame[1]]) as i32 + delta;
    let mut out = frame.to_vec();
    out[..2].copy_from_slice(&(declared as u16).to_be_bytes());
    out
}

fn expect_prefix_mismatch(frame: &[u8]) -> Result<(), TestCaseError> {
    let actual = frame.len() - 2;
    for delta in [-1, 1] {
        let bad = reprefixed(frame, delta);
        let declared = (actual as i32 + delta) as usize;
        prop_assert_eq!(
            Frame::decode(unionpay(), &bad).err(),
            Some(CodecError::LengthPrefixMismatch { declared, actual }),
            "prefix off by {}",
            delta
        );
    }
    Ok(())
}

fn expect_no_spec(msg: &Message, n: u8) -> Result<(), TestCaseError> {
    let mut body = body_of(msg);
    set_bit(&mut body, n);
    prop_assert_eq!(decode_message(unionpay(), &body).err(), Some(CodecError::NoSpec(n)), "bit {} set", n);
    let mut content = vec![0u8; 11];
    content[..5].copy_from_slice(&Tpdu::DEFAULT.bytes());
    content[5..].copy_from_slice(&Header::IC.0);
    content.extend_from_slice(&body);
    prop_assert_eq!(
        Frame::decode(unionpay(), &with_prefix(&content)).err(),
        Some(CodecError::NoSpec(n)),
        "frame, bit {}",
        n
    );
    Ok(())
}

/// Rewrites field `n`'s length prefix to `len` (above the maximum accepted).
fn expect_out_of_range(msg: &Message, n: u8, len: usize) -> Result<(), TestCaseError> {
    let spec = spec_of(n);
    let mut body = body_of(msg);
    let at = field_offset(msg, n);
    let prefix = bcd_prefix(spec.length, len);
    body[at..at + prefix.len()].copy_from_slice(&prefix);
    prop_assert_eq!(
        decode_message(unionpay(), &body).err(),
        Some(CodecError::LengthOutOfRange { field: n, len, max: spec.max_accept() }),
        "field {} prefix {}",
        n,
        hex::encode_upper(&prefix)
    );
    Ok(())
}

/// Puts `nibble` (A-F) on the first digit of field `n`'s value.
fn expect_non_bcd_value(msg: &Message, n: u8, nibble: u8) -> Result<(), TestCaseError> {
    let spec = spec_of(n);
    let len = msg.get(n).map_or(0, <[u8]>::len);
    let mut body = body_of(msg);
    let at = field_offset(msg, n) + spec.length.prefix_digits().div_ceil(2);
    // Right-aligned odd values start with a pad nibble; the first digit is the low one.
    if spec.encoding == Encoding::BcdRight && len % 2 == 1 {
        body[at] = (body[at] & 0xF0) | nibble;
    } else {
        body[at] = (body[at] & 0x0F) | (nibble << 4);
    }
    prop_assert_eq!(
        decode_message(unionpay(), &body).err(),
        Some(CodecError::NonBcdDigit { part: format!("field {n}") }),
        "field {} nibble {:X}",
        n,
        nibble
    );
    Ok(())
}

/// Puts `nibble` (A-F) on the first digit of field `n`'s length prefix.
fn expect_non_bcd_length(msg: &Message, n: u8, nibble: u8) -> Result<(), TestCaseError> {
    let mut body = body_of(msg);
    let at = field_offset(msg, n);
    body[at] = (body[at] & 0x0F) | (nibble << 4);
    prop_assert_eq!(
        decode_message(unionpay(), &body).err(),
        Some(CodecError::NonBcdDigit { part: format!("field {n} length") }),
        "field {} length nibble {:X}",
        n,
        nibble
    );
    Ok(())
}

fn expect_trailing(msg: &Message, extra: &[u8]) -> Result<(), TestCaseError> {
    let mut body = body_of(msg);
    body.extend_from_slice(extra);
    prop_assert_eq!(decode_message(unionpay(), &body).err(), Some(CodecError::TrailingBytes(extra.len())));
    let mut frame = frame_of(msg);
    frame.extend_from_slice(extra);
    let frame = reprefixed(&frame, extra.len() as i32);
    prop_assert_eq!(Frame::decode(unionpay(), &frame).err(), Some(CodecError::TrailingBytes(extra.len())));
    Ok(())
}

fn is_bcd(spec: &FieldSpec) -> bool {
    matches!(spec.encoding, Encoding::BcdLeft | Encoding::BcdRight)
}

fn is_variable(spec: &FieldSpec) -> bool {
    !matches!(spec.length, LengthKind::Fixed(_))
}

/// The largest value a prefix of this kind can state in BCD.
fn prefix_ceiling(k: LengthKind) -> usize {
    match k {
        LengthKind::LlVar(_) => 99,
        _ => 9999,
    }
}

/// Variable fields whose prefix can state more than the field accepts.
fn can_overflow(spec: &FieldSpec) -> bool {
    is_variable(spec) && spec.max_accept() < prefix_ceiling(spec.length)
}

fn run(r: Result<(), TestCaseError>) {
    if let Err(e) = r {
        panic!("{e}");
    }
}

#[test]
fn length_prefix_off_by_one_is_a_mismatch() {
    run(expect_prefix_mismatch(&frame_of(&full_message())));
    let empty = frame_of(&Message::new(Mti::new("0800").unwrap()));
    run(expect_prefix_mismatch(&empty));
}

#[test]
fn bits_without_a_spec_give_no_spec() {
    let full = full_message();
    let unspecified = unspecified_fields();
    assert!(unspecified.contains(&5) && unspecified.contains(&7) && unspecified.contains(&65));
    for n in unspecified {
        run(expect_no_spec(&full, n));
    }
}

#[test]
fn field_65_behind_a_secondary_bitmap_gives_no_spec() {
    let mut body = body_of(&primary_message());
    body[2] |= 0x80;
    body.splice(10..10, [0x80, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(decode_message(unionpay(), &body).err(), Some(CodecError::NoSpec(65)));
}

#[test]
fn secondary_bitmaps_round_trip_and_an_empty_one_is_harmless() {
    // A profile with a field above 64: the message needs a secondary bitmap.
    let fields = vec![
        FieldSpec::new(11, "STAN", LengthKind::Fixed(6), Encoding::BcdLeft),
        FieldSpec::new(70, "Network code", LengthKind::Fixed(3), Encoding::BcdRight),
    ];
    let profile = Profile::new("with field 70", PrefixEncoding::Bcd, 4096, fields).unwrap();
    let mut msg = Message::new(Mti::new("0800").unwrap());
    msg.set(11, "000001").unwrap().set(70, "301").unwrap();
    let mut body = Vec::new();
    encode_message(&profile, &msg, &mut body).unwrap();
    assert_eq!(hex::encode_upper(&body), "0800802000000000000004000000000000000000010301");
    let (back, _) = decode_message(&profile, &body).unwrap();
    assert_eq!(back, msg, "round trip through a secondary bitmap");

    // UnionPay: an empty secondary bitmap (some hosts always send one) is accepted and kept
    // on re-encoding the received message, and never added to one we compose.
    let primary = primary_message();
    let mut body = body_of(&primary);
    assert_eq!(body[2] & 0x80, 0);
    body[2] |= 0x80;
    body.splice(10..10, [0u8; 8]);
    let (m, _) = decode_message(unionpay(), &body).unwrap();
    assert_eq!(m, primary);
    assert!(m.has_empty_secondary());
    assert_eq!(hex::encode_upper(body_of(&m)), hex::encode_upper(&body));
    assert_eq!(body_of(&primary)[2] & 0x80, 0);

    // Fields behind the secondary bitmap (102, 103) set bit 1 and write the second word.
    let full = full_message();
    let body = body_of(&full);
    assert_eq!(body[2] & 0x80, 0x80);
    assert_eq!(&body[10..18], &[0, 0, 0, 0, 0x06, 0, 0, 0]);
    let (back, _) = decode_message(unionpay(), &body).unwrap();
    assert_eq!(back, full);
}

#[test]
fn variable_lengths_above_the_accepted_maximum_are_out_of_range() {
    let full = full_message();
    for spec in unionpay().fields.iter().filter(|s| can_overflow(s)) {
        let max = spec.max_accept();
        for len in [max + 1, prefix_ceiling(spec.length)] {
            run(expect_out_of_range(&full, spec.number, len));
        }
    }
}

/// A value longer than we send but within what the profile accepts.
fn longer_value(spec: &FieldSpec, len: usize) -> Vec<u8> {
    match spec.encoding {
        Encoding::BcdLeft | Encoding::BcdRight => (0..len).map(|i| b'0' + (i * 7 % 10) as u8).collect(),
        Encoding::Track => (0..len).map(|i| HEX_UPPER[i * 5 % 16]).collect(),
        Encoding::Ascii => (0..len).map(|i| b'a' + (i % 26) as u8).collect(),
        Encoding::Binary => (0..len).map(|i| (i * 13) as u8).collect(),
    }
}

/// Liberal decode, strict encode: a field longer than we send but within what the profile
/// accepts decodes, re-encodes byte-identically as received, and is refused when we compose it.
#[test]
fn received_values_up_to_the_accepted_maximum_decode_and_re_encode_as_received() {
    let grows: Vec<&FieldSpec> = unionpay().fields.iter().filter(|s| s.max_accept() > s.max_send()).collect();
    let numbers: Vec<u8> = grows.iter().map(|s| s.number).collect();
    assert!(
        [44, 48, 54, 55, 60, 61, 62, 63].iter().all(|n| numbers.contains(n)),
        "the private fields grow: {numbers:?}"
    );
    for spec in grows {
        for len in [spec.max_send() + 1, (spec.max_send() + spec.max_accept()) / 2, spec.max_accept()] {
            let value = longer_value(spec, len);
            // The bytes a host would send, written here without our encoder.
            let mut body = vec![0x02, 0x00];
            let mut bitmap = [0u8; 8];
            bitmap[usize::from(spec.number - 1) / 8] |= 0x80 >> ((spec.number - 1) % 8);
            body.extend_from_slice(&bitmap);
            body.extend_from_slice(&bcd_prefix(spec.length, len));
            match spec.encoding {
                Encoding::Ascii | Encoding::Binary => body.extend_from_slice(&value),
                _ => {
                    let mut nibbles: Vec<u8> = value.iter().map(|&c| (c as char).to_digit(16).unwrap() as u8).collect();
                    if nibbles.len() % 2 == 1 {
                        nibbles.push(0xF);
                    }
                    body.extend(nibbles.chunks(2).map(|p| (p[0] << 4) | p[1]));
                }
            }
            let (msg, _) = decode_message(unionpay(), &body)
                .unwrap_or_else(|e| panic!("field {} of {len} refused: {e}", spec.number));
            assert_eq!(msg.get(spec.number), Some(&value[..]), "field {} of {len}", spec.number);
            let again = body_of(&msg);
            assert_eq!(hex::encode_upper(&again), hex::encode_upper(&body), "field {} of {len}", spec.number);
            let mut composed = Message::new(Mti::new("0200").unwrap());
            composed.set(spec.number, &value).unwrap();
            assert_eq!(
                encode_body(&composed).err(),
                Some(CodecError::LengthOutOfRange { field: spec.number, len, max: spec.max_send() }),
                "field {} of {len} composed",
                spec.number
            );
            // Carried through (an echo): the received form encodes again.
            let mut echoed = Message::new(Mti::new("0210").unwrap());
            assert!(echoed.copy_field(&msg, spec.number));
            assert_eq!(&body_of(&echoed)[2..], &body[2..], "field {} of {len} echoed", spec.number);
        }
    }
}

#[test]
fn non_bcd_nibbles_in_numeric_fields_are_rejected() {
    let full = full_message();
    for spec in &unionpay().fields {
        for nibble in 0xA..=0xF {
            if is_bcd(spec) {
                run(expect_non_bcd_value(&full, spec.number, nibble));
            }
            if is_variable(spec) {
                run(expect_non_bcd_length(&full, spec.number, nibble));
            }
        }
    }
    let mut body = body_of(&full);
    body[1] = 0x2A;
    assert_eq!(decode_message(unionpay(), &body).err(), Some(CodecError::NonBcdDigit { part: "MTI".into() }));
}

#[test]
fn a_trailing_byte_is_rejected() {
    run(expect_trailing(&full_message(), &[0]));
    run(expect_trailing(&Message::new(Mti::new("0800").unwrap()), &[0xFF]));
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn prop_length_prefix_off_by_one_is_a_mismatch(frame in valid_frame()) {
        expect_prefix_mismatch(&frame)?;
    }

    #[test]
    fn prop_bits_without_a_spec_give_no_spec(msg in any_message(), n in select(unspecified_fields())) {
        expect_no_spec(&msg, n)?;
    }

    #[test]
    fn prop_variable_lengths_above_the_maximum_are_out_of_range(msg in any_message(), pick in any::<Index>(), over in any::<Index>()) {
        let present: Vec<&FieldSpec> = msg.fields().map(|(n, _)| spec_of(n)).filter(|s| can_overflow(s)).collect();
        prop_assume!(!present.is_empty());
        let spec = present[pick.index(present.len())];
        let max = spec.max_accept();
        let len = max + 1 + over.index(prefix_ceiling(spec.length) - max);
        expect_out_of_range(&msg, spec.number, len)?;
    }

    #[test]
    fn prop_non_bcd_nibbles_are_rejected(msg in any_message(), pick in any::<Index>(), nibble in 0xAu8..=0xF) {
        let present: Vec<(u8, usize)> = msg.fields().map(|(n, v)| (n, v.len())).collect();
        let values: Vec<u8> = present.iter().filter(|(n, len)| is_bcd(spec_of(*n)) && *len > 0).map(|(n, _)| *n).collect();
        let lengths: Vec<u8> = present.iter().filter(|(n, _)| is_variable(spec_of(*n))).map(|(n, _)| *n).collect();
        prop_assume!(!values.is_empty() || !lengths.is_empty());
        let i = pick.index(values.len() + lengths.len());
        match values.get(i) {
            Some(&n) => expect_non_bcd_value(&msg, n, nibble)?,
            None => expect_non_bcd_length(&msg, lengths[i - values.len()], nibble)?,
        }
    }

    #[test]
    fn prop_trailing_bytes_are_rejected(msg in any_message(), extra in bytes(1..=16)) {
        expect_trailing(&msg, &extra)?;
    }
}

// ---------------------------------------------------------------------------
// Codec bugs found by these tests (ignored so the suite stays green)
// ---------------------------------------------------------------------------

/// A 2-digit length prefix cannot state 100 or more: a profile declaring such an LLVAR is refused.
#[test]
fn llvar_maximum_above_99_is_rejected() {
    for prefix in ["bcd", "ascii"] {
        let json = format!(
            r#"{{"name":"wide LLVAR","prefix":"{prefix}","max_frame":4096,
                "fields":[{{"number":2,"name":"PAN","length":{{"ll_var":120}},"encoding":"bcd_left"}}]}}"#
        );
        let err = Profile::from_json(&json).expect_err("LLVAR of 120 accepted");
        assert!(err.contains("field 2"), "{err}");
        let ok = json.replace("120", "99");
        assert!(Profile::from_json(&ok).is_ok());
    }
}

/// 60.4 is one digit: 12 would be written as "12" and read back as 60.4 = 1 and 60.5 = 2.
#[test]
fn read_capability_above_9_is_rejected() {
    let req = FinancialRequest {
        txn: TxnType::Sale,
        amount: Some(Amount::cny(100).unwrap()),
        stan: Stan::FIRST,
        tid: TerminalId::new("12345678").unwrap(),
        mid: MerchantId::new("123456789012345").unwrap(),
        batch: BatchNo::new(1).unwrap(),
        card: CardFields {
            entry_mode: Some(EntryMode { method: EntryMethod::Swipe, pin_entered: false }),
            ..CardFields::default()
        },
        original_rrn: None,
        original_auth: None,
        original: None,
        read_capability: Some(12),
        ic_condition: None,
        payee_account: None,
    };
    assert!(
        matches!(req.to_message(false), Err(CodecError::BadValue { field: 60, .. })),
        "read capability 12 must be refused"
    );
}
