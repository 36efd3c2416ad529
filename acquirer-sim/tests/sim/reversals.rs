//! Reversals: undo once, answer 00 always, no second effect.

use pos_acquirer_sim::{RowKind, TxnStatus};
use pos_core::iso8583::{reversal_of, FinancialResponse, TxnType};
use pos_core::provision::DEMO_TID;
use pos_core::ResponseCode;

use crate::terminal::{rc, Term};
use crate::{demo, invariants, start};

const DEBIT: &str = "6228480402564890018";
const CREDIT: &str = "6258070001234565";

#[tokio::test]
async fn reversal_undoes_a_sale_once() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let (sale, resp) = t.sale("debit", 9_900).await;
    assert_eq!(rc(&resp), "00");
    let first = t.reverse(&sale).await;
    assert_eq!(rc(&first), "00");
    assert_eq!(sim.ledger().available(DEBIT).unwrap(), 10_000_000);
    // Resent as is: the same answer, no effect.
    let second = t.reverse(&sale).await;
    assert_eq!(second, first);
    // Resent with another reason (different content): still 00, still no effect.
    let msg = reversal_of(&sale.to_message(true).unwrap(), ResponseCode::parse("A0").unwrap(), true).unwrap();
    let (answer, _) = t.exchange(msg).await;
    assert_eq!(FinancialResponse::from_message(&answer).unwrap().response_code.as_str(), "00");
    assert_eq!(sim.ledger().available(DEBIT).unwrap(), 10_000_000);
    let rows = sim.ledger().transactions_for(DEMO_TID).unwrap();
    assert_eq!(rows.len(), 2, "the sale and one reversal row");
    assert_eq!(
        (rows[0].status, rows[1].kind, rows[1].status),
        (TxnStatus::Reversed, RowKind::Reversal(TxnType::Sale), TxnStatus::Approved)
    );
    // A reversed sale cannot be voided.
    let card = t.deck_card("debit");
    let void = t.follow_up(TxnType::Void, Some(9_900), card, &sale, &resp);
    assert_eq!(rc(&t.send(&void).await), "25");
    invariants(&sim);
}

#[tokio::test]
async fn reversal_with_nothing_to_undo_is_00() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    // A declined original.
    let (declined, resp) = t.sale("lowbal", 5_000).await;
    assert_eq!(rc(&resp), "51");
    assert_eq!(rc(&t.reverse(&declined).await), "00");
    // An amount that does not match the original.
    let (sale, _) = t.sale("debit", 1_000).await;
    let mut other = sale.clone();
    other.amount = Some(pos_core::Amount::cny(999).unwrap());
    assert_eq!(rc(&t.reverse(&other).await), "00");
    assert_eq!(sim.ledger().available(DEBIT).unwrap(), 10_000_000 - 1_000, "not undone");
    // An original the host never saw (the request was lost on the way).
    let card = t.deck_card("debit");
    let lost = t.request(TxnType::Sale, Some(2_000), card);
    assert_eq!(rc(&t.reverse(&lost).await), "00");
    // If that original turns up after its reversal, it is refused and moves nothing.
    assert_eq!(rc(&t.send(&lost).await), "12");
    assert_eq!(sim.ledger().available(DEBIT).unwrap(), 10_000_000 - 1_000);
    let rows = sim.ledger().transactions_for(DEMO_TID).unwrap();
    assert!(rows.iter().filter(|r| r.kind.is_reversal()).all(|r| r.response_code == "00"));
    invariants(&sim);
}

