//! Many terminals and connections at once; several requests in flight on one connection.

use std::collections::HashMap;
use std::time::Duration;

use pos_acquirer_sim::{FaultMode, FaultPlan};
use pos_core::crypto::KeyMode;
use pos_core::iso8583::{AdminKind, FinancialResponse, Reconciliation, SettlementTotals, Totals, TxnType};
use pos_core::provision::{demo_tid, DEMO_MID, DEMO_TID, DEMO_TMK_HEX};

use crate::client::{Client, Recv};
use crate::terminal::{rc, Term};
use crate::{demo, demo_fleet, invariants, start};

const DEBIT: &str = "6228480402564890018";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_terminals_at_once() {
    let mut c = demo_fleet(32);
    c.limits.daily_count_per_card = 10_000;
    let sim = start(c).await;
    let mut tasks = Vec::new();
    for n in 1..=32u32 {
        let addr_sim = &sim;
        let mut t = Term::new(addr_sim, &demo_tid(n), DEMO_MID, DEMO_TMK_HEX).await;
        tasks.push(tokio::spawn(async move {
            let mode = if n % 2 == 0 { KeyMode::DoubleWithTrack004 } else { KeyMode::Double003 };
            assert_eq!(t.sign_in(mode).await.response_code.as_str(), "00");
            let mut total = 0;
            for i in 0..5u64 {
                let amount = 100 + u64::from(n) + i;
                let (_, resp) = t.sale("debit", amount).await;
                assert_eq!(rc(&resp), "00", "terminal {n}");
                total += amount;
            }
            let totals = SettlementTotals {
                domestic: Totals { debit_amount: total, debit_count: 5, ..Totals::ZERO },
                foreign: Totals::ZERO,
            };
            let r = t.call(AdminKind::Settlement(totals)).await;
            assert_eq!(r.totals.unwrap().domestic.reconciliation, Reconciliation::Balanced, "terminal {n}");
            total
        }));
    }
    let mut spent = 0u64;
    for task in tasks {
        spent += task.await.unwrap();
    }
    assert_eq!(sim.ledger().available(DEBIT).unwrap(), 10_000_000 - spent as i64);
    for n in 1..=32 {
        assert_eq!(sim.current_batch(&demo_tid(n)).unwrap(), Some(2));
        assert_eq!(sim.ledger().transactions_for(&demo_tid(n)).unwrap().len(), 5);
    }
    invariants(&sim);
}

#[tokio::test]
async fn requests_in_flight_are_answered_as_they_complete() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    sim.faults().set(DEMO_TID, FaultPlan::once(FaultMode::Delay { ms: 1_000 }));
    let mut sent = Vec::new();
    for i in 0..6u64 {
        let card = t.deck_card("debit");
        let req = t.request(TxnType::Sale, Some(10 + i), card);
        t.client.send(&t.encode(req.to_message(true).unwrap())).await;
        sent.push(req.stan.value());
    }
    let mut order = Vec::new();
    let mut answers = HashMap::new();
    for _ in 0..6 {
        let frame = t.recv(Duration::from_secs(5)).await.frame();
        let resp = FinancialResponse::from_message(&t.decode(&frame).0.message).unwrap();
        order.push(resp.stan.value());
        answers.insert(resp.stan.value(), resp);
    }
    assert_eq!(answers.len(), 6);
    assert!(answers.values().all(|r| rc(r) == "00"));
    assert_eq!(order.last(), Some(&sent[0]), "the delayed first request is answered last: {order:?}");
    invariants(&sim);
}

#[tokio::test]
async fn one_terminal_over_several_connections() {
    let sim = start(demo()).await;
    let lead = Term::signed_in(&sim).await;
    let mut tasks = Vec::new();
    for k in 0..4u32 {
        let mut t = Term::demo(&sim).await;
        t.keys = lead.keys.clone();
        t.stan = k * 1000;
        tasks.push(tokio::spawn(async move {
            for _ in 0..5 {
                assert_eq!(rc(&t.sale("debit", 10).await.1), "00");
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(sim.ledger().available(DEBIT).unwrap(), 10_000_000 - 200);
    invariants(&sim);
}

#[tokio::test]
async fn connection_limit_closes_the_extra_connection() {
    let mut c = demo();
    c.limits.max_connections = 2;
    let sim = start(c).await;
    let mut a = Term::signed_in(&sim).await;
    let _b = Client::to(&sim).await;
    let mut extra = Client::to(&sim).await;
    assert!(extra.is_closed(Duration::from_secs(5)).await);
    assert_eq!(sim.stats().refused, 1);
    assert_eq!(rc(&a.sale("debit", 10).await.1), "00", "the others are served");
    assert_eq!(a.recv(Duration::from_millis(50)).await, Recv::Timeout);
}
