//! The tamper lock end to end: the simulated Bluetooth reader fires its security switch, the
//! terminal locks (also across a restart), the acquirer's help desk code unlocks it, and the
//! merchant signs in again before paying. Wrong codes are bounded: back-off on the injected
//! clock, a lockout that survives restarts and only the help desk's reset code clears.

use std::sync::Arc;
use std::time::Duration;

use pos_acquirer_sim::{SimConfig, Simulator};
use pos_core::card::DeviceSecret;
use pos_core::crypto::{FileVault, SecretKey};
use pos_core::devices::ble::{memory_pair, MemoryFaults, TransportConfig};
use pos_core::devices::reader::{BleCardReader, SimulatedReader};
use pos_core::provision::{DEMO_TID, DEMO_TMK_HEX};
use pos_core::terminal::{SystemClock, Terminal};
use pos_core::Bilingual;
use pos_core::Error;
use pos_core::UnlockError;
use pos_core::{Clock, ManualClock, Timestamp};
use pos_core::{KeyMemory, SoftwareReader};
use pos_e2e::{cny, TempDir};

/// This terminal's own unlock key, provisioned into its reader and at the simulator's help desk.
const UNLOCK_KEY: &str = "0F1E2D3C4B5A69788796A5B4C3D2E1F0";

fn sim_config() -> SimConfig {
    let mut c = SimConfig::demo().listening_on("127.0.0.1:0");
    c.terminals[0] = c.terminals[0].clone().with_unlock_key(UNLOCK_KEY);
    c
}

fn provisioned(reader: SoftwareReader) -> Arc<SoftwareReader> {
    Arc::new(reader.with_unlock_key(DEMO_TID, SecretKey::from_hex(UNLOCK_KEY).unwrap()))
}

async fn terminal_with(
    device_inner: Arc<SoftwareReader>,
    dir: &TempDir,
    sim: &pos_acquirer_sim::SimHandle,
) -> (Terminal, SimulatedReader) {
    terminal_at(device_inner, dir, sim, Arc::new(SystemClock::default())).await
}

async fn terminal_at(
    device_inner: Arc<SoftwareReader>,
    dir: &TempDir,
    sim: &pos_acquirer_sim::SimHandle,
    clock: Arc<dyn Clock>,
) -> (Terminal, SimulatedReader) {
    let ((phone, prx), (dev, drx)) = memory_pair(185, MemoryFaults::default());
    let device = SimulatedReader::spawn(Arc::new(dev), drx, device_inner, TransportConfig::default());
    let reader = BleCardReader::connect(Arc::new(phone), prx, TransportConfig::default()).await.unwrap();
    let mut tc = pos_e2e::terminal_config(sim);
    // Pays with the same few cards many times a day; the default risk policy would ask for
    // confirmations (the risk engine has its own tests: tests/e2e/risk.rs, core risk::tests).
    tc.risk_policy = None;
    tc.card_timeout = Duration::from_secs(2);
    let vault = Arc::new(FileVault::open_or_create(dir.join("vault.key")).unwrap());
    let reader = Arc::new(reader);
    // Reopened after a restart: retried while a child process of another test briefly holds
    // the lock of the terminal dropped a moment ago (see `open_retrying`).
    let t =
        pos_e2e::open_retrying(|| Terminal::open(dir.path(), tc.clone(), vault.clone(), reader.clone(), clock.clone()))
            .unwrap();
    (t, device)
}

fn is_tamper(e: &Error) -> bool {
    matches!(e, Error::Tampered { .. })
}

