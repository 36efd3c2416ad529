//! Deterministic simulation: several terminals and the acquirer simulator in one process, on
//! tokio's paused clock, over in-memory links behind a simulated network. Per seed, a random
//! day of every transaction type, online and offline, with faults of every class:
//!
//! - partitions (a terminal's network down: dials fail, open links break) and connection resets;
//! - answers held past the terminal's timeout and then delivered, answers lost, answers sent
//!   twice, answers with a bad MAC, requests cut before the host decides;
//! - the acquirer crashing and restarting on its ledger file;
//! - a terminal crashing (memory lost, database kept) between operations or in the middle of one
//!   (the operation's future dropped at a random simulated instant) and restarting;
//! - the terminal's clock stepped forward and back.
//!
//! The operations: sales online and offline, voids, partial refunds, pre-auths, completions and
//! their cancels, balance inquiries, transfers and syncs.
//!
//! Then the network heals, each terminal syncs and settles, and the invariants are checked
//! against the acquirer's ledger (see [`check`]). A failing seed prints itself; `POS_DST_SEED=n`
//! replays it, identically: the trace of every operation and the final books are compared
//! between two runs of the same seed. 300 seeds by default (`POS_DST_SEEDS=n` for more;
//! `scripts/soak.sh` runs 10,000). The data directories are on tmpfs when there is one: the
//! durability of a write is the power-loss harness's subject, not this one's.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use async_trait::async_trait;
use pos_acquirer_sim::{FaultMode, FaultPlan, RequestClass, SimConfig, SimHandle, Simulator, TxnStatus as HostStatus};
use pos_core::card::DeviceSecret;
use pos_core::crypto::{FileVault, SecretKey};
use pos_core::iso8583::{Stan, TerminalId, TxnType};
use pos_core::provision::{demo_tid, DEMO_TMK_HEX};
use pos_core::store::{Store, TxnStatus, UploadState};
use pos_core::terminal::TxnOutcome;
use pos_core::terminal::{ManualClock, OriginalRef, Terminal, TerminalConfig, Timestamp, CHINA_UTC_OFFSET_SECS};
use pos_core::{AcquirerStream, ConnectFailure, Dial, Dialer, Error, OfflinePreference, SoftwareReader, VoucherNo};
use pos_e2e::{cny, TempDir};
use pos_testkit::SplitMix64;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Terminals per simulated day.
const TERMINALS: u32 = 2;
/// Operations per simulated day, over all terminals.
const OPS: u32 = 36;
/// Cards the days pay with (chip, contactless and an offline-capable card).
const CARDS: [&str; 4] = ["debit", "credit", "contactless", "offline"];
/// The account transfers pay into (the CLI's example payee).
const PAYEE: &str = "6217000012345678901";
/// Sync rounds allowed at the end of a day before a leftover counts as lost.
const HEAL_ROUNDS: u32 = 12;
/// Where the simulated days keep their files: tmpfs, where there is one.
const TMPFS: &str = "/dev/shm";
/// 2026-03-02 09:00 Beijing time: the day starts here on both clocks.
const START_UNIX: i64 = 1_772_413_200;

/// What a run covered, summed over seeds.
#[derive(Default, Debug)]
struct Counts {
    seeds: u32,
    ops: u32,
    approved: u32,
    faults: BTreeMap<&'static str, u32>,
    simulated_secs: u64,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.seeds += o.seeds;
        self.ops += o.ops;
        self.approved += o.approved;
        for (k, v) in &o.faults {
            *self.faults.entry(k).or_default() += v;
        }
        self.simulated_secs += o.simulated_secs;
    }
}

