//! Printing a payment's slips: the one place that prints both copies and then completes the
//! payment. A sale is complete only when its slip is printed (or the customer declines one,
//! [`Terminal::complete`]); when a copy fails, the operator prints again or cancels, and a
//! cancelled approval is reversed ([`Terminal::cancel_unprinted`]). Slips are built from the
//! journal, so any approved payment can be printed, whichever run made it.

use crate::devices::printer::{PaperWidth, PrintReport, Printer};
use crate::error::Error;
use crate::receipt::{CopyKind, Receipt, ReceiptContext, SlipNotPrinted};
use crate::report::ReportError;
use crate::store::TxnId;

use super::{Terminal, TerminalError};

/// A payment's slips being printed, copy by copy (merchant first): for front ends that keep
/// each copy's paper or let the operator fix the printer between copies.
/// [`Terminal::finish_slips`] completes the payment once every copy printed.
#[derive(Debug)]
pub struct SlipRun {
    txn: TxnId,
    slips: [Receipt; 2],
    printed: usize,
    reprint: bool,
}

impl SlipRun {
    /// The copy that prints next, `None` when all have printed.
    pub fn next_copy(&self) -> Option<CopyKind> {
        self.slips.get(self.printed).map(Receipt::copy)
    }

    /// The slip of the copy that prints next.
    pub fn next_slip(&self) -> Option<&Receipt> {
        self.slips.get(self.printed)
    }

    /// Prints the next copy. A failure leaves it next (print it again once the printer is fixed).
    pub async fn print_next(
        &mut self,
        printer: &dyn Printer,
        width: PaperWidth,
    ) -> Result<Option<(CopyKind, PrintReport)>, SlipNotPrinted> {
        let Some(slip) = self.slips.get(self.printed) else { return Ok(None) };
        match printer.print(&slip.render(width)).await {
            Ok(report) => {
                self.printed += 1;
                Ok(Some((slip.copy(), report)))
            }
            Err(error) => {
                let printed = self.slips.iter().take(self.printed).map(Receipt::copy).collect();
                Err(SlipNotPrinted { copy: slip.copy(), printed, error })
            }
        }
    }

    /// The transaction.
    pub fn txn(&self) -> TxnId {
        self.txn
    }
}

impl Terminal {
    /// What every slip of this terminal carries (merchant, operator, the time of printing).
    pub(crate) fn receipt_context(&self, reprint: bool) -> ReceiptContext {
        ReceiptContext {
            merchant: self.config.merchant(),
            operator: self.config.operator.clone(),
            printed_at: self.clock.now(),
            // An offline sale's slip is marked 离线 OFFLINE by its type.
            offline: false,
            reprint,
            verification: None,
        }
    }

    /// Both copies of journal row `txn`'s slip, merchant first (`reprint` marks them 重打印).
    pub fn slips(&self, txn: TxnId, reprint: bool) -> Result<[Receipt; 2], Error> {
        let record = self.db(|s| s.txn(txn))?.ok_or(ReportError::NoReceipt)?;
        Ok(Receipt::copies_of_record(&record, &self.receipt_context(reprint))?)
    }

    /// Starts printing `txn`'s slips copy by copy (see [`SlipRun`]).
    pub fn start_slips(&self, txn: TxnId, reprint: bool) -> Result<SlipRun, Error> {
        Ok(SlipRun { txn, slips: self.slips(txn, reprint)?, printed: 0, reprint })
    }

    /// Completes the payment whose copies have all printed. A run with a copy left is
    /// refused: the payment stays open for printing again or cancelling. A reprint completes
    /// nothing new.
    pub fn finish_slips(&self, run: SlipRun) -> Result<(), Error> {
        if let Some(copy) = run.next_copy() {
            let (zh, en) = match copy {
                CopyKind::Merchant => ("商户存根未打印", "the merchant copy did not print"),
                CopyKind::Cardholder => ("持卡人存根未打印", "the cardholder copy did not print"),
            };
            return Err(TerminalError::invalid(zh, en).into());
        }
        if run.reprint {
            return Ok(());
        }
        self.complete(run.txn)
    }

    /// Prints both copies of `txn`'s slip (merchant first), then completes the payment. A copy
    /// that fails gives [`Error::NotPrinted`] and leaves the payment open: print again
    /// (both copies), or [`Terminal::cancel_unprinted`].
    pub async fn print_receipt(
        &self,
        txn: TxnId,
        printer: &dyn Printer,
        width: PaperWidth,
    ) -> Result<Vec<PrintReport>, Error> {
        self.owner("print a payment's slips")?;
        let mut run = self.start_slips(txn, false)?;
        let mut reports = Vec::with_capacity(2);
        while let Some((_, report)) = run.print_next(printer, width).await? {
            reports.push(report);
        }
        self.finish_slips(run)?;
        tracing::info!(txn = %txn, "slips printed");
        Ok(reports)
    }

    /// Prints an earlier slip again, both copies marked 重打印 REPRINT, with its journal row.
    pub async fn reprint_receipt(
        &self,
        target: super::ReprintTarget,
        printer: &dyn Printer,
        width: PaperWidth,
    ) -> Result<(crate::store::TxnRecord, Vec<PrintReport>), Error> {
        let (record, slips) = self.reprint(target)?;
        let reports = crate::receipt::print_slips(printer, &slips, width).await?;
        Ok((record, reports))
    }
}
