//! The terminal and the simulator in one process over in-memory links (`SimHandle::dialer`),
//! on tokio's paused clock: the host's silence costs the real 60 s response timeout in
//! simulated time, and the reversal that follows is checked against the ledger.

use std::sync::Arc;
use std::time::Duration;

use pos_acquirer_sim::{FaultMode, FaultPlan, RequestClass};
use pos_core::card::DeviceSecret;
use pos_core::crypto::{FileVault, SecretKey};
use pos_core::provision::{DEMO_TID, DEMO_TMK_HEX};
use pos_core::terminal::{SystemClock, Terminal, TerminalConfig};
use pos_core::Amount;
use pos_core::SoftwareReader;

/// A fresh directory under the system's temporary folder, removed when dropped.
struct Dir(std::path::PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test(start_paused = true)]
async fn a_silent_host_times_out_on_simulated_time_and_the_sale_is_reversed() {
    let sim = super::start(super::demo()).await;
    let dir = Dir(std::env::temp_dir().join(format!("pos-sim-in-memory-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&dir.0);
    // The bytes go through the simulator's dialer, which answers to the simulator's address only.
    let mut config = TerminalConfig::demo_at_tls(sim.addr().to_string(), sim.ca_pem().expect("TLS by default"));
    config.dialer = sim.dialer();
    config.risk_policy = None;
    assert_eq!(config.response_timeout, Duration::from_secs(60), "the real UnionPay timeout");
    let reader =
        Arc::new(SoftwareReader::new(SecretKey::from_hex(DEMO_TMK_HEX).unwrap(), DeviceSecret::from_bytes([7; 32])));
    let vault = Arc::new(FileVault::open_or_create(dir.0.join("vault.key")).unwrap());
    std::fs::create_dir_all(&dir.0).unwrap();
    let terminal = Terminal::open(&dir.0, config, vault, reader.clone(), Arc::new(SystemClock::default())).unwrap();
    assert!(terminal.sign_in().await.unwrap().approved);
    let pan = pos_core::deck::find("debit").unwrap().pan;
    let funds = sim.ledger().available(pan).unwrap();

    // The host books the sale but its answer is lost: 60 s of simulated time, then a
    // timeout with the reversal due.
    sim.faults().set(DEMO_TID, FaultPlan::once(FaultMode::DropResponse).on(RequestClass::Financial));
    reader.present("debit").unwrap();
    let started = tokio::time::Instant::now();
    let e = terminal.sale(Amount::cny(1_500).unwrap()).await.unwrap_err();
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(60) && waited < Duration::from_secs(61), "{waited:?}");
    assert!(
        matches!(e, pos_core::Error::Network { code: pos_core::ErrorCode::ResponseTimeout, reversal_due: true, .. }),
        "an exchange failure, its reversal due: {e:?}"
    );
    assert_eq!(sim.ledger().available(pan).unwrap(), funds - 1_500, "the host did charge the card");

    // The next sync reverses it: the card is whole again, and the ledger agrees with itself.
    let report = terminal.sync().await.unwrap();
    assert_eq!(report.reversals_left, 0, "{report:?}");
    assert_eq!(sim.ledger().available(pan).unwrap(), funds);
    super::invariants(&sim);
    drop(terminal);
    sim.shutdown().await;
}
