//! Offline data authentication (`docs/terminal-management.md`, "Offline data authentication"):
//! the CA public keys the terminal downloads reach the reader, whose chip kernel checks each
//! chip card's static data against its issuer's certificate (EMV SDA). The deck's cards were
//! signed in Python by this project's test CA (`scripts/gen-oda.py`), which the simulator serves.
//! With the right key a chip card pays offline; with a wrong key under the same index, or no key
//! for it, it is never approved offline: it goes to the host, or is refused with no network.

use crate::support::{sim_config, Lane};
use pos_acquirer_sim::{test_ca_key, FaultMode, RequestClass, TmsConfig, TxnStatus as HostStatus};
use pos_core::iso8583::TxnType;
use pos_core::{ErrorCode, OfflinePreference};
use pos_e2e::cny;

const FORCE: OfflinePreference = OfflinePreference::ForceOffline;

/// The simulator's keys with this project's test CA key replaced by its wrong twin (same RID,
/// index F9, valid check sum, another modulus), or left out.
fn keys(right: Option<bool>) -> Vec<String> {
    let mut capks: Vec<String> = sim_config().tms.capks.into_iter().filter(|k| *k != test_ca_key(false)).collect();
    if let Some(right) = right {
        capks.push(test_ca_key(!right));
    }
    capks
}

#[tokio::test(start_paused = true)]
async fn a_chip_card_whose_data_authenticates_pays_offline() {
    let lane = Lane::start_with(sim_config(), |_| {}).await;
    // The first sign-in fetched the keys, the test CA's among them.
    assert!(lane.terminal.public_keys().unwrap().iter().any(|k| k.id.label() == "A000000333/F9"));
    for card in ["offline", "contactless"] {
        lane.present(card);
        let o = lane.terminal.sale_with(cny(1_000), FORCE).await.unwrap();
        assert!(o.approved && o.txn == TxnType::OfflineSale, "{card}: {o:?}");
    }
    // The reader was handed what the terminal holds, and nothing else.
    let held: Vec<String> = lane.reader.chip_keys().iter().map(|k| k.id.label()).collect();
    let ours: Vec<String> = lane.terminal.public_keys().unwrap().iter().map(|k| k.id.label()).collect();
    assert_eq!(held, ours);
    assert_eq!(lane.terminal.queue_stats().unwrap().count, 2);
}

#[tokio::test(start_paused = true)]
async fn a_wrong_key_never_approves_offline_the_host_decides_and_the_right_key_restores_it() {
    let mut sim = sim_config();
    sim.tms.capks = keys(Some(false));
    let lane = Lane::start_with(sim, |_| {}).await;
    assert!(lane.terminal.public_keys().unwrap().iter().any(|k| k.id.label() == "A000000333/F9"));

    // Forced offline, the card whose data does not authenticate goes to the host on the same read.
    lane.present("offline");
    let o = lane.terminal.sale_with(cny(1_000), FORCE).await.unwrap();
    assert!(o.approved && o.txn == TxnType::Sale, "decided online: {o:?}");
    assert_eq!(lane.host_row(o.stan.value()).map(|r| r.status), Some(HostStatus::Approved));
    assert_eq!(lane.terminal.queue_stats().unwrap().count, 0, "nothing stored offline");

    // With no network it is refused, and nothing is stored or sent.
    lane.terminal.set_connectivity(false);
    lane.fault(FaultMode::Close, 10, RequestClass::Financial);
    let rows = lane.host_rows().len();
    lane.present("offline");
    let e = lane.terminal.sale_with(cny(1_000), OfflinePreference::PreferOnline).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::OfflineNotAuthenticated, "{e:?}");
    assert!(pos_core::Bilingual::zh(&e).contains("脱机认证"), "{}", pos_core::Bilingual::zh(&e));
    assert!(pos_core::Bilingual::en(&e).contains("did not authenticate"), "{}", pos_core::Bilingual::en(&e));
    assert_eq!(lane.terminal.queue_stats().unwrap().count, 0);
    assert_eq!(lane.host_rows().len(), rows, "nothing sent");

    // The acquirer corrects its key: after the download the reader gets it and the card pays offline.
    lane.clear_faults();
    lane.terminal.set_connectivity(true);
    lane.sim.set_tms(TmsConfig { capks: keys(Some(true)), ..Default::default() }).unwrap();
    lane.terminal.download_public_keys().await.unwrap();
    lane.present("offline");
    let o = lane.terminal.sale_with(cny(1_000), FORCE).await.unwrap();
    assert!(o.approved && o.txn == TxnType::OfflineSale, "{o:?}");
}

#[tokio::test(start_paused = true)]
async fn no_key_for_the_card_means_no_offline_approval() {
    let mut sim = sim_config();
    sim.tms.capks = keys(None);
    let lane = Lane::start_with(sim, |_| {}).await;
    assert_eq!(lane.terminal.public_keys().unwrap().len(), 4, "the published keys only");
    lane.terminal.set_connectivity(false);
    lane.fault(FaultMode::Close, 10, RequestClass::Financial);
    for card in ["offline", "contactless"] {
        lane.present(card);
        let e = lane.terminal.sale_with(cny(1_000), OfflinePreference::PreferOnline).await.unwrap_err();
        assert_eq!(e.code(), ErrorCode::OfflineNotAuthenticated, "{card}: {e:?}");
    }
    assert_eq!(lane.terminal.queue_stats().unwrap().count, 0);
}
