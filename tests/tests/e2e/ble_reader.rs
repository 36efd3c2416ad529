//! The terminal with a Bluetooth reader: the phone's BleCardReader talks the reader protocol
//! over an in-memory BLE link to the simulated reader, against the acquirer simulator.

use std::sync::Arc;
use std::time::Duration;

use pos_acquirer_sim::{SimConfig, Simulator};
use pos_core::card::DeviceSecret;
use pos_core::crypto::{FileVault, SecretKey};
use pos_core::deck::{self, CardStatus};
use pos_core::devices::ble::{memory_pair, MemoryEndpoint, MemoryFaults, TransportConfig};
use pos_core::devices::reader::{BleCardReader, SimulatedReader};
use pos_core::provision::DEMO_TMK_HEX;
use pos_core::terminal::{SystemClock, Terminal};
use pos_core::SoftwareReader;
use pos_e2e::{cny, pan, TempDir};

struct BleRig {
    sim: pos_acquirer_sim::SimHandle,
    terminal: Terminal,
    device: SimulatedReader,
    link: Arc<MemoryEndpoint>,
    _dir: TempDir,
}

async fn ble_rig(mtu: usize) -> BleRig {
    let mut config = SimConfig::demo();
    config.limits.daily_count_per_card = 1_000;
    let sim = Simulator::start(config.listening_on("127.0.0.1:0")).await.expect("simulator");
    let ((phone, prx), (dev, drx)) = memory_pair(mtu, MemoryFaults::default());
    let tmk = SecretKey::from_hex(DEMO_TMK_HEX).unwrap();
    let inner = Arc::new(SoftwareReader::new(tmk, DeviceSecret::generate().unwrap()));
    let device = SimulatedReader::spawn(Arc::new(dev), drx, inner, TransportConfig::default());
    let link = Arc::new(phone);
    let reader = BleCardReader::connect(link.clone(), prx, TransportConfig::default()).await.expect("reader connects");
    let dir = TempDir::new("ble");
    let mut tc = pos_e2e::terminal_config(&sim);
    // Pays with the same few cards many times a day; the default risk policy would ask for
    // confirmations (the risk engine has its own tests: tests/e2e/risk.rs, core risk::tests).
    tc.risk_policy = None;
    tc.card_timeout = Duration::from_secs(2);
    let vault = Arc::new(FileVault::open_or_create(dir.join("vault.key")).unwrap());
    let terminal = Terminal::open(dir.path(), tc, vault, Arc::new(reader), Arc::new(SystemClock::default())).unwrap();
    assert!(terminal.sign_in().await.unwrap().approved);
    BleRig { sim, terminal, device, link, _dir: dir }
}

#[tokio::test(start_paused = true)]
async fn every_card_in_the_deck_through_a_full_payment() {
    let rig = ble_rig(185).await;
    let ledger = rig.sim.ledger();
    for card in deck::DECK {
        rig.device.present(card.id).unwrap();
        let before = ledger.available(card.pan).unwrap();
        let mut o = rig.terminal.sale(cny(1_500)).await.unwrap_or_else(|e| panic!("{}: {e}", card.id));
        for _ in 0..2 {
            if !o.can_retry_pin() {
                break;
            }
            o = rig.terminal.sale(cny(1_500)).await.unwrap();
        }
        let expected = match (card.status, card.id) {
            (CardStatus::Lost, _) => "41",
            (CardStatus::Stolen, _) => "43",
            (CardStatus::Expired, _) => "54",
            (CardStatus::Restricted, _) => "62",
            (_, "lowbal") => "51",
            (_, "pinlocked") => "75",
            (_, "hotlisted") => "62", // on the simulator's blacklist
            _ => "00",
        };
        assert_eq!(o.response_code.as_str(), expected, "{}: {}", card.id, o.message_en);
        let spent = before - ledger.available(card.pan).unwrap();
        assert_eq!(spent, if expected == "00" { 1_500 } else { 0 }, "{}", card.id);
    }
    ledger.check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_reader_dropping_mid_payment_charges_nothing_and_the_next_payment_works() {
    let rig = ble_rig(23).await;
    let before = rig.sim.ledger().available(pan("debit")).unwrap();
    // No card yet: the read is waiting when the link drops.
    let sale = rig.terminal.sale(cny(700));
    let drop_link = async {
        tokio::time::sleep(Duration::from_millis(150)).await;
        rig.link.disconnect().await;
    };
    let (r, ()) = tokio::join!(sale, drop_link);
    let e = r.unwrap_err();
    let zh = pos_core::Bilingual::zh(&e);
    assert!(zh.contains("读卡器"), "{zh}");
    assert_eq!(rig.sim.ledger().available(pan("debit")).unwrap(), before, "nothing charged");
    rig.link.reconnect().await;
    rig.device.present("debit").unwrap();
    let o = rig.terminal.sale(cny(700)).await.unwrap();
    assert!(o.approved);
    assert_eq!(rig.sim.ledger().available(pan("debit")).unwrap(), before - 700);
}

/// The CA public keys and IC parameters cross the link in parts (`LOAD_CHIP_PARAMS`, 0C) and the
/// reader's chip kernel authenticates the card: it pays offline, its result in tag 3E.
#[tokio::test(start_paused = true)]
async fn the_chip_parameters_cross_the_link_and_a_chip_card_pays_offline() {
    // A small MTU: the keys take several frames of chunks.
    let rig = ble_rig(23).await;
    assert_eq!(rig.terminal.public_keys().unwrap().len(), 5, "fetched at the first sign-in");
    rig.device.present("offline").unwrap();
    let o = rig.terminal.sale_with(cny(800), pos_core::OfflinePreference::ForceOffline).await.unwrap();
    assert!(o.approved && o.txn == pos_core::iso8583::TxnType::OfflineSale, "{o:?}");
    assert_eq!(rig.terminal.queue_stats().unwrap().count, 1);
}
