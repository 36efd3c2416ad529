//! The crash harness: a terminal in a child process (`crash_child`) makes sales online and
//! offline, syncs and cancels against the simulator (ledger in a file), and is killed with
//! SIGKILL at random moments or aborted at named crash points, between sending and
//! persisting included. After each kill it is restarted to recover and sync, and the
//! journal is checked against the simulator's ledger:
//!
//! - no host row missing from the journal (every request was journaled before it was sent);
//! - no payment with two effects at the host (one row per batch and STAN, repeats included);
//! - every host approval the terminal did not confirm is reversed, every one it confirmed stands;
//! - every offline payment uploaded (accepted or declined) or still stored;
//! - each card's balance at the host is what the journal says was charged;
//! - `PRAGMA integrity_check` is ok.
//!
//! 200 iterations by default, in four lanes side by side (each its own simulator and terminal);
//! `POS_CRASH_ITERATIONS=n` for more, `POS_CRASH_SEED` to replay. The counts are printed.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pos_acquirer_sim::{FaultMode, FaultPlan, RequestClass, RowKind, SimConfig, Simulator, TxnStatus as HostStatus};
use pos_core::crypto::FileVault;
use pos_core::deck;
use pos_core::iso8583::TxnType;
use pos_core::provision::DEMO_TID;
use pos_core::store::{Store, TxnStatus, UploadState};
use pos_e2e::TempDir;
use pos_testkit::SplitMix64;

const CHILD: &str = env!("CARGO_BIN_EXE_crash_child");
const POINTS: [&str; 6] =
    ["journal_committed", "after_send", "after_persist", "offline_stored", "reversal_after_send", "advice_after_send"];
const CARDS: [&str; 4] = ["debit", "credit", "contactless", "offline"];

#[derive(Default, Debug)]
struct Counts {
    iterations: u32,
    sigkilled: u32,
    aborted: BTreeMap<String, u32>,
    finished: u32,
    ops: u32,
    faulted: u32,
    recoveries: u32,
    /// Second processes started beside a running child, and how many found it in use.
    intruders: u32,
    intruders_refused: u32,
    /// Batches settled (closed) between rounds.
    day_ends: u32,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.iterations += other.iterations;
        self.sigkilled += other.sigkilled;
        for (point, n) in &other.aborted {
            *self.aborted.entry(point.clone()).or_default() += n;
        }
        self.finished += other.finished;
        self.ops += other.ops;
        self.faulted += other.faulted;
        self.recoveries += other.recoveries;
        self.intruders += other.intruders;
        self.intruders_refused += other.intruders_refused;
        self.day_ends += other.day_ends;
    }
}

/// Lanes run side by side, each with its own simulator (ledger file, port) and terminal
/// directory: an iteration mostly waits (a child working until it is killed, a restart), so
/// four lanes on two cores take about a quarter of the time of one, with the same iterations.
const LANES: u32 = 4;
/// Rounds of a lane between day ends (settlements): about one per lane in the test
/// command's run, and batches of a busy day's size in a long one.
const DAY_END_EVERY: u32 = 40;

