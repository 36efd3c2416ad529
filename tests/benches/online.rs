//! Online sales through one in-process acquirer simulator on loopback, its ledger a SQLite
//! file in WAL mode (as deployed), each terminal with its own data directory and reader.
//!
//! (a) `sale_latency`: one signed-in terminal, one `sale` per iteration with the card
//!     presented. Besides criterion's statistics, a separate timed pass prints p50, p99 and
//!     the mean in microseconds to stderr (target: p99 under 3 ms).
//! (b) `sale_throughput/{1,8,64}`: that many signed-in terminals selling at once; one
//!     iteration is one sale on every terminal, so criterion's element rate is sales per
//!     second, also printed to stderr.
//!
//! The simulator counts a card's approved sales of the day on every sale (the `65` limit,
//! raised out of the way here but still counted), so a sale costs more as the card's history
//! grows: the latency pass prints the history it ran over, and each fleet gets a fresh host.
//!
//! Run with `cargo bench -p pos-e2e --bench online`. Under `cargo test --benches` the
//! separate latency pass is cut to a smoke run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput};
use pos_acquirer_sim::{SimConfig, SimHandle, Simulator};
use pos_core::iso8583::TerminalId;
use pos_core::provision::{demo_tid, DEMO_TID};
use pos_core::Amount;
use pos_e2e::{cny, Station, TempDir};
use tokio::runtime::Runtime;

/// A sale's amount: not a round sum, so the round-amount monitoring rule stays quiet.
const SALE_FEN: u64 = 12_34;
/// Sales timed one by one for the percentiles.
const LATENCY_SAMPLES: usize = 3_000;
/// Sales before the timed pass (connection, page cache, SQLite statement cache).
const LATENCY_WARM_UP: usize = 200;
/// Terminals selling at once in the throughput benchmark.
const FLEETS: [usize; 3] = [1, 8, 64];
/// The cards the terminals present, in turn: both chip with online PIN, both funded without limit.
const CARDS: [&str; 2] = ["debit", "credit"];

/// The simulator, its database directory and the runtime everything runs on.
struct Host {
    rt: Runtime,
    sim: SimHandle,
    _db: TempDir,
}

impl Host {
    /// A multi-thread runtime (one worker per core) and a simulator with `fleet` extra terminals.
    fn start(fleet: u32) -> Host {
        let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
        let db = TempDir::new("bench-ledger");
        let config = bench_config(&db, fleet);
        let sim = rt.block_on(Simulator::start(config)).expect("simulator starts");
        Host { rt, sim, _db: db }
    }

    /// A signed-in terminal `tid` with `card` presented.
    fn station(&self, tid: &str, card: &str) -> Arc<Station> {
        let mut config = pos_e2e::terminal_config(&self.sim);
        // Over TCP and TLS on loopback, not the simulator's in-memory link.
        config.dialer = pos_core::Dialer::tcp();
        // Pays with the same few cards many times a day; the default risk policy would ask for
        // confirmations (the risk engine has its own tests: tests/e2e/risk.rs, core risk::tests).
        config.risk_policy = None;
        config.tid = TerminalId::new(tid).expect("TID");
        // Generous: a timeout under load would abort the run, not measure anything.
        config.response_timeout = Duration::from_secs(30);
        let station = Station::new(config, "bench");
        station.reader.present(card).expect("deck card");
        let signed = self.rt.block_on(station.terminal.sign_in()).expect("sign-in exchange");
        assert!(signed.approved, "{tid}: sign-in declined: {signed:?}");
        Arc::new(station)
    }
}

/// The demo host with a file-backed ledger (WAL), no per-card daily count limit and the
/// benchmark's cards funded for any run length.
fn bench_config(db: &TempDir, fleet: u32) -> SimConfig {
    let mut c = SimConfig::demo_fleet(fleet).listening_on("127.0.0.1:0");
    c.database = Some(db.join("ledger.sqlite").display().to_string());
    c.limits.daily_count_per_card = u32::MAX;
    pos_e2e::fund_without_limit(&mut c, &CARDS);
    c
}

fn amount() -> Amount {
    cny(SALE_FEN)
}