#[tokio::test]
async fn reversal_of_each_reversible_type_restores_the_state_before_it() {
    let sim = start(demo()).await;
    let l = sim.ledger();
    let mut t = Term::signed_in(&sim).await;

    // Pre-auth: the hold goes.
    let card = t.deck_card("credit");
    let (pa, pa_resp) = t.run(TxnType::PreAuth, Some(40_000), card).await;
    assert_eq!(l.holds(CREDIT).unwrap().len(), 1);
    let card = t.deck_card("credit");
    let (pa_x, _) = t.run(TxnType::PreAuth, Some(1_000), card).await;
    t.reverse(&pa_x).await;
    assert_eq!(l.holds(CREDIT).unwrap().len(), 1, "only the reversed pre-auth's hold went");
    invariants(&sim);

    // Pre-auth cancel reversed: the hold comes back.
    let card = t.deck_card("credit");
    let cancel = t.follow_up(TxnType::PreAuthCancel, Some(40_000), card, &pa, &pa_resp);
    assert_eq!(rc(&t.send(&cancel).await), "00");
    assert!(l.holds(CREDIT).unwrap().is_empty());
    t.reverse(&cancel).await;
    assert_eq!(l.holds(CREDIT).unwrap()[0].amount, 40_000);
    assert_eq!(l.available(CREDIT).unwrap(), 5_000_000 - 40_000);
    invariants(&sim);

    // Completion reversed: capture undone, hold back, pre-auth completable again.
    let card = t.deck_card("credit");
    let comp = t.follow_up(TxnType::PreAuthCompletion, Some(30_000), card, &pa, &pa_resp);
    let comp_resp = t.send(&comp).await;
    assert_eq!(rc(&comp_resp), "00");
    assert_eq!(l.available(CREDIT).unwrap(), 5_000_000 - 30_000);
    t.reverse(&comp).await;
    assert_eq!(l.available(CREDIT).unwrap(), 5_000_000 - 40_000);
    assert_eq!(l.holds(CREDIT).unwrap()[0].amount, 40_000);
    invariants(&sim);
    let card = t.deck_card("credit");
    let comp = t.follow_up(TxnType::PreAuthCompletion, Some(25_000), card, &pa, &pa_resp);
    let comp_resp = t.send(&comp).await;
    assert_eq!(rc(&comp_resp), "00");

    // Completion cancel reversed: the capture stands again, and the hold it had put back goes.
    let card = t.deck_card("credit");
    let cc = t.follow_up(TxnType::CompletionCancel, Some(25_000), card, &comp, &comp_resp);
    assert_eq!(rc(&t.send(&cc).await), "00");
    assert_eq!(l.available(CREDIT).unwrap(), 5_000_000 - 40_000, "the pre-auth is open again");
    assert_eq!(l.holds(CREDIT).unwrap()[0].amount, 40_000);
    invariants(&sim);
    t.reverse(&cc).await;
    assert_eq!(l.available(CREDIT).unwrap(), 5_000_000 - 25_000);
    assert!(l.holds(CREDIT).unwrap().is_empty());
    let rows = l.transactions_for(DEMO_TID).unwrap();
    let pa_row = rows.iter().find(|r| r.stan == pa.stan.value() && !r.kind.is_reversal()).unwrap();
    assert_eq!((pa_row.status, pa_row.captured), (TxnStatus::Completed, 25_000));
    invariants(&sim);

    // Void reversed: the sale stands again and can be voided afresh.
    let (sale, sale_resp) = t.sale("debit", 6_000).await;
    let card = t.deck_card("debit");
    let void = t.follow_up(TxnType::Void, Some(6_000), card, &sale, &sale_resp);
    assert_eq!(rc(&t.send(&void).await), "00");
    t.reverse(&void).await;
    assert_eq!(l.available(DEBIT).unwrap(), 10_000_000 - 6_000);
    let card = t.deck_card("debit");
    let void2 = t.follow_up(TxnType::Void, Some(6_000), card, &sale, &sale_resp);
    assert_eq!(rc(&t.send(&void2).await), "00");
    assert_eq!(l.available(DEBIT).unwrap(), 10_000_000);
    invariants(&sim);
}

#[tokio::test]
async fn reversal_after_a_later_change_does_not_undo() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let (sale, sale_resp) = t.sale("debit", 4_000).await;
    let card = t.deck_card("debit");
    let refund = t.follow_up(TxnType::Refund, Some(1_000), card, &sale, &sale_resp);
    assert_eq!(rc(&t.send(&refund).await), "00");
    // The sale was partly refunded since: its reversal no longer applies.
    assert_eq!(rc(&t.reverse(&sale).await), "00");
    assert_eq!(sim.ledger().available(DEBIT).unwrap(), 10_000_000 - 3_000);
    invariants(&sim);
}

#[tokio::test]
async fn a_completion_cancel_reversed_after_its_pre_auth_moved_on_changes_nothing() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let l = sim.ledger();
    let card = t.deck_card("credit");
    let (pa, pa_resp) = t.run(TxnType::PreAuth, Some(40_000), card).await;
    let card = t.deck_card("credit");
    let comp = t.follow_up(TxnType::PreAuthCompletion, Some(30_000), card, &pa, &pa_resp);
    let comp_resp = t.send(&comp).await;
    let card = t.deck_card("credit");
    let cc = t.follow_up(TxnType::CompletionCancel, Some(30_000), card, &comp, &comp_resp);
    assert_eq!(rc(&t.send(&cc).await), "00");
    // The pre-auth, open again, is completed afresh (another terminal, by its auth code).
    let card = t.deck_card("credit");
    let again = t.follow_up(TxnType::PreAuthCompletion, Some(10_000), card, &pa, &pa_resp);
    assert_eq!(rc(&t.send(&again).await), "00");
    // A late reversal of the cancel would capture twice if it undid anything: it is only recorded.
    assert_eq!(rc(&t.reverse(&cc).await), "00");
    assert_eq!(l.available(CREDIT).unwrap(), 5_000_000 - 10_000);
    let rows = l.transactions_for(DEMO_TID).unwrap();
    let rev = rows.iter().find(|r| r.stan == cc.stan.value() && r.kind.is_reversal()).unwrap();
    assert_eq!(rev.status, TxnStatus::Recorded);
    invariants(&sim);
}
