//! Helpers shared by the end-to-end tests: a simulator on loopback and a terminal in a
//! temporary directory, wired to the software reader.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use pos_acquirer_sim::{SimConfig, SimHandle, Simulator};
use pos_core::card::DeviceSecret;
use pos_core::crypto::{random_bytes, FileVault, SecretKey};
use pos_core::money::Amount;
use pos_core::provision::DEMO_TMK_HEX;
use pos_core::reader::SoftwareReader;
use pos_core::terminal::{SystemClock, Terminal, TerminalConfig};

pub mod relay;

/// A directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A fresh, empty directory.
    pub fn new(tag: &str) -> TempDir {
        let suffix = hex::encode(random_bytes::<8>().unwrap_or([0; 8]));
        let dir = std::env::temp_dir().join(format!("pos-e2e-{tag}-{}-{suffix}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

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

/// Short timeouts so that fault tests finish quickly.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_millis(800);

/// Logs to the test output when `RUST_LOG` is set.
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

/// The demo terminal against `sim` as it serves: TLS pinned to its CA (the default), or plain
/// TCP when the simulator was started plain.
pub fn terminal_config(sim: &SimHandle) -> TerminalConfig {
    let host = sim.addr().to_string();
    match sim.ca_pem() {
        Some(ca) => TerminalConfig::demo_at_tls(host, ca),
        None => TerminalConfig::demo_at_plain(host),
    }
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
    // confirmations (the risk engine has its own tests: tests/risk.rs, core risk::tests).
    config.risk_policy = None;
    config.response_timeout = RESPONSE_TIMEOUT;
    config.card_timeout = Duration::from_secs(2);
    tweak(&mut config);
    let terminal = open(&dir, config, reader.clone());
    Rig { sim, terminal, reader, dir }
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
    let vault = Arc::new(FileVault::open_or_create(dir.0.join("vault.key")).expect("vault"));
    Terminal::open(&dir.0, config, vault, reader, Arc::new(SystemClock::default())).expect("terminal opens")
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
