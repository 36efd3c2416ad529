//! Every transaction type approved, with its effect on the ledger.

use pos_acquirer_sim::{RowKind, TxnStatus};
use pos_core::deck;
use pos_core::iso8583::TxnType;
use pos_core::provision::DEMO_TID;

use crate::terminal::{rc, Term};
use crate::{demo, invariants, start};

const DEBIT: &str = "6228480402564890018";

#[tokio::test]
async fn balance_inquiry_answers_field_54() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let card = t.deck_card("debit");
    let (_, resp) = t.run(TxnType::BalanceInquiry, None, card).await;
    assert_eq!(rc(&resp), "00");
    assert_eq!(resp.balance.as_deref(), Some("1002156C000010000000"));
    let card = t.deck_card("credit");
    let (_, resp) = t.run(TxnType::BalanceInquiry, None, card).await;
    assert_eq!(resp.balance.as_deref(), Some("3002156C000005000000"));
    assert_eq!(sim.ledger().available(DEBIT).unwrap(), 10_000_000, "an inquiry moves no money");
    invariants(&sim);
}

#[tokio::test]
async fn sale_debits_and_answers_with_auth_code_and_rrn() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let (req, resp) = t.sale("debit", 12_345).await;
    assert_eq!(rc(&resp), "00");
    assert_eq!(resp.amount, req.amount);
    assert_eq!(resp.auth_code.as_deref().map(str::len), Some(6));
    assert_eq!(resp.rrn.as_deref().map(str::len), Some(12));
    assert!(resp.institutions.is_some() && resp.time.is_some() && resp.date.is_some());
    assert_eq!(sim.ledger().available(DEBIT).unwrap(), 10_000_000 - 12_345);
    let rows = sim.ledger().transactions_for(DEMO_TID).unwrap();
    let row = rows.last().unwrap();
    assert_eq!(
        (row.kind, row.status, row.amount, row.stan),
        (RowKind::Txn(TxnType::Sale), TxnStatus::Approved, 12_345, req.stan.value())
    );
    assert_eq!(row.pan_masked.as_deref(), Some("622848*********0018"));
    assert_eq!(row.response_code, "00");
    invariants(&sim);
}

#[tokio::test]
async fn every_card_presentation_is_read() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    for id in ["debit", "credit", "swipe12", "swipe23", "swipe123", "contactless", "offline", "visa", "fallback"] {
        let (_, resp) = t.sale(id, 500).await;
        assert_eq!(rc(&resp), "00", "{id}");
        let pan = deck::find(id).unwrap().pan;
        let funds = deck::find(id).unwrap().funds as i64;
        assert_eq!(sim.ledger().available(pan).unwrap(), funds - 500, "{id}");
    }
    invariants(&sim);
}

#[tokio::test]
async fn void_gives_the_money_back() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let (sale, sale_resp) = t.sale("debit", 8_800).await;
    let card = t.deck_card("debit");
    let void = t.follow_up(TxnType::Void, Some(8_800), card, &sale, &sale_resp);
    let resp = t.send(&void).await;
    assert_eq!(rc(&resp), "00");
    assert_eq!(sim.ledger().available(DEBIT).unwrap(), 10_000_000);
    let rows = sim.ledger().transactions_for(DEMO_TID).unwrap();
    assert_eq!(rows[0].status, TxnStatus::Voided);
    assert_eq!(rows[1].original_id, Some(rows[0].id));
    invariants(&sim);
}

#[tokio::test]
async fn refunds_partial_and_full() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let (sale, sale_resp) = t.sale("debit", 10_000).await;
    for part in [3_000, 7_000] {
        let card = t.deck_card("debit");
        let refund = t.follow_up(TxnType::Refund, Some(part), card, &sale, &sale_resp);
        assert_eq!(rc(&t.send(&refund).await), "00");
        invariants(&sim);
    }
    assert_eq!(sim.ledger().available(DEBIT).unwrap(), 10_000_000);
    let sale_row = &sim.ledger().transactions_for(DEMO_TID).unwrap()[0];
    assert_eq!((sale_row.refunded, sale_row.status), (10_000, TxnStatus::Approved));
}

