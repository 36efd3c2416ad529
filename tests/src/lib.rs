//! Helpers shared by the end-to-end tests: a simulator on loopback and a terminal in a
//! temporary directory, wired to the software reader.

use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use pos_acquirer_sim::{SimConfig, SimHandle, Simulator};
use pos_core::card::DeviceSecret;
use pos_core::crypto::{FileVault, SecretKey};
use pos_core::provision::DEMO_TMK_HEX;
use pos_core::terminal::{SystemClock, Terminal, TerminalConfig};
use pos_core::Amount;
use pos_core::Error;
use pos_core::SoftwareReader;

pub mod power_loss;
pub mod relay;

/// A fresh directory removed on drop (the workspace's one temp-dir helper).
pub use pos_testkit::TempDir;

/// A simulator and a terminal talking to it.
pub struct Rig {
    /// The acquirer simulator.
    pub sim: SimHandle,
    /// The terminal under test.
    pub terminal: Terminal,
    /// Its reader, to present cards.
    pub reader: Arc<SoftwareReader>,
    /// The terminal's data directory.
    pub dir: TempDir,
}

/// A short host timeout for the tests that run on the wall clock (a relay on loopback).
pub const RESPONSE_TIMEOUT: Duration = Duration::from_millis(800);

/// Logs to the test output when `RUST_LOG` is set (errors otherwise), and feeds [`LogCapture`].
///
/// One subscriber for the whole test binary, installed once: the tests share a process, and a
/// global subscriber can be set only once (a second `set_global_default` would fail).
pub fn init_tracing() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        use tracing_subscriber::layer::SubscriberExt;
        use tracing_subscriber::util::SubscriberInitExt;
        use tracing_subscriber::Layer;
        let output = tracing_subscriber::fmt::layer()
            .with_test_writer()
            .with_filter(tracing_subscriber::EnvFilter::from_default_env());
        // Everything, at TRACE, but only while a capture is running (checked per event, so
        // the other tests pay one atomic load when none is).
        let capture = tracing_subscriber::fmt::layer().with_ansi(false).with_writer(|| Captured).with_filter(
            // Dynamic: asked at every event. (A plain `filter_fn` caches its first answer
            // per call site, and most sites are first hit while no capture runs.)
            tracing_subscriber::filter::dynamic_filter_fn(|_, _| capture::ACTIVE.load(Ordering::Relaxed))
                // Without a hint the output layer's (ERROR unless RUST_LOG says more) would
                // set the process's maximum level, and lower events would never reach here.
                .with_max_level_hint(tracing::level_filters::LevelFilter::TRACE),
        );
        let _ = tracing_subscriber::registry().with(output).with(capture).try_init();
    });
}

/// The logs of the whole process at TRACE, from [`LogCapture::start`] until it is dropped
/// (for tests that scan what gets logged). Other tests running at the same time add their
/// lines too, which only gives such a scan more to look at. One capture at a time: a second
/// `start` waits for the first to be dropped.
pub struct LogCapture {
    _turn: std::sync::MutexGuard<'static, ()>,
}

mod capture {
    use std::sync::atomic::AtomicBool;
    use std::sync::Mutex;

    /// Whether a capture is running.
    pub static ACTIVE: AtomicBool = AtomicBool::new(false);
    /// What was captured.
    pub static BUFFER: Mutex<Vec<u8>> = Mutex::new(Vec::new());
    /// Held by the running capture.
    pub static TURN: Mutex<()> = Mutex::new(());
}

impl LogCapture {
    /// Starts capturing (installs the binary's subscriber first if needed).
    pub fn start() -> LogCapture {
        init_tracing();
        let turn = capture::TURN.lock().unwrap_or_else(PoisonError::into_inner);
        capture::BUFFER.lock().unwrap_or_else(PoisonError::into_inner).clear();
        capture::ACTIVE.store(true, Ordering::SeqCst);
        LogCapture { _turn: turn }
    }

