//! The day-end guard: sign-off at the end of the day, switching device, factory reset and
//! decommission wait until the batch is settled and nothing is owed to the host; a refusal is
//! `PosException.DayEndRefused`, naming every reason in Chinese and English.

use pos_core::Bilingual;
use pos_core::{DayEndOp, DayEndRefusal};

use crate::error::PosError;
use crate::runtime::run;
use crate::terminal::Terminal;

/// An operation that ends the terminal's working state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DayEndOperation {
    /// 签退 at the end of the day.
    SignOff,
    /// 更换设备: moving the terminal to another phone.
    SwitchDevice,
    /// 恢复出厂设置: erasing the terminal's records.
    FactoryReset,
    /// 停用终端: taking the terminal out of service.
    Decommission,
    /// 更改终端参数: installing another provisioning.
    Reprovision,
}

impl From<DayEndOp> for DayEndOperation {
    fn from(op: DayEndOp) -> Self {
        match op {
            DayEndOp::SignOff => DayEndOperation::SignOff,
            DayEndOp::SwitchDevice => DayEndOperation::SwitchDevice,
            DayEndOp::FactoryReset => DayEndOperation::FactoryReset,
            DayEndOp::Decommission => DayEndOperation::Decommission,
            DayEndOp::Reprovision => DayEndOperation::Reprovision,
        }
    }
}

impl From<DayEndOperation> for DayEndOp {
    fn from(op: DayEndOperation) -> Self {
        match op {
            DayEndOperation::SignOff => DayEndOp::SignOff,
            DayEndOperation::SwitchDevice => DayEndOp::SwitchDevice,
            DayEndOperation::FactoryReset => DayEndOp::FactoryReset,
            DayEndOperation::Decommission => DayEndOp::Decommission,
            DayEndOperation::Reprovision => DayEndOp::Reprovision,
        }
    }
}

/// The name of a day-end operation: the core's words.
#[uniffi::export]
pub fn day_end_operation_label(operation: DayEndOperation) -> crate::vocab::Label {
    use pos_core::Bilingual;
    let op = DayEndOp::from(operation);
    let key = match operation {
        DayEndOperation::SignOff => "sign_off",
        DayEndOperation::SwitchDevice => "switch_device",
        DayEndOperation::FactoryReset => "factory_reset",
        DayEndOperation::Decommission => "decommission",
        DayEndOperation::Reprovision => "reprovision",
    };
    crate::vocab::Label { key: key.into(), zh: op.zh(), en: op.en() }
}

/// What stands in the way of a day-end operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DayEndBlockerKind {
    /// Approved payments in the open batch: settle first.
    BatchUnsettled,
    /// A batch upload was interrupted: settle again to finish it.
    UploadUnfinished,
    /// Reversals not yet delivered: restore the connection and sync.
    ReversalPending,
    /// Payments approved offline not yet uploaded: restore the connection and sync.
    PaymentsStored,
    /// Refunds whose answer was lost, not yet confirmed by the host: restore the connection and sync.
    RefundInDoubt,
}

/// One reason a day-end operation is refused, with what to do first.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DayEndBlocker {
    /// Which reason.
    pub kind: DayEndBlockerKind,
    /// Stable code (`batch_unsettled`, `upload_unfinished`, `reversal_pending`, `payments_stored`).
    pub code: String,
    /// Transactions, reversals or payments concerned (0 for an unfinished upload).
    pub count: u32,
    /// Settling deals with it (otherwise: restore the connection and sync).
    pub settle_first: bool,
    /// Chinese text ("本批次有2笔交易未结算，请先结算").
    pub zh: String,
    /// English text.
    pub en: String,
}

impl From<&DayEndRefusal> for DayEndBlocker {
    fn from(r: &DayEndRefusal) -> Self {
        let (kind, count) = match *r {
            DayEndRefusal::BatchUnsettled { count } => (DayEndBlockerKind::BatchUnsettled, count),
            DayEndRefusal::UploadUnfinished => (DayEndBlockerKind::UploadUnfinished, 0),
            DayEndRefusal::ReversalPending { count } => (DayEndBlockerKind::ReversalPending, count),
            DayEndRefusal::PaymentsStored { count } => (DayEndBlockerKind::PaymentsStored, count),
            DayEndRefusal::RefundInDoubt { count } => (DayEndBlockerKind::RefundInDoubt, count),
        };
        DayEndBlocker {
            kind,
            code: r.code().to_string(),
            count,
            settle_first: matches!(kind, DayEndBlockerKind::BatchUnsettled | DayEndBlockerKind::UploadUnfinished),
            zh: r.zh(),
            en: r.en(),
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Terminal {
    /// What stands in the way of sign-off, switching device, factory reset or decommission, in
    /// the order to deal with it (empty: nothing).
    pub fn day_end_blockers(&self) -> Result<Vec<DayEndBlocker>, PosError> {
        Ok(self.core().day_end_blockers()?.iter().map(DayEndBlocker::from).collect())
    }

    /// Prepares the move to another phone (signs off, drops the session here); guarded likewise.
    pub async fn switch_device(&self) -> Result<(), PosError> {
        let t = self.core();
        run(async move { Ok(t.switch_device().await?) }).await
    }

    /// Erases the terminal's records and session (the data directory stays usable); guarded likewise.
    pub async fn factory_reset(&self) -> Result<(), PosError> {
        let t = self.core();
        run(async move { Ok(t.factory_reset().await?) }).await?;
        self.forget_session();
        Ok(())
    }

    /// Takes the terminal out of service (signs off, erases the records, marks it); guarded likewise.
    pub async fn decommission(&self) -> Result<(), PosError> {
        let t = self.core();
        run(async move { Ok(t.decommission().await?) }).await?;
        self.forget_session();
        Ok(())
    }

    /// Whether the terminal was decommissioned.
    pub fn is_decommissioned(&self) -> Result<bool, PosError> {
        Ok(self.core().is_decommissioned()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blockers_keep_the_cores_code_count_and_texts() {
        let b = DayEndBlocker::from(&DayEndRefusal::PaymentsStored { count: 2 });
        assert_eq!(
            (b.kind, b.code.as_str(), b.count, b.settle_first),
            (DayEndBlockerKind::PaymentsStored, "payments_stored", 2, false)
        );
        assert!(b.zh.contains("2笔离线交易未上送") && b.en.contains("2 offline payment(s)"), "{b:?}");
        let b = DayEndBlocker::from(&DayEndRefusal::UploadUnfinished);
        assert_eq!((b.kind, b.count, b.settle_first), (DayEndBlockerKind::UploadUnfinished, 0, true));
        assert_eq!(DayEndOperation::from(DayEndOp::SwitchDevice), DayEndOperation::SwitchDevice);
    }
}