#[tokio::test(start_paused = true)]
async fn tamper_locks_persistently_until_the_help_desk_unlocks() {
    let sim = Simulator::start(sim_config()).await.unwrap();
    let dir = TempDir::new("tamper");
    let inner =
        provisioned(SoftwareReader::new(SecretKey::from_hex(DEMO_TMK_HEX).unwrap(), DeviceSecret::generate().unwrap()));
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
    let e = terminal.unlock("123456789012").await.unwrap_err();
    let wrong = UnlockError::WrongCode { tries_left: 9, wait_secs: 0 };
    assert_eq!(e, Error::from(wrong));
    assert!(matches!(e, Error::Unlock { tries_left: Some(9), wait_secs: Some(0), .. }), "{e:?}");
    assert!(e.zh().contains("解锁码错误") && e.en().contains("9 tries left"), "{}", e.both());
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

fn refusal(e: Error) -> UnlockError {
    match &e {
        Error::Unlock { .. } => pos_e2e::source_of::<UnlockError>(&e).expect("its refusal"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn tamper_unlock_brute_force_is_bounded_until_the_help_desk_resets_it() {
    let sim = Simulator::start(sim_config()).await.unwrap();
    let dir = TempDir::new("tamper-lockout");
    let clock = Arc::new(ManualClock::new(Timestamp::new(1_790_000_000, 28_800)));
    // The reader keeps its keys, switch and wrong-code count in key memory (survives power cycles).
    let reader = || {
        let r = SoftwareReader::new(SecretKey::from_hex(DEMO_TMK_HEX).unwrap(), DeviceSecret::from_bytes([7; 32]))
            .with_key_memory(KeyMemory::at(dir.join("reader-keys.json")))
            .unwrap();
        r.set_clock(clock.clone());
        provisioned(r)
    };
    let inner = reader();
    let (terminal, device) = terminal_at(inner.clone(), &dir, &sim, clock.clone()).await;
    assert!(terminal.sign_in().await.unwrap().approved);
    device.trigger_tamper();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(is_tamper(&terminal.sign_in().await.unwrap_err()));

    // Wrong codes, each against a fresh challenge: free at first, then waits that double.
    let mut waits = Vec::new();
    for _ in 0..5 {
        terminal.unlock_challenge().await.unwrap();
        match refusal(terminal.unlock("000000000000").await.unwrap_err()) {
            UnlockError::WrongCode { wait_secs, .. } => {
                waits.push(wait_secs);
                clock.advance(i64::try_from(wait_secs).unwrap());
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(waits, [0, 0, 60, 120, 240]);
    // The app and the reader restart: the count is kept on both sides.
    drop(terminal);
    drop(device);
    drop(inner);
    let inner = reader();
    assert!(inner.is_tampered());
    let (terminal, _device) = terminal_at(inner.clone(), &dir, &sim, clock.clone()).await;
    assert_eq!(terminal.unlock_attempts().unwrap().failures, 5);
    loop {
        terminal.unlock_challenge().await.unwrap();
        match refusal(terminal.unlock("000000000000").await.unwrap_err()) {
            UnlockError::WrongCode { wait_secs, .. } => clock.advance(i64::try_from(wait_secs).unwrap()),
            UnlockError::LockedOut => break,
            other => panic!("{other:?}"),
        }
    }
    // Locked out: the help desk's right unlock code is refused now.
    clock.advance(7 * 86_400);
    let challenge = terminal.unlock_challenge().await.unwrap();
    let code = sim.unlock_code(DEMO_TID, &challenge).unwrap();
    let e = terminal.unlock(&code).await.unwrap_err();
    assert!(e.zh().contains("客服中心") && e.en().contains("help desk"), "{}", e.both());
    assert_eq!(refusal(e), UnlockError::LockedOut);
    // The help desk's reset (a reset code for a fresh challenge), then its unlock code.
    let challenge = terminal.unlock_challenge().await.unwrap();
    terminal.help_desk_reset(&sim.reset_code(DEMO_TID, &challenge).unwrap()).await.unwrap();
    assert!(terminal.is_tamper_locked().unwrap());
    let challenge = terminal.unlock_challenge().await.unwrap();
    terminal.unlock(&sim.unlock_code(DEMO_TID, &challenge).unwrap()).await.unwrap();
    assert!(!terminal.is_tamper_locked().unwrap() && !inner.is_tampered());
    assert!(terminal.sign_in().await.unwrap().approved);
}