#[test]
fn simulated_days_with_faults_keep_every_payment_promise() {
    let seeds: Vec<u64> = match std::env::var("POS_DST_SEED").ok().and_then(|v| v.parse().ok()) {
        Some(one) => vec![one],
        None => {
            let n: u64 = std::env::var("POS_DST_SEEDS").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
            (1..=n).collect()
        }
    };
    // A day is mostly CPU (no fsync on tmpfs): two lanes for two cores.
    let lanes = 2.min(seeds.len()).max(1);
    let started = std::time::Instant::now();
    let results: Vec<Counts> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..lanes)
            .map(|lane| {
                let mine: Vec<u64> = seeds.iter().copied().skip(lane).step_by(lanes).collect();
                scope.spawn(move || {
                    let mut counts = Counts::default();
                    for seed in mine {
                        let day = run_day(seed).unwrap_or_else(|e| {
                            panic!("simulated day failed, seed {seed} (replay: POS_DST_SEED={seed}): {e}")
                        });
                        counts.add(&day.counts);
                    }
                    counts
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a lane panicked")).collect()
    });
    let mut total = Counts::default();
    for c in &results {
        total.add(c);
    }
    // The same seed twice: the same operations, outcomes and books.
    let first = seeds[0];
    let (a, b) = (run_day(first).expect("replay"), run_day(first).expect("replay"));
    if std::env::var_os("POS_DST_TRACE").is_some() {
        eprintln!("{}", a.trace);
    }
    assert_eq!(a.trace, b.trace, "seed {first} did not replay identically");
    eprintln!(
        "dst: {} seeds, {} operations ({} approved), {:.1} simulated hours, faults {:?}, 0 violations, replay identical; {:?}",
        total.seeds,
        total.ops,
        total.approved,
        total.simulated_secs as f64 / 3600.0,
        total.faults,
        started.elapsed()
    );
    assert_eq!(total.seeds as usize, seeds.len());
}

/// One simulated day's outcome: what it did and its full trace (for the replay check).
struct Day {
    counts: Counts,
    trace: String,
}

/// Runs the day of `seed` on its own paused runtime.
fn run_day(seed: u64) -> Result<Day, String> {
    run_day_with(seed, None)
}

/// Damage done to a finished day's books before the checks, to show each check can fail.
#[derive(Debug, Clone, Copy)]
enum Sabotage {
    /// The host books a confirmed sale a second time.
    DoubleBooking,
    /// The host's row of a confirmed sale reads reversed.
    ApprovalUndone,
    /// The terminal's journal loses a payment the host booked.
    JournalRowLost,
}

/// As [`run_day`], with the books damaged by `sabotage` before the checks.
fn run_day_with(seed: u64, sabotage: Option<Sabotage>) -> Result<Day, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(day(seed, sabotage))
}

#[test]
fn the_checks_catch_damaged_books() {
    for (sabotage, expect) in [
        (Sabotage::DoubleBooking, "two host rows"),
        (Sabotage::ApprovalUndone, "confirmed=true, the host in force=false"),
        (Sabotage::JournalRowLost, "missing from the journal"),
    ] {
        let e = match run_day_with(1, Some(sabotage)) {
            Ok(_) => panic!("{sabotage:?} went unnoticed"),
            Err(e) => e,
        };
        assert!(e.contains(expect), "{sabotage:?}: {}", e.lines().next().unwrap_or_default());
    }
}

