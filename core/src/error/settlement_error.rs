//! Why a settlement or a day-end operation did not complete, in the operator's languages.
//!
//! Both wrap [`TerminalError`], so they live with it in the error module (below the facade that
//! returns them as [`crate::Error`]) rather than in the pure `settlement` module.

use thiserror::Error;

use super::terminal_error::TerminalError;
use crate::i18n::Bilingual;
use crate::response_code::ResponseCode;
use crate::settlement::DayEndOp;
use crate::settlement::DayEndRefusal;

/// A settlement that stopped; what was done is kept and the next attempt goes on from it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum SettlementError {
    /// Reversals are still owed to the host: settling now would close a batch the host
    /// still counts differently.
    #[error("{count} reversal(s) could not be delivered before settlement")]
    ReversalsPending {
        /// Reversals still due.
        count: u32,
    },
    /// Payments approved offline are still stored: the host has not seen them yet.
    #[error("{count} offline payment(s) could not be uploaded before settlement")]
    PaymentsStored {
        /// Payments still waiting.
        count: u32,
    },
    /// The host refused the settlement or an upload message.
    #[error("settlement declined: {code}")]
    Declined {
        /// Field 39.
        code: ResponseCode,
    },
    /// The host answered `77` again after a new sign-in.
    #[error("batch number still out of step with the host")]
    OutOfStep,
    /// The host reported an error reconciling (code 3).
    #[error("the host could not reconcile the batch")]
    HostError,
    /// The batch upload stopped part way; it resumes after the last acknowledged message.
    #[error("batch upload interrupted after {acked} of {total}: {en}")]
    UploadInterrupted {
        /// Messages acknowledged.
        acked: u32,
        /// Messages planned.
        total: u32,
        /// Why, Chinese.
        zh: String,
        /// Why, English.
        en: String,
    },
    /// Sign-in, store or link failure.
    #[error("{0}")]
    Terminal(#[source] TerminalError),
}

impl From<TerminalError> for SettlementError {
    fn from(e: TerminalError) -> Self {
        SettlementError::Terminal(e)
    }
}

impl From<crate::store::StoreError> for SettlementError {
    fn from(e: crate::store::StoreError) -> Self {
        SettlementError::Terminal(e.into())
    }
}

impl Bilingual for SettlementError {
    fn zh(&self) -> String {
        match self {
            SettlementError::ReversalsPending { count } => {
                format!("有{count}笔冲正未送达主机，暂不能结算：请检查网络后重试")
            }
            SettlementError::PaymentsStored { count } => {
                format!("有{count}笔离线交易未上送，暂不能结算：请检查网络后重试")
            }
            SettlementError::Declined { code } => format!("结算被拒绝：{}", code.zh()),
            SettlementError::OutOfStep => "批次号与主机不符，请重新签到后再结算".into(),
            SettlementError::HostError => "主机对账出错，请联系收单机构".into(),
            SettlementError::UploadInterrupted { acked, total, zh, .. } => {
                format!("批上送中断（已上送{acked}/{total}）：{zh}；再次结算将继续上送")
            }
            SettlementError::Terminal(e) => e.zh(),
        }
    }
    fn en(&self) -> String {
        match self {
            SettlementError::ReversalsPending { count } => format!(
                "{count} reversal(s) have not reached the host: cannot settle yet; check the connection and try again"
            ),
            SettlementError::PaymentsStored { count } => format!(
                "{count} offline payment(s) have not been uploaded: cannot settle yet; check the connection and try again"
            ),
            SettlementError::Declined { code } => format!("Settlement declined: {}", code.en()),
            SettlementError::OutOfStep => "Batch number out of step with the host: sign in again, then settle".into(),
            SettlementError::HostError => "The host could not reconcile the batch: call the acquirer".into(),
            SettlementError::UploadInterrupted { acked, total, en, .. } => {
                format!("Batch upload interrupted ({acked}/{total} sent): {en}; settling again continues it")
            }
            SettlementError::Terminal(e) => e.en(),
        }
    }
}

/// A day-end operation that did not run.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum DayEndError {
    /// Refused: the reasons say what to do first.
    #[error("{} refused: {}", op.en(), reasons.iter().map(Bilingual::en).collect::<Vec<_>>().join("; "))]
    Refused {
        /// The operation asked for.
        op: DayEndOp,
        /// Every reason, in the order to deal with them.
        reasons: Vec<DayEndRefusal>,
    },
    /// It was allowed but failed.
    #[error("{0}")]
    Terminal(#[source] TerminalError),
}

impl From<TerminalError> for DayEndError {
    fn from(e: TerminalError) -> Self {
        DayEndError::Terminal(e)
    }
}

impl From<crate::store::StoreError> for DayEndError {
    fn from(e: crate::store::StoreError) -> Self {
        DayEndError::Terminal(e.into())
    }
}

impl Bilingual for DayEndError {
    fn zh(&self) -> String {
        match self {
            DayEndError::Refused { op, reasons } => {
                format!("暂不能{}：{}", op.zh(), reasons.iter().map(Bilingual::zh).collect::<Vec<_>>().join("；"))
            }
            DayEndError::Terminal(e) => e.zh(),
        }
    }
    fn en(&self) -> String {
        match self {
            DayEndError::Refused { op, reasons } => format!(
                "Cannot do {} now: {}",
                op.en(),
                reasons.iter().map(Bilingual::en).collect::<Vec<_>>().join("; ")
            ),
            DayEndError::Terminal(e) => e.en(),
        }
    }
}
