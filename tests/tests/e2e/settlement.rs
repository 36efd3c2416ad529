//! Settlement against the simulator: equal and unequal totals, the batch upload checked
//! against the host's record of received items, `77`, the flush-first rule, an upload
//! interrupted at every item index (lost connection, lost answer) and resumed exactly, and
//! the day-end guard.

use std::collections::HashMap;

use crate::support::{open, Lane};
use pos_acquirer_sim::{FaultMode, RequestClass, UploadRecord};
use pos_core::iso8583::{BatchNo, Reconciliation};
use pos_core::provision::DEMO_TID;
use pos_core::terminal::{OriginalRef, TxnOutcome};
use pos_core::Bilingual;
use pos_core::OfflinePreference;
use pos_core::{DayEndOp, DayEndRefusal};
use pos_core::{Error, ErrorCode};
use pos_e2e::{cny, TempDir};

/// A day with every settled type: chip, contactless and swipe sales, a voided sale, a
/// refund, a completed pre-auth and a foreign card.
async fn scripted_day(lane: &Lane) -> Vec<TxnOutcome> {
    let mut out = Vec::new();
    for (card, fen) in [("debit", 1_000), ("contactless", 2_050), ("swipe12", 3_000), ("visa", 4_500)] {
        lane.present(card);
        let o = lane.terminal.sale(cny(fen)).await.unwrap();
        assert!(o.approved, "{o:?}");
        out.push(o);
    }
    lane.present("swipe123");
    let voided = lane.terminal.sale(cny(777)).await.unwrap();
    lane.present("swipe123");
    assert!(lane.terminal.void(OriginalRef::Voucher(voided.voucher.unwrap())).await.unwrap().approved);
    lane.present("swipe12");
    let refund = lane.terminal.refund(cny(500), OriginalRef::Voucher(out[2].voucher.unwrap())).await.unwrap();
    assert!(refund.approved, "{refund:?}");
    lane.present("credit");
    let pa = lane.terminal.pre_auth(cny(9_000)).await.unwrap();
    lane.present("credit");
    let done = lane.terminal.pre_auth_complete(cny(8_000), OriginalRef::Voucher(pa.voucher.unwrap())).await.unwrap();
    assert!(done.approved, "{done:?}");
    out.extend([refund, done]);
    out
}

/// Swipe sales (several record messages) and chip sales (one message each).
async fn upload_day(lane: &Lane, swipes: u64, chips: u64) {
    for i in 0..swipes {
        lane.present(if i % 2 == 0 { "swipe12" } else { "swipe23" });
        assert!(lane.terminal.sale(cny(100 + i)).await.unwrap().approved);
    }
    for i in 0..chips {
        lane.present("contactless");
        assert!(lane.terminal.sale(cny(1_000 + i)).await.unwrap().approved);
    }
}

/// A second terminal with the same identity approves a sale the first never records,
/// so the host's totals differ; then the first signs in again.
async fn host_only_sale(lane: &Lane) {
    let dir = TempDir::new("settle-other");
    let other = open(&dir, lane.config.clone(), lane.reader.clone(), lane.clock.clone()).unwrap();
    // Past the first terminal's STANs, so the host does not take the sale for a repeat.
    let last = lane.terminal.last_stan().unwrap().map_or(0, |s| s.value());
    for _ in 0..last + 10 {
        other.store().next_stan().unwrap();
    }
    assert!(other.sign_in().await.unwrap().approved);
    lane.present("swipe12");
    assert!(other.sale(cny(12_345)).await.unwrap().approved);
    drop(other);
    assert!(lane.terminal.sign_in().await.unwrap().approved);
}

fn uploads(lane: &Lane, batch: BatchNo) -> Vec<UploadRecord> {
    lane.sim.ledger().uploads(DEMO_TID, batch.value()).unwrap()
}

/// Every counted row of the terminal's batch is in the host's record exactly once, then one end.
fn assert_uploaded_once(lane: &Lane, batch: BatchNo, expected_stans: &[u32]) {
    let got = uploads(lane, batch);
    let mut seen: HashMap<u32, u32> = HashMap::new();
    for u in got.iter().filter(|u| u.item != "end") {
        *seen.entry(u.stan).or_default() += 1;
    }
    for s in expected_stans {
        assert_eq!(seen.get(s), Some(&1), "STAN {s} uploaded once: {got:?}");
    }
    assert_eq!(seen.len(), expected_stans.len(), "nothing else uploaded: {got:?}");
    let ends: Vec<_> = got.iter().filter(|u| u.item == "end").collect();
    assert_eq!(ends.len(), 1, "{got:?}");
    assert_eq!(ends[0].stan as usize, expected_stans.len(), "end carries the count");
}

