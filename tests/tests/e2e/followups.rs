//! Follow-ups on every approved payment, against the simulator's ledger: refund and void of
//! an uploaded offline sale, a pre-auth open again after its completion is cancelled, the
//! refundable remainder and the completion ceiling checked before anything is sent (and no
//! voucher used), and a refund whose answer was lost retried without refunding twice.

use crate::support::Lane;
use pos_acquirer_sim::{FaultMode, RequestClass, RowKind, TxnStatus as HostStatus};
use pos_core::iso8583::TxnType;
use pos_core::store::TxnStatus;
use pos_core::terminal::OriginalRef;
use pos_core::Bilingual;
use pos_core::Error;
use pos_core::OfflinePreference;
use pos_e2e::ExchangeFailureOf;
use pos_e2e::{cny, pan};

const FORCE: OfflinePreference = OfflinePreference::ForceOffline;

/// The host's approved refund rows of the demo terminal.
fn host_refunds(lane: &Lane) -> Vec<pos_acquirer_sim::TxnRow> {
    lane.host_rows()
        .into_iter()
        .filter(|r| r.kind == RowKind::Txn(TxnType::Refund) && r.response_code == "00")
        .collect()
}

#[tokio::test(start_paused = true)]
async fn an_uploaded_offline_sale_is_refunded_by_voucher() {
    let lane = Lane::start(|_| {}).await;
    let ledger = lane.sim.ledger();
    lane.present("contactless");
    let start = ledger.available(pan("contactless")).unwrap();
    let sale = lane.terminal.sale_with(cny(5_000), FORCE).await.unwrap();
    assert_eq!((sale.txn, sale.approved), (TxnType::OfflineSale, true));
    let voucher = OriginalRef::Voucher(sale.voucher.unwrap());

    // Not uploaded yet: the host does not know it, so nothing is sent and the operator is told why.
    let e = lane.terminal.refund(cny(1_000), voucher.clone()).await.unwrap_err();
    assert!(matches!(e, Error::OriginalNotEligible { .. }), "{e:?}");
    assert!(e.en().contains("upload") && e.zh().contains("上送"), "{} / {}", e.en(), e.zh());
    assert!(lane.host_rows().is_empty());

    assert_eq!(lane.terminal.sync().await.unwrap().accepted, 1);
    assert_eq!(ledger.available(pan("contactless")).unwrap(), start - 5_000);
    let refund = lane.terminal.refund(cny(1_200), voucher.clone()).await.unwrap();
    assert!(refund.approved && refund.txn == TxnType::Refund, "{refund:?}");
    assert_eq!(ledger.available(pan("contactless")).unwrap(), start - 3_800, "the card got 12.00 back");
    assert_eq!(lane.host_row(sale.stan.value()).unwrap().refunded, 1_200);

    // The rest, and not a fen more.
    let e = lane.terminal.refund(cny(3_801), voucher.clone()).await.unwrap_err();
    assert!(e.en().contains("at most 38.00 CNY left to refund"), "{}", e.en());
    let rest = lane.terminal.refund(cny(3_800), voucher).await.unwrap();
    assert!(rest.approved, "{rest:?}");
    assert_eq!(ledger.available(pan("contactless")).unwrap(), start);
    ledger.check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_void_of_an_offline_sale_points_to_a_refund() {
    let lane = Lane::start(|_| {}).await;
    lane.present("contactless");
    let sale = lane.terminal.sale_with(cny(2_300), FORCE).await.unwrap();
    lane.terminal.sync().await.unwrap();
    let rows = lane.host_rows().len();
    // The profile voids sales (消费撤销) only; an offline sale (离线结算) is given back by a refund.
    let e = lane.terminal.void(OriginalRef::Voucher(sale.voucher.unwrap())).await.unwrap_err();
    assert!(matches!(e, Error::OriginalNotEligible { .. }), "{e:?}");
    assert!(e.en().contains("refund") && e.zh().contains("退货"), "{} / {}", e.en(), e.zh());
    assert_eq!(lane.host_rows().len(), rows, "nothing sent");
    let refund = lane.terminal.refund(cny(2_300), OriginalRef::Voucher(sale.voucher.unwrap())).await.unwrap();
    assert!(refund.approved, "{refund:?}");
    lane.sim.ledger().check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_pre_auth_whose_completion_was_cancelled_is_open_again() {
    let lane = Lane::start(|_| {}).await;
    let ledger = lane.sim.ledger();
    lane.present("credit");
    let start = ledger.available(pan("credit")).unwrap();
    let pa = lane.terminal.pre_auth(cny(50_000)).await.unwrap();
    assert!(pa.approved);
    let by_voucher = OriginalRef::Voucher(pa.voucher.unwrap());
    let done = lane.terminal.pre_auth_complete(cny(48_000), by_voucher.clone()).await.unwrap();
    assert!(done.approved, "{done:?}");

    // Completed: a second completion or a cancel is refused here, not sent to be declined.
    let rows = lane.host_rows().len();
    let e = lane.terminal.pre_auth_complete(cny(1_000), by_voucher.clone()).await.unwrap_err();
    assert!(matches!(e, Error::OriginalNotEligible { .. }), "{e:?}");
    let e = lane.terminal.pre_auth_cancel(cny(50_000), by_voucher.clone()).await.unwrap_err();
    assert!(matches!(e, Error::OriginalNotEligible { .. }), "{e:?}");
    assert_eq!(lane.host_rows().len(), rows);

    let cc = lane.terminal.completion_cancel(OriginalRef::Voucher(done.voucher.unwrap())).await.unwrap();
    assert!(cc.approved, "{cc:?}");
    // The hold is back, whole, on the pre-auth; the captured money went back to the card.
    let holds = ledger.holds(pan("credit")).unwrap();
    assert_eq!(holds.iter().map(|h| (h.stan, h.amount)).collect::<Vec<_>>(), vec![(pa.stan.value(), 50_000)]);
    assert_eq!(ledger.available(pan("credit")).unwrap(), start - 50_000);
    let host_pa = lane.host_row(pa.stan.value()).unwrap();
    assert_eq!((host_pa.status, host_pa.captured), (HostStatus::Approved, 0));
    ledger.check_invariants().unwrap();

    // So it completes again, for another amount.
    let again = lane.terminal.pre_auth_complete(cny(30_000), by_voucher.clone()).await.unwrap();
    assert!(again.approved, "{again:?}");
    assert!(ledger.holds(pan("credit")).unwrap().is_empty());
    assert_eq!(ledger.available(pan("credit")).unwrap(), start - 30_000);
    let host_pa = lane.host_row(pa.stan.value()).unwrap();
    assert_eq!((host_pa.status, host_pa.captured), (HostStatus::Completed, 30_000));
    ledger.check_invariants().unwrap();

    // And once that completion is cancelled too, the pre-auth itself can be cancelled.
    assert!(lane.terminal.completion_cancel(OriginalRef::Voucher(again.voucher.unwrap())).await.unwrap().approved);
    let cancel = lane.terminal.pre_auth_cancel(cny(50_000), by_voucher).await.unwrap();
    assert!(cancel.approved, "{cancel:?}");
    assert!(ledger.holds(pan("credit")).unwrap().is_empty());
    assert_eq!(ledger.available(pan("credit")).unwrap(), start);
    assert_eq!(lane.host_row(pa.stan.value()).unwrap().status, HostStatus::Cancelled);
    ledger.check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_reversed_completion_cancel_leaves_the_pre_auth_completed() {
    let lane = Lane::start(|_| {}).await;
    let ledger = lane.sim.ledger();
    lane.present("credit");
    let start = ledger.available(pan("credit")).unwrap();
    let pa = lane.terminal.pre_auth(cny(20_000)).await.unwrap();
    let done = lane.terminal.pre_auth_complete(cny(15_000), OriginalRef::Voucher(pa.voucher.unwrap())).await.unwrap();
    assert!(done.approved);
    // The completion cancel's answer is lost: it is reversed, and everything is as before it.
    lane.fault(FaultMode::DropResponse, 1, RequestClass::Financial);
    let e = lane.terminal.completion_cancel(OriginalRef::Voucher(done.voucher.unwrap())).await.unwrap_err();
    assert!(e.exchange_failure().is_some(), "{e:?}");
    let report = lane.terminal.sync().await.unwrap();
    assert_eq!(report.reversals_acknowledged, 1);
    let host_pa = lane.host_row(pa.stan.value()).unwrap();
    assert_eq!((host_pa.status, host_pa.captured), (HostStatus::Completed, 15_000));
    assert!(ledger.holds(pan("credit")).unwrap().is_empty());
    assert_eq!(ledger.available(pan("credit")).unwrap(), start - 15_000);
    ledger.check_invariants().unwrap();
    // The completion stands, so the pre-auth cannot be completed again.
    let e = lane.terminal.pre_auth_complete(cny(1_000), OriginalRef::Voucher(pa.voucher.unwrap())).await.unwrap_err();
    assert!(matches!(e, Error::OriginalNotEligible { .. }), "{e:?}");
}

#[tokio::test(start_paused = true)]
async fn a_refund_above_what_is_left_is_refused_here_naming_the_amount_and_uses_no_voucher() {
    let lane = Lane::start(|_| {}).await;
    lane.present("credit");
    let sale = lane.terminal.sale(cny(10_000)).await.unwrap();
    let voucher = OriginalRef::Voucher(sale.voucher.unwrap());
    let first = lane.terminal.refund(cny(9_900), voucher.clone()).await.unwrap();
    assert!(first.approved, "{first:?}");
    let rows = lane.host_rows().len();

    let e = lane.terminal.refund(cny(200), voucher.clone()).await.unwrap_err();
    assert!(e.en().contains("at most 1.00 CNY left to refund"), "{}", e.en());
    assert!(e.zh().contains("1.00") && e.zh().contains("退"), "{}", e.zh());
    assert!(!e.en().contains("another card"), "{}", e.en());
    assert_eq!(lane.host_rows().len(), rows, "nothing was sent");

    // The next approved payment takes the next slip number: the refusal used none.
    let next = lane.terminal.sale(cny(300)).await.unwrap();
    assert!(next.approved);
    assert_eq!(next.voucher.unwrap().value(), first.voucher.unwrap().value() + 1);
    let last = lane.terminal.refund(cny(100), voucher.clone()).await.unwrap();
    assert!(last.approved, "{last:?}");
    let e = lane.terminal.refund(cny(1), voucher).await.unwrap_err();
    assert!(e.en().contains("nothing left to refund") || e.en().contains("at most 0.00 CNY"), "{}", e.en());
    assert_eq!(lane.host_row(sale.stan.value()).unwrap().refunded, 10_000);
    lane.sim.ledger().check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_completion_above_the_hold_is_refused_here() {
    let lane = Lane::start(|_| {}).await;
    lane.present("credit");
    let pa = lane.terminal.pre_auth(cny(10_000)).await.unwrap();
    let rows = lane.host_rows().len();
    let e = lane.terminal.pre_auth_complete(cny(10_001), OriginalRef::Voucher(pa.voucher.unwrap())).await.unwrap_err();
    assert!(e.en().contains("100.00 CNY") && e.zh().contains("100.00"), "{} / {}", e.en(), e.zh());
    assert_eq!(lane.host_rows().len(), rows, "nothing was sent");
    let done = lane.terminal.pre_auth_complete(cny(10_000), OriginalRef::Voucher(pa.voucher.unwrap())).await.unwrap();
    assert!(done.approved, "{done:?}");
    assert_eq!(done.voucher.unwrap().value(), pa.voucher.unwrap().value() + 1, "the refusal used no voucher");
    lane.sim.ledger().check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_refund_whose_answer_was_lost_is_retried_without_refunding_twice() {
    let lane = Lane::start(|_| {}).await;
    let ledger = lane.sim.ledger();
    lane.present("credit");
    let sale = lane.terminal.sale(cny(8_000)).await.unwrap();
    let voucher = OriginalRef::Voucher(sale.voucher.unwrap());
    let paid = ledger.available(pan("credit")).unwrap();

    // The host refunds, its answer is lost.
    lane.fault(FaultMode::DropResponse, 1, RequestClass::Financial);
    let e = lane.terminal.refund(cny(3_000), voucher.clone()).await.unwrap_err();
    let f = e.exchange_failure().expect("exchange failure");
    assert!(f.may_have_reached_host);
    let first_id = f.txn_id.unwrap();
    let first = lane.terminal.txn(first_id).unwrap().unwrap();
    assert_eq!(lane.host_row(sale.stan.value()).unwrap().refunded, 3_000, "the host did refund");

    // The operator tries again: the terminal asks the host about the first one, which it has.
    let retry = lane.terminal.refund(cny(3_000), voucher.clone()).await.unwrap();
    assert!(retry.approved, "{retry:?}");
    assert_eq!(retry.stan, first.numbers.stan, "the same request, answered");
    assert_eq!(host_refunds(&lane).len(), 1, "one refund at the host");
    assert_eq!(ledger.available(pan("credit")).unwrap(), paid + 3_000);
    assert_eq!(lane.host_row(sale.stan.value()).unwrap().refunded, 3_000);
    assert_eq!(lane.terminal.txn(first_id).unwrap().unwrap().status, TxnStatus::Approved);

    // What is left is counted with it.
    let e = lane.terminal.refund(cny(5_001), voucher).await.unwrap_err();
    assert!(e.en().contains("at most 50.00 CNY left to refund"), "{}", e.en());
    ledger.check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_refund_that_never_reached_the_host_is_made_once_on_retry() {
    let lane = Lane::start(|_| {}).await;
    let ledger = lane.sim.ledger();
    lane.present("debit");
    let sale = lane.terminal.sale(cny(6_000)).await.unwrap();
    let voucher = OriginalRef::Voucher(sale.voucher.unwrap());
    let paid = ledger.available(pan("debit")).unwrap();
    // The connection closes before the host reads the refund: nothing happened there.
    lane.fault(FaultMode::Close, 1, RequestClass::Financial);
    let e = lane.terminal.refund(cny(6_000), voucher.clone()).await.unwrap_err();
    assert!(e.exchange_failure().is_some_and(|f| f.may_have_reached_host), "{e:?}");
    assert!(host_refunds(&lane).is_empty());
    let retry = lane.terminal.refund(cny(6_000), voucher).await.unwrap();
    assert!(retry.approved, "{retry:?}");
    assert_eq!(host_refunds(&lane).len(), 1);
    assert_eq!(ledger.available(pan("debit")).unwrap(), paid + 6_000);
    ledger.check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn an_unanswered_refund_is_settled_with_the_host_before_another_refund_of_its_sale() {
    let lane = Lane::start(|_| {}).await;
    let ledger = lane.sim.ledger();
    lane.present("credit");
    let sale = lane.terminal.sale(cny(8_000)).await.unwrap();
    let voucher = OriginalRef::Voucher(sale.voucher.unwrap());
    let paid = ledger.available(pan("credit")).unwrap();
    lane.fault(FaultMode::DropResponse, 1, RequestClass::Financial);
    let id = lane.terminal.refund(cny(3_000), voucher.clone()).await.unwrap_err().exchange_failure().unwrap().txn_id;
    // A different refund of the same sale: the first is asked about first, and counts.
    let e = lane.terminal.refund(cny(5_001), voucher.clone()).await.unwrap_err();
    assert!(e.en().contains("at most 50.00 CNY left to refund"), "{}", e.en());
    assert_eq!(lane.terminal.txn(id.unwrap()).unwrap().unwrap().status, TxnStatus::Approved);
    let second = lane.terminal.refund(cny(5_000), voucher).await.unwrap();
    assert!(second.approved, "{second:?}");
    assert_eq!(host_refunds(&lane).len(), 2);
    assert_eq!(ledger.available(pan("credit")).unwrap(), paid + 8_000);
    ledger.check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn sync_settles_an_unanswered_refund() {
    let lane = Lane::start(|_| {}).await;
    let ledger = lane.sim.ledger();
    lane.present("credit");
    let sale = lane.terminal.sale(cny(4_000)).await.unwrap();
    lane.fault(FaultMode::DropResponse, 1, RequestClass::Financial);
    let e = lane.terminal.refund(cny(4_000), OriginalRef::Voucher(sale.voucher.unwrap())).await.unwrap_err();
    let id = e.exchange_failure().unwrap().txn_id.unwrap();
    lane.terminal.sync().await.unwrap();
    let mine = lane.terminal.txn(id).unwrap().unwrap();
    assert_eq!((mine.status, mine.response_code.map(|c| c.to_string())), (TxnStatus::Approved, Some("00".into())));
    assert_eq!(host_refunds(&lane).len(), 1);
    // Fully refunded: nothing more is sent.
    let e = lane.terminal.refund(cny(1), OriginalRef::Voucher(sale.voucher.unwrap())).await.unwrap_err();
    assert!(!e.is_network(), "{e:?}");
    assert_eq!(host_refunds(&lane).len(), 1);
    ledger.check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_refund_cut_off_by_a_crash_is_settled_at_start_up_once() {
    let mut lane = Lane::start(|_| {}).await;
    lane.present("debit");
    let sale = lane.terminal.sale(cny(7_000)).await.unwrap();
    let paid = lane.sim.ledger().available(pan("debit")).unwrap();
    // The host answers after 1.5 s; the app "dies" after 300 ms, with the refund sent.
    lane.fault(FaultMode::Delay { ms: 1_500 }, 1, RequestClass::Financial);
    let voucher = OriginalRef::Voucher(sale.voucher.unwrap());
    let cut =
        tokio::time::timeout(std::time::Duration::from_millis(300), lane.terminal.refund(cny(2_500), voucher.clone()));
    assert!(cut.await.is_err(), "the refund was still waiting");
    let pending = lane.terminal.recent_txns(1).unwrap().remove(0);
    assert_eq!((pending.txn_type, pending.status), (TxnType::Refund, TxnStatus::Pending));
    tokio::time::sleep(std::time::Duration::from_millis(1_400)).await;
    assert_eq!(host_refunds(&lane).len(), 1, "the host made it");

    lane.restart();
    let report = lane.terminal.recover().await.unwrap();
    assert_eq!(report.reversals_acknowledged, 0, "a refund is not reversed");
    let mine = lane.terminal.txn(pending.id).unwrap().unwrap();
    assert_eq!(mine.status, TxnStatus::Approved, "settled by its repeat");
    assert_eq!(host_refunds(&lane).len(), 1);
    assert_eq!(lane.sim.ledger().available(pan("debit")).unwrap(), paid + 2_500);
    let e = lane.terminal.refund(cny(4_501), voucher).await.unwrap_err();
    assert!(e.en().contains("at most 45.00 CNY left to refund"), "{}", e.en());
    lane.sim.ledger().check_invariants().unwrap();
}
