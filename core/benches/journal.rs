//! The journal's costs on the same disk and settings as the app (WAL, `synchronous=FULL`):
//!
//! (a) `durable_commit`: one offline payment (numbers, journal row and sealed queue entry in
//!     one SQLite transaction) against a bare single-row commit into a table of its own in
//!     another file with the same pragmas. The ratio of the means is printed (target ≤ 1.3),
//!     with the same two commits timed again without the fsync (`synchronous=OFF`: the work
//!     around it) and the pages each commit writes.
//! (b) `open_100k`: opening a terminal whose journal holds 100,000 rows (open, check the
//!     small tables, migrate, local recovery). Target under 30 ms. The one-time migration of
//!     such a journal from schema 1 is timed and printed too.
//!
//! `cargo bench -p pos-core --bench journal`. Under `cargo test --benches` everything runs once.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use pos_core::card::{fingerprint, DeviceSecret, Pan};
use pos_core::crypto::{FileVault, SecretKey};
use pos_core::iso8583::{EntryMethod, EntryMode, TxnType};
use pos_core::provision::DEMO_TMK_HEX;
use pos_core::store::{NewTxn, OriginalRefs, Store, StoreError};
use pos_core::terminal::{ManualClock, Terminal, TerminalConfig, Timestamp, CHINA_UTC_OFFSET_SECS};
use pos_core::Amount;
use pos_core::SoftwareReader;
use pos_testkit::{bare_commit, bare_db, TempDir};
use rusqlite::{params, Connection};
use zeroize::Zeroizing;

const NOW: &str = "2025-03-01T10:00:00+08:00";
const JOURNAL_ROWS: u32 = 100_000;

fn vault(dir: &Path) -> Arc<FileVault> {
    Arc::new(FileVault::open_or_create(dir.join("vault.key")).expect("vault"))
}

fn offline_payment(fen: u64) -> NewTxn {
    let pan = Pan::parse("6235010000123456786").expect("pan");
    NewTxn {
        txn_type: TxnType::OfflineSale,
        amount: Some(Amount::cny(fen).expect("amount")),
        masked_pan: Some(pan.masked()),
        fingerprint: Some(fingerprint(&DeviceSecret::from_bytes([7; 32]), &pan)),
        entry_mode: Some(EntryMode { method: EntryMethod::Contactless, pin_entered: false }),
        original: OriginalRefs::default(),
        local_date: "0301".into(),
        at: NOW.into(),
        payee: None,
    }
}

fn offline_commit(store: &Store, payment: &NewTxn, body: &[u8]) {
    store
        .store_offline(payment, "Y10001", 1_740_794_400, |_| Ok::<_, StoreError>(Zeroizing::new(body.to_vec())))
        .expect("stored");
}

