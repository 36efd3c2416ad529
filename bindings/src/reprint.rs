//! Reprints (重打印) of earlier slips from the journal, by slip number or the newest one,
//! whichever session made them: printed on a receipt printer, or as text for a preview.

use std::sync::Arc;

use pos_core::devices::printer::preview::render;
use pos_core::terminal::ReprintTarget;
use pos_core::VoucherNo;

use crate::error::PosError;
use crate::history::HistoryRow;
use crate::printer::ReceiptPrinter;
use crate::runtime::run;
use crate::terminal::Terminal;

/// A slip printed again: its journal row and what printing did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReprintResult {
    /// The transaction reprinted.
    pub row: HistoryRow,
    /// Copies printed (merchant, then cardholder), both marked 重打印 REPRINT.
    pub copies: u32,
    /// The roll is nearly used up: tell the operator.
    pub paper_near_end: bool,
}

/// Both copies of a slip as they would print again (marked 重打印 REPRINT), as text.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReprintPreview {
    /// The transaction.
    pub row: HistoryRow,
    /// 商户存根.
    pub merchant_copy: String,
    /// 持卡人存根.
    pub cardholder_copy: String,
}

/// The slip to print again: slip number `voucher`, or the newest when absent.
fn target(voucher: Option<u32>) -> Result<ReprintTarget, PosError> {
    match voucher {
        None => Ok(ReprintTarget::Last),
        Some(n) => VoucherNo::new(n).map(ReprintTarget::Voucher).ok_or_else(|| {
            PosError::invalid(&format!("凭证号应为 1 至 999999：{n}"), &format!("Voucher numbers are 1 to 999999: {n}"))
        }),
    }
}

/// Why there is no slip, naming the voucher asked for.
fn no_receipt(e: pos_core::Error, voucher: Option<u32>) -> PosError {
    match (e, voucher) {
        (pos_core::Error::NoReceipt { code: pos_core::ErrorCode::NothingToReprint, .. }, Some(v)) => {
            PosError::NoReceipt {
                code: "no_such_voucher".into(),
                voucher: Some(v),
                zh: format!("找不到凭证号为 {v:06} 的交易"),
                en: format!("No transaction with voucher {v:06}"),
            }
        }
        (e, _) => match PosError::from(e) {
            PosError::NoReceipt { code, zh, en, .. } => PosError::NoReceipt { code, voucher, zh, en },
            other => other,
        },
    }
}

impl Terminal {
    fn reprint_copies(&self, voucher: Option<u32>) -> Result<(HistoryRow, [pos_core::Receipt; 2]), PosError> {
        let (record, copies) = self.core().reprint(target(voucher)?).map_err(|e| no_receipt(e, voucher))?;
        Ok((HistoryRow::from(&record), copies))
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Terminal {
    /// Prints both copies of an earlier slip again (merchant first), marked 重打印 REPRINT: the
    /// one with slip number `voucher`, or the newest when absent. A copy that fails gives
    /// `NotPrinted` (print again); declined transactions and unknown vouchers give `NoReceipt`.
    pub async fn reprint_receipt(
        &self,
        printer: Arc<ReceiptPrinter>,
        voucher: Option<u32>,
    ) -> Result<ReprintResult, PosError> {
        let target = target(voucher)?;
        let (width, p, t) = (self.width(), printer.printer(), self.core());
        let (record, reports) =
            run(async move { t.reprint_receipt(target, p.as_ref(), width).await.map_err(|e| no_receipt(e, voucher)) })
                .await?;
        Ok(ReprintResult {
            row: HistoryRow::from(&record),
            copies: u32::try_from(reports.len()).unwrap_or(u32::MAX),
            paper_near_end: reports.iter().any(|r| r.status_after.paper_near_end),
        })
    }

    /// The slip `reprint_receipt` would print, both copies as text (a preview).
    pub fn reprint_preview(&self, voucher: Option<u32>) -> Result<ReprintPreview, PosError> {
        let (row, [merchant, cardholder]) = self.reprint_copies(voucher)?;
        let width = self.width();
        let text = |r: &pos_core::Receipt| render(&r.render(width), width.columns()).to_text();
        Ok(ReprintPreview { row, merchant_copy: text(&merchant), cardholder_copy: text(&cardholder) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pos_core::ReceiptError;
    use pos_core::ReportError;

    #[test]
    fn vouchers_are_checked_and_named_when_missing() {
        assert_eq!(target(None).unwrap(), ReprintTarget::Last);
        assert!(matches!(target(Some(12)), Ok(ReprintTarget::Voucher(v)) if v.value() == 12));
        for bad in [0, 1_000_000] {
            let e = target(Some(bad)).unwrap_err();
            assert!(matches!(e, PosError::InvalidInput { .. }) && e.en().contains("999999"), "{e:?}");
        }
        let e = no_receipt(ReportError::NoReceipt.into(), Some(42));
        assert!(matches!(&e, PosError::NoReceipt { code, voucher: Some(42), .. } if code == "no_such_voucher"));
        assert_eq!((e.zh(), e.en()), ("找不到凭证号为 000042 的交易", "No transaction with voucher 000042"));
        let e = no_receipt(ReportError::NoReceipt.into(), None);
        assert!(matches!(&e, PosError::NoReceipt { code, .. } if code == "nothing_to_reprint"), "{e:?}");
        let e = no_receipt(ReportError::Receipt(ReceiptError::NotApproved).into(), Some(7));
        assert!(matches!(&e, PosError::NoReceipt { code, voucher: Some(7), .. } if code == "not_approved"), "{e:?}");
        assert!(e.zh().contains("交易未成功") && e.en().contains("not approved"), "{e:?}");
    }
}