fn counted_stans(lane: &Lane, batch: BatchNo) -> Vec<u32> {
    let rows = lane.terminal.batch_txns(batch).unwrap();
    rows.iter().filter(|r| pos_core::counts_in(r).is_some()).map(|r| r.numbers.stan.value()).collect()
}

#[tokio::test(start_paused = true)]
async fn equal_totals_close_the_batch_without_upload() {
    let lane = Lane::start(|_| {}).await;
    scripted_day(&lane).await;
    let batch = lane.terminal.batch().unwrap();
    let o = lane.terminal.settle().await.unwrap();
    assert_eq!(o.reconciliation, Reconciliation::Balanced);
    assert_eq!((o.batch, o.uploaded, o.resumed), (batch, 0, false));
    assert!(o.signed_in_again);
    assert_eq!(o.next_batch, batch.next());
    assert_eq!(lane.terminal.batch().unwrap(), batch.next());
    assert_eq!(lane.sim.current_batch(DEMO_TID).unwrap(), Some(batch.next().value()));
    // Field 48 as the profile says: sales 1,000 + 2,050 + 3,000 + completion 8,000 domestic
    // (the voided sale out), refund 500; the Visa sale in the foreign section.
    let t = o.totals;
    assert_eq!((t.domestic.debit_amount, t.domestic.debit_count), (14_050, 4));
    assert_eq!((t.domestic.credit_amount, t.domestic.credit_count), (500, 1));
    assert_eq!((t.foreign.debit_amount, t.foreign.debit_count, t.foreign.credit_count), (4_500, 1, 0));
    let host = lane.sim.ledger().settlements(DEMO_TID).unwrap();
    assert_eq!(host.len(), 1);
    assert!(host[0].balanced && host[0].terminal_totals == host[0].host_totals);
    assert!(uploads(&lane, batch).is_empty());
    assert_eq!(o.slip.domestic.debit_count, 4);
    assert!(o.slip.foreign.is_some());
    assert!(!o.slip.render(pos_core::devices::printer::PaperWidth::Mm58).is_empty());
    assert!(o.zh().contains("对账平") && o.en().contains("totals equal"));
    assert!(lane.terminal.day_end_blockers().unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn unequal_totals_upload_the_batch_then_close() {
    let lane = Lane::start(|_| {}).await;
    scripted_day(&lane).await;
    upload_day(&lane, 9, 1).await;
    host_only_sale(&lane).await;
    let batch = lane.terminal.batch().unwrap();
    let mut seen = Vec::new();
    let o = lane.terminal.settle_with(|p| seen.push(p.acked)).await.unwrap();
    assert_eq!(o.reconciliation, Reconciliation::Unbalanced);
    assert!(!o.resumed && o.signed_in_again);
    let expected = counted_stans(&lane, batch);
    assert_eq!(o.upload_count as usize, expected.len());
    assert_assert_progress(&seen, o.uploaded);
    assert_uploaded_once(&lane, batch, &expected);
    // Magstripe records are 8 to a message, the card as first 6, zeros, last 4 (BIN kept at the host).
    let got = uploads(&lane, batch);
    assert!(got.iter().filter(|u| u.item == "record").all(|u| u.detail.contains("card 621700")));
    assert!(got.iter().any(|u| u.item == "ic"));
    let host = lane.sim.ledger().settlements(DEMO_TID).unwrap();
    assert!(!host[0].balanced);
    assert_eq!(lane.sim.current_batch(DEMO_TID).unwrap(), Some(batch.next().value()));
    assert_eq!(lane.terminal.batch().unwrap(), batch.next());
    assert!(!lane.terminal.upload_unfinished().unwrap());
}

/// Progress starts at 0, only grows (a group of answers at a time) and ends at what was sent.
fn assert_assert_progress(seen: &[u32], sent: u32) {
    assert_eq!(seen.first(), Some(&0));
    assert_eq!(seen.last(), Some(&sent));
    assert!(seen.windows(2).all(|w| w[1] > w[0]), "{seen:?}");
}

#[tokio::test(start_paused = true)]
async fn batch_out_of_step_signs_in_again_and_settles() {
    // The terminal behind the host: `77`, a sign-in brings the host's batch, the batch settles.
    // (A host behind the terminal is refused at sign-in: online.rs.)
    let mut sim = crate::support::sim_config();
    sim.terminals[0].batch = 8;
    let lane = Lane::start_with(sim, |_| {}).await;
    upload_day(&lane, 2, 1).await;
    let batch = lane.terminal.batch().unwrap();
    assert_eq!(batch.value(), 8);
    lane.terminal.store().set_batch(BatchNo::new(batch.value() - 7).unwrap()).unwrap();
    let o = lane.terminal.settle().await.unwrap();
    assert_eq!((o.batch, o.reconciliation), (batch, Reconciliation::Balanced));
    assert_eq!(lane.terminal.batch().unwrap(), batch.next());
}

#[tokio::test(start_paused = true)]
async fn settlement_flushes_stored_payments_first_and_refuses_when_it_cannot() {
    let lane = Lane::start(|_| {}).await;
    lane.present("offline");
    assert!(lane.terminal.sale_with(cny(2_000), OfflinePreference::ForceOffline).await.unwrap().approved);
    // The host cannot be reached: refused, with both texts, nothing sent.
    lane.fault(FaultMode::Close, 100, RequestClass::Any);
    let e = lane.terminal.settle().await.unwrap_err();
    assert!(matches!(e, Error::Settlement { code: ErrorCode::SettlementPaymentsStored, stored: Some(1), .. }), "{e:?}");
    assert!(e.zh().contains("离线交易未上送") && e.en().contains("not been uploaded"));
    assert!(lane.sim.ledger().settlements(DEMO_TID).unwrap().is_empty());
    lane.clear_faults();
    // Back: the stored payment goes first, then the totals agree.
    let o = lane.terminal.settle().await.unwrap();
    assert_eq!(o.reconciliation, Reconciliation::Balanced);
    assert_eq!(o.totals.domestic.debit_amount, 2_000);
}

#[tokio::test(start_paused = true)]
async fn settlement_refuses_while_a_reversal_cannot_be_delivered() {
    let lane = Lane::start(|_| {}).await;
    lane.present("swipe12");
    lane.fault(FaultMode::DropResponse, 1, RequestClass::Financial);
    assert!(lane.terminal.sale(cny(3_300)).await.is_err());
    lane.fault(FaultMode::Close, 100, RequestClass::Reversal);
    let e = lane.terminal.settle().await.unwrap_err();
    assert!(matches!(e, Error::ReversalPending { count: 1, .. }), "{e:?}");
    assert!(e.zh().contains("冲正") && e.en().contains("reversal"));
    let refusal = lane.terminal.sign_off().await.unwrap_err();
    assert!(matches!(&refusal, Error::DayEndRefused { blockers, .. }
        if blockers.contains(&DayEndRefusal::ReversalPending { count: 1 })));
    lane.clear_faults();
    let o = lane.terminal.settle().await.unwrap();
    assert_eq!((o.totals.domestic.debit_count, o.reconciliation), (0, Reconciliation::Balanced));
}

/// The upload interrupted before message `k` (the link closed, or the answer lost), then
/// resumed; one message at a time, so the interruption can land before any of them.
async fn interrupted_at(k: u32, mode: FaultMode) {
    let lane = Lane::start(|c| {
        c.sync.upload_window = 1;
        c.sync.group = 1;
    })
    .await;
    upload_day(&lane, 10, 2).await; // 2 record messages, 2 chip messages, the end: 5
    host_only_sale(&lane).await;
    let batch = lane.terminal.batch().unwrap();
    let sim = &lane.sim;
    let e = lane
        .terminal
        .settle_with(|p| {
            if p.acked == k {
                sim.faults().set(DEMO_TID, pos_acquirer_sim::FaultPlan::once(mode).on(RequestClass::Settlement));
            }
        })
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Settlement { code: ErrorCode::SettlementUploadInterrupted, progress: Some((acked, 5)), .. } if acked == k),
        "{k}: {e:?}"
    );
    assert!(e.zh().contains("继续上送"), "{}", e.zh());
    assert!(lane.terminal.upload_unfinished().unwrap());
    let blocked = lane.terminal.factory_reset().await.unwrap_err();
    assert!(matches!(&blocked, Error::DayEndRefused { op: DayEndOp::FactoryReset, blockers, .. }
        if blockers == &[DayEndRefusal::UploadUnfinished]));
    lane.clear_faults();
    let mut first = None;
    let o = lane
        .terminal
        .settle_with(|p| {
            first.get_or_insert(p);
        })
        .await
        .unwrap();
    let first = first.unwrap();
    assert!(first.resumed && first.acked == k, "{k}: resumed after the last acknowledged: {first:?}");
    assert!(o.resumed && o.uploaded == 5 - k, "{k}: {o:?}");
    assert_uploaded_once(&lane, batch, &counted_stans(&lane, batch));
    assert_eq!(lane.terminal.batch().unwrap(), batch.next());
}

