//! Day-end figures: the history query for one day out of 100,000 journal rows (target under
//! 10 ms), and settlement of a 5,000-payment batch whose totals the host does not share, so
//! the full batch upload runs on loopback against the simulator (target under 1 s).
//!
//! Rows are seeded with SQL straight into the terminal's database (as the journal writes
//! them: approved chip sales with masked cards), so the host has none of them and the 0510
//! says "not equal". The figures are printed to stderr too.
//! `cargo bench -p pos-e2e --bench day_end`; under `cargo test --benches` small sizes run once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use pos_acquirer_sim::{SimConfig, Simulator};
use pos_core::crypto::FileVault;
use pos_core::iso8583::Reconciliation;
use pos_core::store::{HistoryFilter, Store};
use pos_core::terminal::{SystemClock, Terminal};
use pos_core::Day;
use pos_e2e::{demo_reader, TempDir};
use tokio::runtime::Runtime;

fn benchmarking() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// Inserts `n` approved chip sales into batch `batch` with STANs from `first_stan`, spread
/// over `days` days from 2025-01-01 (`per_day` each), newest last.
fn seed(db: &std::path::Path, n: u32, batch: u32, first_stan: u32, per_day: u32) {
    let conn = rusqlite::Connection::open(db).expect("db");
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;").expect("pragmas");
    let pans = ["622848******0018", "411111******1111", "545454******5454", "622202******7776"];
    let types = ["sale", "sale", "sale", "refund", "pre_auth"];
    let tx = conn.unchecked_transaction().expect("tx");
    {
        let mut stmt = tx
            .prepare(
                "INSERT INTO txn (txn_type, stan, batch, voucher, amount_minor, currency, masked_pan, entry_mode,
                    status, response_code, rrn, auth_code, host_date, host_time, local_date, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 156, ?6, '051', 'approved', '00', ?7, '123456', ?8, ?9, ?8, ?10, ?10)",
            )
            .expect("insert");
        for i in 0..n {
            let day = i / per_day;
            let secs = (i % per_day) * (86_000 / per_day.max(1));
            let (month, dom) = (1 + day / 28, 1 + day % 28);
            let at =
                format!("2025-{month:02}-{dom:02}T{:02}:{:02}:{:02}+08:00", secs / 3600, secs / 60 % 60, secs % 60);
            let stan = first_stan + i;
            stmt.execute(rusqlite::params![
                if per_day == n { "sale" } else { types[(i % 5) as usize] },
                stan,
                batch,
                (i % 999_999) + 1,
                100 + i64::from(i % 50_000),
                pans[(i % 4) as usize],
                format!("{stan:012}"),
                format!("{month:02}{dom:02}"),
                format!("{:02}{:02}{:02}", secs / 3600, secs / 60 % 60, secs % 60),
                at,
            ])
            .expect("row");
        }
    }
    tx.commit().expect("commit");
}

fn history(c: &mut Criterion) {
    let rows = if benchmarking() { 100_000 } else { 2_000 };
    let per_day = rows / 100;
    let dir = TempDir::new("bench-history");
    let db = dir.join(Store::FILE_NAME);
    let vault = Arc::new(FileVault::open_or_create(dir.join("vault.key")).expect("vault"));
    drop(Store::open(&db, vault.clone(), "2025-01-01T00:00:00+08:00").expect("store"));
    // One batch per day, as a terminal settling daily would have.
    for d in 0..100 {
        seed(&db, per_day, d + 1, 1, per_day);
        let conn = rusqlite::Connection::open(&db).expect("db");
        conn.execute(
            "UPDATE txn SET created_at = replace(created_at, '2025-01-01', ?1), updated_at = created_at
             WHERE batch = ?2",
            rusqlite::params![format!("2025-{:02}-{:02}", 1 + d / 28, 1 + d % 28), d + 1],
        )
        .expect("dates");
    }
    let store = Store::open(&db, vault, "2025-04-10T00:00:00+08:00").expect("store");
    let day = Day::parse("2025-02-15").expect("day");
    let filter = HistoryFilter::day(day);
    let first = store.history(&filter, 20, 0).expect("history");
    assert_eq!(first.total, u64::from(per_day));
    let t = Instant::now();
    let n = 100;
    for _ in 0..n {
        std::hint::black_box(store.history(&filter, 20, 0).expect("history"));
    }
    eprintln!(
        "history: one day ({per_day} rows) of {rows}, first page of 20 with the count: {:?} per query",
        t.elapsed() / n
    );
    let t = Instant::now();
    let all = store.day_txns(day).expect("day");
    eprintln!("history: all {} rows of the day (report input): {:?}", all.len(), t.elapsed());
    let mut g = c.benchmark_group("history");
    g.bench_function("one_day_of_100k_first_page", |b| b.iter(|| store.history(&filter, 20, 0).expect("history")));
    g.bench_function("one_day_of_100k_last_page", |b| {
        b.iter(|| store.history(&filter, 20, u64::from(per_day) - 20).expect("history"))
    });
    g.finish();
}

/// One settlement from a fresh terminal and simulator with `n` seeded payments: the time of `settle`.
fn settle_once(rt: &Runtime, n: u32) -> Duration {
    let dir = TempDir::new("bench-settle");
    rt.block_on(async {
        let mut sc = SimConfig::demo().listening_on("127.0.0.1:0");
        sc.monitoring.round_amounts.enabled = false;
        sc.monitoring.volume_spike.enabled = false;
        // The host's books in a file (WAL, synchronous=FULL), as deployed.
        sc.database = Some(dir.join("ledger.sqlite").display().to_string());
        let sim = Simulator::start(sc).await.expect("simulator");
        let mut config = pos_e2e::terminal_config(&sim);
        // Over TCP and TLS on loopback, not the simulator's in-memory link.
        config.dialer = pos_core::Dialer::tcp();
        // Thousands of payments with one card: the risk policy would stop them.
        config.risk_policy = None;
        let vault = Arc::new(FileVault::open_or_create(dir.join("vault.key")).expect("vault"));
        let open = || {
            Terminal::open(dir.path(), config.clone(), vault.clone(), demo_reader(), Arc::new(SystemClock::default()))
                .expect("terminal")
        };
        let t = open();
        assert!(t.sign_in().await.expect("sign-in").approved);
        let batch = t.batch().expect("batch").value();
        drop(t);
        seed(&dir.join(Store::FILE_NAME), n, batch, 500_000, n);
        let t = open();
        let start = Instant::now();
        let o = t.settle().await.expect("settlement");
        let took = start.elapsed();
        assert_eq!(o.reconciliation, Reconciliation::Unbalanced, "the host holds none of the seeded payments");
        assert!(o.upload_count >= n, "{} of {n} uploaded", o.upload_count);
        took
    })
}

fn settlement(c: &mut Criterion) {
    let n = if benchmarking() { 5_000 } else { 200 };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let took = settle_once(&rt, n);
    eprintln!("settlement: {n} payments, full batch upload on loopback: {took:?}");
    let mut g = c.benchmark_group("settlement");
    g.sampling_mode(SamplingMode::Flat).sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function(format!("batch_of_{n}_with_upload"), |b| {
        b.iter_custom(|iters| (0..iters).map(|_| settle_once(&rt, n)).sum())
    });
    g.finish();
}

criterion_group!(benches, history, settlement);
criterion_main!(benches);
