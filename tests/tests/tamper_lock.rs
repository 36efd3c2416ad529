//! The tamper lock end to end: the simulated Bluetooth reader fires its security switch, the
//! terminal locks (also across a restart), the acquirer's help desk code unlocks it, and the
//! merchant signs in again before paying.

use std::sync::Arc;
use std::time::Duration;

use pos_acquirer_sim::{SimConfig, Simulator};
use pos_core::card::DeviceSecret;
use pos_core::crypto::{FileVault, SecretKey};
use pos_core::devices::ble::{memory_pair, MemoryFaults, TransportConfig};
use pos_core::devices::reader::{BleCardReader, SimulatedReader};
use pos_core::i18n::Bilingual;
use pos_core::provision::{DEMO_TID, DEMO_TMK_HEX};
use pos_core::reader::{ReaderError, SoftwareReader};
use pos_core::terminal::{SystemClock, Terminal, TerminalError};
use pos_e2e::{cny, TempDir};

async fn terminal_with(
    device_inner: Arc<SoftwareReader>,
    dir: &TempDir,
    sim: &pos_acquirer_sim::SimHandle,
) -> (Terminal, SimulatedReader) {
    let ((phone, prx), (dev, drx)) = memory_pair(185, MemoryFaults::default());
    let device = SimulatedReader::spawn(Arc::new(dev), drx, device_inner, TransportConfig::default());
    let reader = BleCardReader::connect(Arc::new(phone), prx, TransportConfig::default()).await.unwrap();
    let mut tc = pos_e2e::terminal_config(sim);
    // Pays with the same few cards many times a day; the default risk policy would ask for
    // confirmations (the risk engine has its own tests: tests/risk.rs, core risk::tests).
    tc.risk_policy = None;
    tc.card_timeout = Duration::from_secs(2);
    let vault = Arc::new(FileVault::open_or_create(dir.0.join("vault.key")).unwrap());
    let t = Terminal::open(&dir.0, tc, vault, Arc::new(reader), Arc::new(SystemClock::default())).unwrap();
    (t, device)
}

fn is_tamper(e: &TerminalError) -> bool {
    matches!(e, TerminalError::Reader(ReaderError::Tampered))
}

#[tokio::test]
async fn tamper_locks_persistently_until_the_help_desk_unlocks() {
    let sim = Simulator::start(SimConfig::demo().listening_on("127.0.0.1:0")).await.unwrap();
    let dir = TempDir::new("tamper");
    let inner =
        Arc::new(SoftwareReader::new(SecretKey::from_hex(DEMO_TMK_HEX).unwrap(), DeviceSecret::generate().unwrap()));
    let (terminal, device) = terminal_with(inner.clone(), &dir, &sim).await;
    assert!(terminal.sign_in().await.unwrap().approved);
    device.present("debit").unwrap();
    assert!(terminal.sale(cny(100)).await.unwrap().approved);

    device.trigger_tamper();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let e = terminal.sale(cny(100)).await.unwrap_err();
    assert!(is_tamper(&e), "{e:?}");
    assert!(e.zh().contains("系统安全已触发"), "{}", e.zh());
    assert!(terminal.is_tamper_locked().unwrap());
    assert!(is_tamper(&terminal.sign_in().await.unwrap_err()));

    // A restart with a reader that looks fine again (a service reset of the reader alone)
    // still finds the terminal locked: the lock is in the terminal's store.
    drop(terminal);
    device.service_reset();
    let (terminal, device2) = terminal_with(inner.clone(), &dir, &sim).await;
    drop(device);
    assert!(terminal.is_tamper_locked().unwrap());
    device2.present("debit").unwrap();
    assert!(is_tamper(&terminal.sale(cny(100)).await.unwrap_err()));

    // The reader fires again; the remote unlock: a wrong code is refused, the help desk's code unlocks.
    device2.trigger_tamper();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let challenge = terminal.unlock_challenge().await.unwrap();
    assert!(matches!(terminal.unlock("12345678").await, Err(TerminalError::Reader(ReaderError::UnlockRefused))));
    assert!(terminal.is_tamper_locked().unwrap());
    let challenge2 = terminal.unlock_challenge().await.unwrap();
    assert_ne!(challenge, challenge2);
    let code = sim.unlock_code(DEMO_TID, &challenge2).expect("help desk code");
    terminal.unlock(&code).await.unwrap();
    assert!(!terminal.is_tamper_locked().unwrap());
    // The keys are gone: 请重新签到, then payments work again.
    let e = terminal.sale(cny(100)).await.unwrap_err();
    assert_eq!(e.zh(), "请重新签到");
    assert!(terminal.sign_in().await.unwrap().approved);
    assert!(terminal.sale(cny(100)).await.unwrap().approved);
}
