//! Transaction history rows for the history screen and the reports built from it.

use pos_core::store::{TxnRecord, TxnStatus as CoreStatus};

use crate::money::Money;
use crate::outcome::TxnKind;

/// Where a transaction stands in the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TxnStatus {
    /// Sent, no answer recorded yet.
    Pending,
    /// Approved (online, or offline by the terminal).
    Approved,
    /// Declined by the host.
    Declined,
    /// No usable answer: never approved (reversed if it may have reached the host).
    Failed,
}

impl From<CoreStatus> for TxnStatus {
    fn from(s: CoreStatus) -> Self {
        match s {
            CoreStatus::Pending => TxnStatus::Pending,
            CoreStatus::Approved => TxnStatus::Approved,
            CoreStatus::Declined => TxnStatus::Declined,
            CoreStatus::Failed => TxnStatus::Failed,
        }
    }
}

/// One journal row, masked: no card data beyond first 6 / last 4.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HistoryRow {
    /// The journal row.
    pub txn_id: i64,
    /// Type.
    pub kind: TxnKind,
    /// Where it stands.
    pub status: TxnStatus,
    /// Amount.
    pub amount: Option<Money>,
    /// The card, masked.
    pub masked_pan: Option<String>,
    /// Field 11.
    pub stan: u32,
    /// Batch.
    pub batch: u32,
    /// Slip number.
    pub voucher: Option<u32>,
    /// Field 39 of the answer.
    pub response_code: Option<String>,
    /// Field 37.
    pub rrn: Option<String>,
    /// Field 38.
    pub auth_code: Option<String>,
    /// Local date MMDD.
    pub local_date: String,
    /// Created (RFC 3339 local time).
    pub created_at: String,
    /// The host acknowledged its reversal: it counts for nothing.
    pub reversed: bool,
    /// Voided or cancelled by a later approved transaction.
    pub cancelled: bool,
    /// Why it failed (English operator text), for failed rows.
    pub failure: Option<String>,
}

impl From<&TxnRecord> for HistoryRow {
    fn from(r: &TxnRecord) -> Self {
        HistoryRow {
            txn_id: r.id.0,
            kind: r.txn_type.into(),
            status: r.status.into(),
            amount: r.amount.map(Money::from),
            masked_pan: r.masked_pan.as_ref().map(|p| p.as_str().to_string()),
            stan: r.numbers.stan.value(),
            batch: r.numbers.batch.value(),
            voucher: r.numbers.voucher.map(|v| v.value()),
            response_code: r.response_code.map(|c| c.as_str().to_string()),
            rrn: r.rrn.clone(),
            auth_code: r.auth_code.clone(),
            local_date: r.local_date.clone(),
            created_at: r.created_at.clone(),
            reversed: r.reversed_at.is_some(),
            cancelled: r.cancelled_by.is_some(),
            failure: r.failure.clone(),
        }
    }
}
