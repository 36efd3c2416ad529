//! Terminal management against the simulator (`docs/terminal-management.md`): the CA public
//! keys and IC parameters download, verify, apply at the end message only, and resume after a
//! download cut mid-way; a damaged key is refused and nothing changes.

use pos_acquirer_sim::{FaultMode, FaultPlan, RequestClass, SimConfig};
use pos_core::provision::DEMO_TID;
use pos_core::terminal::TmsKind;
use pos_core::{Error, ErrorCode};
use pos_e2e::start_with;

#[tokio::test(start_paused = true)]
async fn keys_and_chip_parameters_download_verified_and_apply_at_the_end() {
    let rig = start_with(SimConfig::demo(), |_| {}).await;
    // A terminal that holds no CA keys fetches them, and the IC parameters, after its sign-in.
    assert!(rig.terminal.sign_in().await.unwrap().approved);
    let fetched = rig.terminal.downloads().unwrap();
    assert_eq!((fetched[0].1.entries, fetched[1].1.entries), (5, 3), "fetched at the first sign-in");
    let report = rig.terminal.download_public_keys().await.unwrap();
    assert_eq!((report.kind, report.entries, report.resumed_at, report.skipped), (TmsKind::Capk, 5, 0, 0));
    let keys = rig.terminal.public_keys().unwrap();
    let labels: Vec<String> = keys.iter().map(|k| k.id.label()).collect();
    // The published test keys and this project's test CA (the deck's chip cards).
    assert_eq!(labels, ["A000000003/92", "A000000004/EF", "A000000333/08", "A000000333/09", "A000000333/F9"]);
    // The same published check sums as the vector file.
    assert_eq!(hex::encode_upper(keys[2].checksum), "EE23B616C95C02652AD18860E48787C079E8E85A");
    let report = rig.terminal.download_ic_parameters().await.unwrap();
    assert_eq!(report.entries, 3);
    assert!(rig.terminal.ic_parameters().unwrap().iter().all(|p| p.aid.starts_with(&[0xA0, 0, 0, 3, 0x33])));
    let states = rig.terminal.downloads().unwrap();
    assert!(states.iter().all(|(k, s)| *k == TmsKind::Blacklist || (s.entries > 0 && s.staging_next.is_none())));
    // A second download of the same content gives the same digest.
    let again = rig.terminal.download_public_keys().await.unwrap();
    assert_eq!(again.digest, rig.terminal.download_public_keys().await.unwrap().digest);
}

#[tokio::test(start_paused = true)]
async fn a_download_cut_mid_way_keeps_the_old_keys_and_resumes() {
    let mut sim = SimConfig::demo();
    let all = sim.tms.capks.clone();
    sim.tms.capks = all[..2].to_vec();
    let rig = start_with(sim, |_| {}).await;
    assert!(rig.terminal.sign_in().await.unwrap().approved);
    assert_eq!(rig.terminal.download_public_keys().await.unwrap().entries, 2);
    let before = rig.terminal.public_keys().unwrap();

    // The host now has five keys; the answer to the third management request (the second key)
    // is lost: the list and one key arrived, the download stops.
    rig.sim.set_tms(pos_acquirer_sim::TmsConfig { capks: all, ..Default::default() }).unwrap();
    rig.sim.faults().set(DEMO_TID, FaultPlan::once(FaultMode::DropResponse).on(RequestClass::Network).after(2));
    let e = rig.terminal.download_public_keys().await.unwrap_err();
    assert!(e.is_network(), "{e:?}");
    assert_eq!(rig.terminal.public_keys().unwrap(), before, "nothing applied before the end message");
    assert_eq!(rig.terminal.downloads().unwrap()[0].1.staging_next, Some(1), "one key staged");

    let report = rig.terminal.download_public_keys().await.unwrap();
    assert_eq!((report.resumed_at, report.entries), (1, 5), "resumed after the key it had");
    assert_eq!(rig.terminal.public_keys().unwrap().len(), 5);
}

#[tokio::test(start_paused = true)]
async fn a_damaged_key_is_refused_and_the_keys_in_force_stay() {
    let mut sim = SimConfig::demo();
    let mut bad = hex::decode(&sim.tms.capks[1]).unwrap();
    let last = bad.len() - 1;
    bad[last] ^= 0x40;
    sim.tms.capks[1] = hex::encode_upper(bad);
    let rig = start_with(sim, |_| {}).await;
    assert!(rig.terminal.sign_in().await.unwrap().approved);
    let e = rig.terminal.download_public_keys().await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::CapkChecksum, "{e:?}");
    assert!(matches!(e, Error::Security { .. }));
    assert!(pos_core::Bilingual::zh(&e).contains("校验值不符"), "{}", pos_core::Bilingual::zh(&e));
    assert!(rig.terminal.public_keys().unwrap().is_empty(), "nothing applied");
}

#[tokio::test(start_paused = true)]
async fn the_host_asks_for_new_keys_in_a_header_and_the_terminal_fetches_them() {
    let mut sim = SimConfig::demo();
    let all = sim.tms.capks.clone();
    sim.tms.capks = all[..1].to_vec();
    let rig = start_with(sim, |_| {}).await;
    assert!(rig.terminal.sign_in().await.unwrap().approved);
    rig.terminal.download_public_keys().await.unwrap();
    rig.terminal.download_ic_parameters().await.unwrap();
    assert!(rig.terminal.downloads_due().unwrap().is_empty());

    // The acquirer publishes new keys: the next answer (an echo here) asks for them (4).
    rig.sim.set_tms(pos_acquirer_sim::TmsConfig { capks: all.clone(), ..Default::default() }).unwrap();
    rig.terminal.echo().await.unwrap();
    assert_eq!(rig.terminal.downloads_due().unwrap(), vec![TmsKind::Capk]);
    let done = rig.terminal.run_due_downloads().await.unwrap();
    assert_eq!((done.len(), done[0].entries), (1, 5));
    assert!(rig.terminal.downloads_due().unwrap().is_empty(), "done once");
    // The host stopped asking: another answer leaves nothing due.
    rig.terminal.echo().await.unwrap();
    assert!(rig.terminal.downloads_due().unwrap().is_empty());

    // The background task does the same on its own.
    let task = std::sync::Arc::new(rig.terminal);
    rig.sim.set_tms(pos_acquirer_sim::TmsConfig { capks: all[1..].to_vec(), ..Default::default() }).unwrap();
    task.echo().await.unwrap();
    assert_eq!(task.downloads_due().unwrap(), vec![TmsKind::Capk]);
    let _running = task.spawn_sync();
    for _ in 0..100 {
        if task.downloads_due().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    assert_eq!(task.public_keys().unwrap().len(), all.len() - 1, "fetched by the background task");
}
