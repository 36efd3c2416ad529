//! Printing through the simulated Bluetooth printer and keeping what came out of it: every
//! slip's paper becomes a PNG (as the thermal head would print it) and a text file.

use std::path::Path;

use pos_core::devices::printer::sim::to_png;
use pos_core::devices::printer::Printer;
use pos_core::terminal::TxnOutcome;
use pos_core::type_name;
use pos_core::Bilingual;
use pos_core::{CopyKind, SettlementSlip};

use crate::error::DemoError;
use crate::station::{Dirs, Station};
use crate::summary::ReceiptFile;
use crate::view::{DemoView, Tone};

/// What became of a transaction's slips.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Printed {
    /// Both copies printed (after the operator fixed the printer, if it failed).
    Both,
    /// The printer could not print and the operator cancelled the payment.
    Cancelled,
}

/// Prints both copies of an approved transaction; a copy that fails is printed again once the
/// operator has fixed the printer (`fixable`), otherwise the operator cancels the payment.
pub async fn print_txn(
    st: &Station,
    dirs: &Dirs,
    view: &dyn DemoView,
    o: &TxnOutcome,
    files: &mut Vec<ReceiptFile>,
    fixable: bool,
) -> Result<Printed, DemoError> {
    // The terminal builds the slips from its journal and completes the payment once both
    // copies printed; the demo keeps each copy's paper and plays the operator between copies.
    let mut run = st.terminal.start_slips(o.txn_id, false).map_err(|e| DemoError::at("receipt", &e))?;
    let voucher = o.voucher.map(|v| v.to_string()).unwrap_or_else(|| o.stan.to_string());
    let kind = type_name(o.txn);
    while let Some(copy) = run.next_copy() {
        if let Err(not_printed) = run.print_next(&st.printer, st.width).await {
            // The half-printed slip is torn off and thrown away.
            let _ = st.paper.take_paper();
            view.screen(Tone::Warn, &not_printed.zh(), &not_printed.en());
            if !fixable {
                return Ok(Printed::Cancelled);
            }
            st.paper.set_paper_out(false);
            st.paper.set_cover_open(false);
            view.screen(Tone::Info, "操作员装好新纸卷，重新打印", "the operator loads a new roll and prints again");
            if let Err(e) = run.print_next(&st.printer, st.width).await {
                view.screen(Tone::Warn, &e.error.zh(), &e.error.en());
                let _ = st.paper.take_paper();
                return Ok(Printed::Cancelled);
            }
        }
        let copy = match copy {
            CopyKind::Merchant => "merchant",
            CopyKind::Cardholder => "cardholder",
        };
        let stem = format!("{voucher}-{kind}-{copy}");
        files.push(save_paper(st, dirs, &stem, &voucher, copy, kind)?);
    }
    st.terminal.finish_slips(run).map_err(|e| DemoError::at("receipt", &e))?;
    Ok(Printed::Both)
}

/// Prints the settlement slip and keeps it.
pub async fn print_settlement(
    st: &Station,
    dirs: &Dirs,
    view: &dyn DemoView,
    slip: &SettlementSlip,
) -> Result<ReceiptFile, DemoError> {
    let job = slip.render(st.width);
    if let Err(e) = st.printer.print(&job).await {
        // The totals are in the journal and the report; the slip can be reprinted later.
        view.screen(Tone::Warn, &e.zh(), &e.en());
        let _ = st.paper.take_paper();
    }
    let stem = format!("settlement-{}", slip.batch);
    save_paper(st, dirs, &stem, "settlement", "settlement", "settlement")
}

/// Takes the printed paper out of the printer and writes `receipts/<stem>.png` and `.txt`.
fn save_paper(
    st: &Station,
    dirs: &Dirs,
    stem: &str,
    voucher: &str,
    copy: &str,
    kind: &str,
) -> Result<ReceiptFile, DemoError> {
    let paper = st.paper.take_paper();
    let png = to_png(&paper).map_err(|e| DemoError::at("receipt image", &e))?;
    let (png_rel, txt_rel) = (format!("receipts/{stem}.png"), format!("receipts/{stem}.txt"));
    write(&dirs.out, &png_rel, &png)?;
    write(&dirs.out, &txt_rel, paper.to_text().as_bytes())?;
    Ok(ReceiptFile {
        voucher: voucher.to_string(),
        copy: copy.to_string(),
        kind: kind.to_string(),
        png: png_rel,
        txt: txt_rel,
    })
}

/// Writes `bytes` to `out/rel`.
pub fn write(out: &Path, rel: &str, bytes: &[u8]) -> Result<(), DemoError> {
    let path = out.join(rel);
    std::fs::write(&path, bytes).map_err(|e| DemoError::Output { path, reason: e.to_string() })
}
