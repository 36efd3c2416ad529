//! Interop with pyiso8583, an ISO 8583 codec written independently of ours.
//!
//! tests/interop/pyiso8583_bridge.py describes the UnionPay profile in pyiso8583's
//! terms and serves decode/encode requests as JSON lines; one Python process serves
//! the whole test binary. The test installs the pinned pyiso8583 into a venv under
//! the cargo target directory on first use (python3 with venv and pip, and PyPI, are
//! needed then). When that is impossible the tests fail, unless POS_SKIP_INTEROP=1,
//! in which case they print why and pass. (The venv and the bridge process live in
//! tests/interop/bridge.rs, shared with pos-e2e's traffic interop test.)
//!
//! (i) pyiso8583 decodes what we encode to the same field values;
//! (ii) we decode what pyiso8583 encodes to the same values, and both codecs produce
//!      the same bytes for the same field set.
//!
//! Field values are compared as strings: numeric and track fields as their digits,
//! ASCII fields as text, binary fields as uppercase hex.

use crate::bridge::{bridge, differences, field_map, is_binary, Fields};
use pos_core::iso8583::{
    decode_message, encode_message, reversal_of, unionpay, AdminKind, AdminRequest, AdminResponse, BatchNo,
    BatchRecord, CardFields, Encoding, EntryMethod, EntryMode, FinancialRequest, FinancialResponse, Frame, Header,
    IcUploadItem, LengthKind, MerchantId, Message, Mti, NetCode, OriginalData, Reconciliation, SecurityControl,
    SettlementTotals, Stan, TerminalId, Totals, Tpdu, TxnType,
};
use pos_core::{Amount, Currency, MAX_MINOR};
use pos_core::{ResponseCode, RESPONSE_CODES};
use pos_testkit::SplitMix64;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------
// Our side: field maps
// ---------------------------------------------------------------------------

fn encode_body(msg: &Message) -> Vec<u8> {
    let mut out = Vec::new();
    encode_message(unionpay(), msg, &mut out).unwrap_or_else(|e| panic!("our codec cannot encode {msg:?}: {e}"));
    out
}

/// The message a field map stands for.
fn message_of(fields: &Fields) -> Message {
    let mut msg = Message::new(Mti::new(&fields["t"]).expect("MTI"));
    for (k, v) in fields.iter().filter(|(k, _)| k.as_str() != "t") {
        let n: u8 = k.parse().expect("field number");
        let value = if is_binary(n) { hex::decode(v).expect("hex") } else { v.as_bytes().to_vec() };
        msg.set(n, value).expect("field number in range");
    }
    msg
}

/// Panics listing every failure, so one run shows them all.
fn assert_no_failures(what: &str, total: usize, failures: &[String]) {
    assert!(failures.is_empty(), "{} of {total} {what}:\n{}", failures.len(), failures.join("\n"));
}

// ---------------------------------------------------------------------------
// The corpus: every transaction type and admin kind, then seeded random ones
// ---------------------------------------------------------------------------

/// The corpus's draws over pos-testkit's SplitMix64 (small, seeded, the same sequence on every run).
struct Rng(SplitMix64);

impl Rng {
    /// Uniform in lo..=hi.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        self.0.range(lo, hi)
    }
    fn len(&mut self, lo: usize, hi: usize) -> usize {
        self.range(lo as u64, hi as u64) as usize
    }
    fn coin(&mut self) -> bool {
        self.0.coin()
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        self.0.pick(items).expect("a non-empty table")
    }
    fn maybe<T>(&mut self, f: impl FnOnce(&mut Rng) -> T) -> Option<T> {
        if self.coin() {
            Some(f(self))
        } else {
            None
        }
    }
    fn chars(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len).map(|_| char::from(*self.pick(alphabet))).collect()
    }
    fn digits(&mut self, len: usize) -> String {
        self.chars(b"0123456789", len)
    }
    /// Printable ASCII, space included.
    fn text(&mut self, len: usize) -> String {
        (0..len).map(|_| char::from(self.range(0x20, 0x7e) as u8)).collect()
    }
    fn graphic(&mut self, len: usize) -> String {
        (0..len).map(|_| char::from(self.range(0x21, 0x7e) as u8)).collect()
    }
    fn bytes(&mut self, len: usize) -> Vec<u8> {
        self.0.bytes(len)
    }
    fn minor(&mut self) -> u64 {
        match self.range(0, 3) {
            0 => 0,
            1 => MAX_MINOR,
            2 => self.range(1, 100_000),
            _ => self.range(0, MAX_MINOR),
        }
    }
    fn stan(&mut self) -> Stan {
        Stan::new(self.range(1, 999_999) as u32).expect("in range")
    }
    fn batch(&mut self) -> BatchNo {
        BatchNo::new(self.range(0, 999_999) as u32).expect("in range")
    }
    fn mmdd(&mut self) -> String {
        format!("{:02}{:02}", self.range(1, 12), self.range(1, 31))
    }
    fn amount(&mut self) -> Amount {
        let currency = *self.pick(&[Currency::CNY, Currency::HKD, Currency::USD]);
        Amount::from_minor(self.minor(), currency).expect("within n12")
    }
    fn response_code(&mut self) -> ResponseCode {
        ResponseCode::parse(self.pick(RESPONSE_CODES).code).expect("table code")
    }
}