fn durable_commit(c: &mut Criterion) {
    let dir = TempDir::new("bench-commit");
    let store = Store::open(dir.join(Store::FILE_NAME), vault(dir.path()), NOW).expect("store");
    let mut plain = bare_db(dir.path());
    // A 0220 as the terminal seals it: ~300 bytes of fields, track and chip data.
    let body = vec![0x5Au8; 300];
    // Card data comes from the reader: the payment itself is built outside the timing.
    let payment = offline_payment(1_234);
    let mut g = c.benchmark_group("durable_commit");
    g.bench_function("offline_payment", |b| b.iter(|| offline_commit(&store, black_box(&payment), black_box(&body))));
    g.bench_function("bare_single_row", |b| b.iter(|| bare_commit(&mut plain, black_box(&body))));
    g.finish();

    // The ratio, from interleaved rounds so that disk and cache drift hit both alike; the
    // median of the per-round ratios shrugs off the fsync outliers of a shared disk.
    let rounds = if benchmarking() { 600 } else { 5 };
    let (mut ours, mut theirs, mut ratios) = (Duration::ZERO, Duration::ZERO, Vec::with_capacity(rounds));
    for _ in 0..rounds {
        let t = Instant::now();
        offline_commit(&store, &payment, &body);
        let a = t.elapsed();
        let t = Instant::now();
        bare_commit(&mut plain, &body);
        let b = t.elapsed();
        ours += a;
        theirs += b;
        ratios.push(a.as_secs_f64() / b.as_secs_f64().max(1e-9));
    }
    ratios.sort_by(f64::total_cmp);
    let per = |d: Duration| d.as_secs_f64() * 1e6 / rounds as f64;
    eprintln!(
        "durable_commit: offline payment {:.0} µs, bare single-row commit {:.0} µs (means of {rounds} interleaved \
         rounds): ratio of means {:.2}, median ratio {:.2} (target ≤ 1.30)",
        per(ours),
        per(theirs),
        ours.as_secs_f64() / theirs.as_secs_f64().max(1e-9),
        ratios[ratios.len() / 2],
    );

    // The work around the fsync: both again with `synchronous=OFF` (separate files).
    let cpu_dir = TempDir::new("bench-commit-nosync");
    let cpu_store = Store::open(cpu_dir.join(Store::FILE_NAME), vault(cpu_dir.path()), NOW).expect("store");
    cpu_store.without_fsync_for_bench().expect("synchronous off");
    let mut cpu_plain = bare_db(cpu_dir.path());
    cpu_plain.pragma_update(None, "synchronous", "OFF").expect("synchronous off");
    let (mut ours_cpu, mut theirs_cpu) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..rounds * 5 {
        let t = Instant::now();
        offline_commit(&cpu_store, &payment, &body);
        ours_cpu += t.elapsed();
        let t = Instant::now();
        bare_commit(&mut cpu_plain, &body);
        theirs_cpu += t.elapsed();
    }
    let per5 = |d: Duration| d.as_secs_f64() * 1e6 / (rounds * 5) as f64;
    eprintln!(
        "durable_commit: without the fsync: offline payment {:.1} µs, bare single-row commit {:.1} µs",
        per5(ours_cpu),
        per5(theirs_cpu)
    );

    // What each commit writes: WAL frames (one page each) per commit, from the WAL's growth
    // over 20 commits after a truncating checkpoint. Both fsync once per commit; the pages
    // are what differ.
    let frames = |file: &Path, commit: &mut dyn FnMut()| {
        let c = Connection::open(file).expect("checkpoint connection");
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).expect("checkpoint");
        let page: i64 = c.query_row("PRAGMA page_size", [], |r| r.get(0)).expect("page size");
        for _ in 0..20 {
            commit();
        }
        let wal = std::fs::metadata(format!("{}-wal", file.display())).map(|m| m.len()).unwrap_or(0);
        wal.saturating_sub(32) as f64 / (page as f64 + 24.0) / 20.0
    };
    let ours = frames(&dir.join(Store::FILE_NAME), &mut || offline_commit(&store, &payment, &body));
    let theirs = frames(&dir.join("bare.db"), &mut || bare_commit(&mut plain, &body));
    eprintln!(
        "durable_commit: pages written per commit: offline payment {ours:.1}, bare single-row commit {theirs:.1}"
    );
}

/// Writes `rows` journal rows straight into a store's file (one transaction: the app would
/// take a year to write them), a few queued and due items among them.
fn fill(path: &Path, rows: u32) {
    let mut c = Connection::open(path).expect("fill");
    let tx = c.transaction().expect("tx");
    {
        let mut ins = tx
            .prepare(
                "INSERT INTO txn (txn_type, stan, batch, voucher, amount_minor, currency, masked_pan, card_fingerprint,
                    entry_mode, status, response_code, rrn, auth_code, host_date, host_time, local_date, created_at,
                    updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 156, '622848*********0018', ?6, '051', ?7, '00', '123456789012',
                    'A1B2C3', '0301', '100000', '0301', ?8, ?8)",
            )
            .expect("insert");
        for i in 0..rows {
            let offline = i % 10 == 0;
            ins.execute(params![
                if offline { "offline_sale" } else { "sale" },
                i % 999_999 + 1,
                1 + i / 999_999,
                i % 999_999 + 1,
                100 + i % 5000,
                format!("{:064x}", i % 300),
                "approved",
                NOW,
            ])
            .expect("row");
        }
    }
    tx.execute_batch(
        "INSERT INTO offline_queue (txn_id, state, sealed, stored_unix, updated_at)
            SELECT id, 'accepted', NULL, 1740794400, created_at FROM txn WHERE txn_type = 'offline_sale';
         UPDATE offline_queue SET state = 'stored', sealed = zeroblob(330) WHERE txn_id > (SELECT MAX(id) - 500 FROM txn);
         INSERT INTO reversal (txn_id, state, reason, sealed, created_at, updated_at)
            SELECT id, 'due', '98', zeroblob(200), created_at, created_at FROM txn WHERE id % 20000 = 7;",
    )
    .expect("queue and reversals");
    tx.commit().expect("commit");
    c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").expect("checkpoint");
}

