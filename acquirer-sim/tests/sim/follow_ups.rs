//! Host rules of void, refund and the pre-auth family.

use pos_core::iso8583::{AdminKind, Reconciliation, SettlementTotals, Totals, TxnType};
use pos_core::provision::{demo_tid, DEMO_MID, DEMO_TMK_HEX};

use crate::terminal::{rc, Term};
use crate::{demo, invariants, start};

const DEBIT: &str = "6228480402564890018";
const CREDIT: &str = "6258070001234565";

fn domestic(debit_amount: u64, debit_count: u16) -> SettlementTotals {
    SettlementTotals {
        domestic: Totals {
            debit_amount,
            debit_count,
            credit_amount: 0,
            credit_count: 0,
            reconciliation: Reconciliation::NotReconciled,
        },
        foreign: Totals::ZERO,
    }
}

#[tokio::test]
async fn void_only_in_the_open_batch_but_refund_in_any() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let (sale, sale_resp) = t.sale("debit", 7_000).await;
    let settle = t.admin(AdminKind::Settlement(domestic(7_000, 1)));
    let r = t.send_admin(&settle).await;
    assert_eq!(r.totals.unwrap().domestic.reconciliation, Reconciliation::Balanced);
    assert_eq!(sim.current_batch(pos_core::provision::DEMO_TID).unwrap(), Some(2));
    t.sign_in(pos_core::crypto::KeyMode::DoubleWithTrack004).await;
    assert_eq!(t.batch.value(), 2);
    // The sale's batch is closed: no void.
    let card = t.deck_card("debit");
    let void = t.follow_up(TxnType::Void, Some(7_000), card, &sale, &sale_resp);
    assert_eq!(rc(&t.send(&void).await), "12");
    // A refund of it is fine.
    let card = t.deck_card("debit");
    let refund = t.follow_up(TxnType::Refund, Some(7_000), card, &sale, &sale_resp);
    assert_eq!(rc(&t.send(&refund).await), "00");
    assert_eq!(sim.ledger().available(DEBIT).unwrap(), 10_000_000);
    invariants(&sim);
}

#[tokio::test]
async fn void_needs_same_terminal_card_and_no_refund() {
    let sim = start(crate::demo_fleet(1)).await;
    let mut t = Term::signed_in(&sim).await;
    let (sale, sale_resp) = t.sale("debit", 3_000).await;
    // Another terminal of the same merchant cannot void it.
    let mut other = Term::new(&sim, &demo_tid(1), DEMO_MID, DEMO_TMK_HEX).await;
    other.sign_in(pos_core::crypto::KeyMode::DoubleWithTrack004).await;
    let card = other.deck_card("debit");
    let void = other.follow_up(TxnType::Void, Some(3_000), card, &sale, &sale_resp);
    assert_eq!(rc(&other.send(&void).await), "25");
    // Another card: 25.
    let card = t.deck_card("credit");
    let void = t.follow_up(TxnType::Void, Some(3_000), card, &sale, &sale_resp);
    assert_eq!(rc(&t.send(&void).await), "25");
    // After a partial refund: 12.
    let card = t.deck_card("debit");
    let refund = t.follow_up(TxnType::Refund, Some(1_000), card, &sale, &sale_resp);
    assert_eq!(rc(&t.send(&refund).await), "00");
    let card = t.deck_card("debit");
    let void = t.follow_up(TxnType::Void, Some(3_000), card, &sale, &sale_resp);
    assert_eq!(rc(&t.send(&void).await), "12");
    // Refund by RRN from another terminal of the merchant is allowed.
    let card = other.deck_card("debit");
    let refund = other.follow_up(TxnType::Refund, Some(2_000), card, &sale, &sale_resp);
    assert_eq!(rc(&other.send(&refund).await), "00");
    assert_eq!(sim.ledger().available(DEBIT).unwrap(), 10_000_000);
    invariants(&sim);
}

#[tokio::test]
async fn refunds_never_exceed_the_original() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let (sale, sale_resp) = t.sale("debit", 5_000).await;
    let mut refund = |amount| {
        let card = t.deck_card("debit");
        t.follow_up(TxnType::Refund, Some(amount), card, &sale, &sale_resp)
    };
    let (r1, r2, r3) = (refund(3_000), refund(2_001), refund(2_000));
    assert_eq!(rc(&t.send(&r1).await), "00");
    assert_eq!(rc(&t.send(&r2).await), "61", "3,000 + 2,001 > 5,000");
    assert_eq!(rc(&t.send(&r3).await), "00");
    let card = t.deck_card("debit");
    let r4 = t.follow_up(TxnType::Refund, Some(1), card, &sale, &sale_resp);
    assert_eq!(rc(&t.send(&r4).await), "61");
    // Wrong RRN: 25. Voided sale: 12.
    let card = t.deck_card("debit");
    let mut r5 = t.follow_up(TxnType::Refund, Some(1), card, &sale, &sale_resp);
    r5.original_rrn = Some("000000999999".into());
    assert_eq!(rc(&t.send(&r5).await), "25");
    let (sale2, sale2_resp) = t.sale("debit", 800).await;
    let card = t.deck_card("debit");
    let void = t.follow_up(TxnType::Void, Some(800), card, &sale2, &sale2_resp);
    assert_eq!(rc(&t.send(&void).await), "00");
    let card = t.deck_card("debit");
    let r6 = t.follow_up(TxnType::Refund, Some(800), card, &sale2, &sale2_resp);
    assert_eq!(rc(&t.send(&r6).await), "12");
    assert_eq!(sim.ledger().available(DEBIT).unwrap(), 10_000_000);
    invariants(&sim);
}

