//! Duplicates: same terminal + batch + STAN and content gets the same bytes and no second effect.

use pos_core::iso8583::TxnType;

use crate::terminal::{rc, Term};
use crate::{demo, invariants, start};

const DEBIT: &str = "6228480402564890018";

#[tokio::test]
async fn same_request_same_bytes_no_second_effect() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let card = t.deck_card("debit");
    let req = t.request(TxnType::Sale, Some(3_300), card);
    let bytes = t.encode(req.to_message(true).unwrap());
    let first = t.client.exchange(&bytes).await;
    // Time moves on: a re-processed request would get another time and RRN.
    sim.clock().advance(std::time::Duration::from_secs(5));
    let second = t.client.exchange(&bytes).await;
    assert_eq!(first, second, "byte for byte");
    // From a new connection too (the terminal reconnected).
    let mut t2 = Term::demo(&sim).await;
    let third = t2.client.exchange(&bytes).await;
    assert_eq!(first, third);
    assert_eq!(sim.ledger().available(DEBIT).unwrap(), 10_000_000 - 3_300);
    assert_eq!(sim.ledger().transactions_for(pos_core::provision::DEMO_TID).unwrap().len(), 1);
    invariants(&sim);
}

#[tokio::test]
async fn declines_are_repeated_too() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let card = t.deck_card("lowbal");
    let req = t.request(TxnType::Sale, Some(999_999), card);
    let bytes = t.encode(req.to_message(true).unwrap());
    let a = t.client.exchange(&bytes).await;
    let b = t.client.exchange(&bytes).await;
    assert_eq!(a, b);
    assert_eq!(rc(&pos_core::iso8583::FinancialResponse::from_message(&t.decode(&a).0.message).unwrap()), "51");
}

#[tokio::test]
async fn same_key_other_content_is_94_and_reversals_are_keyed_apart() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let (sale, resp) = t.sale("debit", 1_500).await;
    assert_eq!(rc(&resp), "00");
    let mut other = sale.clone();
    other.amount = Some(pos_core::Amount::cny(1_600).unwrap());
    assert_eq!(rc(&t.send(&other).await), "94");
    // The reversal has the sale's key but is not its duplicate.
    assert_eq!(rc(&t.reverse(&sale).await), "00");
    assert_eq!(sim.ledger().available(DEBIT).unwrap(), 10_000_000);
    // The original resent after its reversal: still the stored approval, still no effect.
    let again = t.send(&sale).await;
    assert_eq!(again, resp);
    assert_eq!(sim.ledger().available(DEBIT).unwrap(), 10_000_000);
    invariants(&sim);
}

#[tokio::test]
async fn duplicates_across_batches_are_distinct() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let (_, r1) = t.sale("debit", 100).await;
    let settle = t.admin(pos_core::iso8583::AdminKind::Settlement(pos_core::iso8583::SettlementTotals {
        domestic: pos_core::iso8583::Totals { debit_amount: 100, debit_count: 1, ..pos_core::iso8583::Totals::ZERO },
        foreign: pos_core::iso8583::Totals::ZERO,
    }));
    t.send_admin(&settle).await;
    t.sign_in(pos_core::crypto::KeyMode::DoubleWithTrack004).await;
    // The terminal restarts its STANs: same STAN, new batch, a new transaction.
    t.stan = 0;
    let (_, r2) = t.sale("debit", 100).await;
    assert_eq!((rc(&r1), rc(&r2)), ("00", "00"));
    assert_eq!(sim.ledger().available(DEBIT).unwrap(), 10_000_000 - 200);
    invariants(&sim);
}

#[tokio::test]
async fn a_refund_repeated_after_a_lost_answer_is_answered_from_the_record() {
    // A refund is not reversible: the terminal repeats it (same STAN and content) until answered.
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let (sale, sale_resp) = t.sale("debit", 8_000).await;
    let card = t.deck_card("debit");
    let refund = t.follow_up(TxnType::Refund, Some(3_000), card, &sale, &sale_resp);
    let first = t.send(&refund).await;
    assert_eq!(rc(&first), "00");
    sim.clock().advance(std::time::Duration::from_secs(30));
    let repeat = t.send(&refund).await;
    assert_eq!(repeat, first, "the answer on record, not a second refund");
    // Another request under the same STAN is not taken for it: 94, and no effect either.
    let mut other = refund.clone();
    other.amount = Some(pos_core::Amount::cny(3_001).unwrap());
    assert_eq!(rc(&t.send(&other).await), "94");
    assert_eq!(sim.ledger().available(DEBIT).unwrap(), 10_000_000 - 5_000);
    let rows = sim.ledger().transactions_for(pos_core::provision::DEMO_TID).unwrap();
    let sale_row = rows.iter().find(|r| r.stan == sale.stan.value()).unwrap();
    assert_eq!(sale_row.refunded, 3_000, "refunded once");
    invariants(&sim);
}