fn terminal_open(dir: &Path) -> Terminal {
    let reader = Arc::new(SoftwareReader::new(
        SecretKey::from_hex(DEMO_TMK_HEX).expect("tmk"),
        DeviceSecret::from_bytes([1; 32]),
    ));
    let clock = Arc::new(ManualClock::new(Timestamp::new(1_740_794_400, CHINA_UTC_OFFSET_SECS)));
    Terminal::open(dir, TerminalConfig::demo(), vault(dir), reader, clock).expect("terminal opens")
}

fn open_100k(c: &mut Criterion) {
    let dir = TempDir::new("bench-open");
    drop(Store::open(dir.join(Store::FILE_NAME), vault(dir.path()), NOW).expect("schema"));
    let started = Instant::now();
    // Test mode (`cargo test --benches`) opens a smaller journal: the same path, once.
    let rows = if benchmarking() { JOURNAL_ROWS } else { 2_000 };
    fill(&dir.join(Store::FILE_NAME), rows);
    eprintln!("open_100k: journal of {rows} rows written in {:.1}s", started.elapsed().as_secs_f64());
    drop(terminal_open(dir.path()));
    c.bench_function("open_100k", |b| b.iter(|| black_box(terminal_open(dir.path()))));

    let rounds = if benchmarking() { 50 } else { 2 };
    let mut times: Vec<Duration> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            black_box(terminal_open(dir.path()));
            t.elapsed()
        })
        .collect();
    times.sort();
    eprintln!(
        "open_100k: median {:.2} ms, max {:.2} ms over {rounds} opens (target < 30 ms)",
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );

    // The one-time migration of a schema-1 journal of the same size (devices in the field).
    let old = TempDir::new("bench-migrate");
    let path = old.join(Store::FILE_NAME);
    std::fs::copy(dir.join(Store::FILE_NAME), &path).expect("copy");
    std::fs::copy(dir.join("vault.key"), old.join("vault.key")).expect("copy vault");
    downgrade_to_schema_1(&path);
    let t = Instant::now();
    drop(terminal_open(old.path()));
    eprintln!(
        "open_100k: first open after upgrading from schema 1 (every later migration) took {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
}

/// Takes a current database back to schema 1 (what devices in the field have): every later
/// table, index, trigger and journal column goes, the rows stay.
fn downgrade_to_schema_1(path: &Path) {
    const V1_TABLES: [&str; 6] = ["counters", "settings", "data_key", "session", "txn", "schema_version"];
    const V1_TXN_COLUMNS: usize = 28;
    let c = Connection::open(path).expect("downgrade");
    // Triggers first, each on its own: a trigger left behind names columns dropped below.
    let triggers: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("triggers");
    for t in triggers {
        c.execute_batch(&format!("DROP TRIGGER IF EXISTS \"{t}\"")).expect("drop trigger");
    }
    let objects: Vec<(String, String)> = c
        .prepare("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type = 'table'")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .expect("schema");
    for (kind, name) in objects {
        let drop = match kind.as_str() {
            "trigger" => Some("TRIGGER"),
            "index" if name != "txn_by_voucher" => Some("INDEX"),
            "table" if !V1_TABLES.contains(&name.as_str()) => Some("TABLE"),
            _ => None,
        };
        if let Some(what) = drop {
            c.execute_batch(&format!("DROP {what} IF EXISTS \"{name}\"")).expect("drop");
        }
    }
    let columns: Vec<String> = c
        .prepare("SELECT name FROM pragma_table_info('txn')")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("columns");
    for col in columns.iter().skip(V1_TXN_COLUMNS) {
        c.execute_batch(&format!("ALTER TABLE txn DROP COLUMN \"{col}\"")).expect("drop column");
    }
    c.execute("DELETE FROM schema_version WHERE version > 1", []).expect("versions");
}

/// Whether this is a real `cargo bench` run (criterion's test mode runs everything once).
fn benchmarking() -> bool {
    std::env::args().any(|a| a == "--bench")
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(5));
    targets = durable_commit, open_100k
}
criterion_main!(benches);