#[tokio::test(start_paused = true)]
async fn upload_resumes_after_a_lost_connection_at_every_item() {
    for k in 0..5 {
        interrupted_at(k, FaultMode::Close).await;
    }
}

#[tokio::test(start_paused = true)]
async fn upload_resumes_after_a_lost_answer_at_every_item() {
    for k in 0..5 {
        interrupted_at(k, FaultMode::DropResponse).await;
    }
}

/// Four messages in flight, the first one's answer lost: the three answered are recorded
/// (one commit) before the settlement reports the interruption, and the next attempt sends
/// only the lost one again (answered by the host from its record), then the end message.
#[tokio::test(start_paused = true)]
async fn a_lost_answer_in_a_window_resends_only_that_message() {
    let lane = Lane::start(|c| {
        c.sync.upload_window = 4;
        c.sync.group = 4;
    })
    .await;
    upload_day(&lane, 10, 2).await; // 2 record messages, 2 chip messages, the end: 5
    host_only_sale(&lane).await;
    let batch = lane.terminal.batch().unwrap();
    let sim = &lane.sim;
    let mut seen = Vec::new();
    let e = lane
        .terminal
        .settle_with(|p| {
            if p.acked == 0 {
                // Before the first upload message: its answer is the one lost.
                let plan = pos_acquirer_sim::FaultPlan::once(FaultMode::DropResponse).on(RequestClass::Settlement);
                sim.faults().set(DEMO_TID, plan);
            }
            seen.push(p.acked);
        })
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Settlement { code: ErrorCode::SettlementUploadInterrupted, progress: Some((3, 5)), .. }),
        "{e:?}"
    );
    assert_eq!(seen, [0, 3], "the three answered were recorded together");
    lane.clear_faults();
    let o = lane.terminal.settle().await.unwrap();
    assert!(o.resumed && o.uploaded == 2, "the lost one and the end: {o:?}");
    assert_uploaded_once(&lane, batch, &counted_stans(&lane, batch));
    assert_eq!(lane.terminal.batch().unwrap(), batch.next());
}

