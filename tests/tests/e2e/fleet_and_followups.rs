//! More of the online path against the simulator: a refund known only by RRN and date, the
//! `late` fault, and many terminals paying at once with the ledger checked afterwards.

use std::time::Duration;

use pos_acquirer_sim::{FaultMode, FaultPlan, RequestClass, SimConfig, TxnStatus as HostStatus};
use pos_core::iso8583::TerminalId;
use pos_core::provision::{demo_tid, DEMO_TID};
use pos_core::terminal::OriginalRef;
use pos_core::ErrorCode;
use pos_e2e::ExchangeFailureOf;
use pos_e2e::{cny, pan, signed_in, start_with, Station};

#[tokio::test(start_paused = true)]
async fn refund_by_rrn_and_date_from_the_slip() {
    let rig = signed_in().await;
    rig.reader.present("debit").unwrap();
    let before = rig.sim.ledger().available(pan("debit")).unwrap();
    let sale = rig.terminal.sale(cny(9_900)).await.unwrap();
    assert!(sale.approved);
    // The merchant has only the cardholder's slip: its reference number and date.
    let slip = OriginalRef::Host { rrn: sale.rrn.clone().unwrap(), date: sale.host_date.clone().unwrap() };
    let refund = rig.terminal.refund(cny(900), slip).await.unwrap();
    assert!(refund.approved, "{refund:?}");
    assert_eq!(rig.sim.ledger().available(pan("debit")).unwrap(), before - 9_000);
    // A wrong date does not find the sale.
    let wrong = OriginalRef::Host { rrn: sale.rrn.clone().unwrap(), date: "0101".into() };
    let miss = rig.terminal.refund(cny(100), wrong).await.unwrap();
    assert_eq!(miss.response_code.as_str(), "25");
    rig.sim.ledger().check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn an_answer_after_the_terminal_gave_up_is_never_taken() {
    let mut sim = SimConfig::demo();
    // A second past the terminal's 60 s (simulated time).
    sim.timeouts.late_ms = 61_000;
    let rig = start_with(sim, |_| {}).await;
    assert_eq!(rig.terminal.config().response_timeout, Duration::from_secs(60));
    assert!(rig.terminal.sign_in().await.unwrap().approved);
    rig.reader.present("debit").unwrap();
    rig.sim.faults().set(DEMO_TID, FaultPlan::once(FaultMode::Late).on(RequestClass::Financial));
    let e = rig.terminal.sale(cny(4_200)).await.unwrap_err();
    let f = e.exchange_failure().expect("exchange failure");
    assert_eq!(f.code, ErrorCode::ResponseTimeout, "{f:?}");
    assert!(f.may_have_reached_host, "the host may have acted: the terminal must plan a reversal");
    tokio::time::sleep(Duration::from_secs(2)).await;
    // The late 0210 arrived meanwhile; the next sale gets its own answer, not that one.
    let next = rig.terminal.sale(cny(4_300)).await.unwrap();
    assert!(next.approved && next.amount == Some(cny(4_300)));
    rig.sim.ledger().check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn sixteen_terminals_pay_at_once_and_the_ledger_adds_up() {
    const N: u32 = 16;
    const SALES: u64 = 5;
    let mut sim = SimConfig::demo_fleet(N);
    // One card at every terminal: lift the per-card daily frequency limit (65) for this test.
    sim.limits.daily_count_per_card = 1_000;
    let rig = start_with(sim, |_| {}).await;
    let ledger = rig.sim.ledger();
    let before = ledger.available(pan("credit")).unwrap();
    let stations: Vec<Station> = (1..=N)
        .map(|i| {
            let mut c = pos_e2e::terminal_config(&rig.sim);
            // Pays with the same few cards many times a day; the default risk policy would ask for
            // confirmations (the risk engine has its own tests: tests/e2e/risk.rs, core risk::tests).
            c.risk_policy = None;
            c.tid = TerminalId::new(&demo_tid(i)).unwrap();
            Station::new(c, "fleet")
        })
        .collect();
    let runs = stations.iter().enumerate().map(|(i, s)| async move {
        assert!(s.terminal.sign_in().await.unwrap().approved, "terminal {i} signs in");
        s.reader.present("credit").unwrap();
        let mut total = 0u64;
        for k in 0..SALES {
            let fen = 100 + i as u64 * 10 + k;
            let o = s.terminal.sale(cny(fen)).await.unwrap();
            assert!(o.approved, "terminal {i} sale {k}: {o:?}");
            total += fen;
        }
        total
    });
    let totals = futures_join_all(runs).await;
    let spent: u64 = totals.iter().sum();
    assert_eq!(before - ledger.available(pan("credit")).unwrap(), spent as i64);
    for i in 1..=N {
        let rows = ledger.transactions_for(&demo_tid(i)).unwrap();
        let approved = rows.iter().filter(|r| !r.kind.is_reversal() && r.status == HostStatus::Approved).count();
        assert_eq!(approved as u64, SALES, "terminal {i}: each sale once at the host");
    }
    ledger.check_invariants().unwrap();
}

/// Runs futures concurrently on the current task (no extra dependency for join_all).
async fn futures_join_all<F: std::future::Future<Output = u64>>(futs: impl Iterator<Item = F>) -> Vec<u64> {
    let set: Vec<_> = futs.map(Box::pin).collect();
    let mut out = Vec::with_capacity(set.len());
    let mut pending: Vec<_> = set.into_iter().map(Some).collect();
    std::future::poll_fn(|cx| {
        let mut all = true;
        for slot in pending.iter_mut() {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        out.push(v);
                        *slot = None;
                    }
                    std::task::Poll::Pending => all = false,
                }
            }
        }
        if all {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    out
}
