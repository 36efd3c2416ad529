//! Why a history query, report, reprint or retention run could not be answered.

use thiserror::Error;

use crate::i18n::Bilingual;
use crate::receipt::ReceiptError;
use crate::store::StoreError;

/// A history, report, reprint or retention failure, in the operator's languages.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReportError {
    /// A date that is not `YYYY-MM-DD` or does not exist.
    #[error("not a date (YYYY-MM-DD): {0}")]
    BadDay(String),
    /// A filter that cannot match anything sensible (e.g. minimum above maximum).
    #[error("{en}")]
    BadFilter {
        /// Chinese text.
        zh: String,
        /// English text.
        en: String,
    },
    /// No transaction with a slip matches (reprint).
    #[error("no such receipt")]
    NoReceipt,
    /// The transaction has no slip.
    #[error("receipt: {0}")]
    Receipt(#[source] ReceiptError),
    /// The database failed.
    #[error("store: {0}")]
    Store(#[source] StoreError),
}

impl From<StoreError> for ReportError {
    fn from(e: StoreError) -> Self {
        ReportError::Store(e)
    }
}

impl From<ReceiptError> for ReportError {
    fn from(e: ReceiptError) -> Self {
        ReportError::Receipt(e)
    }
}

impl Bilingual for ReportError {
    fn zh(&self) -> String {
        match self {
            ReportError::BadDay(s) => format!("日期格式应为 YYYY-MM-DD：{s}"),
            ReportError::BadFilter { zh, .. } => zh.clone(),
            ReportError::NoReceipt => "未找到可重打印的签购单".into(),
            ReportError::Receipt(e) => e.zh(),
            ReportError::Store(e) => e.zh(),
        }
    }
    fn en(&self) -> String {
        match self {
            ReportError::BadDay(s) => format!("Expected a date as YYYY-MM-DD: {s}"),
            ReportError::BadFilter { en, .. } => en.clone(),
            ReportError::NoReceipt => "No receipt found to reprint".into(),
            ReportError::Receipt(e) => e.en(),
            ReportError::Store(e) => e.en(),
        }
    }
}
