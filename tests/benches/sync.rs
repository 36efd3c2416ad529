//! Draining stored payments to the simulator on loopback: 10,000 payments approved offline
//! (sealed in the queue), then one `sync` uploads them all as 0220 advices, each group of
//! answers recorded in one commit. Criterion's element rate is payments per second; the
//! figures are printed to stderr too (target: at least 5,000 per second).
//!
//! - `drain_10k/window_1`: the default, one advice in flight (the host's order is the stored order);
//! - `drain_10k/window_16`: sixteen in flight on the one connection.
//!
//! Every drain starts from a copy of the same stored queue and of the host's ledger as it was
//! when they were stored (a SQLite file in WAL mode, as deployed, holding the session: the
//! stored tracks are encrypted under that sign-in's TDK), with a fresh simulator on it.
//! `cargo bench -p pos-e2e --bench sync`; under `cargo test --benches` a 300-payment queue is drained once.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput};
use pos_acquirer_sim::{SimConfig, SimHandle, Simulator};
use pos_core::card::DeviceSecret;
use pos_core::crypto::{FileVault, SecretKey};
use pos_core::provision::DEMO_TMK_HEX;
use pos_core::terminal::{SystemClock, Terminal};
use pos_core::OfflinePreference;
use pos_core::SoftwareReader;
use pos_core::{Amount, MAX_MINOR};
use pos_e2e::{cny, TempDir};
use tokio::runtime::Runtime;

const CARDS: [&str; 2] = ["contactless", "offline"];

fn payments() -> u32 {
    if benchmarking() {
        10_000
    } else {
        300
    }
}

/// Whether this is a real `cargo bench` run (criterion's test mode runs everything once).
fn benchmarking() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn sim_config(db: &Path) -> SimConfig {
    let mut c = SimConfig::demo().listening_on("127.0.0.1:0");
    c.database = Some(db.join("ledger.sqlite").display().to_string());
    c.limits.daily_count_per_card = u32::MAX;
    c.monitoring.round_amounts.enabled = false;
    c.monitoring.volume_spike.enabled = false;
    pos_e2e::fund_without_limit(&mut c, &CARDS);
    c
}

fn open(dir: &Path, sim: &SimHandle, window: u32, reader: Arc<SoftwareReader>) -> Terminal {
    let mut config = pos_e2e::terminal_config(sim);
    // Over TCP and TLS on loopback, not the simulator's in-memory link.
    config.dialer = pos_core::Dialer::tcp();
    // Pays with the same few cards many times a day; the default risk policy would ask for
    // confirmations (the risk engine has its own tests: tests/e2e/risk.rs, core risk::tests).
    config.risk_policy = None;
    config.response_timeout = Duration::from_secs(30);
    config.offline.count = u32::MAX;
    config.offline.per_card_per_day = u32::MAX;
    config.offline.total = Amount::from_minor(MAX_MINOR, config.currency).expect("max");
    config.sync.window = window;
    config.sync.group = 64;
    let vault = Arc::new(FileVault::open_or_create(dir.join("vault.key")).expect("vault"));
    Terminal::open(dir, config, vault, reader, Arc::new(SystemClock::default())).expect("terminal opens")
}

fn reader() -> Arc<SoftwareReader> {
    Arc::new(SoftwareReader::new(SecretKey::from_hex(DEMO_TMK_HEX).expect("TMK"), DeviceSecret::from_bytes([9; 32])))
}

/// The stored queue and the host's ledger every drain starts from.
struct Template {
    dir: TempDir,
    ledger: TempDir,
}

impl Template {
    fn build(rt: &Runtime, n: u32) -> Template {
        let dir = TempDir::new("drain-template");
        let db = TempDir::new("drain-template-ledger");
        let sim = rt.block_on(Simulator::start(sim_config(db.path()))).expect("simulator");
        let reader = reader();
        let t = open(dir.path(), &sim, 1, reader.clone());
        let started = Instant::now();
        rt.block_on(async {
            assert!(t.sign_in().await.expect("sign-in").approved);
            for i in 0..n {
                reader.present(CARDS[i as usize % 2]).expect("card");
                let o = t.sale_with(cny(100 + u64::from(i % 900)), OfflinePreference::ForceOffline).await;
                assert!(o.expect("stored").approved);
            }
        });
        eprintln!("drain: {n} payments stored offline in {:.1}s", started.elapsed().as_secs_f64());
        drop(t);
        rt.block_on(sim.shutdown());
        Template { dir, ledger: db }
    }

    /// Fresh copies of the terminal's directory and of the ledger's.
    fn copy(&self) -> (TempDir, TempDir) {
        let copy_dir = |from: &Path, tag: &str| {
            let to = TempDir::new(tag);
            for e in std::fs::read_dir(from).expect("read dir").flatten() {
                std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
            }
            to
        };
        (copy_dir(self.dir.path(), "drain"), copy_dir(self.ledger.path(), "drain-ledger"))
    }
}

/// One drain from a fresh copy against a fresh host: returns the time `sync` took.
fn drain(rt: &Runtime, template: &Template, window: u32, n: u32) -> Duration {
    let (dir, db) = template.copy();
    let sim: SimHandle = rt.block_on(Simulator::start(sim_config(db.path()))).expect("simulator");
    let t = open(dir.path(), &sim, window, reader());
    rt.block_on(async {
        let started = Instant::now();
        let report = t.sync().await.expect("sync");
        let took = started.elapsed();
        assert_eq!((report.accepted, report.left), (n, 0), "{report:?}");
        took
    })
}

fn drain_10k(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let n = payments();
    let template = Template::build(&rt, n);
    let mut g = c.benchmark_group("drain_10k");
    g.sampling_mode(SamplingMode::Flat).sample_size(10).warm_up_time(Duration::from_millis(1));
    g.throughput(Throughput::Elements(u64::from(n)));
    for window in [1u32, 16] {
        let mut rates = Vec::new();
        g.bench_with_input(BenchmarkId::new("window", window), &window, |b, &w| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let took = drain(&rt, &template, w, n);
                    rates.push(f64::from(n) / took.as_secs_f64());
                    total += took;
                }
                total
            })
        });
        rates.sort_by(f64::total_cmp);
        if let (Some(lo), Some(hi)) = (rates.first(), rates.last()) {
            eprintln!(
                "drain: window {window}: median {:.0} payments/s (min {lo:.0}, max {hi:.0}) over {} drains of {n} (target ≥ 5,000/s)",
                rates[rates.len() / 2],
                rates.len()
            );
        }
    }
    g.finish();
}

criterion_group!(benches, drain_10k);
criterion_main!(benches);