#[test]
fn kill_restart_recover_and_check_against_the_ledger() {
    let iterations: u32 = std::env::var("POS_CRASH_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let seed: u64 = std::env::var("POS_CRASH_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5EED_C0FF_EE00);
    let started = Instant::now();
    let lanes: Vec<Counts> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..LANES)
            .map(|lane| {
                let share = iterations / LANES + u32::from(lane < iterations % LANES);
                // Lane 0 runs on POS_CRASH_SEED itself; a lane's seed replays that lane.
                let lane_seed = seed ^ (u64::from(lane) << 40);
                scope.spawn(move || {
                    let runtime = tokio::runtime::Builder::new_multi_thread()
                        .worker_threads(1)
                        .enable_all()
                        .build()
                        .expect("runtime");
                    runtime.block_on(run_lane(lane, share, lane_seed))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    let mut counts = Counts::default();
    for lane in &lanes {
        counts.add(lane);
    }
    println!(
        "crash harness: {} iterations in {} lanes in {:.1}s: {} SIGKILLed at random, {} aborted at crash points {:?}, {} ran to the end; \
         {} operations, {} with host faults, {} recoveries, {} day ends; {} second processes ({} refused as in use)",
        counts.iterations,
        LANES,
        started.elapsed().as_secs_f64(),
        counts.sigkilled,
        counts.aborted.values().sum::<u32>(),
        counts.aborted,
        counts.finished,
        counts.ops,
        counts.faulted,
        counts.recoveries,
        counts.day_ends,
        counts.intruders,
        counts.intruders_refused,
    );
    assert_eq!(counts.iterations, iterations, "every iteration ran");
    assert!(counts.sigkilled > 0 && !counts.aborted.is_empty(), "both kinds of death happened");
    assert!(iterations < 40 || counts.intruders_refused > 0, "a second process met a live owner at least once");
    assert!(iterations < LANES * DAY_END_EVERY || counts.day_ends > 0, "batches were settled between rounds");
}

/// One lane: its own simulator and terminal, `iterations` rounds of kill, restart and check.
async fn run_lane(lane: u32, iterations: u32, seed: u64) -> Counts {
    let work = TempDir::new(&format!("crash-{lane}"));
    let ledger_file = work.join("ledger.db");
    let mut sim_config = SimConfig::demo().listening_on("127.0.0.1:0");
    sim_config.database = Some(ledger_file.to_string_lossy().into_owned());
    sim_config.monitoring.round_amounts.enabled = false;
    sim_config.monitoring.volume_spike.enabled = false;
    sim_config.limits.daily_count_per_card = 1_000_000;
    let sim = Simulator::start(sim_config).await.expect("simulator");
    let host = sim.addr().to_string();
    let ca = sim.ca_pem().expect("TLS").to_owned();
    let terminal_dir = work.join("terminal");
    std::fs::create_dir_all(&terminal_dir).unwrap();
    let dir = terminal_dir.to_string_lossy().into_owned();
    let start_funds: HashMap<&str, i64> =
        CARDS.iter().map(|c| (*c, sim.ledger().available(deck::find(c).unwrap().pan).unwrap())).collect();

    // SplitMix64: the same seed, the same run (the parent and the child each draw their own).
    let mut rng = SplitMix64::new(seed);
    let mut counts = Counts::default();
    for i in 0..iterations {
        counts.iterations += 1;
        // Some rounds with a misbehaving host, so reversals and repeats happen too.
        let fault = match rng.below(10) {
            0 | 1 => Some(FaultPlan::sometimes(FaultMode::DropResponse, 25).on(RequestClass::Financial)),
            2 => Some(FaultPlan::sometimes(FaultMode::BadMac, 25)),
            3 => Some(FaultPlan::sometimes(FaultMode::DropResponse, 40).on(RequestClass::Reversal)),
            _ => None,
        };
        match fault {
            Some(plan) => {
                sim.faults().set(DEMO_TID, plan);
                counts.faulted += 1;
            }
            None => sim.faults().clear(DEMO_TID),
        }
        let crash_at = (rng.below(100) < 45).then(|| {
            let point = POINTS[rng.below(POINTS.len() as u64) as usize];
            format!("{point}:{}", 1 + rng.below(3))
        });
        let kill_after = Duration::from_millis(20 + rng.below(400));
        let mut cmd = Command::new(CHILD);
        cmd.args(["work", &dir, &host, &(seed ^ u64::from(i)).to_string(), "300"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .env("CRASH_CHILD_CA_PEM", &ca)
            .env("RUST_LOG", "off");
        if let Some(p) = &crash_at {
            cmd.env("POS_CRASH_AT", p);
        }
        let mut child = cmd.spawn().expect("child starts");
        // Some rounds, a second process on the same data directory while the child works.
        let intruder = (rng.below(4) == 0).then(|| {
            let (dir, host, ca, wait) = (dir.clone(), host.clone(), ca.clone(), Duration::from_millis(rng.below(300)));
            std::thread::spawn(move || {
                std::thread::sleep(wait);
                Command::new(CHILD)
                    .args(["intrude", &dir, &host])
                    .env("CRASH_CHILD_CA_PEM", &ca)
                    .env("RUST_LOG", "off")
                    .output()
            })
        });
        let stdout = child.stdout.take().expect("piped");
        let lines =
            std::thread::spawn(move || BufReader::new(stdout).lines().map_while(Result::ok).collect::<Vec<_>>());
        let deadline = Instant::now() + kill_after;
        let status = loop {
            if let Some(s) = child.try_wait().expect("wait") {
                break Some(s);
            }
            if Instant::now() >= deadline && crash_at.is_none() {
                break None;
            }
            if Instant::now() >= deadline + Duration::from_secs(30) {
                break None;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        };
        let status = match status {
            Some(s) => s,
            None => {
                child.kill().expect("SIGKILL");
                counts.sigkilled += 1;
                child.wait().expect("reaped")
            }
        };
        if let Some(intruder) = intruder {
            let out = intruder.join().expect("intruder thread").expect("intruder runs");
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            assert!(
                out.status.success(),
                "lane {lane} iteration {i}: a second process got in beside the owner: {text}"
            );
            counts.intruders += 1;
            if text.contains("refused: in use") {
                counts.intruders_refused += 1;
            }
        }
        let out = lines.join().unwrap_or_default();
        counts.ops += out.iter().filter(|l| l.starts_with("op ")).count() as u32;
        if out.iter().any(|l| l == "done") && status.success() {
            counts.finished += 1;
        } else if let Some(p) = crash_at.as_ref().filter(|_| !status.success() && status.code().is_none()) {
            if !out.iter().any(|l| l == "done") {
                *counts.aborted.entry(p.split(':').next().unwrap_or("").to_string()).or_default() += 1;
            }
        }
        assert!(
            status.success() || status.code().is_none(),
            "lane {lane} iteration {i}: the child failed on its own ({status:?}): {out:?}"
        );

        // Restart: recover and sync everything, on a well-behaved host; every DAY_END_EVERY
        // rounds, the merchant's day end too (a new batch, as a day's trade would have).
        sim.faults().clear(DEMO_TID);
        let day_end = i % DAY_END_EVERY == DAY_END_EVERY - 1;
        let mut args = vec!["settle", &dir, &host];
        if day_end {
            args.push("close");
            counts.day_ends += 1;
        }
        let settle = Command::new(CHILD)
            .args(&args)
            .env("CRASH_CHILD_CA_PEM", &ca)
            .env("RUST_LOG", "off")
            .output()
            .expect("settle");
        assert!(
            settle.status.success(),
            "lane {lane} iteration {i}: not settled: {}",
            String::from_utf8_lossy(&settle.stdout)
        );
        counts.recoveries += 1;
        sim.ledger().check_invariants().unwrap_or_else(|e| panic!("lane {lane} iteration {i}: ledger invariants: {e}"));
        if i % 25 == 24 || day_end || i + 1 == iterations {
            check(&terminal_dir, &sim, &start_funds, lane, i);
        }
        if i % 500 == 499 {
            // Progress of a long run (`POS_SOAK=crash scripts/soak.sh` shows these lines).
            println!("crash harness, lane {lane}: {} iterations, {} day ends", i + 1, counts.day_ends);
        }
    }
    let journal = journal_summary(&terminal_dir);
    println!("crash harness, lane {lane} (seed {seed:#x}): journal {journal}");
    counts
}

/// The journal against the ledger, after a settle.
fn check(
    dir: &std::path::Path,
    sim: &pos_acquirer_sim::SimHandle,
    start_funds: &HashMap<&str, i64>,
    lane: u32,
    i: u32,
) {
    let store = open_store(dir);
    store.integrity_check().unwrap_or_else(|e| panic!("lane {lane} iteration {i}: integrity: {e}"));
    let journal = store.recent_txns(u32::MAX).unwrap();
    let queue: HashMap<_, _> = store.offline_queue(false).unwrap().into_iter().map(|e| (e.txn.id, e.state)).collect();
    let host = sim.ledger().transactions_for(DEMO_TID).unwrap();
    let mut requests: HashMap<(u32, u32), &pos_acquirer_sim::TxnRow> = HashMap::new();
    let mut reversals: HashMap<(u32, u32), u32> = HashMap::new();
    for row in &host {
        let key = (row.batch, row.stan);
        if row.kind.is_reversal() {
            *reversals.entry(key).or_default() += 1;
        } else {
            assert!(
                requests.insert(key, row).is_none(),
                "lane {lane} iteration {i}: two host rows for batch/STAN {key:?}"
            );
        }
    }
    assert!(reversals.values().all(|n| *n == 1), "lane {lane} iteration {i}: a reversal with two rows: {reversals:?}");
    let by_key: HashMap<(u32, u32), &pos_core::store::TxnRecord> =
        journal.iter().map(|t| ((t.numbers.batch.value(), t.numbers.stan.value()), t)).collect();
    for (key, row) in &requests {
        let t = by_key
            .get(key)
            .unwrap_or_else(|| panic!("lane {lane} iteration {i}: host row {row:?} missing from the journal"));
        assert_eq!(RowKind::Txn(t.txn_type), row.kind, "lane {lane} iteration {i}: {key:?}");
        assert_eq!(t.amount.map(|a| a.minor()), Some(row.amount), "lane {lane} iteration {i}: {key:?}");
    }
    let mut charged: HashMap<String, i64> = HashMap::new();
    for t in &journal {
        assert_ne!(t.status, TxnStatus::Pending, "lane {lane} iteration {i}: pending after recovery: {t:?}");
        // `94`: the host saw this batch and STAN before with other content, i.e. a STAN reused.
        assert_ne!(t.response_code.map(|c| c.to_string()).as_deref(), Some("94"), "lane {lane} iteration {i}: {t:?}");
        let key = (t.numbers.batch.value(), t.numbers.stan.value());
        let host_row = requests.get(&key);
        let amount = t.amount.map(|a| a.minor() as i64).unwrap_or(0);
        let pan = t.masked_pan.as_ref().map(|p| p.as_str().to_string()).unwrap_or_default();
        if t.txn_type == TxnType::OfflineSale {
            match queue.get(&t.id) {
                Some(UploadState::Accepted) => {
                    assert_eq!(
                        host_row.map(|r| r.status),
                        Some(HostStatus::Approved),
                        "lane {lane} iteration {i}: accepted {t:?}"
                    );
                    *charged.entry(pan).or_default() += amount;
                }
                Some(UploadState::Declined) => {
                    assert_eq!(
                        host_row.map(|r| r.status),
                        Some(HostStatus::Declined),
                        "lane {lane} iteration {i}: {t:?}"
                    )
                }
                other => {
                    panic!("lane {lane} iteration {i}: offline payment not uploaded after settle: {other:?} {t:?}")
                }
            }
            continue;
        }
        let confirmed = t.status == TxnStatus::Approved && t.reversed_at.is_none();
        let status = host_row.map(|r| r.status);
        if confirmed {
            assert_eq!(
                status,
                Some(HostStatus::Approved),
                "lane {lane} iteration {i}: confirmed approval not in force: {t:?}"
            );
            *charged.entry(pan).or_default() += amount;
        } else {
            assert_ne!(
                status,
                Some(HostStatus::Approved),
                "lane {lane} iteration {i}: unconfirmed approval not reversed: {t:?}"
            );
        }
    }
    for card in CARDS {
        let pan = deck::find(card).unwrap().pan;
        let masked = pos_core::mask_pan_digits(pan);
        let expected = start_funds[card] - charged.get(&masked).copied().unwrap_or(0);
        assert_eq!(
            sim.ledger().available(pan).unwrap(),
            expected,
            "lane {lane} iteration {i}: {card} balance against the journal"
        );
    }
}

fn open_store(dir: &std::path::Path) -> Store {
    let vault = Arc::new(FileVault::open_or_create(dir.join("vault.key")).expect("vault"));
    Store::open(dir.join(Store::FILE_NAME), vault, "check").expect("store opens")
}

fn journal_summary(dir: &std::path::Path) -> String {
    let store = open_store(dir);
    let journal = store.recent_txns(u32::MAX).unwrap();
    let count = |f: &dyn Fn(&pos_core::store::TxnRecord) -> bool| journal.iter().filter(|t| f(t)).count();
    let queue = store.offline_queue(false).unwrap();
    format!(
        "{} rows: {} online approved, {} reversed, {} failed, {} declined; {} offline ({} accepted, {} declined)",
        journal.len(),
        count(&|t| t.txn_type != TxnType::OfflineSale && t.status == TxnStatus::Approved && t.reversed_at.is_none()),
        count(&|t| t.reversed_at.is_some()),
        count(&|t| t.status == TxnStatus::Failed),
        count(&|t| t.txn_type != TxnType::OfflineSale && t.status == TxnStatus::Declined),
        queue.len(),
        queue.iter().filter(|e| e.state == UploadState::Accepted).count(),
        queue.iter().filter(|e| e.state == UploadState::Declined).count(),
    )
}
