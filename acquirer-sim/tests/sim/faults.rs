//! Each fault mode, observed from the client side.

use std::time::{Duration, Instant};

use pos_acquirer_sim::{FaultMode, FaultPlan, RequestClass};
use pos_core::iso8583::{AdminKind, FinancialResponse, MacCheck, TxnType};
use pos_core::provision::DEMO_TID;

use crate::client::Recv;
use crate::terminal::{rc, Term};
use crate::{demo, invariants, start};

const DEBIT: &str = "6228480402564890018";

#[tokio::test]
async fn delay_answers_later() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    sim.faults().set(DEMO_TID, FaultPlan::once(FaultMode::Delay { ms: 300 }));
    let started = Instant::now();
    let (_, resp) = t.sale("debit", 100).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(rc(&resp), "00");
    let started = Instant::now();
    t.sale("debit", 100).await;
    assert!(started.elapsed() < Duration::from_millis(300), "only once");
}

#[tokio::test]
async fn drop_response_applies_the_effect_without_answering() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    sim.faults().set(DEMO_TID, FaultPlan::once(FaultMode::DropResponse));
    let card = t.deck_card("debit");
    let req = t.request(TxnType::Sale, Some(2_500), card);
    t.client.send(&t.encode(req.to_message(true).unwrap())).await;
    assert_eq!(t.recv(Duration::from_millis(400)).await, Recv::Timeout);
    assert_eq!(sim.ledger().available(DEBIT).unwrap(), 10_000_000 - 2_500, "the host did approve it");
    // The terminal reverses, as it must after no answer.
    assert_eq!(rc(&t.reverse(&req).await), "00");
    assert_eq!(sim.ledger().available(DEBIT).unwrap(), 10_000_000);
    invariants(&sim);
}

#[tokio::test]
async fn close_before_processing_has_no_effect() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    sim.faults().set(DEMO_TID, FaultPlan::once(FaultMode::Close));
    let card = t.deck_card("debit");
    let req = t.request(TxnType::Sale, Some(2_500), card);
    t.client.send(&t.encode(req.to_message(true).unwrap())).await;
    assert_eq!(t.recv(Duration::from_secs(5)).await, Recv::Closed);
    assert_eq!(sim.ledger().available(DEBIT).unwrap(), 10_000_000);
    assert!(sim.ledger().transactions_for(DEMO_TID).unwrap().is_empty());
    // Reconnect and resend: processed once.
    let mut t2 = Term::demo(&sim).await;
    t2.keys = t.keys.clone();
    assert_eq!(rc(&t2.send(&req).await), "00");
    assert_eq!(sim.ledger().available(DEBIT).unwrap(), 10_000_000 - 2_500);
}

#[tokio::test]
async fn bad_mac_is_detected_by_the_terminal() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    sim.faults().set(DEMO_TID, FaultPlan::once(FaultMode::BadMac));
    let card = t.deck_card("debit");
    let req = t.request(TxnType::Sale, Some(700), card);
    let (msg, check) = t.exchange(req.to_message(true).unwrap()).await;
    assert_eq!(check, MacCheck::Invalid);
    assert_eq!(FinancialResponse::from_message(&msg).unwrap().response_code.as_str(), "00");
    // Treated as no answer: the terminal reverses (reason A0).
    assert_eq!(rc(&t.reverse(&req).await), "00");
    assert_eq!(sim.ledger().available(DEBIT).unwrap(), 10_000_000);
    invariants(&sim);
}

#[tokio::test]
async fn send_twice_sends_the_same_answer_twice() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    sim.faults().set(DEMO_TID, FaultPlan::once(FaultMode::SendTwice));
    let card = t.deck_card("debit");
    let req = t.request(TxnType::Sale, Some(700), card);
    let first = t.client.exchange(&t.encode(req.to_message(true).unwrap())).await;
    let second = t.recv(Duration::from_secs(5)).await.frame();
    assert_eq!(first, second);
    assert_eq!(sim.ledger().available(DEBIT).unwrap(), 10_000_000 - 700);
}

#[tokio::test]
async fn late_answers_after_the_configured_delay() {
    let mut c = demo();
    c.timeouts.late_ms = 600;
    let sim = start(c).await;
    let mut t = Term::signed_in(&sim).await;
    sim.faults().set(DEMO_TID, FaultPlan::once(FaultMode::Late));
    let card = t.deck_card("debit");
    let req = t.request(TxnType::Sale, Some(100), card);
    t.client.send(&t.encode(req.to_message(true).unwrap())).await;
    assert_eq!(t.recv(Duration::from_millis(300)).await, Recv::Timeout);
    let late = t.recv(Duration::from_secs(5)).await.frame();
    assert_eq!(t.decode(&late).0.message.get_str(39), Some("00"));
}

#[tokio::test]
async fn plans_match_by_class_and_count_and_clear() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    sim.faults().set(DEMO_TID, FaultPlan::times(FaultMode::BadMac, 2).on(RequestClass::Financial));
    // Network management is not hit.
    let echo = t.call_unsigned(AdminKind::Echo).await;
    assert_eq!(echo.response_code.as_str(), "00");
    for _ in 0..2 {
        let card = t.deck_card("debit");
        let req = t.request(TxnType::BalanceInquiry, None, card);
        assert_eq!(t.exchange(req.to_message(true).unwrap()).await.1, MacCheck::Invalid);
    }
    assert_eq!(rc(&t.sale("debit", 1).await.1), "00", "count used up");
    sim.faults().set(DEMO_TID, FaultPlan::sometimes(FaultMode::BadMac, 100));
    sim.faults().clear(DEMO_TID);
    assert!(sim.faults().active().is_empty());
    assert_eq!(rc(&t.sale("debit", 1).await.1), "00");
}

#[tokio::test]
async fn probabilistic_plans_repeat_with_the_seed() {
    async fn pattern(seed: u64) -> Vec<bool> {
        let mut c = demo();
        c.seed = seed;
        let sim = start(c).await;
        let mut t = Term::signed_in(&sim).await;
        sim.faults().set(DEMO_TID, FaultPlan::sometimes(FaultMode::BadMac, 50));
        let mut hits = Vec::new();
        for _ in 0..24 {
            let card = t.deck_card("debit");
            let req = t.request(TxnType::BalanceInquiry, None, card);
            hits.push(t.exchange(req.to_message(true).unwrap()).await.1 == MacCheck::Invalid);
        }
        sim.shutdown().await;
        hits
    }
    let a = pattern(7).await;
    assert_eq!(a, pattern(7).await);
    assert!(a.contains(&true) && a.contains(&false), "{a:?}");
    assert_ne!(a, pattern(8).await);
}
