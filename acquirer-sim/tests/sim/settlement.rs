//! Settlement (equal and not equal), batch upload and batch close.

use pos_core::iso8583::{
    AdminKind, BatchNo, BatchRecord, IcUploadItem, NetCode, Reconciliation, SettlementTotals, Stan, Totals, TxnType,
};
use pos_core::provision::DEMO_TID;

use crate::terminal::{rc, Term};
use crate::{demo, invariants, start};

fn totals(debit_amount: u64, debit_count: u16, credit_amount: u64, credit_count: u16) -> Totals {
    Totals { debit_amount, debit_count, credit_amount, credit_count, reconciliation: Reconciliation::NotReconciled }
}

/// A batch with every kind of row: what counts and what does not.
async fn trade(t: &mut Term) {
    let (s1, r1) = t.sale("debit", 10_000).await; // debit
    t.sale("credit", 2_000).await; // debit
    let (s3, r3) = t.sale("debit", 500).await; // voided: excluded
    let card = t.deck_card("debit");
    let void = t.follow_up(TxnType::Void, Some(500), card, &s3, &r3);
    assert_eq!(rc(&t.send(&void).await), "00");
    let (s4, _) = t.sale("debit", 700).await; // reversed: excluded
    t.reverse(&s4).await;
    let card = t.deck_card("debit");
    let refund = t.follow_up(TxnType::Refund, Some(1_000), card, &s1, &r1); // credit
    assert_eq!(rc(&t.send(&refund).await), "00");
    let card = t.deck_card("credit");
    let (pa, pa_resp) = t.run(TxnType::PreAuth, Some(9_000), card).await; // excluded
    let card = t.deck_card("credit");
    let comp = t.follow_up(TxnType::PreAuthCompletion, Some(8_000), card, &pa, &pa_resp); // debit
    assert_eq!(rc(&t.send(&comp).await), "00");
    let card = t.deck_card("offline");
    t.run(TxnType::OfflineSale, Some(300), card).await; // debit
    t.sale("lowbal", 999_999).await; // declined: excluded
    t.sale("visa", 4_400).await; // foreign debit
    let card = t.deck_card("debit");
    t.run(TxnType::BalanceInquiry, None, card).await; // excluded
}

fn expected() -> SettlementTotals {
    SettlementTotals { domestic: totals(10_000 + 2_000 + 8_000 + 300, 4, 1_000, 1), foreign: totals(4_400, 1, 0, 0) }
}

#[tokio::test]
async fn equal_totals_balance_and_close_the_batch() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    trade(&mut t).await;
    let req = t.admin(AdminKind::Settlement(expected()));
    let r = t.send_admin(&req).await;
    assert_eq!((r.mti.as_str(), r.response_code.as_str()), ("0510", "00"));
    let got = r.totals.unwrap();
    assert_eq!(
        (got.domestic.reconciliation, got.foreign.reconciliation),
        (Reconciliation::Balanced, Reconciliation::Balanced)
    );
    assert_eq!(got.domestic.debit_amount, 20_300, "the terminal's figures are echoed");
    let state = sim.ledger().batch(DEMO_TID).unwrap().unwrap();
    assert_eq!((state.current, state.uploading, state.last_closed), (2, false, Some(1)));
    // An end-of-upload message for the closed batch is still answered 00 and changes nothing.
    let end = t.admin(AdminKind::BatchEnd { code: NetCode::BatchEnd, count: 0 });
    assert_eq!(t.send_admin(&end).await.response_code.as_str(), "00");
    assert_eq!(sim.current_batch(DEMO_TID).unwrap(), Some(2));
    // The old batch is closed for new business.
    assert_eq!(rc(&t.sale("debit", 100).await.1), "77");
    let s = &sim.ledger().settlements(DEMO_TID).unwrap()[0];
    assert!(s.balanced && s.host_totals == expected().to_field().unwrap());
    invariants(&sim);
}

