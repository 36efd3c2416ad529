//! Printing a transaction's slips, with the answer the reversal rule needs.
//!
//! A sale is complete only when its slip is printed or the customer declines one. When a
//! copy fails, the caller gets [`SlipNotPrinted`]: the operator fixes the printer and prints
//! again, or cancels the payment, which the terminal reverses (`Terminal::cancel_unprinted`)
//! so that nobody is charged without a slip.

use thiserror::Error;

use super::model::{CopyKind, Receipt};
use crate::devices::printer::{PaperWidth, PrintReport, Printer, PrinterError};
use crate::i18n::Bilingual;

/// A copy did not print.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{copy:?} copy not printed: {error}")]
pub struct SlipNotPrinted {
    /// The copy that failed (print it again first).
    pub copy: CopyKind,
    /// Copies that printed before it.
    pub printed: Vec<CopyKind>,
    /// Why.
    pub error: PrinterError,
}

fn copy_zh(c: CopyKind) -> &'static str {
    match c {
        CopyKind::Merchant => "商户存根",
        CopyKind::Cardholder => "持卡人存根",
    }
}

fn copy_en(c: CopyKind) -> &'static str {
    match c {
        CopyKind::Merchant => "merchant copy",
        CopyKind::Cardholder => "cardholder copy",
    }
}

impl Bilingual for SlipNotPrinted {
    fn zh(&self) -> String {
        format!(
            "签购单（{}）未打印：{}。无法打印时可取消交易，系统将自动冲正，持卡人不会被扣款",
            copy_zh(self.copy),
            self.error.zh()
        )
    }
    fn en(&self) -> String {
        format!(
            "The slip ({}) did not print: {}. If it cannot be printed, cancel the payment: \
             it is reversed automatically and the cardholder is not charged",
            copy_en(self.copy),
            self.error.en()
        )
    }
}

/// Prints `slips` in order, stopping at the first that fails.
pub async fn print_slips(
    printer: &dyn Printer,
    slips: &[Receipt],
    width: PaperWidth,
) -> Result<Vec<PrintReport>, SlipNotPrinted> {
    let mut reports = Vec::with_capacity(slips.len());
    for slip in slips {
        match printer.print(&slip.render(width)).await {
            Ok(r) => reports.push(r),
            Err(error) => {
                let printed = slips.iter().take(reports.len()).map(Receipt::copy).collect();
                return Err(SlipNotPrinted { copy: slip.copy(), printed, error });
            }
        }
    }
    Ok(reports)
}
