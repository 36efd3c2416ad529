//! The terminal against the real acquirer simulator over loopback: every online transaction
//! type, declines, PIN retries and link faults, checked against the simulator's ledger.

use pos_acquirer_sim::{FaultMode, FaultPlan, RequestClass, TxnStatus as HostStatus};
use pos_core::iso8583::{BatchNo, TxnType};
use pos_core::provision::DEMO_TID;
use pos_core::store::TxnStatus;
use pos_core::terminal::OriginalRef;
use pos_core::Bilingual;
use pos_core::OperatorAction;
use pos_core::{Error, ErrorCode};
use pos_e2e::ExchangeFailureOf;
use pos_e2e::{cny, open, pan, signed_in, start};

fn host_row(rig: &pos_e2e::Rig, stan: u32) -> pos_acquirer_sim::TxnRow {
    let rows = rig.sim.ledger().transactions_for(DEMO_TID).expect("ledger rows");
    rows.into_iter().rev().find(|r| r.stan == stan && !r.kind.is_reversal()).expect("host row for the STAN")
}

fn fault(rig: &pos_e2e::Rig, mode: FaultMode) {
    rig.sim.faults().set(DEMO_TID, FaultPlan::once(mode).on(RequestClass::Financial));
}

#[tokio::test(start_paused = true)]
async fn sign_in_then_a_sale_with_pin() {
    let rig = start().await;
    rig.reader.present("debit").unwrap();
    assert!(matches!(rig.terminal.sale(cny(100)).await.unwrap_err(), Error::NotSignedIn { .. }));

    let o = rig.terminal.sign_in().await.unwrap();
    assert!(o.approved);
    assert!(rig.sim.is_signed_in(DEMO_TID));
    assert_eq!(Some(o.batch.value()), rig.sim.current_batch(DEMO_TID).unwrap(), "host batch adopted");

    let before = rig.sim.ledger().available(pan("debit")).unwrap();
    let sale = rig.terminal.sale(cny(12_345)).await.unwrap();
    assert!(sale.approved, "{sale:?}");
    assert_eq!((sale.entry_mode.to_field().as_str(), sale.masked_pan.as_str()), ("051", "622848*********0018"));
    assert_eq!(rig.sim.ledger().available(pan("debit")).unwrap(), before - 12_345);
    let host = host_row(&rig, sale.stan.value());
    assert_eq!((host.status, host.amount, host.rrn.clone()), (HostStatus::Approved, 12_345, sale.rrn.clone()));
    assert_eq!(host.auth_code, sale.auth_code);
    let mine = rig.terminal.txn(sale.txn_id).unwrap().unwrap();
    assert_eq!((mine.status, mine.rrn), (TxnStatus::Approved, sale.rrn));
    rig.sim.ledger().check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn void_refund_and_balance() {
    let rig = signed_in().await;
    let ledger = rig.sim.ledger();
    rig.reader.present("credit").unwrap();
    let start = ledger.available(pan("credit")).unwrap();

    let sale = rig.terminal.sale(cny(2_000)).await.unwrap();
    let void = rig.terminal.void(OriginalRef::Voucher(sale.voucher.unwrap())).await.unwrap();
    assert!(void.approved && void.txn == TxnType::Void, "{void:?}");
    assert_eq!(host_row(&rig, sale.stan.value()).status, HostStatus::Voided);
    assert_eq!(ledger.available(pan("credit")).unwrap(), start);

    let sale = rig.terminal.sale(cny(10_000)).await.unwrap();
    let refund = rig.terminal.refund(cny(4_000), OriginalRef::Voucher(sale.voucher.unwrap())).await.unwrap();
    assert!(refund.approved, "{refund:?}");
    assert_eq!(host_row(&rig, sale.stan.value()).refunded, 4_000);
    assert_eq!(ledger.available(pan("credit")).unwrap(), start - 6_000);
    let too_much = rig.terminal.refund(cny(6_001), OriginalRef::Voucher(sale.voucher.unwrap())).await.unwrap_err();
    assert!(
        matches!(too_much, Error::RefundAboveRemainder { left, .. } if left == cny(6_000)),
        "refused before sending"
    );
    assert!(too_much.en().contains("at most 60.00 CNY left to refund"), "{}", too_much.en());

    let balance = rig.terminal.balance().await.unwrap();
    assert!(balance.approved && balance.voucher.is_none());
    assert_eq!(balance.balance.map(|a| a.minor() as i64), Some(ledger.available(pan("credit")).unwrap()));
    ledger.check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn pre_auth_completion_and_cancels() {
    let rig = signed_in().await;
    let ledger = rig.sim.ledger();
    rig.reader.present("credit").unwrap();
    let start = ledger.available(pan("credit")).unwrap();

    let pa = rig.terminal.pre_auth(cny(50_000)).await.unwrap();
    assert!(pa.approved, "{pa:?}");
    assert_eq!(ledger.holds(pan("credit")).unwrap().len(), 1);
    let done = rig.terminal.pre_auth_complete(cny(48_000), OriginalRef::Voucher(pa.voucher.unwrap())).await.unwrap();
    assert!(done.approved, "{done:?}");
    assert!(ledger.holds(pan("credit")).unwrap().is_empty());
    assert_eq!(ledger.available(pan("credit")).unwrap(), start - 48_000);
    let cc = rig.terminal.completion_cancel(OriginalRef::Voucher(done.voucher.unwrap())).await.unwrap();
    assert!(cc.approved, "{cc:?}");
    // The cancelled completion opens the pre-auth again: its hold is back until it is cancelled.
    assert_eq!(ledger.available(pan("credit")).unwrap(), start - 50_000);
    let reopened = rig.terminal.pre_auth_cancel(cny(50_000), OriginalRef::Voucher(pa.voucher.unwrap())).await.unwrap();
    assert!(reopened.approved, "{reopened:?}");
    assert_eq!(ledger.available(pan("credit")).unwrap(), start);

    let pa = rig.terminal.pre_auth(cny(30_000)).await.unwrap();
    let cancel = rig.terminal.pre_auth_cancel(cny(30_000), OriginalRef::Voucher(pa.voucher.unwrap())).await.unwrap();
    assert!(cancel.approved, "{cancel:?}");
    assert_eq!(host_row(&rig, pa.stan.value()).status, HostStatus::Cancelled);

    // A pre-auth known only by its authorization code and date (from another terminal or a slip).
    let pa = rig.terminal.pre_auth(cny(7_000)).await.unwrap();
    let by_auth = OriginalRef::Auth { auth_code: pa.auth_code.clone().unwrap(), date: pa.host_date.clone().unwrap() };
    let cancel = rig.terminal.pre_auth_cancel(cny(7_000), by_auth).await.unwrap();
    assert!(cancel.approved, "{cancel:?}");
    assert_eq!(ledger.available(pan("credit")).unwrap(), start);
    ledger.check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn every_way_of_reading_a_card() {
    let rig = signed_in().await;
    for (card, entry) in [
        ("swipe12", "021"),
        ("swipe23", "021"),
        ("swipe123", "021"),
        ("contactless", "072"),
        ("offline", "052"),
        ("fallback", "801"),
        ("visa", "051"),
    ] {
        rig.reader.present(card).unwrap();
        let o = rig.terminal.sale(cny(1_00)).await.unwrap();
        assert!(o.approved, "{card}: {o:?}");
        assert_eq!(o.entry_mode.to_field(), entry, "{card}");
    }
}

#[tokio::test(start_paused = true)]
async fn declines_carry_their_bilingual_text_and_action() {
    let rig = signed_in().await;
    for (card, code, zh, en, action) in [
        ("lowbal", "51", "51 可用余额不足", "51 insufficient funds", OperatorAction::Decline),
        ("lost", "41", "41 挂失卡", "41 lost card", OperatorAction::RetainCard),
        ("stolen", "43", "43 被窃卡", "43 stolen card", OperatorAction::RetainCard),
        ("expired", "54", "54 该卡已过期", "54 expired card", OperatorAction::Decline),
        ("restricted", "62", "62 受限制的卡", "62 restricted card", OperatorAction::Decline),
        ("pinlocked", "75", "75 密码错误次数超限", "75 PIN tries exceeded", OperatorAction::Decline),
    ] {
        rig.reader.present(card).unwrap();
        let o = rig.terminal.sale(cny(5_000)).await.unwrap();
        assert!(!o.approved, "{card}");
        assert_eq!((o.response_code.as_str(), o.message_zh.as_str(), o.message_en.as_str()), (code, zh, en));
        assert_eq!(o.action, action, "{card}");
        assert!(o.zh().contains(zh) && o.en().contains(en));
        assert_eq!(rig.terminal.txn(o.txn_id).unwrap().unwrap().status, TxnStatus::Declined);
    }
}

#[tokio::test(start_paused = true)]
async fn wrong_pin_then_the_right_one() {
    let rig = signed_in().await;
    rig.reader.present("wrongpin").unwrap();
    let first = rig.terminal.sale(cny(500)).await.unwrap();
    assert_eq!(first.response_code.as_str(), "55");
    assert!(first.can_retry_pin());
    assert_eq!((first.message_zh.as_str(), first.message_en.as_str()), ("55 密码错", "55 incorrect PIN"));
    assert_eq!(rig.sim.ledger().pin_tries(pan("wrongpin")).unwrap(), 1);
    let second = rig.terminal.sale(cny(500)).await.unwrap();
    assert!(second.approved, "{second:?}");
    assert_eq!(rig.sim.ledger().pin_tries(pan("wrongpin")).unwrap(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_mac_failure_is_never_approved() {
    let rig = signed_in().await;
    rig.reader.present("debit").unwrap();
    fault(&rig, FaultMode::BadMac);
    let e = rig.terminal.sale(cny(800)).await.unwrap_err();
    let f = e.exchange_failure().expect("exchange failure");
    assert_eq!(f.code, ErrorCode::MacFailed);
    assert!(f.may_have_reached_host);
    assert!(f.reversal_due, "reversal prepared");
    let reversal = rig.terminal.reversal(f.txn_id.unwrap()).unwrap().expect("reversal journaled");
    assert_eq!((reversal.reason.as_str(), f.reversal_reason.as_str()), ("A0", "A0"));
    let mine = rig.terminal.txn(f.txn_id.unwrap()).unwrap().unwrap();
    assert_eq!((mine.status, mine.may_have_reached_host), (TxnStatus::Failed, true));
    // The host did act on it: exactly why the terminal must reverse rather than trust silence.
    assert_eq!(host_row(&rig, mine.numbers.stan.value()).status, HostStatus::Approved);
    assert!(matches!(e, Error::Network { .. }));
    // The link is still good for the next payment.
    assert!(rig.terminal.sale(cny(100)).await.unwrap().approved);
}

#[tokio::test(start_paused = true)]
async fn no_response_times_out_and_the_next_payment_goes_through() {
    let rig = signed_in().await;
    rig.reader.present("debit").unwrap();
    fault(&rig, FaultMode::DropResponse);
    let e = rig.terminal.sale(cny(300)).await.unwrap_err();
    let f = e.exchange_failure().unwrap();
    assert_eq!(f.code, ErrorCode::ResponseTimeout);
    assert_eq!(f.reversal_reason.as_str(), "98");
    assert!(e.zh().contains("超时"), "{}", e.zh());
    assert!(rig.terminal.sale(cny(300)).await.unwrap().approved);
}

#[tokio::test(start_paused = true)]
async fn a_late_or_doubled_answer_never_lands_on_another_payment() {
    let rig = signed_in().await;
    rig.reader.present("debit").unwrap();
    // A second and a half past the terminal's 60 s (simulated time).
    assert_eq!(rig.terminal.config().response_timeout, std::time::Duration::from_secs(60));
    fault(&rig, FaultMode::Delay { ms: 61_500 });
    let late = rig.terminal.sale(cny(111)).await.unwrap_err();
    assert_eq!(late.exchange_failure().map(|f| f.code), Some(ErrorCode::ResponseTimeout));
    // While the late answer is on its way, the next payment gets its own answer.
    let next = rig.terminal.sale(cny(222)).await.unwrap();
    assert!(next.approved && next.amount == Some(cny(222)));
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;

    fault(&rig, FaultMode::SendTwice);
    let once = rig.terminal.sale(cny(333)).await.unwrap();
    let after = rig.terminal.sale(cny(444)).await.unwrap();
    assert!(once.approved && after.approved);
    assert_eq!((once.amount, after.amount), (Some(cny(333)), Some(cny(444))));
    assert_ne!(once.rrn, after.rrn);
}

#[tokio::test(start_paused = true)]
async fn a_dropped_connection_is_reconnected_on_the_next_request() {
    let rig = signed_in().await;
    rig.reader.present("debit").unwrap();
    fault(&rig, FaultMode::Close);
    let e = rig.terminal.sale(cny(100)).await.unwrap_err();
    assert_eq!(e.exchange_failure().map(|f| f.code), Some(ErrorCode::ConnectionLost));
    let o = rig.terminal.sale(cny(100)).await.unwrap();
    assert!(o.approved);
    assert!(rig.sim.stats().accepted >= 2);
}

#[tokio::test(start_paused = true)]
async fn batch_out_of_step_asks_for_a_new_sign_in() {
    let rig = signed_in().await;
    // A settled batch puts the host at 000002; the terminal then falls behind it.
    rig.reader.present("debit").unwrap();
    assert!(rig.terminal.sale(cny(100)).await.unwrap().approved);
    rig.terminal.settle().await.unwrap();
    let batch = rig.terminal.batch().unwrap();
    assert_eq!(rig.sim.current_batch(DEMO_TID).unwrap(), Some(batch.value()));
    rig.terminal.store().set_batch(BatchNo::new(batch.value() - 1).unwrap()).unwrap();
    rig.reader.present("debit").unwrap();
    let o = rig.terminal.sale(cny(100)).await.unwrap();
    assert_eq!((o.response_code.as_str(), o.action), ("77", OperatorAction::SignInAgain));
    let e = rig.terminal.sale(cny(100)).await.unwrap_err();
    assert_eq!((e.zh().as_str(), e.en().as_str()), ("请重新签到", "Please sign in again"));
    assert!(rig.terminal.sign_in().await.unwrap().approved);
    assert_eq!(rig.terminal.batch().unwrap(), batch);
    assert!(rig.terminal.sale(cny(100)).await.unwrap().approved);
}

#[tokio::test(start_paused = true)]
async fn a_host_batch_below_the_terminals_is_refused_at_sign_in() {
    // The acquirer's books went back (a simulator restarted in memory): its sign-in answer
    // carries batch 000001 while the terminal has settled 000001 already.
    let rig = signed_in().await;
    rig.reader.present("debit").unwrap();
    let sale = rig.terminal.sale(cny(100)).await.unwrap();
    let ours = sale.batch.next();
    rig.terminal.store().set_batch(ours).unwrap();
    let mak = rig.terminal.store().session().unwrap().unwrap().mak;

    let e = rig.terminal.sign_in().await.unwrap_err();
    assert!(matches!(e, Error::HostBatchBehind { ours: o, host, .. } if o == ours && host == sale.batch), "{e:?}");
    assert_eq!(rig.terminal.batch().unwrap(), ours, "the terminal's batch is unchanged");
    assert_eq!(rig.terminal.store().session().unwrap().unwrap().mak, mak, "the keys in force are kept");
    assert!(e.zh().contains("批次号倒退") && e.en().contains("went backwards"), "{}", e.both());
    assert_eq!(e.code().as_str(), "host_batch_behind");
    // No void of the settled sale can go out against the reset host: it is not in the batch.
    rig.reader.present("debit").unwrap();
    assert!(rig.terminal.void(OriginalRef::Voucher(sale.voucher.unwrap())).await.is_err());
    let voids = rig.sim.ledger().transactions_for(DEMO_TID).unwrap();
    assert!(voids.iter().all(|r| r.kind != pos_acquirer_sim::RowKind::Txn(TxnType::Void)), "{voids:?}");
}

#[tokio::test(start_paused = true)]
async fn echo_sign_off_and_restart() {
    let rig = start().await;
    assert!(rig.terminal.echo().await.unwrap().approved);
    rig.terminal.sign_in().await.unwrap();
    rig.reader.present("debit").unwrap();
    let first = rig.terminal.sale(cny(100)).await.unwrap();

    // A restart keeps the session (MAK sealed in the store) and the counters.
    let config = rig.terminal.config().clone();
    let pos_e2e::Rig { sim, terminal, reader, dir } = rig;
    drop(terminal);
    let terminal = open(&dir, config, reader.clone());
    assert!(terminal.is_signed_in().unwrap());
    let second = terminal.sale(cny(100)).await.unwrap();
    assert!(second.approved);
    assert!(second.stan > first.stan && second.voucher > first.voucher);

    // Sign-off waits for the day's end: refused with the batch unsettled, allowed once settled.
    assert!(matches!(
        terminal.sign_off().await.unwrap_err(),
        Error::DayEndRefused { op: pos_core::DayEndOp::SignOff, .. }
    ));
    assert!(terminal.is_signed_in().unwrap());
    terminal.settle().await.unwrap();
    assert!(terminal.sign_off().await.unwrap().approved);
    assert!(!sim.is_signed_in(DEMO_TID) && !terminal.is_signed_in().unwrap());
    assert!(matches!(terminal.sale(cny(100)).await.unwrap_err(), Error::NotSignedIn { .. }));
}