#[tokio::test(start_paused = true)]
async fn day_end_guard_refuses_each_operation_until_settled() {
    // With the default risk policy: its audit trail refers to the journal rows erased at the end.
    let lane = Lane::start(|c| c.risk_policy = Some(pos_core::RiskPolicy::default_cny())).await;
    upload_day(&lane, 1, 0).await;
    lane.present("offline");
    assert!(lane.terminal.sale_with(cny(900), OfflinePreference::ForceOffline).await.unwrap().approved);
    for op in [DayEndOp::SignOff, DayEndOp::SwitchDevice, DayEndOp::FactoryReset, DayEndOp::Decommission] {
        let e = match op {
            DayEndOp::SignOff => lane.terminal.sign_off().await.map(|_| ()),
            DayEndOp::SwitchDevice => lane.terminal.switch_device().await,
            DayEndOp::FactoryReset => lane.terminal.factory_reset().await,
            DayEndOp::Decommission => lane.terminal.decommission().await,
            // Needs the terminal closed (its own test: core terminal tests, provisioning).
            DayEndOp::Reprovision => unreachable!("not in the list"),
        }
        .unwrap_err();
        let Error::DayEndRefused { op: refused, blockers: reasons, .. } = &e else { panic!("{e:?}") };
        assert_eq!(*refused, op);
        assert!(reasons.contains(&DayEndRefusal::PaymentsStored { count: 1 }), "{reasons:?}");
        assert!(reasons.contains(&DayEndRefusal::BatchUnsettled { count: 2 }), "{reasons:?}");
        assert!(e.zh().contains("请先结算") && e.en().contains("settle first"), "{}", e.both());
    }
    assert!(lane.terminal.is_signed_in().unwrap(), "nothing was done");
    lane.terminal.settle().await.unwrap();
    assert!(lane.terminal.day_end_blockers().unwrap().is_empty());
    assert!(lane.terminal.sign_off().await.unwrap().approved);
    assert!(!lane.terminal.is_signed_in().unwrap());
    lane.terminal.decommission().await.unwrap();
    assert!(lane.terminal.is_decommissioned().unwrap());
    assert!(lane.terminal.recent_txns(10).unwrap().is_empty());
    assert_eq!(lane.terminal.risk_report(None).unwrap().evaluations, 0, "the risk audit trail went with the journal");
}
