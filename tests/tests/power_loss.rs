//! Power loss: the terminal's database under a VFS shim that keeps, at a random write or
//! sync, what a power cut would leave on the disk: the synced bytes plus a random prefix of the
//! unsynced writes (`pos_e2e::power_loss`). The terminal then "reboots" on that picture (its
//! other files as they were), recovers and syncs, and the picture is checked against what the
//! merchant was told and against the acquirer's ledger:
//!
//! - every payment the terminal reported approved before the cut is still approved (online) or
//!   still stored and then uploaded (offline): never lost, never reversed;
//! - every request the host booked is in the journal (journaled and synced before sending), so
//!   each one the terminal did not confirm is reversed;
//! - the database opens and passes `PRAGMA integrity_check`.
//!
//! With `synchronous=FULL` (the store's setting) every seed must hold. The same seeds run with
//! WAL's `NORMAL`, to measure what FULL saves: the losses are counted and printed, not asserted
//! away. A separate test binary: the shim is the process's default VFS.
//! `POS_POWER_LOSS_SEEDS=n` for more seeds (default 150 each way).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use pos_acquirer_sim::{FaultMode, FaultPlan, RequestClass, SimConfig, SimHandle, Simulator, TxnStatus as HostStatus};
use pos_core::crypto::FileVault;
use pos_core::iso8583::TxnType;
use pos_core::provision::DEMO_TID;
use pos_core::store::{Store, TxnStatus, UploadState};
use pos_core::terminal::Terminal;
use pos_core::OfflinePreference;
use pos_e2e::{cny, power_loss, TempDir};
use pos_testkit::SplitMix64;

/// What one seed found.
#[derive(Default, Debug, Clone, Copy)]
struct Losses {
    /// Payments reported approved before the cut, then missing, reversed or not uploaded.
    acknowledged_lost: u32,
    /// Bookings in force at the host that the rebooted journal does not know or does not
    /// hold as approved (never reversed).
    host_rows_unknown: u32,
    /// The database did not open or failed its integrity check.
    unreadable: u32,
    /// Unsynced writes the cut dropped.
    writes_dropped: u32,
    /// Payments reported approved before the cut.
    acknowledged: u32,
}

impl Losses {
    fn add(&mut self, o: Losses) {
        self.acknowledged_lost += o.acknowledged_lost;
        self.host_rows_unknown += o.host_rows_unknown;
        self.unreadable += o.unreadable;
        self.writes_dropped += o.writes_dropped;
        self.acknowledged += o.acknowledged;
    }
    fn total(&self) -> u32 {
        self.acknowledged_lost + self.host_rows_unknown + self.unreadable
    }
}

const TMPFS: &str = "/dev/shm";

/// One test at a time: the shim's tracking is the process's.
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn power_cut_at_any_write_loses_nothing_acknowledged_with_synchronous_full() {
    let _turn = TURN.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    power_loss::install();
    let seeds: u64 = std::env::var("POS_POWER_LOSS_SEEDS").ok().and_then(|v| v.parse().ok()).unwrap_or(150);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().expect("runtime");
    let mut full = Losses::default();
    let mut normal = Losses::default();
    let mut normal_seeds_losing = 0;
    for seed in 1..=seeds {
        let l = rt.block_on(one_cut(seed, true));
        assert_eq!(l.total(), 0, "synchronous=FULL lost something, seed {seed} (POS_POWER_LOSS_SEEDS): {l:?}");
        full.add(l);
        let l = rt.block_on(one_cut(seed, false));
        normal_seeds_losing += u32::from(l.total() > 0);
        normal.add(l);
    }
    eprintln!(
        "power loss: {seeds} cuts each way. FULL: {} payments acknowledged, 0 lost, {} unsynced writes dropped. \
         NORMAL: {} acknowledged, {} lost, {} host bookings unknown to the journal, {} unreadable, in {} of {seeds} cuts ({} writes dropped)",
        full.acknowledged,
        full.writes_dropped,
        normal.acknowledged,
        normal.acknowledged_lost,
        normal.host_rows_unknown,
        normal.unreadable,
        normal_seeds_losing,
        normal.writes_dropped
    );
    assert!(full.writes_dropped > 0, "the cuts dropped unsynced writes: the harness did something");
    // The same checks see NORMAL's losses: they can fail.
    assert!(normal.total() > 0, "synchronous=NORMAL lost nothing in {seeds} cuts: the checks see nothing");
}

