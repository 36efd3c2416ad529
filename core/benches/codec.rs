//! Encode and decode of a UnionPay sale request and its response (target: under 1 µs each),
//! plus heap allocations per operation, counted by a wrapping global allocator. Each message's
//! body is printed in hex to stderr (bench/peers time other codecs on the same bytes).

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{criterion_group, criterion_main, Criterion};
use pos_core::iso8583::frame::PREAMBLE_LEN;
use pos_core::iso8583::{
    unionpay, BatchNo, CardFields, EntryMethod, EntryMode, FinancialRequest, FinancialResponse, Frame, Header,
    MerchantId, SecurityControl, Stan, TerminalId, Tpdu, TxnType,
};
use pos_core::Amount;
use pos_core::ResponseCode;

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        System.realloc(p, l, n)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs_of<R>(f: impl FnOnce() -> R) -> usize {
    let before = ALLOCS.load(Ordering::Relaxed);
    let r = f();
    let n = ALLOCS.load(Ordering::Relaxed) - before;
    drop(r);
    n
}

fn sale_request() -> FinancialRequest {
    let mut icc = vec![0x9F, 0x26, 0x08, 1, 2, 3, 4, 5, 6, 7, 8];
    while icc.len() < 100 {
        icc.extend_from_slice(&[0x9F, 0x10, 0x05, 1, 2, 3, 4, 5]);
    }
    icc.truncate(100);
    FinancialRequest {
        txn: TxnType::Sale,
        amount: Some(Amount::cny(12_345).unwrap()),
        stan: Stan::new(1834).unwrap(),
        tid: TerminalId::new("16688014").unwrap(),
        mid: MerchantId::new("898310048990001").unwrap(),
        batch: BatchNo::new(1).unwrap(),
        card: CardFields {
            pan: Some("6228480402564890018".into()),
            expiry: Some("4912".into()),
            entry_mode: Some(EntryMode { method: EntryMethod::Chip, pin_entered: true }),
            card_seq: Some(1),
            track2: Some("6228480402564890018D49121200000000".into()),
            track3: None,
            pin_block: Some([0x11; 8]),
            security: Some(SecurityControl {
                pin_with_pan: true,
                double_length: true,
                track_encrypted: true,
                whole_track: true,
            }),
            icc: Some(icc),
        },
        original_rrn: None,
        original_auth: None,
        original: None,
        read_capability: Some(5),
        ic_condition: Some(0),
        payee_account: None,
    }
}

fn sale_response() -> FinancialResponse {
    FinancialResponse {
        txn: TxnType::Sale,
        response_code: ResponseCode::APPROVED,
        stan: Stan::new(1834).unwrap(),
        tid: TerminalId::new("16688014").unwrap(),
        mid: MerchantId::new("898310048990001").unwrap(),
        amount: Some(Amount::cny(12_345).unwrap()),
        batch: BatchNo::new(1).unwrap(),
        time: Some("101530".into()),
        date: Some("1126".into()),
        settlement_date: Some("1126".into()),
        rrn: Some("112610153001".into()),
        auth_code: Some("A12345".into()),
        institutions: Some("0303000000004900".into()),
        balance: None,
        icc: Some(vec![0x91, 0x0A, 1, 2, 3, 4, 5, 6, 7, 8, 0x30, 0x30]),
    }
}

fn bench(c: &mut Criterion) {
    let p = unionpay();
    for (name, msg) in [
        ("sale_request", sale_request().to_message(true).unwrap()),
        ("sale_response", sale_response().to_message(true).unwrap()),
    ] {
        let frame = Frame::new(Tpdu::DEFAULT, Header::IC, msg);
        let bytes = frame.encode(p).unwrap();
        let mut out = Vec::with_capacity(512);
        frame.encode_into(p, &mut out).unwrap();
        let enc_allocs = allocs_of(|| frame.encode_into(p, &mut out).unwrap());
        let dec_allocs = allocs_of(|| Frame::decode(p, &bytes).unwrap());
        eprintln!(
            "{name}: {} bytes; heap allocations per encode (reused buffer) = {enc_allocs}, per decode = {dec_allocs}",
            bytes.len()
        );
        // The body (MTI onwards, after length, TPDU and header): bench/peers check that
        // pyiso8583 and moov-io encode these very bytes before timing them.
        eprintln!("{name}: body hex {}", hex::encode_upper(&bytes[2 + PREAMBLE_LEN..]));
        c.bench_function(&format!("{name}/encode"), |b| b.iter(|| frame.encode_into(p, black_box(&mut out)).unwrap()));
        c.bench_function(&format!("{name}/decode"), |b| b.iter(|| Frame::decode(p, black_box(&bytes)).unwrap()));
    }
    let req = sale_request();
    let typed_allocs = allocs_of(|| req.to_message(true).unwrap());
    eprintln!("sale_request: heap allocations per typed build (FinancialRequest -> Message) = {typed_allocs}");
    c.bench_function("sale_request/build_typed", |b| b.iter(|| black_box(&req).to_message(true).unwrap()));
    let bytes = Frame::new(Tpdu::DEFAULT, Header::IC, req.to_message(true).unwrap()).encode(p).unwrap();
    c.bench_function("sale_request/decode_typed", |b| {
        b.iter(|| FinancialRequest::from_message(&Frame::decode(p, black_box(&bytes)).unwrap().message).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
