//! Terminal parameters (终端参数, 360) and the status upload (362) against the simulator: the
//! document downloaded page by page, resumed after a cut, refused when it does not read or is
//! older than the one in force, applied at the next open (slips, offline limits, timeouts), its
//! risk policy installed at once; the host's header asks for a newer version.

use std::time::Duration;

use crate::support::{sim_config, Lane};
use pos_acquirer_sim::{FaultMode, FaultPlan, ParamsConfig, RequestClass, TmsConfig};
use pos_core::devices::printer::preview::render;
use pos_core::devices::printer::PaperWidth;
use pos_core::provision::DEMO_TID;
use pos_core::{Error, OfflinePreference, OfflineRefusal, RiskPolicy};
use pos_e2e::cny;

/// A document of several pages: a risk policy of a few kilobytes rides along.
fn params(version: u64, per_payment: u64) -> ParamsConfig {
    let mut policy = RiskPolicy::default_cny();
    policy.version = version as u32 + 100;
    ParamsConfig {
        version,
        merchant_name: Some("街角便利店".into()),
        header_lines: vec!["欢迎光临 WELCOME".into(), "热线 400-000-0000".into()],
        response_timeout_secs: Some(45),
        retries: Some(2),
        offline: Some((true, per_payment, 300_000, 50, 12, 2)),
        risk_policy: Some(serde_json::to_string(&policy).unwrap()),
        host: None,
        next_ca_pem: None,
    }
}

fn serving(p: ParamsConfig) -> TmsConfig {
    TmsConfig { params: Some(p), ..Default::default() }
}

#[tokio::test(start_paused = true)]
async fn parameters_download_apply_at_open_and_resume_after_a_cut() {
    let mut sim = sim_config();
    sim.tms = serving(params(7, 10_000));
    let mut lane = Lane::start_with(sim, |_| {}).await;
    // The answer to the second page is lost (the status upload and the first page arrived).
    lane.sim.faults().set(DEMO_TID, FaultPlan::once(FaultMode::DropResponse).on(RequestClass::Network).after(2));
    let e = lane.terminal.download_parameters().await.unwrap_err();
    assert!(e.is_network(), "{e:?}");
    assert!(lane.terminal.parameters().unwrap().is_none(), "nothing in force before the last page");
    assert!(lane.terminal.parameters_due().unwrap(), "a cut download is due");

    let report = lane.terminal.download_parameters().await.unwrap();
    assert_eq!((report.version, report.applied, report.resumed_at), (7, true, 1), "{report:?}");
    assert!(report.pages >= 3, "{report:?}");
    assert!(!lane.terminal.parameters_due().unwrap());
    let (p, _) = lane.terminal.parameters().unwrap().unwrap();
    assert_eq!(p.merchant_name.as_deref(), Some("街角便利店"));
    // The risk policy is in force at once.
    assert_eq!(lane.terminal.risk_policy().unwrap().version, 107);

    // From the next open: the slips carry the name and header lines, offline limits apply.
    lane.restart();
    assert_eq!(lane.terminal.config().merchant_name, "街角便利店");
    assert_eq!(lane.terminal.config().response_timeout, Duration::from_secs(45));
    lane.present("contactless");
    let o = lane.terminal.sale_with(cny(5_000), OfflinePreference::ForceOffline).await.unwrap();
    assert!(o.approved);
    let text = render(&lane.terminal.slips(o.txn_id, false).unwrap()[0].render(PaperWidth::Mm58), 32).to_text();
    assert!(text.contains("街角便利店") && text.contains("欢迎光临 WELCOME"), "{text}");
    lane.present("contactless");
    let e = lane.terminal.sale_with(cny(10_001), OfflinePreference::ForceOffline).await.unwrap_err();
    assert!(
        matches!(&e, Error::OfflineRefused { code, .. } if code.as_str() == OfflineRefusal::AmountOverLimit { limit: cny(10_000) }.code()),
        "{e:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_bad_or_older_document_is_refused_and_a_newer_one_is_asked_for() {
    let mut sim = sim_config();
    sim.tms = serving(params(5, 10_000));
    let lane = Lane::start_with(sim, |_| {}).await;
    assert!(lane.terminal.download_parameters().await.unwrap().applied);

    // Offline limits that do not hold together (one payment above the total): refused whole.
    lane.sim.set_tms(serving(params(6, 400_000))).unwrap();
    let e = lane.terminal.download_parameters().await.unwrap_err();
    assert!(matches!(e, Error::Protocol { .. }), "{e:?}");
    assert!(pos_core::Bilingual::zh(&e).contains("终端参数"), "{}", pos_core::Bilingual::zh(&e));
    assert_eq!(lane.terminal.parameters().unwrap().unwrap().0.version, 5, "the version in force stays");

    // An older version (a replay): refused.
    lane.sim.set_tms(serving(params(4, 10_000))).unwrap();
    let e = lane.terminal.download_parameters().await.unwrap_err();
    assert!(pos_core::Bilingual::en(&e).contains("older"), "{e:?}");

    // The acquirer publishes version 8: its next answer asks for it (requirement 1) and the
    // due downloads fetch it.
    lane.sim.set_tms(serving(params(8, 20_000))).unwrap();
    lane.terminal.echo().await.unwrap();
    assert!(lane.terminal.parameters_due().unwrap());
    lane.terminal.run_due_downloads().await.unwrap();
    assert!(!lane.terminal.parameters_due().unwrap());
    assert_eq!(lane.terminal.parameters().unwrap().unwrap().0.version, 8);
}