/// Applies `sabotage` to the first terminal's books (its first confirmed online sale).
fn damage(sabotage: Sabotage, s: &Station, host_db: &Path) -> Result<(), String> {
    let vault = Arc::new(FileVault::open_or_create(s.dir.join("vault.key")).map_err(|e| e.to_string())?);
    let store = Store::open(s.dir.join(Store::FILE_NAME), vault, "damage").map_err(|e| e.to_string())?;
    let sale = store
        .recent_txns(u32::MAX)
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|t| t.txn_type == TxnType::Sale && t.status == TxnStatus::Approved && t.reversed_at.is_none())
        .ok_or("no confirmed sale to damage")?;
    drop(store);
    let (batch, stan) = (sale.numbers.batch.value(), sale.numbers.stan.value());
    let sql = |db: &Path, q: &str| -> Result<usize, String> {
        let c = rusqlite::Connection::open(db).map_err(|e| e.to_string())?;
        c.execute(q, rusqlite::params![s.tid, batch, stan]).map_err(|e| e.to_string())
    };
    let changed = match sabotage {
        Sabotage::DoubleBooking => sql(
            host_db,
            "INSERT INTO txns (kind, tid, mid, batch, stan, pan, amount, rc, status, created_ms, local_date)
             SELECT kind, tid, mid, batch, stan, pan, amount, rc, status, created_ms, local_date FROM txns
             WHERE tid = ?1 AND batch = ?2 AND stan = ?3 AND kind = 'sale'",
        )?,
        Sabotage::ApprovalUndone => sql(
            host_db,
            "UPDATE txns SET status = 'reversed' WHERE tid = ?1 AND batch = ?2 AND stan = ?3 AND kind = 'sale'",
        )?,
        Sabotage::JournalRowLost => {
            let c = rusqlite::Connection::open(s.dir.join(Store::FILE_NAME)).map_err(|e| e.to_string())?;
            c.execute("DELETE FROM txn WHERE batch = ?1 AND stan = ?2", rusqlite::params![batch, stan])
                .map_err(|e| e.to_string())?
        }
    };
    if changed != 1 {
        return Err(format!("{sabotage:?} changed {changed} rows"));
    }
    Ok(())
}

/// The simulated network between one terminal and the acquirer: the acquirer can be swapped
/// (a restart), the link partitioned or its open connections reset.
struct Net {
    /// The acquirer's link and address; none while it is down (its ledger's lock must go with it).
    acquirer: Mutex<Option<(Arc<dyn Dial>, String)>>,
    down: AtomicBool,
    /// Bumped by a reset or a partition: links of an older generation fail.
    generation: Arc<AtomicU64>,
}

#[async_trait]
impl Dial for Net {
    async fn dial(&self, _host: &str) -> Result<Box<dyn AcquirerStream>, ConnectFailure> {
        if self.down.load(Ordering::SeqCst) {
            return Err(ConnectFailure::Unreachable);
        }
        let (dial, addr) = {
            let a = self.acquirer.lock().map_err(|_| ConnectFailure::Unreachable)?;
            let Some((dial, addr)) = a.as_ref() else { return Err(ConnectFailure::Refused) };
            (dial.clone(), addr.clone())
        };
        let inner = dial.dial(&addr).await?;
        let generation = self.generation.load(Ordering::SeqCst);
        Ok(Box::new(Link { inner, generation, current: self.generation.clone() }))
    }
}

impl Net {
    fn reset(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}

/// A link that breaks once its network is reset or partitioned.
struct Link {
    inner: Box<dyn AcquirerStream>,
    generation: u64,
    current: Arc<AtomicU64>,
}

impl Link {
    fn broken(&self) -> bool {
        self.current.load(Ordering::SeqCst) != self.generation
    }
}

fn reset_error() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionReset, "simulated network reset")
}