#[tokio::test]
async fn pre_auth_family_rules() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let card = t.deck_card("credit");
    let (pa, pa_resp) = t.run(TxnType::PreAuth, Some(100_000), card).await;
    assert_eq!(rc(&pa_resp), "00");
    let follow = |t: &mut Term, txn, amount| {
        let card = t.deck_card("credit");
        t.follow_up(txn, Some(amount), card, &pa, &pa_resp)
    };
    // Cancel must be for the pre-auth amount.
    let c = follow(&mut t, TxnType::PreAuthCancel, 99_999);
    assert_eq!(rc(&t.send(&c).await), "64");
    // Completion above the hold: 61.
    let c = follow(&mut t, TxnType::PreAuthCompletion, 100_001);
    assert_eq!(rc(&t.send(&c).await), "61");
    // Unknown auth code: 25.
    let mut c = follow(&mut t, TxnType::PreAuthCompletion, 1_000);
    c.original_auth = Some("XXXXXX".into());
    assert_eq!(rc(&t.send(&c).await), "25");
    // Complete, then neither a second completion nor a cancel.
    let c = follow(&mut t, TxnType::PreAuthCompletion, 100_000);
    let comp_resp = t.send(&c).await;
    assert_eq!(rc(&comp_resp), "00");
    let again = follow(&mut t, TxnType::PreAuthCompletion, 1_000);
    assert_eq!(rc(&t.send(&again).await), "12");
    let cancel = follow(&mut t, TxnType::PreAuthCancel, 100_000);
    assert_eq!(rc(&t.send(&cancel).await), "12");
    // Completion cancel: amount must match; only once.
    let card = t.deck_card("credit");
    let cc = t.follow_up(TxnType::CompletionCancel, Some(1), card, &c, &comp_resp);
    assert_eq!(rc(&t.send(&cc).await), "64");
    for expected in ["00", "12"] {
        let card = t.deck_card("credit");
        let cc = t.follow_up(TxnType::CompletionCancel, Some(100_000), card, &c, &comp_resp);
        assert_eq!(rc(&t.send(&cc).await), expected);
    }
    // A void cannot target a completion, nor a completion cancel a sale.
    let (sale, sale_resp) = t.sale("credit", 500).await;
    let card = t.deck_card("credit");
    let wrong = t.follow_up(TxnType::CompletionCancel, Some(500), card, &sale, &sale_resp);
    assert_eq!(rc(&t.send(&wrong).await), "12");
    // The cancelled completion opened its pre-auth again: its 100,000 are held.
    assert_eq!(sim.ledger().available(CREDIT).unwrap(), 5_000_000 - 100_000 - 500);
    // A cancelled pre-auth cannot be completed.
    let card = t.deck_card("credit");
    let (pa2, pa2_resp) = t.run(TxnType::PreAuth, Some(30_000), card).await;
    let card = t.deck_card("credit");
    let cancel = t.follow_up(TxnType::PreAuthCancel, Some(30_000), card, &pa2, &pa2_resp);
    assert_eq!(rc(&t.send(&cancel).await), "00");
    let card = t.deck_card("credit");
    let late = t.follow_up(TxnType::PreAuthCompletion, Some(30_000), card, &pa2, &pa2_resp);
    assert_eq!(rc(&t.send(&late).await), "12");
    // Only the first pre-auth still holds: its completion was cancelled, which opened it again.
    let holds = sim.ledger().holds(CREDIT).unwrap();
    assert_eq!(holds.iter().map(|h| (h.stan, h.amount)).collect::<Vec<_>>(), vec![(pa.stan.value(), 100_000)]);
    invariants(&sim);
}

#[tokio::test]
async fn pre_auth_holds_count_against_funds() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let card = t.deck_card("lowbal");
    let (_, resp) = t.run(TxnType::PreAuth, Some(800), card).await;
    assert_eq!(rc(&resp), "00");
    assert_eq!(rc(&t.sale("lowbal", 300).await.1), "51", "only 2.00 left beside the hold");
    assert_eq!(rc(&t.sale("lowbal", 200).await.1), "00");
    invariants(&sim);
}