/// One sale, which must be approved: a decline would be fast and skew the figures.
async fn sell(station: &Station) {
    let o = station.terminal.sale(amount()).await.expect("sale exchange");
    assert!(o.approved, "sale declined {}: {o:?}", o.response_code.as_str());
}

/// Whether this is a real `cargo bench` run (criterion's test mode runs everything once).
fn benchmarking() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// The value at quantile `q` of sorted `durations`, nearest rank.
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Times `n` sales one by one and prints p50, p99, mean and max in microseconds; `before`
/// is how many sales the card already made today (the host's daily count grows with it).
fn latency_pass(host: &Host, station: &Station, n: usize, before: usize) {
    let mut durations: Vec<Duration> = host.rt.block_on(async {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let start = Instant::now();
            sell(station).await;
            out.push(start.elapsed());
        }
        out
    });
    durations.sort_unstable();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let mean = durations.iter().sum::<Duration>() / n as u32;
    eprintln!(
        "sale_latency over {n} sales (card history {before}..{}): p50 {:.0} us, p99 {:.0} us, mean {:.0} us, \
         max {:.0} us (target p99 < 3000 us)",
        before + n,
        us(quantile(&durations, 0.50)),
        us(quantile(&durations, 0.99)),
        us(mean),
        us(durations[n - 1]),
    );
}

/// (a) One terminal, one sale per iteration.
fn sale_latency(c: &mut Criterion) {
    let host = Host::start(0);
    let station = host.station(DEMO_TID, CARDS[0]);
    host.rt.block_on(async {
        for _ in 0..LATENCY_WARM_UP {
            sell(&station).await;
        }
    });
    latency_pass(&host, &station, if benchmarking() { LATENCY_SAMPLES } else { 20 }, LATENCY_WARM_UP);
    let mut group = c.benchmark_group("online");
    group.sample_size(50).warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(1));
    group.bench_function("sale_latency", |b| {
        b.iter_custom(|iters| {
            host.rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    sell(&station).await;
                }
                start.elapsed()
            })
        })
    });
    group.finish();
    host.sim.ledger().check_invariants().expect("ledger invariants");
}

/// `rounds` sales on each of `stations`, all at once; the wall time it took.
fn concurrent_rounds(host: &Host, stations: &[Arc<Station>], rounds: u64) -> Duration {
    host.rt.block_on(async {
        let start = Instant::now();
        let tasks: Vec<_> = stations
            .iter()
            .cloned()
            .map(|s| {
                tokio::spawn(async move {
                    for _ in 0..rounds {
                        sell(&s).await;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("terminal task");
        }
        start.elapsed()
    })
}

/// (b) 1, 8 and 64 terminals selling at once, each fleet against a fresh simulator: the
/// host's per-card daily count costs more as a card's history grows, and a fleet measured
/// after another would pay for the sales of the one before.
fn sale_throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("online/sale_throughput");
    // Each iteration is a round of sales on every terminal: few, long iterations.
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    group.warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(8));
    for n in FLEETS {
        let host = Host::start(n as u32);
        let fleet: Vec<Arc<Station>> =
            (1..=n).map(|i| host.station(&demo_tid(i as u32), CARDS[i % CARDS.len()])).collect();
        group.throughput(Throughput::Elements(n as u64));
        let (mut sales, mut wall) = (0u64, Duration::ZERO);
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter_custom(|rounds| {
                let took = concurrent_rounds(&host, &fleet, rounds);
                sales += rounds * n as u64;
                wall += took;
                took
            })
        });
        // Warm-up rounds included: every sale the fleet made, over the wall time it took.
        eprintln!(
            "sale_throughput with {n} terminals: the host made {} commits for {sales} sales (group commit)",
            host.sim.ledger().commits()
        );
        if sales > 0 {
            let rate = sales as f64 / wall.as_secs_f64();
            eprintln!(
                "sale_throughput with {n} terminals: {sales} sales in {:.2} s = {rate:.0} sales/s",
                wall.as_secs_f64()
            );
        }
        host.sim.ledger().check_invariants().expect("ledger invariants");
    }
    group.finish();
}

criterion_group!(benches, sale_latency, sale_throughput);
criterion_main!(benches);