#[tokio::test]
async fn pre_auth_hold_cancel_completion_and_completion_cancel() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let l = sim.ledger();
    // Pre-auth places a hold.
    let card = t.deck_card("credit");
    let (pa, pa_resp) = t.run(TxnType::PreAuth, Some(200_000), card).await;
    assert_eq!(rc(&pa_resp), "00");
    let credit = "6258070001234565";
    assert_eq!(l.available(credit).unwrap(), 5_000_000 - 200_000);
    let holds = l.holds(credit).unwrap();
    assert_eq!(holds.len(), 1);
    assert_eq!((holds[0].amount, holds[0].auth_code.clone()), (200_000, pa_resp.auth_code.clone()));
    // Cancel releases it.
    let card = t.deck_card("credit");
    let cancel = t.follow_up(TxnType::PreAuthCancel, Some(200_000), card, &pa, &pa_resp);
    assert_eq!(rc(&t.send(&cancel).await), "00");
    assert_eq!(l.available(credit).unwrap(), 5_000_000);
    assert!(l.holds(credit).unwrap().is_empty());
    invariants(&sim);

    // A second pre-auth, completed for less: captures 150,000 and releases the rest.
    let card = t.deck_card("credit");
    let (pa, pa_resp) = t.run(TxnType::PreAuth, Some(200_000), card).await;
    let card = t.deck_card("credit");
    let completion = t.follow_up(TxnType::PreAuthCompletion, Some(150_000), card, &pa, &pa_resp);
    let comp_resp = t.send(&completion).await;
    assert_eq!(rc(&comp_resp), "00");
    assert_eq!(comp_resp.auth_code, pa_resp.auth_code, "completion carries the pre-auth's code");
    assert_eq!(l.available(credit).unwrap(), 5_000_000 - 150_000);
    assert!(l.holds(credit).unwrap().is_empty());
    invariants(&sim);

    // Completion cancel gives the capture back and opens the pre-auth again: its whole hold returns.
    let card = t.deck_card("credit");
    let cc = t.follow_up(TxnType::CompletionCancel, Some(150_000), card, &completion, &comp_resp);
    assert_eq!(rc(&t.send(&cc).await), "00");
    assert_eq!(l.available(credit).unwrap(), 5_000_000 - 200_000);
    let holds = l.holds(credit).unwrap();
    assert_eq!((holds.len(), holds[0].amount, holds[0].stan), (1, 200_000, pa.stan.value()));
    let rows = l.transactions_for(DEMO_TID).unwrap();
    let pa_row = rows.iter().find(|r| r.stan == pa.stan.value()).unwrap();
    assert_eq!((pa_row.status, pa_row.captured), (TxnStatus::Approved, 0));
    invariants(&sim);

    // So it can be completed again, and the new completion releases the hold once more.
    let card = t.deck_card("credit");
    let again = t.follow_up(TxnType::PreAuthCompletion, Some(120_000), card, &pa, &pa_resp);
    assert_eq!(rc(&t.send(&again).await), "00");
    assert_eq!(l.available(credit).unwrap(), 5_000_000 - 120_000);
    assert!(l.holds(credit).unwrap().is_empty());
    let rows = l.transactions_for(DEMO_TID).unwrap();
    let pa_row = rows.iter().find(|r| r.stan == pa.stan.value()).unwrap();
    assert_eq!((pa_row.status, pa_row.captured), (TxnStatus::Completed, 120_000));
    invariants(&sim);
}

#[tokio::test]
async fn completion_found_by_auth_code_alone() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let card = t.deck_card("credit");
    let (pa, pa_resp) = t.run(TxnType::PreAuth, Some(50_000), card).await;
    let card = t.deck_card("credit");
    let mut completion = t.follow_up(TxnType::PreAuthCompletion, Some(50_000), card, &pa, &pa_resp);
    // Completions commonly send 61 with STAN 000000: found by 38 and the card.
    if let Some(o) = completion.original.as_mut() {
        o.stan = None;
    }
    assert_eq!(rc(&t.send(&completion).await), "00");
    invariants(&sim);
}

#[tokio::test]
async fn offline_sale_upload_is_applied() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let card = t.deck_card("offline");
    let mut req = t.request(TxnType::OfflineSale, Some(4_200), card);
    req.original_auth = Some("Y1OFFL".into());
    let resp = t.send(&req).await;
    assert_eq!(rc(&resp), "00");
    assert_eq!(resp.auth_code.as_deref(), Some("Y1OFFL"), "the offline approval code is kept");
    assert_eq!(sim.ledger().available("6222020000111122222").unwrap(), 10_000_000 - 4_200);
    // An offline sale the account cannot pay is declined when uploaded.
    let card = t.deck_card("lowbal");
    let (_, resp) = t.run(TxnType::OfflineSale, Some(5_000), card).await;
    assert_eq!(rc(&resp), "51");
    invariants(&sim);
}
