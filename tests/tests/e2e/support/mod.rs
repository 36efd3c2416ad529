//! Shared by the journal, offline and recovery tests: a signed-in terminal with a manual
//! clock against the simulator, restartable on the same data directory.
#![allow(dead_code)] // each test file uses part of it

use std::sync::Arc;
use std::time::Duration;

use pos_acquirer_sim::{FaultMode, FaultPlan, RequestClass, SimConfig, SimHandle, Simulator, TxnRow};
use pos_core::card::DeviceSecret;
use pos_core::crypto::{FileVault, SecretKey};
use pos_core::provision::{DEMO_TID, DEMO_TMK_HEX};
use pos_core::terminal::{ManualClock, Terminal, TerminalConfig, Timestamp, CHINA_UTC_OFFSET_SECS};
use pos_core::terminal::{SyncEvent, SyncReport, SyncStop};
use pos_core::SoftwareReader;
use pos_e2e::TempDir;

/// The simulator as these tests want it: no monitoring rule declines, a generous daily count.
pub fn sim_config() -> SimConfig {
    let mut c = SimConfig::demo();
    c.monitoring.round_amounts.enabled = false;
    c.monitoring.volume_spike.enabled = false;
    c.limits.daily_count_per_card = 10_000;
    c
}

/// A terminal (restartable), its reader, clock and directory, against a simulator.
pub struct Lane {
    pub sim: SimHandle,
    pub terminal: Arc<Terminal>,
    pub reader: Arc<SoftwareReader>,
    pub clock: Arc<ManualClock>,
    pub config: TerminalConfig,
    pub dir: TempDir,
}

/// Now, as the terminal's clock starts.
pub fn now() -> Timestamp {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    Timestamp::new(secs as i64, CHINA_UTC_OFFSET_SECS)
}

impl Lane {
    /// A signed-in terminal against a fresh simulator.
    pub async fn start(tweak: impl FnOnce(&mut TerminalConfig)) -> Lane {
        Lane::start_with(sim_config(), tweak).await
    }

    /// As [`Lane::start`] with a simulator configuration.
    pub async fn start_with(sim: SimConfig, tweak: impl FnOnce(&mut TerminalConfig)) -> Lane {
        pos_e2e::init_tracing();
        let sim = Simulator::start(sim.listening_on("127.0.0.1:0")).await.expect("simulator starts");
        let mut config = pos_e2e::terminal_config(&sim);
        // Pays with the same few cards many times a day; the default risk policy would ask for
        // confirmations (the risk engine has its own tests: tests/e2e/risk.rs, core risk::tests).
        config.risk_policy = None;
        // The production timeouts and back-off: these tests run on tokio's paused clock.
        config.offline.per_card_per_day = 100;
        tweak(&mut config);
        let dir = TempDir::new("journal");
        let reader = Arc::new(SoftwareReader::new(
            SecretKey::from_hex(DEMO_TMK_HEX).expect("demo TMK"),
            DeviceSecret::from_bytes([0x42; 32]),
        ));
        let clock = Arc::new(ManualClock::new(now()));
        let terminal = Arc::new(open(&dir, config.clone(), reader.clone(), clock.clone()).expect("terminal opens"));
        let lane = Lane { sim, terminal, reader, clock, config, dir };
        assert!(lane.terminal.sign_in().await.expect("sign-in").approved);
        lane
    }

    /// The app restarts: the terminal is dropped and opened again on the same directory
    /// (the reader keeps its keys, as a real one does).
    pub fn restart(&mut self) {
        // The old terminal goes first, as the app's process does: it holds the data
        // directory's lock. A read-only view stands in for the moment between.
        let vault = Arc::new(FileVault::open_or_create(self.dir.join("vault.key")).expect("vault"));
        let between = Terminal::open_read_only(self.dir.path(), self.config.clone(), vault, self.clock.clone())
            .expect("a view of the directory");
        drop(std::mem::replace(&mut self.terminal, Arc::new(between)));
        let t = open(&self.dir, self.config.clone(), self.reader.clone(), self.clock.clone()).expect("reopens");
        self.terminal = Arc::new(t);
    }

    /// The host's rows for the demo terminal.
    pub fn host_rows(&self) -> Vec<TxnRow> {
        self.sim.ledger().transactions_for(DEMO_TID).expect("ledger rows")
    }

    /// The host's request row (not reversal) for a STAN.
    pub fn host_row(&self, stan: u32) -> Option<TxnRow> {
        self.host_rows().into_iter().find(|r| r.stan == stan && !r.kind.is_reversal())
    }

    /// The host's reversal rows for a STAN.
    pub fn host_reversals(&self, stan: u32) -> Vec<TxnRow> {
        self.host_rows().into_iter().filter(|r| r.stan == stan && r.kind.is_reversal()).collect()
    }

    /// Switches a fault on for the next `count` requests of `class`.
    pub fn fault(&self, mode: FaultMode, count: u32, class: RequestClass) {
        self.sim.faults().set(DEMO_TID, FaultPlan::times(mode, count).on(class));
    }

    /// Every fault off.
    pub fn clear_faults(&self) {
        self.sim.faults().clear(DEMO_TID);
    }

    /// Presents a deck card.
    pub fn present(&self, card: &str) {
        self.reader.present(card).expect("deck card");
    }
}

/// Opens a terminal on `dir` with its file vault.
pub fn open(
    dir: &TempDir,
    config: TerminalConfig,
    reader: Arc<SoftwareReader>,
    clock: Arc<ManualClock>,
) -> Result<Terminal, pos_core::Error> {
    let vault = Arc::new(FileVault::open_or_create(dir.join("vault.key")).expect("vault"));
    // Retried while a child process of another test briefly holds the lock of a terminal
    // dropped a moment ago (see `open_retrying`).
    pos_e2e::open_retrying(|| Terminal::open(dir.path(), config.clone(), vault.clone(), reader.clone(), clock.clone()))
}

/// Drains the events received so far.
pub fn drain(rx: &mut tokio::sync::broadcast::Receiver<SyncEvent>) -> Vec<SyncEvent> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        out.push(e);
    }
    out
}

/// Waits (up to 20 s) for an event matching `pred`.
pub async fn wait_for(
    rx: &mut tokio::sync::broadcast::Receiver<SyncEvent>,
    pred: impl Fn(&SyncEvent) -> bool,
) -> Option<SyncEvent> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Ok(e)) if pred(&e) => return Some(e),
            Ok(Ok(_)) | Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => {}
            _ => return None,
        }
    }
}

/// The barrier for "nothing is sent while offline", after `spawn_sync` with the platform
/// offline: lets the background round run, then syncs by hand and returns that report.
///
/// The background round is ready at once and, offline, has nothing to wait for, so one yield
/// on the test's current-thread runtime runs it. Syncs are serialised (one at a time), so if
/// that round had started sending, its exchange is over when the hand sync returns: whatever
/// it sent is then in the host's ledger for the caller to find. The hand sync itself must stop
/// at the offline check.
pub async fn sync_while_offline(terminal: &Terminal) -> SyncReport {
    tokio::task::yield_now().await;
    let report = tokio::time::timeout(Duration::from_secs(20), terminal.sync())
        .await
        .expect("a sync while offline ends at once")
        .expect("sync");
    assert_eq!(report.stop, Some(SyncStop::Offline), "{report:?}");
    report
}