/// What a payment costs the terminal in fsyncs, counted by the shim: an online sale at most
/// two (the journal row and its reversal guard before sending, the answer after), an offline
/// payment one.
#[test]
fn an_online_sale_costs_two_fsyncs_and_an_offline_payment_one() {
    let _turn = TURN.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    power_loss::install();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().expect("runtime");
    rt.block_on(async {
        let sim = Simulator::start(sim_config().listening_on("127.0.0.1:0")).await.expect("simulator");
        let dir = TempDir::new_in("fsyncs", Path::new(TMPFS));
        let reader = pos_e2e::demo_reader();
        power_loss::track(dir.path());
        let terminal = open_terminal(&dir, &sim, &reader);
        assert!(terminal.sign_in().await.expect("sign-in").approved);
        reader.present("debit").unwrap();
        assert!(terminal.sale(cny(1_00)).await.unwrap().approved, "warm-up sale");
        const N: u64 = 20;
        let before = power_loss::syncs();
        for i in 0..N {
            reader.present(if i % 2 == 0 { "debit" } else { "credit" }).unwrap();
            assert!(terminal.sale(cny(1_00 + i)).await.unwrap().approved);
        }
        let online = power_loss::syncs() - before;
        let before = power_loss::syncs();
        for i in 0..N {
            reader.present("contactless").unwrap();
            let o = terminal.sale_with(cny(2_00 + i), OfflinePreference::ForceOffline).await.unwrap();
            assert!(o.approved && o.txn == TxnType::OfflineSale, "{o:?}");
        }
        let offline = power_loss::syncs() - before;
        eprintln!(
            "fsyncs: {:.2} per online sale, {:.2} per offline payment (over {N} of each)",
            online as f64 / N as f64,
            offline as f64 / N as f64
        );
        assert!(online > 0 && online <= 2 * N, "{online} fsyncs for {N} online sales");
        assert!(offline > 0 && offline <= N, "{offline} fsyncs for {N} offline payments");
        sim.shutdown().await;
    });
}

fn sim_config() -> SimConfig {
    let mut c = SimConfig::demo();
    c.monitoring.round_amounts.enabled = false;
    c.monitoring.volume_spike.enabled = false;
    c.limits.daily_count_per_card = 10_000;
    c
}

fn open_terminal(dir: &TempDir, sim: &SimHandle, reader: &Arc<pos_core::SoftwareReader>) -> Terminal {
    let mut config = pos_e2e::terminal_config(sim);
    config.risk_policy = None;
    config.offline.per_card_per_day = 1_000;
    pos_e2e::open(dir, config, reader.clone())
}

