//! The design's receipt rule end to end: a sale is complete when its slip prints; an approval
//! whose slip cannot be printed and which the operator cancels is reversed at the acquirer.

use std::sync::Arc;

use pos_acquirer_sim::TxnStatus as HostStatus;
use pos_core::devices::ble::{memory_pair, MemoryFaults};
use pos_core::devices::printer::sim::{SimPrinter, SimPrinterConfig};
use pos_core::devices::printer::{BlePrinter, PaperWidth, PrinterConfig};
use pos_core::iso8583::{MerchantId, TerminalId};
use pos_core::provision::{DEMO_MERCHANT_NAME, DEMO_MID, DEMO_TID};
use pos_core::terminal::{Clock, SystemClock};
use pos_core::Bilingual;
use pos_core::{print_slips, MerchantInfo, Receipt, ReceiptContext};
use pos_e2e::{cny, pan, signed_in};

fn printer() -> (BlePrinter, SimPrinter) {
    let ((phone, prx), (dev, drx)) = memory_pair(185, MemoryFaults::default());
    let sim = SimPrinter::start(Arc::new(dev), drx, SimPrinterConfig::default());
    (BlePrinter::new(Arc::new(phone), prx, PrinterConfig::default()), sim)
}

fn context() -> ReceiptContext {
    ReceiptContext {
        merchant: MerchantInfo {
            name: DEMO_MERCHANT_NAME.into(),
            mid: MerchantId::new(DEMO_MID).unwrap(),
            tid: TerminalId::new(DEMO_TID).unwrap(),
            header_lines: Vec::new(),
        },
        operator: "01".into(),
        printed_at: SystemClock::default().now(),
        offline: false,
        reprint: false,
        verification: None,
    }
}

fn host_status(rig: &pos_e2e::Rig, stan: u32) -> HostStatus {
    let rows = rig.sim.ledger().transactions_for(DEMO_TID).unwrap();
    rows.into_iter().rev().find(|r| r.stan == stan && !r.kind.is_reversal()).unwrap().status
}

#[tokio::test(start_paused = true)]
async fn an_unprintable_slip_cancelled_by_the_operator_is_reversed() {
    let rig = signed_in().await;
    let (ble_printer, sim_printer) = printer();
    rig.reader.present("debit").unwrap();
    let before = rig.sim.ledger().available(pan("debit")).unwrap();
    let sale = rig.terminal.sale(cny(5_600)).await.unwrap();
    assert!(sale.approved);
    assert_eq!(rig.sim.ledger().available(pan("debit")).unwrap(), before - 5_600);

    sim_printer.set_paper_out(true);
    let slips = Receipt::copies(&sale, &context()).unwrap();
    let failed = print_slips(&ble_printer, &slips, PaperWidth::Mm58).await.unwrap_err();
    assert!(failed.zh().contains("冲正") || failed.zh().contains("取消"), "{}", failed.zh());

    // The operator cannot fix the printer and cancels: the approval is reversed at the host.
    let acknowledged = rig.terminal.cancel_unprinted(sale.txn_id).await.unwrap();
    assert!(acknowledged);
    assert_eq!(host_status(&rig, sale.stan.value()), HostStatus::Reversed);
    assert_eq!(rig.sim.ledger().available(pan("debit")).unwrap(), before, "the customer is not charged");
    rig.sim.ledger().check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_printed_slip_completes_the_sale_which_then_needs_a_void_to_undo() {
    let rig = signed_in().await;
    let (ble_printer, sim_printer) = printer();
    rig.reader.present("debit").unwrap();
    let sale = rig.terminal.sale(cny(3_300)).await.unwrap();
    let slips = Receipt::copies(&sale, &context()).unwrap();
    print_slips(&ble_printer, &slips, PaperWidth::Mm58).await.unwrap();
    let paper = sim_printer.text();
    assert!(paper.contains("商户存根") && paper.contains("持卡人存根"), "{paper}");
    assert!(paper.contains("622848*********0018") && !paper.contains(pan("debit")));
    rig.terminal.complete(sale.txn_id).unwrap();
    assert!(rig.terminal.cancel_unprinted(sale.txn_id).await.is_err(), "a complete sale is voided, not cancelled");
    assert_eq!(host_status(&rig, sale.stan.value()), HostStatus::Approved);
}
