//! Transfer (转账) against the simulator: card to account with the PIN, its slip from the journal
//! (the payee masked), its place in the settlement totals, its reversal when the answer is lost,
//! and bad payee accounts refused before anything is sent.

use crate::support::Lane;
use pos_acquirer_sim::{FaultMode, RequestClass, TxnStatus as HostStatus};
use pos_core::devices::printer::preview::render;
use pos_core::devices::printer::PaperWidth;
use pos_core::iso8583::{Reconciliation, TxnType};
use pos_core::{ErrorCode, ReversalState};
use pos_e2e::{cny, pan, ExchangeFailureOf};

const PAYEE: &str = "6217000012345678901";

#[tokio::test(start_paused = true)]
async fn a_transfer_debits_the_card_prints_its_slip_and_counts_in_settlement() {
    let lane = Lane::start(|_| {}).await;
    let ledger = lane.sim.ledger();
    let start = ledger.available(pan("debit")).unwrap();
    lane.present("debit");
    let o = lane.terminal.transfer(cny(20_000), PAYEE).await.unwrap();
    assert!(o.approved && o.txn == TxnType::Transfer && o.entry_mode.pin_entered, "{o:?}");
    assert_eq!(ledger.available(pan("debit")).unwrap(), start - 20_000, "the card is debited once");
    let row = lane.host_row(o.stan.value()).unwrap();
    assert_eq!((row.kind, row.status), (pos_acquirer_sim::RowKind::Txn(TxnType::Transfer), HostStatus::Approved));

    // The slip is built from the journal: its type, and the payee masked.
    let record = lane.terminal.txn(o.txn_id).unwrap().unwrap();
    assert_eq!(record.payee.as_deref(), Some("621700*********8901"));
    let copies = lane.terminal.slips(o.txn_id, false).unwrap();
    let text = render(&copies[0].render(PaperWidth::Mm58), PaperWidth::Mm58.columns()).to_text();
    // The type prints double width, letter-spaced.
    let tight = text.replace(' ', "");
    assert!(tight.contains("转账") && tight.contains("TRANSFER"), "{text}");
    assert!(text.contains("621700*********8901") && !text.contains(PAYEE), "{text}");

    // A sale beside it; the settlement's debit side holds both, and the host agrees.
    lane.present("credit");
    assert!(lane.terminal.sale(cny(1_000)).await.unwrap().approved);
    let s = lane.terminal.settle().await.unwrap();
    assert_eq!(s.reconciliation, Reconciliation::Balanced, "{s:?}");
    assert_eq!((s.totals.domestic.debit_count, s.totals.domestic.debit_amount), (2, 21_000), "{:?}", s.totals);
    ledger.check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_transfer_whose_answer_is_lost_is_reversed_and_bad_payees_are_refused() {
    let lane = Lane::start(|_| {}).await;
    let ledger = lane.sim.ledger();
    let start = ledger.available(pan("debit")).unwrap();
    lane.fault(FaultMode::DropResponse, 1, RequestClass::Financial);
    lane.present("debit");
    let e = lane.terminal.transfer(cny(5_000), PAYEE).await.unwrap_err();
    let id = e.exchange_failure().and_then(|f| f.txn_id).expect("journaled");
    let stan = lane.terminal.txn(id).unwrap().unwrap().numbers.stan.value();
    assert_eq!(lane.host_row(stan).unwrap().status, HostStatus::Approved, "the host did debit");
    assert_eq!(lane.terminal.reversal(id).unwrap().unwrap().state, ReversalState::Due);
    lane.terminal.sync().await.unwrap();
    assert_eq!(lane.host_row(stan).unwrap().status, HostStatus::Reversed);
    assert_eq!(ledger.available(pan("debit")).unwrap(), start, "reversed: nothing taken");

    // Bad payee accounts: refused with a bilingual reason, nothing journaled or sent.
    let rows = lane.host_rows().len();
    for bad in ["", "12345", "62170000123456789012345678901", "6217-0000-1234", "621700001234567890X"] {
        lane.present("debit");
        let e = lane.terminal.transfer(cny(100), bad).await.unwrap_err();
        assert_eq!(e.code(), ErrorCode::Input, "{bad:?}: {e:?}");
        assert!(pos_core::Bilingual::zh(&e).contains("收款账号"), "{bad:?}");
    }
    assert_eq!(lane.host_rows().len(), rows, "nothing was sent");
    ledger.check_invariants().unwrap();
}