    /// What has been logged since the start.
    pub fn bytes(&self) -> Vec<u8> {
        capture::BUFFER.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl Drop for LogCapture {
    fn drop(&mut self) {
        capture::ACTIVE.store(false, Ordering::SeqCst);
        capture::BUFFER.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }
}

/// The capture layer's writer: appends to the buffer.
struct Captured;

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        capture::BUFFER.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The demo terminal against `sim` as it serves: TLS pinned to its CA (the default), or plain
/// TCP when the simulator was started plain; over the simulator's in-memory links, so that a
/// test may run on tokio's paused clock (`#[tokio::test(start_paused = true)]`). A test that
/// needs the network (a relay in between, another process) sets `dialer` back to
/// [`pos_core::Dialer::tcp`] or builds its own configuration.
pub fn terminal_config(sim: &SimHandle) -> TerminalConfig {
    let host = sim.addr().to_string();
    let mut config = match sim.ca_pem() {
        Some(ca) => TerminalConfig::demo_at_tls(host, ca),
        None => TerminalConfig::demo_at_plain(host),
    };
    config.dialer = sim.dialer();
    config
}

/// The demo simulator on 127.0.0.1:0 and the demo terminal against it.
pub async fn start() -> Rig {
    start_with(SimConfig::demo(), |_| {}).await
}

/// As [`start`] with a simulator configuration and a terminal configuration tweak.
pub async fn start_with(sim: SimConfig, tweak: impl FnOnce(&mut TerminalConfig)) -> Rig {
    init_tracing();
    let sim = Simulator::start(sim.listening_on("127.0.0.1:0")).await.expect("simulator starts");
    let dir = TempDir::new("online");
    let reader = demo_reader();
    let mut config = terminal_config(&sim);
    // Pays with the same few cards many times a day; the default risk policy would ask for
    // confirmations (the risk engine has its own tests: tests/e2e/risk.rs, core risk::tests).
    config.risk_policy = None;
    // The production timeouts (60 s for the host, the card's): the tests that use this rig
    // run on tokio's paused clock over in-memory links, where waiting them out costs nothing.
    tweak(&mut config);
    let terminal = open(&dir, config, reader.clone());
    Rig { sim, terminal, reader, dir }
}

/// Funds the deck cards `cards` (ids) without limit in `c`, for benchmarks and long days that
/// pay with them again and again. The deck moves into `c.accounts` (`include_deck` off, or it
/// would be loaded twice).
pub fn fund_without_limit(c: &mut SimConfig, cards: &[&str]) {
    let funded: Vec<&str> = cards.iter().map(|id| pan(id)).collect();
    c.accounts = c
        .all_accounts()
        .into_iter()
        .map(|mut a| {
            if funded.contains(&a.pan.as_str()) {
                a.funds = pos_core::MAX_MINOR;
            }
            a
        })
        .collect();
    c.include_deck = false;
}

/// A software reader provisioned with the demo TMK (every demo and fleet terminal shares it).
pub fn demo_reader() -> Arc<SoftwareReader> {
    Arc::new(SoftwareReader::new(
        SecretKey::from_hex(DEMO_TMK_HEX).expect("demo TMK"),
        DeviceSecret::generate().expect("device secret"),
    ))
}

/// One terminal with its own data directory and reader, not signed in.
pub struct Station {
    /// The terminal.
    pub terminal: Terminal,
    /// Its reader, to present cards.
    pub reader: Arc<SoftwareReader>,
    /// Its data directory (removed when the station is dropped).
    pub dir: TempDir,
}

impl Station {
    /// Opens a terminal configured by `config` in a fresh directory tagged `tag`.
    pub fn new(config: TerminalConfig, tag: &str) -> Station {
        let dir = TempDir::new(tag);
        let reader = demo_reader();
        let terminal = open(&dir, config, reader.clone());
        Station { terminal, reader, dir }
    }
}

/// Opens a terminal on `dir` (again, after a restart) with the file vault of that directory.
pub fn open(dir: &TempDir, config: TerminalConfig, reader: Arc<SoftwareReader>) -> Terminal {
    let vault = Arc::new(FileVault::open_or_create(dir.join("vault.key")).expect("vault"));
    let clock = Arc::new(SystemClock::default());
    open_retrying(|| Terminal::open(dir.path(), config.clone(), vault.clone(), reader.clone(), clock.clone()))
        .expect("terminal opens")
}

/// Runs `open` (a `Terminal::open`), again for a bounded time while it answers that this very
/// process holds the directory's lock.
///
/// The tests of a binary share one process, and some spawn child processes all the time (the
/// crash harness). A child holds a copy of every open descriptor of the process until it execs,
/// so for that moment a terminal just dropped by one test still holds its `flock`, and
/// reopening its directory says `InUse` with our own process ID. Every other answer, `InUse` by
/// another process included, is returned at once.
pub fn open_retrying(mut open: impl FnMut() -> Result<Terminal, Error>) -> Result<Terminal, Error> {
    let mut last = None;
    pos_testkit::wait_until(Duration::from_secs(10), Duration::from_millis(10), || {
        let result = open();
        let ours = matches!(&result, Err(Error::InUse { pid, .. }) if *pid == Some(std::process::id()));
        last = Some(result);
        !ours
    });
    last.unwrap_or_else(open)
}

/// A signed-in rig.
pub async fn signed_in() -> Rig {
    let rig = start().await;
    let o = rig.terminal.sign_in().await.expect("sign-in exchange");
    assert!(o.approved, "sign-in declined: {o:?}");
    rig
}

/// `fen` in CNY.
pub fn cny(fen: u64) -> Amount {
    Amount::cny(fen).expect("amount")
}

/// The PAN of a deck card.
pub fn pan(card_id: &str) -> &'static str {
    pos_core::deck::find(card_id).map(|c| c.pan).expect("deck card")
}

/// A failed exchange as the public error reports it: the fields the end-to-end tests look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeFailure {
    /// What failed on the link (`response_timeout`, `mac_failed`, ...).
    pub code: pos_core::ErrorCode,
    /// The request's row.
    pub txn_id: Option<pos_core::TxnId>,
    /// Whether the host may have acted on it.
    pub may_have_reached_host: bool,
    /// Whether the terminal reverses it.
    pub reversal_due: bool,
    /// Field 39 of its reversal.
    pub reversal_reason: pos_core::ResponseCode,
}

/// `e.exchange_failure()` on the public error: `Some` for a failed exchange with the acquirer.
pub trait ExchangeFailureOf {
    /// The failed exchange, if this is one.
    fn exchange_failure(&self) -> Option<ExchangeFailure>;
}

impl ExchangeFailureOf for Error {
    fn exchange_failure(&self) -> Option<ExchangeFailure> {
        match self {
            Error::Network { code, txn_id, may_have_reached_host, reversal_due, reversal_reason: Some(r), .. } => {
                Some(ExchangeFailure {
                    code: *code,
                    txn_id: *txn_id,
                    may_have_reached_host: *may_have_reached_host,
                    reversal_due: *reversal_due,
                    reversal_reason: *r,
                })
            }
            _ => None,
        }
    }
}

/// The internal error behind a public one (its source), when it is of type `T`.
pub fn source_of<T: std::error::Error + Clone + 'static>(e: &Error) -> Option<T> {
    std::error::Error::source(e)?.downcast_ref::<T>().cloned()
}
