//! The day-end guard: what must be done before the terminal may stop for the day or be
//! handed over, and the operations it protects.

use serde::Serialize;

use crate::i18n::Bilingual;

/// An operation that ends the terminal's working state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayEndOp {
    /// 签退.
    SignOff,
    /// Moving the terminal to another phone.
    SwitchDevice,
    /// Erasing the terminal's data.
    FactoryReset,
    /// Taking the terminal out of service.
    Decommission,
    /// Installing another provisioning (identity, keys, acquirer).
    Reprovision,
}

impl Bilingual for DayEndOp {
    fn zh(&self) -> String {
        match self {
            DayEndOp::SignOff => "签退",
            DayEndOp::SwitchDevice => "更换设备",
            DayEndOp::FactoryReset => "恢复出厂设置",
            DayEndOp::Decommission => "停用终端",
            DayEndOp::Reprovision => "更改终端参数",
        }
        .into()
    }
    fn en(&self) -> String {
        match self {
            DayEndOp::SignOff => "sign-off",
            DayEndOp::SwitchDevice => "switching device",
            DayEndOp::FactoryReset => "factory reset",
            DayEndOp::Decommission => "decommission",
            DayEndOp::Reprovision => "changing the provisioning",
        }
        .into()
    }
}

/// One reason the guard refuses, with what the merchant should do first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum DayEndRefusal {
    /// Approved payments in the open batch: settle first.
    BatchUnsettled {
        /// Approved rows in the batch.
        count: u32,
    },
    /// A batch upload was interrupted: settle again to finish it.
    UploadUnfinished,
    /// Reversals not yet delivered: restore the connection and sync.
    ReversalPending {
        /// Reversals due.
        count: u32,
    },
    /// Payments approved offline not yet uploaded: restore the connection and sync.
    PaymentsStored {
        /// Payments waiting.
        count: u32,
    },
    /// Refunds whose answer was lost, not yet confirmed by the host: restore the connection and sync.
    RefundInDoubt {
        /// Refunds in doubt.
        count: u32,
    },
}

impl DayEndRefusal {
    /// A stable code for the shell.
    pub fn code(&self) -> &'static str {
        match self {
            DayEndRefusal::BatchUnsettled { .. } => "batch_unsettled",
            DayEndRefusal::UploadUnfinished => "upload_unfinished",
            DayEndRefusal::ReversalPending { .. } => "reversal_pending",
            DayEndRefusal::PaymentsStored { .. } => "payments_stored",
            DayEndRefusal::RefundInDoubt { .. } => "refund_in_doubt",
        }
    }
}

impl Bilingual for DayEndRefusal {
    fn zh(&self) -> String {
        match self {
            DayEndRefusal::BatchUnsettled { count } => format!("本批次有{count}笔交易未结算，请先结算"),
            DayEndRefusal::UploadUnfinished => "批上送未完成，请先结算以继续上送".into(),
            DayEndRefusal::ReversalPending { count } => format!("有{count}笔冲正未送达，请恢复网络后同步"),
            DayEndRefusal::PaymentsStored { count } => format!("有{count}笔离线交易未上送，请恢复网络后同步"),
            DayEndRefusal::RefundInDoubt { count } => format!("有{count}笔退货未得到主机确认，请恢复网络后同步"),
        }
    }
    fn en(&self) -> String {
        match self {
            DayEndRefusal::BatchUnsettled { count } => {
                format!("{count} transaction(s) in the open batch are not settled: settle first")
            }
            DayEndRefusal::UploadUnfinished => "The batch upload is unfinished: settle to continue it".into(),
            DayEndRefusal::ReversalPending { count } => {
                format!("{count} reversal(s) not delivered: restore the connection and sync")
            }
            DayEndRefusal::PaymentsStored { count } => {
                format!("{count} offline payment(s) not uploaded: restore the connection and sync")
            }
            DayEndRefusal::RefundInDoubt { count } => {
                format!("{count} refund(s) not confirmed by the host: restore the connection and sync")
            }
        }
    }
}
