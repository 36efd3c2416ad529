//! Automatic reversal against the simulator: every way an answer can go missing or be
//! untrustworthy leaves a reversal that goes out before the next request, at start-up, on
//! connectivity return and on sync, and is kept until the host acknowledges it.

use std::time::Duration;

use crate::support::{drain, sync_while_offline, wait_for, Lane};
use pos_acquirer_sim::{FaultMode, RequestClass, TxnStatus as HostStatus};
use pos_core::store::TxnStatus;
use pos_core::terminal::AttentionKind;
use pos_core::terminal::OriginalRef;
use pos_core::terminal::SyncEvent;
use pos_core::Bilingual;
use pos_core::{Error, ErrorCode};
use pos_core::{ReversalCause, ReversalState};
use pos_e2e::ExchangeFailureOf;
use pos_e2e::{cny, pan};

#[tokio::test(start_paused = true)]
async fn a_lost_answer_is_reversed_before_the_next_request() {
    let lane = Lane::start(|_| {}).await;
    lane.present("debit");
    let start = lane.sim.ledger().available(pan("debit")).unwrap();
    lane.fault(FaultMode::DropResponse, 1, RequestClass::Financial);
    let e = lane.terminal.sale(cny(1_500)).await.unwrap_err();
    let f = e.exchange_failure().expect("exchange failure");
    assert_eq!(f.code, ErrorCode::ResponseTimeout);
    let id = f.txn_id.unwrap();
    let stan = lane.terminal.txn(id).unwrap().unwrap().numbers.stan.value();
    // The host did charge the card: exactly why the terminal reverses.
    assert_eq!(lane.host_row(stan).unwrap().status, HostStatus::Approved);
    let r = lane.terminal.reversal(id).unwrap().unwrap();
    assert_eq!((r.state, r.reason.as_str(), r.cause), (ReversalState::Due, "98", Some(ReversalCause::NoResponse)));

    let next = lane.terminal.sale(cny(200)).await.unwrap();
    assert!(next.approved);
    assert_eq!(lane.host_row(stan).unwrap().status, HostStatus::Reversed, "reversed before the next sale");
    let rows = lane.host_rows();
    let rev_pos = rows.iter().position(|r| r.stan == stan && r.kind.is_reversal()).unwrap();
    let next_pos = rows.iter().position(|r| r.stan == next.stan.value() && !r.kind.is_reversal()).unwrap();
    assert!(rev_pos < next_pos, "the reversal went first");
    let r = lane.terminal.reversal(id).unwrap().unwrap();
    assert_eq!(r.state, ReversalState::Acknowledged);
    assert!(lane.terminal.txn(id).unwrap().unwrap().reversed_at.is_some());
    assert_eq!(lane.sim.ledger().available(pan("debit")).unwrap(), start - 200);
    lane.sim.ledger().check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_bad_mac_is_reversed_with_reason_a0() {
    let lane = Lane::start(|_| {}).await;
    lane.present("credit");
    let start = lane.sim.ledger().available(pan("credit")).unwrap();
    lane.fault(FaultMode::BadMac, 1, RequestClass::Financial);
    let e = lane.terminal.sale(cny(800)).await.unwrap_err();
    let f = e.exchange_failure().unwrap();
    assert_eq!(f.code, ErrorCode::MacFailed);
    let id = f.txn_id.unwrap();
    let r = lane.terminal.reversal(id).unwrap().unwrap();
    assert_eq!((r.state, r.reason.as_str()), (ReversalState::Due, "A0"));
    let report = lane.terminal.sync().await.unwrap();
    assert_eq!((report.reversals_acknowledged, report.reversals_left), (1, 0));
    let stan = r.txn.numbers.stan.value();
    assert_eq!(lane.host_row(stan).unwrap().status, HostStatus::Reversed);
    assert_eq!(lane.sim.ledger().available(pan("credit")).unwrap(), start);
    lane.sim.ledger().check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_connection_lost_after_sending_is_reversed_even_if_the_host_did_nothing() {
    let lane = Lane::start(|_| {}).await;
    lane.present("debit");
    lane.fault(FaultMode::Close, 1, RequestClass::Financial);
    let e = lane.terminal.sale(cny(300)).await.unwrap_err();
    let f = e.exchange_failure().unwrap();
    assert!(f.code == ErrorCode::ConnectionLost && f.may_have_reached_host, "sent: {f:?}");
    let id = f.txn_id.unwrap();
    assert_eq!(lane.terminal.reversal(id).unwrap().map(|r| r.state), Some(ReversalState::Due));
    lane.terminal.sync().await.unwrap();
    let stan = lane.terminal.txn(id).unwrap().unwrap().numbers.stan.value();
    let revs = lane.host_reversals(stan);
    assert_eq!(revs.len(), 1);
    assert_eq!(revs[0].status, HostStatus::Recorded, "nothing to undo: the host never processed it");
    assert!(lane.host_row(stan).is_none());
    lane.sim.ledger().check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_reversal_is_resent_kept_and_flagged_until_acknowledged() {
    let lane = Lane::start(|c| c.reversal.attention_after = 2).await;
    lane.present("debit");
    let start = lane.sim.ledger().available(pan("debit")).unwrap();
    lane.fault(FaultMode::DropResponse, 1, RequestClass::Financial);
    let id = lane.terminal.sale(cny(4_200)).await.unwrap_err().exchange_failure().unwrap().txn_id.unwrap();
    let stan = lane.terminal.txn(id).unwrap().unwrap().numbers.stan.value();

    // The host takes every reversal but its answers are lost.
    lane.fault(FaultMode::DropResponse, 6, RequestClass::Reversal);
    let mut events = lane.terminal.subscribe();
    // A new online request is not sent while the reversal cannot be delivered.
    let e = lane.terminal.sale(cny(100)).await.unwrap_err();
    assert!(matches!(e, Error::ReversalPending { count: 1, .. }), "{e:?}");
    assert!(e.zh().contains("冲正") && e.en().contains("reversal"));
    let r = lane.terminal.reversal(id).unwrap().unwrap();
    assert_eq!((r.state, r.attempts, r.rounds), (ReversalState::Due, 3, 1), "sent 3 times per attempt");
    assert!(lane.terminal.attention().unwrap().is_empty(), "one failed attempt is not yet alarming");

    let report = lane.terminal.sync().await.unwrap();
    assert_eq!(report.reversals_left, 1);
    let attention = lane.terminal.attention().unwrap();
    assert_eq!(attention.len(), 1);
    let a = &attention[0];
    assert_eq!((a.kind, a.txn_id, a.attempts), (AttentionKind::ReversalStuck, id, 2));
    assert!(a.zh().contains("请告知顾客") && a.tell_customer_zh().contains("自动退回"), "{}", a.zh());
    assert!(a.en().contains("Tell the customer") && a.tell_customer_en().contains("returns the money"), "{}", a.en());
    assert!(wait_for(&mut events, |e| matches!(e, SyncEvent::Attention(_))).await.is_some());
    // The operator told the customer: the item leaves the list, the reversal stays due and is
    // still sent (below), and new online requests stay blocked until it is acknowledged.
    assert_eq!(lane.terminal.acknowledge_attention(id).unwrap().len(), 1);
    assert!(lane.terminal.attention().unwrap().is_empty());
    assert_eq!(lane.terminal.reversal(id).unwrap().unwrap().state, ReversalState::Due);

    // Six sends later the host's answers get through: acknowledged, never a second effect.
    let report = lane.terminal.sync().await.unwrap();
    assert_eq!((report.reversals_acknowledged, report.reversals_left), (1, 0));
    assert_eq!(lane.host_reversals(stan).len(), 1, "repeats were recognised");
    assert_eq!(lane.host_row(stan).unwrap().status, HostStatus::Reversed);
    assert_eq!(lane.sim.ledger().available(pan("debit")).unwrap(), start);
    assert!(lane.terminal.attention().unwrap().is_empty());
    assert!(lane.terminal.sale(cny(100)).await.unwrap().approved);
    lane.sim.ledger().check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_crash_between_send_and_persist_is_reversed_at_start_up() {
    let mut lane = Lane::start(|_| {}).await;
    lane.present("debit");
    let start = lane.sim.ledger().available(pan("debit")).unwrap();
    // The host answers after 1.5 s; the app "dies" after 300 ms, with the request sent.
    lane.fault(FaultMode::Delay { ms: 1_500 }, 1, RequestClass::Financial);
    let cut = tokio::time::timeout(Duration::from_millis(300), lane.terminal.sale(cny(999))).await;
    assert!(cut.is_err(), "the sale was still waiting");
    let pending = lane.terminal.recent_txns(1).unwrap().remove(0);
    assert_eq!(pending.status, TxnStatus::Pending);
    assert_eq!(lane.terminal.reversal(pending.id).unwrap().map(|r| r.state), Some(ReversalState::Armed));
    tokio::time::sleep(Duration::from_millis(1_400)).await;
    assert_eq!(lane.host_row(pending.numbers.stan.value()).unwrap().status, HostStatus::Approved);

    lane.restart();
    let t = lane.terminal.txn(pending.id).unwrap().unwrap();
    assert_eq!((t.status, t.may_have_reached_host), (TxnStatus::Failed, true));
    let r = lane.terminal.reversal(pending.id).unwrap().unwrap();
    assert_eq!((r.state, r.cause), (ReversalState::Due, Some(ReversalCause::Interrupted)));
    let report = lane.terminal.recover().await.unwrap();
    assert_eq!(report.reversals_acknowledged, 1);
    assert_eq!(lane.host_row(pending.numbers.stan.value()).unwrap().status, HostStatus::Reversed);
    assert_eq!(lane.sim.ledger().available(pan("debit")).unwrap(), start);
    lane.sim.ledger().check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn an_approval_without_a_printable_receipt_is_cancelled_and_reversed() {
    let lane = Lane::start(|_| {}).await;
    lane.present("credit");
    let start = lane.sim.ledger().available(pan("credit")).unwrap();
    let sale = lane.terminal.sale(cny(6_600)).await.unwrap();
    assert!(sale.approved);
    assert_eq!(lane.terminal.reversal(sale.txn_id).unwrap().map(|r| r.state), Some(ReversalState::Held));
    // The printer is out of paper; the operator cancels.
    assert!(lane.terminal.cancel_unprinted(sale.txn_id).await.unwrap(), "reversed at once");
    assert_eq!(lane.host_row(sale.stan.value()).unwrap().status, HostStatus::Reversed);
    assert_eq!(lane.sim.ledger().available(pan("credit")).unwrap(), start);
    let r = lane.terminal.reversal(sale.txn_id).unwrap().unwrap();
    assert_eq!((r.state, r.reason.as_str()), (ReversalState::Acknowledged, "06"));
    assert!(lane.terminal.cancel_unprinted(sale.txn_id).await.is_err(), "only once");

    // A payment whose receipt printed cannot be cancelled this way: that is a void.
    let printed = lane.terminal.sale(cny(100)).await.unwrap();
    lane.terminal.complete(printed.txn_id).unwrap();
    let e = lane.terminal.cancel_unprinted(printed.txn_id).await.unwrap_err();
    assert!(matches!(e, Error::OriginalNotEligible { .. }) && e.en().contains("void"));
    lane.sim.ledger().check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_reversed_void_lets_the_sale_stand_again() {
    let lane = Lane::start(|_| {}).await;
    lane.present("credit");
    let start = lane.sim.ledger().available(pan("credit")).unwrap();
    let sale = lane.terminal.sale(cny(2_500)).await.unwrap();
    lane.fault(FaultMode::DropResponse, 1, RequestClass::Financial);
    let e = lane.terminal.void(OriginalRef::Voucher(sale.voucher.unwrap())).await.unwrap_err();
    let void_id = e.exchange_failure().unwrap().txn_id.unwrap();
    assert_eq!(lane.host_row(sale.stan.value()).unwrap().status, HostStatus::Voided);
    lane.terminal.sync().await.unwrap();
    assert_eq!(lane.terminal.reversal(void_id).unwrap().unwrap().state, ReversalState::Acknowledged);
    assert_eq!(lane.host_row(sale.stan.value()).unwrap().status, HostStatus::Approved, "the sale stands again");
    assert_eq!(lane.terminal.txn(sale.txn_id).unwrap().unwrap().cancelled_by, None);
    assert_eq!(lane.sim.ledger().available(pan("credit")).unwrap(), start - 2_500);
    // So it can be voided for real.
    assert!(lane.terminal.void(OriginalRef::Voucher(sale.voucher.unwrap())).await.unwrap().approved);
    assert_eq!(lane.sim.ledger().available(pan("credit")).unwrap(), start);
    lane.sim.ledger().check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn reversals_go_out_on_connectivity_return_and_at_start_up() {
    let mut lane = Lane::start(|c| c.sync.interval = Duration::from_secs(3_600)).await;
    lane.present("debit");
    lane.fault(FaultMode::DropResponse, 1, RequestClass::Financial);
    let id = lane.terminal.sale(cny(700)).await.unwrap_err().exchange_failure().unwrap().txn_id.unwrap();
    lane.terminal.set_connectivity(false);
    let mut events = lane.terminal.subscribe();
    let task = lane.terminal.spawn_sync();
    // Offline: neither the background round nor a sync by hand sends it (checked at the host).
    let report = sync_while_offline(&lane.terminal).await;
    assert_eq!(report.reversals_acknowledged, 0, "{report:?}");
    let stan = lane.terminal.txn(id).unwrap().unwrap().numbers.stan.value();
    assert!(lane.host_reversals(stan).is_empty(), "offline: not sent");
    assert_eq!(lane.terminal.reversal(id).unwrap().unwrap().state, ReversalState::Due, "offline: still due");
    assert!(
        !drain(&mut events)
            .iter()
            .any(|e| matches!(e, SyncEvent::ReversalAcknowledged { .. } | SyncEvent::ReversalFailed { .. })),
        "offline: no attempt"
    );
    lane.terminal.set_connectivity(true);
    let acked =
        wait_for(&mut events, |e| matches!(e, SyncEvent::ReversalAcknowledged { txn_id } if *txn_id == id)).await;
    assert!(acked.is_some(), "sent when the network came back");
    drop(task);

    // Another one left due when the app stops: the start-up sync sends it.
    lane.fault(FaultMode::DropResponse, 1, RequestClass::Financial);
    let id2 = lane.terminal.sale(cny(701)).await.unwrap_err().exchange_failure().unwrap().txn_id.unwrap();
    lane.restart();
    let mut events = lane.terminal.subscribe();
    let _task = lane.terminal.spawn_sync();
    let acked =
        wait_for(&mut events, |e| matches!(e, SyncEvent::ReversalAcknowledged { txn_id } if *txn_id == id2)).await;
    assert!(acked.is_some(), "sent at start-up");
    lane.sim.ledger().check_invariants().unwrap();
}