const METHODS: [EntryMethod; 5] =
    [EntryMethod::Manual, EntryMethod::Swipe, EntryMethod::Chip, EntryMethod::Contactless, EntryMethod::Fallback];

fn tid() -> TerminalId {
    TerminalId::new("20250001").expect("TID")
}

fn mid() -> MerchantId {
    MerchantId::new("898310048990001").expect("MID")
}

fn random_card(rng: &mut Rng) -> CardFields {
    let method = *rng.pick(&METHODS);
    let security = rng.maybe(|r| {
        let track_encrypted = r.coin();
        SecurityControl {
            pin_with_pan: r.coin(),
            double_length: r.coin(),
            track_encrypted,
            whole_track: track_encrypted && r.coin(),
        }
    });
    let encrypted = security.is_some_and(|s| s.track_encrypted);
    let track = |r: &mut Rng, max: usize| {
        if encrypted {
            let len = r.len(1, max);
            r.chars(b"0123456789ABCDEF", len)
        } else {
            let pan_len = r.len(13, 19);
            let rest_len = r.len(0, max - pan_len - 1);
            format!("{}D{}", r.digits(pan_len), r.digits(rest_len))
        }
    };
    CardFields {
        pan: rng.maybe(|r| {
            let len = r.len(13, 19);
            r.digits(len)
        }),
        expiry: rng.maybe(|r| r.digits(4)),
        entry_mode: Some(EntryMode { method, pin_entered: rng.coin() }),
        card_seq: rng.maybe(|r| r.range(0, 999) as u16),
        track2: rng.maybe(|r| track(r, 37)),
        track3: rng.maybe(|r| track(r, 104)),
        pin_block: rng.maybe(|r| r.bytes(8).try_into().expect("8 bytes")),
        security,
        icc: method.is_chip().then(|| {
            let len = rng.len(1, 255);
            rng.bytes(len)
        }),
    }
}

fn random_original(rng: &mut Rng) -> OriginalData {
    let batch = rng.batch();
    let stan = rng.maybe(Rng::stan);
    let date = rng.maybe(Rng::mmdd);
    let rest = if date.is_some() {
        let len = rng.len(0, 13);
        rng.digits(len)
    } else {
        String::new()
    };
    OriginalData { batch, stan, date, rest }
}

fn random_request(rng: &mut Rng, txn: TxnType) -> FinancialRequest {
    let read_capability = rng.maybe(|r| r.range(0, 9) as u8);
    FinancialRequest {
        txn,
        amount: txn.has_amount().then(|| rng.amount()),
        stan: rng.stan(),
        tid: TerminalId::new(&rng.graphic(8)).expect("TID"),
        mid: MerchantId::new(&rng.graphic(15)).expect("MID"),
        batch: rng.batch(),
        card: random_card(rng),
        original_rrn: rng.maybe(|r| r.graphic(12)),
        original_auth: rng.maybe(|r| r.graphic(6)),
        original: txn.refers_to_original().then(|| random_original(rng)),
        read_capability,
        ic_condition: read_capability.and_then(|_| rng.maybe(|r| r.range(0, 9) as u8)),
        payee_account: (txn == TxnType::Transfer).then(|| "6217000012345678901".to_string()),
    }
}