impl AsyncRead for Link {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if self.broken() {
            return Poll::Ready(Err(reset_error()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Link {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.broken() {
            return Poll::Ready(Err(reset_error()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// One terminal of the day: its files outlive its crashes.
struct Station {
    tid: String,
    dir: TempDir,
    config: TerminalConfig,
    reader: Arc<SoftwareReader>,
    clock: Arc<ManualClock>,
    net: Arc<Net>,
    terminal: Option<Terminal>,
}

impl Station {
    fn open(&mut self) -> Result<(), String> {
        let vault = Arc::new(FileVault::open_or_create(self.dir.join("vault.key")).map_err(|e| e.to_string())?);
        // Retried while a child process of another test in this binary briefly holds the lock.
        let t = pos_e2e::open_retrying(|| {
            Terminal::open(self.dir.path(), self.config.clone(), vault.clone(), self.reader.clone(), self.clock.clone())
        })
        .map_err(|e| format!("{} reopens: {e}", self.tid))?;
        self.terminal = Some(t);
        Ok(())
    }

    fn terminal(&self) -> &Terminal {
        self.terminal.as_ref().expect("open")
    }
}

fn sim_config(db: &Path, seed: u64) -> SimConfig {
    let mut c = SimConfig::demo_fleet(TERMINALS).plain().listening_on("127.0.0.1:0");
    c.monitoring.round_amounts.enabled = false;
    c.monitoring.volume_spike.enabled = false;
    c.limits.daily_count_per_card = 10_000;
    c.database = Some(db.display().to_string());
    c.seed = seed;
    c
}

async fn start_sim(db: &Path, seed: u64, now_ms: i64) -> Result<SimHandle, String> {
    // Retried for a bounded real time while a child process of another test in this binary
    // briefly holds the ledger's lock (between its fork and exec), as `open_retrying` does.
    let mut tries = 0;
    let sim = loop {
        match Simulator::start(sim_config(db, seed)).await {
            Err(e) if tries < 200 && e.to_string().contains(&format!("process {}", std::process::id())) => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(50));
            }
            other => break other.map_err(|e| format!("simulator: {e}"))?,
        }
    };
    sim.clock().pin(now_ms);
    Ok(sim)
}

/// Runs `fut` for at most `polls` polls: `None` when it was dropped (the terminal "crashed")
/// before it finished. Deterministic on the paused current-thread runtime.
async fn crash_after_polls<F: std::future::Future>(fut: F, polls: u32) -> Option<F::Output> {
    let mut fut = std::pin::pin!(fut);
    let mut left = polls;
    std::future::poll_fn(move |cx| {
        if left == 0 {
            return Poll::Ready(None);
        }
        left -= 1;
        fut.as_mut().poll(cx).map(Some)
    })
    .await
}

/// What one operation did, for the trace.
fn outcome(r: &Result<Option<TxnOutcome>, Error>) -> String {
    match r {
        Ok(None) => "synced".to_owned(),
        Ok(Some(o)) => {
            format!("{:?} {} stan {} {:?}", o.txn, o.response_code, o.stan.value(), o.amount.map(|a| a.minor()))
        }
        Err(e) => format!("error {:?}: {}", e.code(), pos_core::Bilingual::en(e)),
    }
}

/// A simulated day of `seed`.
async fn day(seed: u64, sabotage: Option<Sabotage>) -> Result<Day, String> {
    let mut rng = SplitMix64::new(seed);
    let mut counts = Counts { seeds: 1, ..Counts::default() };
    let mut trace = String::new();
    let host_dir = TempDir::new_in("dst-host", Path::new(TMPFS));
    let db = host_dir.join("ledger.db");
    let mut now_ms = START_UNIX * 1000;
    let mut sim = start_sim(&db, seed, now_ms).await?;
    let mut stations = Vec::new();
    for i in 1..=TERMINALS {
        let tid = demo_tid(i);
        let net = Arc::new(Net {
            acquirer: Mutex::new(Some((sim.memory_dial(), sim.addr().to_string()))),
            down: AtomicBool::new(false),
            generation: Arc::default(),
        });
        let mut config = TerminalConfig::demo_at_plain(sim.addr().to_string());
        config.tid = TerminalId::new(&tid).map_err(|e| e.to_string())?;
        config.dialer = Dialer::custom(net.clone());
        // The same few cards all day: the risk engine has its own tests.
        config.risk_policy = None;
        config.offline.per_card_per_day = 1_000;
        let reader = Arc::new(SoftwareReader::new(
            SecretKey::from_hex(DEMO_TMK_HEX).map_err(|e| e.to_string())?,
            DeviceSecret::from_bytes([0x40 + i as u8; 32]),
        ));
        let clock = Arc::new(ManualClock::new(Timestamp::new(START_UNIX, CHINA_UTC_OFFSET_SECS)));
        let mut s = Station {
            tid,
            dir: TempDir::new_in("dst-terminal", Path::new(TMPFS)),
            config,
            reader,
            clock,
            net,
            terminal: None,
        };
        s.open()?;
        let o = s.terminal().sign_in().await.map_err(|e| format!("{} sign-in: {e}", s.tid))?;
        if !o.approved {
            return Err(format!("{} sign-in declined: {o:?}", s.tid));
        }
        stations.push(s);
    }
    // Approved payments per terminal that later operations may refer to.
    // (STAN, amount, card) of each: a follow-up presents the original's card.
    // (STAN, amount, card, slip number) of each.
    type Done = (u32, u64, &'static str, Option<VoucherNo>);
    let mut sales: Vec<Vec<Done>> = vec![Vec::new(); TERMINALS as usize];
    let mut preauths: Vec<Vec<Done>> = vec![Vec::new(); TERMINALS as usize];
    let mut completions: Vec<Vec<Done>> = vec![Vec::new(); TERMINALS as usize];

    for op in 0..OPS {
        counts.ops += 1;
        let k = rng.below(u64::from(TERMINALS)) as usize;
        let s = &mut stations[k];
        let roll = rng.below(100);
        let _ = write!(trace, "{op} {} ", s.tid);
        // Time passes between operations, on every clock.
        let pause = rng.range(1, 600);
        tokio::time::sleep(Duration::from_secs(pause)).await;
        now_ms += pause as i64 * 1000;
        sim.clock().pin(now_ms);
        for st in &stations {
            st.clock.advance(pause as i64);
        }
        counts.simulated_secs += pause;
        let s = &mut stations[k];
        match roll {
            // Faults, each for what comes next.
            0..=4 => {
                let (name, mode) = match rng.below(6) {
                    0 => ("held past the timeout", FaultMode::Delay { ms: 90_000 }),
                    1 => ("answer lost", FaultMode::DropResponse),
                    2 => ("cut before deciding", FaultMode::Close),
                    3 => ("answer twice", FaultMode::SendTwice),
                    4 => ("bad MAC", FaultMode::BadMac),
                    _ => ("answer late", FaultMode::Late),
                };
                *counts.faults.entry(name).or_default() += 1;
                let class = *rng.pick(&[RequestClass::Any, RequestClass::Financial, RequestClass::Reversal]).unwrap();
                sim.faults().set(&s.tid, FaultPlan::times(mode, rng.range(1, 2) as u32).on(class));
                let _ = writeln!(trace, "fault {name} on {class:?}");
                continue;
            }
            5..=7 => {
                let down = !s.net.down.load(Ordering::SeqCst);
                s.net.down.store(down, Ordering::SeqCst);
                s.net.reset();
                *counts.faults.entry(if down { "partition" } else { "partition healed" }).or_default() += 1;
                let _ = writeln!(trace, "network down {down}");
                continue;
            }
            8 => {
                s.net.reset();
                *counts.faults.entry("connections reset").or_default() += 1;
                let _ = writeln!(trace, "reset");
                continue;
            }
            9 => {
                *counts.faults.entry("acquirer restart").or_default() += 1;
                for st in &stations {
                    *st.net.acquirer.lock().map_err(|e| e.to_string())? = None;
                    st.net.reset();
                }
                sim.shutdown().await;
                sim = start_sim(&db, seed.wrapping_add(u64::from(op)), now_ms).await?;
                for st in &stations {
                    *st.net.acquirer.lock().map_err(|e| e.to_string())? =
                        Some((sim.memory_dial(), sim.addr().to_string()));
                }
                let _ = writeln!(trace, "acquirer restarted");
                continue;
            }
            10..=11 => {
                *counts.faults.entry("terminal restart").or_default() += 1;
                s.terminal = None;
                s.open()?;
                let _ = writeln!(trace, "terminal restarted");
                continue;
            }
            12..=13 => {
                // The clock steps (an NTP correction, a user setting the date): back or forward.
                let step = rng.range(60, 7_200) as i64;
                let step = if rng.coin() { step } else { -step };
                s.clock.advance(step);
                *counts.faults.entry("clock step").or_default() += 1;
                let _ = writeln!(trace, "clock {step:+}s");
                continue;
            }
            _ => {}
        }
        let kind = rng.below(100);
        // A follow-up names its original (and presents that card); without one, a balance inquiry.
        let original = match kind {
            45..=59 => rng.pick(&sales[k]).copied(),
            70..=81 => rng.pick(&preauths[k]).copied(),
            82..=84 => rng.pick(&completions[k]).copied(),
            _ => None,
        };
        let kind = if matches!(kind, 45..=59 | 70..=84) && original.is_none() { 85 } else { kind };
        let card = original.map(|o| o.2).unwrap_or_else(|| *rng.pick(&CARDS).unwrap());
        s.reader.present(card).map_err(|e| e.to_string())?;
        let amount = rng.range(1, 30_000);
        let t = s.terminal.as_ref().expect("open");
        let label = match kind {
            0..=29 => "sale",
            30..=44 => "offline sale",
            45..=51 => "void",
            52..=59 => "refund",
            60..=69 => "pre-auth",
            70..=77 => "completion",
            78..=81 => "pre-auth cancel",
            82..=84 => "completion cancel",
            85..=87 => "balance",
            88..=89 => "transfer",
            _ => "sync",
        };
        let _ = write!(trace, "{label} {card} {amount}: ");
        let stan = |n: u32| OriginalRef::Stan(Stan::new(n).expect("a STAN the terminal gave"));
        let (n, amt) = original.map(|o| (o.0, o.1)).unwrap_or((0, 1));
        // Refunds name their original by slip number (the profile's way).
        let slip = original.and_then(|o| o.3).map(OriginalRef::Voucher);
        let fut: Pin<Box<dyn std::future::Future<Output = Result<Option<TxnOutcome>, Error>> + '_>> = match kind {
            0..=29 => Box::pin(async move { t.sale(cny(amount)).await.map(Some) }),
            30..=44 => {
                Box::pin(async move { t.sale_with(cny(amount), OfflinePreference::ForceOffline).await.map(Some) })
            }
            45..=51 => Box::pin(async move { t.void(stan(n)).await.map(Some) }),
            52..=59 => {
                let part = rng.range(1, amt);
                Box::pin(async move { t.refund(cny(part), slip.unwrap_or_else(|| stan(n))).await.map(Some) })
            }
            60..=69 => Box::pin(async move { t.pre_auth(cny(amount)).await.map(Some) }),
            70..=77 => {
                let part = rng.range(1, amt);
                Box::pin(async move { t.pre_auth_complete(cny(part), stan(n)).await.map(Some) })
            }
            78..=81 => Box::pin(async move { t.pre_auth_cancel(cny(amt), stan(n)).await.map(Some) }),
            82..=84 => Box::pin(async move { t.completion_cancel(stan(n)).await.map(Some) }),
            85..=87 => Box::pin(async move { t.balance().await.map(Some) }),
            88..=89 => Box::pin(async move { t.transfer(cny(amount), PAYEE).await.map(Some) }),
            _ => Box::pin(async move { t.sync().await.map(|_| None) }),
        };
        // One operation in six is cut short by a crash: after a random number of polls, i.e. at
        // one of its await points (journal written, request sent, answer read, ...).
        let result =
            if rng.below(6) == 0 { crash_after_polls(fut, rng.range(1, 12) as u32).await } else { Some(fut.await) };
        match result {
            None => {
                *counts.faults.entry("terminal crash mid-operation").or_default() += 1;
                let _ = writeln!(trace, "crashed mid-operation");
                s.terminal = None;
                s.open()?;
            }
            Some(r) => {
                let _ = writeln!(trace, "{}", outcome(&r));
                if let Ok(Some(o)) = &r {
                    if o.approved {
                        counts.approved += 1;
                        let amt = o.amount.map(|a| a.minor()).unwrap_or(0);
                        match o.txn {
                            TxnType::Sale => sales[k].push((o.stan.value(), amt, card, o.voucher)),
                            TxnType::PreAuth => preauths[k].push((o.stan.value(), amt, card, o.voucher)),
                            TxnType::PreAuthCompletion => completions[k].push((o.stan.value(), amt, card, o.voucher)),
                            _ => {}
                        }
                    }
                }
            }
        }
        // Sign in again if a restart or the host asked for it (ignored when already signed in).
        let t = stations[k].terminal();
        if !t.is_signed_in().unwrap_or(false) {
            let _ = t.sign_in().await;
        }
    }

    // Connectivity returns: faults off, networks up, every terminal syncs and settles.
    sim.faults().clear_all();
    for s in &stations {
        s.net.down.store(false, Ordering::SeqCst);
        s.net.reset();
    }
    let mut settled = Vec::new();
    for s in &stations {
        let t = s.terminal();
        if !t.is_signed_in().unwrap_or(false) {
            t.sign_in().await.map_err(|e| format!("{} sign-in after healing: {e}", s.tid))?;
        }
        let mut outcome = None;
        for _ in 0..HEAL_ROUNDS {
            let _ = t.sync().await;
            match t.settle().await {
                Ok(o) => {
                    outcome = Some(o);
                    break;
                }
                Err(e) => {
                    let _ = writeln!(trace, "{} settle: {}", s.tid, e.code());
                    if !t.is_signed_in().unwrap_or(false) {
                        let _ = t.sign_in().await;
                    }
                    tokio::time::sleep(Duration::from_secs(30)).await;
                }
            }
        }
        let o = outcome.ok_or_else(|| format!("{} could not settle after healing: {trace}", s.tid))?;
        let _ = writeln!(trace, "{} settled batch {} {:?}", s.tid, o.batch.value(), o.reconciliation);
        settled.push(o.batch.value());
    }
    for s in &mut stations {
        s.terminal = None;
    }
    if let Some(sabotage) = sabotage {
        damage(sabotage, &stations[0], &db)?;
    }
    for (s, batch) in stations.iter().zip(settled) {
        check(s, &sim, batch).map_err(|e| format!("{e}\ntrace:\n{trace}"))?;
    }
    sim.ledger().check_invariants().map_err(|e| format!("the host's ledger: {e}\ntrace:\n{trace}"))?;
    // The books, for the replay check.
    for s in &stations {
        for r in sim.ledger().transactions_for(&s.tid).map_err(|e| e.to_string())? {
            let _ = writeln!(
                trace,
                "host {} {} {} {:?} {} {} {:?}",
                r.tid, r.batch, r.stan, r.kind, r.amount, r.response_code, r.status
            );
        }
    }
    sim.shutdown().await;
    Ok(Day { counts, trace })
}

/// The invariants of one terminal's day against the acquirer's ledger, after healing:
///
/// - one host row per batch and STAN (a repeat is answered from the first, never booked twice),
///   at most one reversal each;
/// - every host row is in the journal, of the same type and amount (journaled before sent);
/// - nothing pending, no STAN reused (`94`);
/// - every approval the terminal confirmed is in force at the host; every one it did not is
///   reversed or was never booked;
/// - every stored offline payment uploaded (accepted or declined), none left or lost;
/// - no request sent after one whose reversal was due, before that reversal;
/// - the settled batch's totals equal the host's, or differed and the batch was uploaded (the
///   profile's way for the host to take the terminal's items);
/// - `PRAGMA integrity_check` is ok.
fn check(s: &Station, sim: &SimHandle, settled_batch: u32) -> Result<(), String> {
    let tid = &s.tid;
    let vault = Arc::new(FileVault::open_or_create(s.dir.join("vault.key")).map_err(|e| e.to_string())?);
    let store = Store::open(s.dir.join(Store::FILE_NAME), vault, "check").map_err(|e| e.to_string())?;
    store.integrity_check().map_err(|e| format!("{tid}: integrity: {e}"))?;
    let journal = store.recent_txns(u32::MAX).map_err(|e| e.to_string())?;
    let queue: HashMap<_, _> =
        store.offline_queue(false).map_err(|e| e.to_string())?.into_iter().map(|e| (e.txn.id, e.state)).collect();
    let host = sim.ledger().transactions_for(tid).map_err(|e| e.to_string())?;
    let mut requests = HashMap::new();
    let mut reversals: HashMap<(u32, u32), &pos_acquirer_sim::TxnRow> = HashMap::new();
    for row in &host {
        let key = (row.batch, row.stan);
        let twice = if row.kind.is_reversal() {
            reversals.insert(key, row).is_some()
        } else {
            requests.insert(key, row).is_some()
        };
        if twice {
            return Err(format!("{tid}: two host rows for batch/STAN {key:?} ({:?})", row.kind));
        }
    }
    let by_key: HashMap<(u32, u32), &pos_core::store::TxnRecord> =
        journal.iter().map(|t| ((t.numbers.batch.value(), t.numbers.stan.value()), t)).collect();
    for (key, row) in &requests {
        let t = by_key.get(key).ok_or_else(|| format!("{tid}: host row {row:?} missing from the journal"))?;
        if pos_acquirer_sim::RowKind::Txn(t.txn_type) != row.kind
            || t.amount.map(|a| a.minor()).unwrap_or(0) != row.amount
        {
            return Err(format!("{tid}: host row {row:?} differs from the journal's {t:?}"));
        }
    }
    for t in &journal {
        let key = (t.numbers.batch.value(), t.numbers.stan.value());
        if t.status == TxnStatus::Pending {
            return Err(format!("{tid}: pending after healing: {t:?}"));
        }
        if t.response_code.map(|c| c.to_string()).as_deref() == Some("94") {
            return Err(format!("{tid}: a STAN reused: {t:?}"));
        }
        let row = requests.get(&key);
        if t.txn_type == TxnType::OfflineSale {
            let booked = row.map(|r| r.response_code == "00");
            match queue.get(&t.id) {
                Some(UploadState::Accepted) if booked == Some(true) => {}
                Some(UploadState::Declined) if booked == Some(false) => {}
                other => return Err(format!("{tid}: stored payment {other:?}, host {row:?}: {t:?}")),
            }
            continue;
        }
        if t.txn_type == TxnType::BalanceInquiry {
            continue; // no money moves
        }
        let confirmed = t.status == TxnStatus::Approved && t.reversed_at.is_none();
        let in_force = row.is_some_and(|r| r.response_code == "00" && r.status != HostStatus::Reversed);
        if confirmed != in_force {
            return Err(format!(
                "{tid}: the terminal says confirmed={confirmed}, the host in force={in_force}: {t:?} / {row:?}"
            ));
        }
    }
    // No new request while a reversal was due: whatever the terminal numbered after the
    // reversed one reached the host after the reversal.
    for ((batch, stan), rev) in &reversals {
        if let Some(early) = host.iter().find(|r| {
            !r.kind.is_reversal()
                && r.batch == *batch
                && r.stan > *stan
                && r.id < rev.id
                && requests.get(&(*batch, *stan)).is_some_and(|o| o.id < r.id)
        }) {
            return Err(format!("{tid}: {early:?} sent while the reversal of STAN {stan} was due"));
        }
    }
    let record = sim
        .ledger()
        .settlements(tid)
        .map_err(|e| e.to_string())?
        .into_iter()
        .rfind(|r| r.batch == settled_batch)
        .ok_or_else(|| format!("{tid}: no settlement of batch {settled_batch} at the host"))?;
    if record.host_totals != record.terminal_totals
        && sim.ledger().uploads(tid, settled_batch).map_err(|e| e.to_string())?.is_empty()
    {
        return Err(format!("{tid}: settlement totals differ and nothing was uploaded: {record:?}"));
    }
    Ok(())
}