/// One workload cut at a random write or sync; the losses found after the reboot.
async fn one_cut(seed: u64, full: bool) -> Losses {
    let mut rng = SplitMix64::new(seed);
    let sim = Simulator::start(sim_config().listening_on("127.0.0.1:0")).await.expect("simulator");
    let dir = TempDir::new_in("power-loss", Path::new(TMPFS));
    let reader = pos_e2e::demo_reader();
    power_loss::track(dir.path());
    let terminal = open_terminal(&dir, &sim, &reader);
    if !full {
        terminal.store().set_synchronous_normal().expect("NORMAL");
    }
    assert!(terminal.sign_in().await.expect("sign-in").approved);
    // A sign-in and a few payments make about 10 writes and syncs each: cut somewhere in them.
    power_loss::arm(rng.range(1, 120), seed);
    let mut acknowledged: Vec<(u32, u32, TxnType)> = Vec::new();
    for _ in 0..10 {
        if power_loss::cut_happened() {
            break;
        }
        let amount = cny(rng.range(100, 20_000));
        let r = match rng.below(10) {
            0..=4 => {
                reader.present(rng.pick(&["debit", "credit"]).unwrap()).unwrap();
                if rng.below(5) == 0 {
                    // The answer lost: the sale is reversed by the next sync.
                    sim.faults().set(DEMO_TID, FaultPlan::once(FaultMode::DropResponse).on(RequestClass::Financial));
                }
                terminal.sale_with(amount, OfflinePreference::RequireOnline).await.map(Some)
            }
            5..=7 => {
                reader.present("contactless").unwrap();
                terminal.sale_with(amount, OfflinePreference::ForceOffline).await.map(Some)
            }
            _ => terminal.sync().await.map(|_| None),
        };
        // Told to the merchant before the power went: it must survive.
        if let Ok(Some(o)) = r {
            if o.approved && !power_loss::cut_happened() {
                acknowledged.push((o.batch.value(), o.stan.value(), o.txn));
            }
        }
    }
    power_loss::cut_now();
    let dropped = power_loss::dropped() as u32;
    drop(terminal);
    sim.faults().clear(DEMO_TID);

    // The reboot: the database as the cut left it, every other file as it was.
    let rebooted = TempDir::new_in("power-loss-reboot", Path::new(TMPFS));
    for entry in std::fs::read_dir(&dir).expect("dir").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // The database and its WAL, journal and index come from the picture; the rest (keys,
        // provisioning, the `pos.db-created` marker) as they were.
        let database = [Store::FILE_NAME, "pos.db-wal", "pos.db-shm", "pos.db-journal"];
        if !database.contains(&name.as_str()) && entry.path().is_file() {
            std::fs::copy(entry.path(), rebooted.join(&name)).expect("copy");
        }
    }
    power_loss::restore_into(rebooted.path()).expect("picture written");
    power_loss::track(Path::new("/nonexistent-untracked"));
    let mut losses = Losses { writes_dropped: dropped, acknowledged: acknowledged.len() as u32, ..Losses::default() };

    let vault = Arc::new(FileVault::open_or_create(rebooted.join("vault.key")).expect("vault"));
    let mut config = pos_e2e::terminal_config(&sim);
    config.risk_policy = None;
    let clock = Arc::new(pos_core::SystemClock::default());
    let reopened = Terminal::open(rebooted.path(), config, vault.clone(), reader.clone(), clock);
    let Ok(t) = reopened else {
        losses.unreadable += 1;
        return losses;
    };
    if !t.is_signed_in().unwrap_or(false) {
        let _ = t.sign_in().await;
    }
    for _ in 0..5 {
        match t.sync().await {
            Ok(r) if r.reversals_left == 0 && r.left == 0 => break,
            _ => tokio::time::sleep(Duration::from_secs(30)).await,
        }
    }
    drop(t);
    let store = match Store::open(rebooted.join(Store::FILE_NAME), vault, "check") {
        Ok(s) if s.integrity_check().is_ok() => s,
        _ => {
            losses.unreadable += 1;
            return losses;
        }
    };
    let journal = store.recent_txns(u32::MAX).expect("journal");
    let queue: HashMap<_, _> =
        store.offline_queue(false).expect("queue").into_iter().map(|e| (e.txn.id, e.state)).collect();
    let by_key: HashMap<(u32, u32), &pos_core::store::TxnRecord> =
        journal.iter().map(|t| ((t.numbers.batch.value(), t.numbers.stan.value()), t)).collect();
    let host: HashMap<(u32, u32), pos_acquirer_sim::TxnRow> = sim
        .ledger()
        .transactions_for(DEMO_TID)
        .expect("ledger")
        .into_iter()
        .filter(|r| !r.kind.is_reversal())
        .map(|r| ((r.batch, r.stan), r))
        .collect();
    let in_force = |r: &pos_acquirer_sim::TxnRow| r.response_code == "00" && r.status != HostStatus::Reversed;
    // Told approved before the cut: still so in the journal, and in force at the host.
    for (batch, stan, txn) in &acknowledged {
        let kept = by_key.get(&(*batch, *stan)).is_some_and(|t| match txn {
            TxnType::OfflineSale => queue.get(&t.id) == Some(&UploadState::Accepted),
            _ => t.status == TxnStatus::Approved && t.reversed_at.is_none(),
        });
        let booked = host.get(&(*batch, *stan)).is_some_and(in_force);
        losses.acknowledged_lost += u32::from(!kept || !booked);
    }
    // In force at the host: confirmed by the journal (approved, or uploaded offline); a
    // booking the journal does not know, or holds as not approved, is money nobody reverses.
    for (key, row) in &host {
        if !in_force(row) {
            continue;
        }
        let confirmed = by_key.get(key).is_some_and(|t| match t.txn_type {
            TxnType::OfflineSale => queue.get(&t.id) == Some(&UploadState::Accepted),
            _ => t.status == TxnStatus::Approved && t.reversed_at.is_none(),
        });
        losses.host_rows_unknown += u32::from(!confirmed);
    }
    sim.ledger().check_invariants().expect("the host's ledger");
    losses
}