fn random_response(rng: &mut Rng, txn: TxnType) -> FinancialResponse {
    FinancialResponse {
        txn,
        response_code: rng.response_code(),
        stan: rng.stan(),
        tid: TerminalId::new(&rng.graphic(8)).expect("TID"),
        mid: MerchantId::new(&rng.graphic(15)).expect("MID"),
        amount: rng.maybe(Rng::amount),
        batch: rng.batch(),
        time: rng.maybe(|r| r.digits(6)),
        date: rng.maybe(Rng::mmdd),
        settlement_date: rng.maybe(Rng::mmdd),
        rrn: rng.maybe(|r| r.text(12)),
        auth_code: rng.maybe(|r| r.text(6)),
        institutions: rng.maybe(|r| {
            let len = r.len(0, 25);
            r.text(len)
        }),
        balance: rng.maybe(|r| {
            let len = r.len(0, 20);
            r.text(len)
        }),
        icc: rng.maybe(|r| {
            let len = r.len(0, 255);
            r.bytes(len)
        }),
    }
}

fn random_totals(rng: &mut Rng) -> SettlementTotals {
    let section = |r: &mut Rng| Totals {
        debit_amount: r.minor(),
        debit_count: r.range(0, 999) as u16,
        credit_amount: r.minor(),
        credit_count: r.range(0, 999) as u16,
        reconciliation: *r.pick(&[
            Reconciliation::NotReconciled,
            Reconciliation::Balanced,
            Reconciliation::Unbalanced,
            Reconciliation::Error,
        ]),
    };
    SettlementTotals { domestic: section(rng), foreign: section(rng) }
}

/// Every admin kind, `which` choosing among them (sign-in codes count separately).
fn random_admin_kind(rng: &mut Rng, which: usize) -> AdminKind {
    match which % 9 {
        0 => AdminKind::SignIn(NetCode::SignInSingle),
        1 => AdminKind::SignIn(NetCode::SignInDouble),
        2 => AdminKind::SignIn(NetCode::SignInDoubleTdk),
        3 => AdminKind::SignOff,
        4 => AdminKind::Echo,
        5 => AdminKind::Settlement(random_totals(rng)),
        6 => {
            let count = rng.len(1, 8);
            AdminKind::BatchUpload(
                (0..count)
                    .map(|_| BatchRecord {
                        card_org: rng.range(0, 99) as u8,
                        stan: rng.stan(),
                        card: rng.digits(20),
                        amount: rng.minor(),
                    })
                    .collect(),
            )
        }
        7 => {
            let len = rng.len(0, 255);
            AdminKind::IcBatchUpload(IcUploadItem {
                original_stan: rng.stan(),
                amount: rng.minor(),
                icc: rng.bytes(len),
            })
        }
        _ => AdminKind::BatchEnd {
            code: *rng.pick(&[NetCode::BatchEnd, NetCode::BatchEndIc]),
            count: rng.range(0, 9999) as u32,
        },
    }
}

fn random_admin_request(rng: &mut Rng, which: usize) -> AdminRequest {
    AdminRequest {
        kind: random_admin_kind(rng, which),
        stan: rng.stan(),
        tid: tid(),
        mid: mid(),
        batch: rng.batch(),
        operator: rng.maybe(|r| {
            let len = r.len(0, 163);
            r.text(len)
        }),
    }
}

/// Responses of each MTI with the 60.3 codes a host answers with.
fn random_admin_response(rng: &mut Rng, which: usize) -> AdminResponse {
    let (mti, net) = match which % 4 {
        0 => ("0810", *rng.pick(&[NetCode::SignInSingle, NetCode::SignInDouble, NetCode::SignInDoubleTdk])),
        1 => ("0830", *rng.pick(&[NetCode::SignOff, NetCode::Echo])),
        2 => ("0510", NetCode::Settlement),
        _ => {
            ("0330", *rng.pick(&[NetCode::Settlement, NetCode::IcBatchUpload, NetCode::BatchEnd, NetCode::BatchEndIc]))
        }
    };
    AdminResponse {
        mti: Mti::new(mti).expect("MTI"),
        net,
        response_code: rng.response_code(),
        stan: rng.stan(),
        tid: tid(),
        mid: mid(),
        batch: rng.batch(),
        time: rng.maybe(|r| r.digits(6)),
        date: rng.maybe(Rng::mmdd),
        rrn: rng.maybe(|r| r.text(12)),
        totals: (mti == "0510").then(|| random_totals(rng)),
        key_block: rng.maybe(|r| {
            let len = *r.pick(&[24usize, 40, 56, 60, 84, 0, 512]);
            r.bytes(len)
        }),
    }
}