#[tokio::test]
async fn unequal_totals_then_upload_then_close() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    trade(&mut t).await;
    let mut theirs = expected();
    theirs.foreign.debit_count = 2;
    let r = t.call(AdminKind::Settlement(theirs)).await;
    let got = r.totals.unwrap();
    assert_eq!(
        (got.domestic.reconciliation, got.foreign.reconciliation),
        (Reconciliation::Balanced, Reconciliation::Unbalanced)
    );
    let state = sim.ledger().batch(DEMO_TID).unwrap().unwrap();
    assert_eq!((state.current, state.uploading), (1, true));
    // Magstripe records, an IC item, then the end message.
    let records = vec![
        BatchRecord { card_org: 0, stan: Stan::new(1).unwrap(), card: "6228480000000018".into(), amount: 10_000 },
        BatchRecord { card_org: 1, stan: Stan::new(11).unwrap(), card: "4012340000001239".into(), amount: 4_400 },
    ];
    let r = t.call(AdminKind::BatchUpload(records)).await;
    assert_eq!((r.mti.as_str(), r.response_code.as_str()), ("0330", "00"));
    let ic = IcUploadItem { original_stan: Stan::new(2).unwrap(), amount: 2_000, icc: vec![0x9F, 0x26, 0x01, 0x00] };
    assert_eq!(t.call(AdminKind::IcBatchUpload(ic)).await.response_code.as_str(), "00");
    let end = t.admin(AdminKind::BatchEnd { code: NetCode::BatchEndIc, count: 3 });
    assert_eq!(t.send_admin(&end).await.response_code.as_str(), "00");
    let state = sim.ledger().batch(DEMO_TID).unwrap().unwrap();
    assert_eq!((state.current, state.uploading, state.last_closed), (2, false, Some(1)));
    let uploads = sim.ledger().uploads(DEMO_TID, 1).unwrap();
    let items: Vec<&str> = uploads.iter().map(|u| u.item.as_str()).collect();
    assert_eq!(items, ["record", "record", "ic", "end"]);
    assert!(uploads.iter().all(|u| !u.detail.contains("4012340000001239")), "no card number kept");
    // Sign-in tells the terminal the new batch; business goes on there.
    let r = t.sign_in(pos_core::crypto::KeyMode::DoubleWithTrack004).await;
    assert_eq!(r.batch.value(), 2);
    assert_eq!(rc(&t.sale("debit", 100).await.1), "00");
    invariants(&sim);
}

#[tokio::test]
async fn the_unbalanced_fault_asks_for_the_batch_though_the_totals_agree() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    trade(&mut t).await;
    sim.faults().set(
        DEMO_TID,
        pos_acquirer_sim::FaultPlan::once(pos_acquirer_sim::FaultMode::Unbalanced)
            .on(pos_acquirer_sim::RequestClass::Settlement),
    );
    let r = t.call(AdminKind::Settlement(expected())).await;
    let got = r.totals.unwrap();
    assert_eq!(got.domestic.reconciliation, Reconciliation::Unbalanced, "the fault's answer");
    assert_eq!(got.foreign.reconciliation, Reconciliation::Balanced, "the other section is as it is");
    let state = sim.ledger().batch(DEMO_TID).unwrap().unwrap();
    assert_eq!((state.current, state.uploading), (1, true), "waiting for the upload");
    let s = &sim.ledger().settlements(DEMO_TID).unwrap()[0];
    assert!(!s.balanced && s.host_totals == expected().to_field().unwrap(), "the books themselves agree");
    let end = t.admin(AdminKind::BatchEnd { code: NetCode::BatchEnd, count: 0 });
    assert_eq!(t.send_admin(&end).await.response_code.as_str(), "00");
    assert_eq!(sim.current_batch(DEMO_TID).unwrap(), Some(2), "closed after the upload");
    // Used once: the next batch settles balanced.
    let mut t = Term::signed_in(&sim).await;
    let zero = SettlementTotals { domestic: totals(0, 0, 0, 0), foreign: totals(0, 0, 0, 0) };
    let r = t.call(AdminKind::Settlement(zero)).await;
    assert_eq!(r.totals.unwrap().domestic.reconciliation, Reconciliation::Balanced);
    invariants(&sim);
}

#[tokio::test]
async fn settlement_of_another_batch_is_77() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    t.batch = BatchNo::new(5).unwrap();
    let r = t.call(AdminKind::Settlement(SettlementTotals { domestic: Totals::ZERO, foreign: Totals::ZERO })).await;
    assert_eq!(r.response_code.as_str(), "77");
    let up = t.admin(AdminKind::BatchEnd { code: NetCode::BatchEnd, count: 0 });
    assert_eq!(t.send_admin(&up).await.response_code.as_str(), "77");
    assert_eq!(sim.current_batch(DEMO_TID).unwrap(), Some(1));
}

#[tokio::test]
async fn an_empty_batch_settles_balanced() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let r = t.call(AdminKind::Settlement(SettlementTotals { domestic: Totals::ZERO, foreign: Totals::ZERO })).await;
    assert_eq!(r.totals.unwrap().domestic.reconciliation, Reconciliation::Balanced);
    assert_eq!(sim.current_batch(DEMO_TID).unwrap(), Some(2));
}
