//! The risk engine's cost on the payment path: the full default policy evaluated against a
//! journal holding one year of history (200,000 approved payments over 20,000 cards).
//!
//! Each evaluation reads the card's rows through `txn_by_card`, the daily totals of the
//! trailing 30 days from `risk_day` and the card's limit. The p50 and p99 over 20,000
//! evaluations (rotating over cards, each with its own history) are printed; target p99
//! under 100 µs.
//!
//! `cargo bench -p pos-core --bench risk`. Under `cargo test --benches` it runs once.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use pos_core::card::CardFingerprint;
use pos_core::crypto::FileVault;
use pos_core::iso8583::TxnType;
use pos_core::store::Store;
use pos_core::OfflineLimits;
use pos_core::{evaluate, RiskPolicy, RiskRequest};
use pos_core::{Amount, Currency};
use pos_core::{CivilTime, Timestamp, CHINA_UTC_OFFSET_SECS};
use pos_testkit::TempDir;
use rusqlite::{params, Connection};

const PAYMENTS: u32 = 200_000;
const CARDS: u32 = 20_000;
const SAMPLES: usize = 20_000;

/// Whether this is a real `cargo bench` run: criterion's test mode (`cargo test --benches`)
/// runs the same code once on a journal fifty times smaller, the proportions kept.
fn benchmarking() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// `n` for a benchmark run, a fiftieth of it in test mode.
fn scaled(n: u32) -> u32 {
    if benchmarking() {
        n
    } else {
        n / 50
    }
}

fn card(i: u32) -> String {
    format!("{:064x}", u64::from(i).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

fn year_start() -> Timestamp {
    let c = CivilTime { year: 2024, month: 3, day: 1, hour: 0, minute: 0, second: 0 };
    Timestamp::from_civil(c, CHINA_UTC_OFFSET_SECS)
}

/// A journal with a year of approved sales, written in one transaction (the triggers fill `risk_day`).
fn journal() -> (TempDir, Store) {
    let dir = TempDir::new("bench-risk");
    let path = dir.join(Store::FILE_NAME);
    let vault = Arc::new(FileVault::open_or_create(dir.join("vault.key")).expect("vault"));
    drop(Store::open(&path, vault.clone(), &year_start().to_string()).expect("migrated"));
    let mut conn = Connection::open(&path).expect("open");
    conn.pragma_update(None, "synchronous", "OFF").expect("pragma");
    let tx = conn.transaction().expect("tx");
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO txn (txn_type, stan, batch, voucher, amount_minor, currency, masked_pan, card_fingerprint,
                    entry_mode, status, response_code, local_date, created_at, updated_at)
                 VALUES ('sale', ?1, ?2, ?1, ?3, 156, '622848******0018', ?4, '051', 'approved', '00', ?5, ?6, ?6)",
            )
            .expect("prepare");
        let (payments, cards) = (scaled(PAYMENTS), scaled(CARDS));
        let step = 365 * 86_400 / i64::from(payments);
        for i in 0..payments {
            let at = year_start().plus_secs(i64::from(i) * step);
            let amount = 1_000 + u64::from(i.wrapping_mul(7919) % 500_000);
            insert
                .execute(params![
                    i % 999_999 + 1,
                    i / 999_999 + 1,
                    amount as i64,
                    card(i % cards),
                    at.mmdd(),
                    at.to_string()
                ])
                .expect("insert");
        }
    }
    tx.commit().expect("commit");
    drop(conn);
    let store = Store::open(&path, vault, &year_start().to_string()).expect("reopen");
    (dir, store)
}

fn bench(c: &mut Criterion) {
    let (_dir, store) = journal();
    let policy = RiskPolicy::default_cny();
    let limits = OfflineLimits::defaults(Currency::CNY);
    let now = year_start().plus_secs(365 * 86_400 - 3600);
    let amount = Amount::cny(123_456).expect("amount");
    let cards = scaled(CARDS);
    let req = |i: usize| RiskRequest {
        txn: TxnType::Sale,
        amount,
        fingerprint: card(i as u32 % cards).parse::<CardFingerprint>().ok(),
        offline: false,
        at: now,
    };
    let samples = scaled(SAMPLES as u32) as usize;
    // Warm the page cache and the statement cache as a running terminal would be.
    for i in 0..200 {
        black_box(evaluate(&store, &policy, &limits, &req(i)).expect("evaluation"));
    }
    let mut times: Vec<Duration> = (0..samples)
        .map(|i| {
            let r = req(i * 7);
            let start = Instant::now();
            black_box(evaluate(&store, &policy, &limits, &r).expect("evaluation"));
            start.elapsed()
        })
        .collect();
    times.sort();
    let pct = |p: usize| times[(times.len() * p / 100).min(times.len() - 1)];
    println!(
        "risk evaluate, {} payments / {} cards in the journal, {samples} evaluations: \
         p50 {:?}, p99 {:?}, max {:?} (target p99 < 100 µs)",
        scaled(PAYMENTS),
        cards,
        pct(50),
        pct(99),
        times[times.len() - 1]
    );
    c.bench_function("risk_evaluate_default_policy_year_of_history", |b| {
        let mut i = 0;
        b.iter(|| {
            i += 1;
            black_box(evaluate(&store, &policy, &limits, &req(i)).expect("evaluation"))
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