/// Any MTI with any subset of the profile's fields, each valid for its spec.
fn random_field_set(rng: &mut Rng) -> Message {
    let mti = rng.digits(4);
    let mut msg = Message::new(Mti::new(&mti).expect("MTI"));
    for spec in &unionpay().fields {
        if !rng.coin() {
            continue;
        }
        let len = match spec.length {
            LengthKind::Fixed(n) => usize::from(n),
            LengthKind::LlVar(m) | LengthKind::LllVar(m) => rng.len(0, usize::from(m)),
        };
        let value: Vec<u8> = match spec.encoding {
            Encoding::BcdLeft | Encoding::BcdRight => rng.digits(len).into_bytes(),
            Encoding::Track => rng.chars(b"0123456789ABCDEF", len).into_bytes(),
            Encoding::Ascii => rng.text(len).into_bytes(),
            Encoding::Binary => rng.bytes(len),
        };
        msg.set(spec.number, value).expect("field number in range");
    }
    msg
}

/// A request with every optional field of its type filled (`rich`) or none of them.
fn fixed_request(txn: TxnType, rich: bool) -> FinancialRequest {
    let card = if rich {
        CardFields {
            pan: Some("6228480402564890018".into()),
            expiry: Some("2912".into()),
            entry_mode: Some(EntryMode { method: EntryMethod::Chip, pin_entered: true }),
            card_seq: Some(1),
            track2: Some("6228480402564890018D29122201234567890".into()),
            track3: Some(
                "996228480402564890018D1561560000000000000003000000214000049120D000000000000D000000000000D00000000"
                    .into(),
            ),
            pin_block: Some([0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0]),
            security: Some(SecurityControl {
                pin_with_pan: true,
                double_length: true,
                track_encrypted: false,
                whole_track: false,
            }),
            icc: Some(
                hex::decode("9F2608A1B2C3D4E5F607189F2701809F101307010103A0A802010A010000000000A1B2C3D49F3704AABBCCDD")
                    .unwrap(),
            ),
        }
    } else {
        CardFields {
            entry_mode: Some(EntryMode { method: EntryMethod::Swipe, pin_entered: false }),
            ..CardFields::default()
        }
    };
    FinancialRequest {
        txn,
        amount: txn.has_amount().then(|| Amount::cny(12_345).unwrap()),
        stan: Stan::new(123).unwrap(),
        tid: tid(),
        mid: mid(),
        batch: BatchNo::new(1).unwrap(),
        card,
        original_rrn: rich.then(|| "123456789012".into()),
        original_auth: rich.then(|| "A1B2C3".into()),
        original: txn.refers_to_original().then(|| OriginalData {
            batch: BatchNo::new(1).unwrap(),
            stan: Stan::new(122),
            date: rich.then(|| "0615".into()),
            rest: String::new(),
        }),
        read_capability: rich.then_some(5),
        ic_condition: rich.then_some(0),
        payee_account: (txn == TxnType::Transfer).then(|| "6217000012345678901".to_string()),
    }
}

fn fixed_response(txn: TxnType, rich: bool) -> FinancialResponse {
    FinancialResponse {
        txn,
        response_code: ResponseCode::APPROVED,
        stan: Stan::new(123).unwrap(),
        tid: tid(),
        mid: mid(),
        amount: rich.then(|| Amount::cny(12_345).unwrap()),
        batch: BatchNo::new(1).unwrap(),
        time: rich.then(|| "235959".into()),
        date: rich.then(|| "1231".into()),
        settlement_date: rich.then(|| "0101".into()),
        rrn: rich.then(|| "000000000001".into()),
        auth_code: rich.then(|| "123456".into()),
        institutions: rich.then(|| "01020000   03050000".into()),
        balance: rich.then(|| "1002156C000000012345".into()),
        icc: rich.then(|| hex::decode("910A1122334455667788990071").unwrap()),
    }
}

/// Messages of every transaction type (request, response, reversal) and admin kind,
/// then ~200 seeded random typed messages, then random field sets.
fn corpus() -> Vec<(String, Message)> {
    let mut out: Vec<(String, Message)> = Vec::new();
    let mut add = |label: String, m: Result<Message, pos_core::iso8583::CodecError>| {
        let m = m.unwrap_or_else(|e| panic!("{label}: our builder failed: {e}"));
        out.push((label, m));
    };
    for txn in TxnType::ALL {
        for rich in [true, false] {
            let req = fixed_request(txn, rich);
            add(format!("{txn:?} request (rich: {rich})"), req.to_message(true));
            add(format!("{txn:?} response (rich: {rich})"), fixed_response(txn, rich).to_message(rich));
            let msg = req.to_message(true).expect("request builds");
            add(
                format!("{txn:?} reversal (rich: {rich})"),
                reversal_of(&msg, ResponseCode::parse("98").unwrap(), true),
            );
        }
    }
    let mut rng = Rng(SplitMix64::new(0x5EED_8583));
    for which in 0..9 {
        add(format!("admin request #{which}"), random_admin_request(&mut rng, which).to_message(true));
    }
    for which in 0..4 {
        add(format!("admin response #{which}"), random_admin_response(&mut rng, which).to_message(true));
    }
    for i in 0..200usize {
        let txn = TxnType::ALL[i % TxnType::ALL.len()];
        let (label, msg) = match i % 5 {
            0 => ("request", random_request(&mut rng, txn).to_message(rng.coin())),
            1 => ("response", random_response(&mut rng, txn).to_message(rng.coin())),
            2 => {
                let req = random_request(&mut rng, txn).to_message(true).expect("request builds");
                let reason = *rng.pick(&["98", "A0", "06"]);
                ("reversal", reversal_of(&req, ResponseCode::parse(reason).unwrap(), rng.coin()))
            }
            3 => ("admin request", random_admin_request(&mut rng, i / 5).to_message(rng.coin())),
            _ => ("admin response", random_admin_response(&mut rng, i / 5).to_message(rng.coin())),
        };
        add(format!("generated #{i} {txn:?} {label}"), msg);
    }
    for i in 0..100 {
        add(format!("random field set #{i}"), Ok(random_field_set(&mut rng)));
    }
    out
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

/// The bridge's spec is the profile's table in pyiso8583's terms.
#[test]
fn bridge_spec_matches_the_profile() {
    let Some(mut bridge) = bridge("bridge_spec_matches_the_profile") else { return };
    let spec = bridge.spec().unwrap_or_else(|e| panic!("spec request failed: {e}"));
    let mut failures = Vec::new();
    for f in &unionpay().fields {
        let key = f.number.to_string();
        let s = &spec[&key];
        // pyiso8583's max_len bounds both directions: the bridge states what the profile accepts.
        let max_len = f.max_accept();
        let len_type = match f.length {
            LengthKind::Fixed(_) => 0,
            LengthKind::LlVar(_) => 1,
            LengthKind::LllVar(_) => 2,
        };
        let (data_enc, len_count, left_pad, right_pad) = match f.encoding {
            Encoding::BcdLeft | Encoding::Track => ("b", "nibbles", None, Some("0")),
            Encoding::BcdRight => ("b", "nibbles", Some("0"), None),
            Encoding::Ascii => ("ascii", "bytes", None, None),
            Encoding::Binary => ("b", "bytes", None, None),
        };
        let expected = [
            ("data_enc", json!(data_enc)),
            ("len_type", json!(len_type)),
            ("max_len", json!(max_len)),
            ("len_count", json!(len_count)),
            ("left_pad", left_pad.map_or(Value::Null, |p| json!(p))),
            ("right_pad", right_pad.map_or(Value::Null, |p| json!(p))),
        ];
        for (k, v) in expected {
            if s[k] != v {
                failures.push(format!("field {key} {k}: bridge {}, profile wants {v}", s[k]));
            }
        }
        if len_type > 0 && s["len_enc"] != json!("bcd") {
            failures.push(format!("field {key}: variable length must be BCD, bridge has {}", s["len_enc"]));
        }
    }
    let numbered = spec.as_object().expect("spec object").keys().filter_map(|k| k.parse::<u8>().ok());
    for n in numbered.filter(|&n| n != 1) {
        if unionpay().field(n).is_none() {
            failures.push(format!("field {n} is in the bridge spec but not in the profile"));
        }
    }
    assert_no_failures("spec entries differ", unionpay().fields.len(), &failures);
}

/// (i) pyiso8583 reads every message we encode to the same values.
#[test]
fn pyiso8583_decodes_what_we_encode() {
    let Some(mut bridge) = bridge("pyiso8583_decodes_what_we_encode") else { return };
    let corpus = corpus();
    let mut failures = Vec::new();
    for (label, msg) in &corpus {
        let body = encode_body(msg);
        let frame = Frame::new(Tpdu::DEFAULT, Header::IC, msg.clone()).encode(unionpay()).expect("frame encodes");
        assert_eq!(&frame[13..], &body[..], "{label}: the frame body is the message body");
        let mut theirs = match bridge.decode(&body) {
            Ok(fields) => fields,
            Err(e) => {
                failures.push(format!("{label}: pyiso8583 cannot decode {}: {e}", hex::encode_upper(&body)));
                continue;
            }
        };
        let bitmap = theirs.remove("p");
        let secondary = theirs.remove("1");
        let mut diffs = differences(&field_map(msg), &theirs);
        if bitmap.as_deref() != Some(&hex::encode_upper(&body[2..10])) {
            diffs.push(format!("  bitmap: ours {}, pyiso8583 {bitmap:?}", hex::encode_upper(&body[2..10])));
        }
        let ours_secondary = (body[2] & 0x80 != 0).then(|| hex::encode_upper(&body[10..18]));
        if secondary != ours_secondary {
            diffs.push(format!("  secondary bitmap: ours {ours_secondary:?}, pyiso8583 {secondary:?}"));
        }
        if !diffs.is_empty() {
            failures.push(format!("{label} ({}):\n{}", hex::encode_upper(&body), diffs.join("\n")));
        }
    }
    assert_no_failures("messages read differently by pyiso8583", corpus.len(), &failures);
}

/// (ii) We read every field set pyiso8583 encodes to the same values, and both codecs
/// write the same bytes for it.
#[test]
fn we_decode_what_pyiso8583_encodes_byte_for_byte() {
    let Some(mut bridge) = bridge("we_decode_what_pyiso8583_encodes_byte_for_byte") else { return };
    let corpus = corpus();
    let mut failures = Vec::new();
    for (label, msg) in &corpus {
        let fields = field_map(msg);
        let theirs = match bridge.encode(&fields) {
            Ok(bytes) => bytes,
            Err(e) => {
                failures.push(format!("{label}: pyiso8583 cannot encode {fields:?}: {e}"));
                continue;
            }
        };
        let ours = encode_body(&message_of(&fields));
        if ours != theirs {
            failures.push(format!(
                "{label}: bytes differ\n  ours     {}\n  pyiso8583 {}",
                hex::encode_upper(&ours),
                hex::encode_upper(&theirs)
            ));
            continue;
        }
        match decode_message(unionpay(), &theirs) {
            Ok((decoded, _)) => {
                let diffs = differences(&field_map(&decoded), &fields);
                if !diffs.is_empty() {
                    failures.push(format!("{label} ({}):\n{}", hex::encode_upper(&theirs), diffs.join("\n")));
                }
            }
            Err(e) => failures.push(format!("{label}: we cannot decode {}: {e}", hex::encode_upper(&theirs))),
        }
    }
    assert_no_failures("field sets differing between the codecs", corpus.len(), &failures);
}

/// The typed readers accept what pyiso8583 encodes from a typed message's fields.
#[test]
fn typed_readers_accept_pyiso8583_encodings() {
    let Some(mut bridge) = bridge("typed_readers_accept_pyiso8583_encodings") else { return };
    let mut rng = Rng(SplitMix64::new(0x7E57_0001));
    let mut failures = Vec::new();
    let mut total = 0;
    for txn in TxnType::ALL {
        for _ in 0..4 {
            let req = random_request(&mut rng, txn);
            let fields = field_map(&req.to_message(true).expect("request builds"));
            total += 1;
            let read = bridge
                .encode(&fields)
                .and_then(|b| decode_message(unionpay(), &b).map_err(|e| e.to_string()))
                .and_then(|(m, _)| FinancialRequest::from_message(&m).map_err(|e| e.to_string()));
            match read {
                Ok(back) if back == req => {}
                Ok(back) => failures.push(format!(
                    "{txn:?}: read back {} from {fields:?}",
                    serde_json::to_string(&back).unwrap_or_default()
                )),
                Err(e) => failures.push(format!("{txn:?}: {e} for {fields:?}")),
            }
        }
    }
    assert_no_failures("requests not read back", total, &failures);
}
