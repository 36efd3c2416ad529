//! The journal's plain records: what a stored transaction says, in types every layer can read.
//!
//! They sit below `store` (which reads and writes them, and re-exports them for existing
//! callers) so that receipts, reports, settlement and sync use the journal's words without
//! depending on the database.

mod reversal_cause;
mod reversal_state;

use serde::Serialize;

use crate::card::{CardFingerprint, CardScheme, MaskedPan};
use crate::ids::{TxnId, VoucherNo};
use crate::iso8583::{BatchNo, EntryMode, Stan, TxnType};
use crate::money::Amount;
use crate::response_code::ResponseCode;

pub use reversal_cause::ReversalCause;
pub use reversal_state::ReversalState;

/// Where a transaction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TxnStatus {
    /// Recorded and (about to be) sent; no answer yet.
    Pending,
    /// Answered `00` with a valid MAC.
    Approved,
    /// Answered with another response code.
    Declined,
    /// No usable answer (timeout, connection loss, MAC failure...): never approved.
    Failed,
}

impl TxnStatus {
    /// The stored name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TxnStatus::Pending => "pending",
            TxnStatus::Approved => "approved",
            TxnStatus::Declined => "declined",
            TxnStatus::Failed => "failed",
        }
    }

    /// Reads a stored name.
    pub(crate) fn parse(s: &str) -> Option<TxnStatus> {
        [TxnStatus::Pending, TxnStatus::Approved, TxnStatus::Declined, TxnStatus::Failed]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

/// The original a void, refund, completion or cancel refers to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OriginalRefs {
    /// The original's row, when it was made on this terminal.
    pub txn_id: Option<TxnId>,
    /// 61.1.
    pub batch: Option<BatchNo>,
    /// 61.2.
    pub stan: Option<Stan>,
    /// Field 37 of the request.
    pub rrn: Option<String>,
    /// Field 38 of the request.
    pub auth_code: Option<String>,
    /// 61.3 MMDD.
    pub date: Option<String>,
}

/// A stored transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnRecord {
    /// Row id.
    pub id: TxnId,
    /// Type.
    pub txn_type: TxnType,
    /// STAN, batch and voucher.
    pub numbers: TxnNumbers,
    /// Amount.
    pub amount: Option<Amount>,
    /// The card, masked.
    pub masked_pan: Option<MaskedPan>,
    /// Keyed card fingerprint.
    pub fingerprint: Option<CardFingerprint>,
    /// Field 22.
    pub entry_mode: Option<EntryMode>,
    /// Where it stands.
    pub status: TxnStatus,
    /// Field 39 of the answer.
    pub response_code: Option<ResponseCode>,
    /// Field 37 of the answer.
    pub rrn: Option<String>,
    /// Field 38 of the answer.
    pub auth_code: Option<String>,
    /// Field 13 of the answer.
    pub host_date: Option<String>,
    /// Field 12 of the answer.
    pub host_time: Option<String>,
    /// Why it failed (operator text, English).
    pub failure: Option<String>,
    /// Whether a failed request may have reached the host (reversal needed if it moves money).
    pub may_have_reached_host: bool,
    /// The original it refers to.
    pub original: OriginalRefs,
    /// The approved void or cancel of this transaction.
    pub cancelled_by: Option<TxnId>,
    /// Local date MMDD.
    pub local_date: String,
    /// Created, RFC 3339 local time.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
    /// When the host acknowledged its reversal: it then counts for nothing.
    pub reversed_at: Option<String>,
    /// A transfer's payee account, masked (first 6, last 4).
    pub payee: Option<String>,
}

/// The numbers a financial request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxnNumbers {
    /// Field 11.
    pub stan: Stan,
    /// 60.2.
    pub batch: BatchNo,
    /// The slip number (none for inquiries).
    pub voucher: Option<VoucherNo>,
}

/// The type with stable stored name `key`.
pub fn type_of(key: &str) -> Option<TxnType> {
    TxnType::ALL.into_iter().find(|t| type_name(*t) == key)
}

/// The stable stored name of each type (kept even if the enum is renamed).
pub fn type_name(t: TxnType) -> &'static str {
    match t {
        TxnType::BalanceInquiry => "balance_inquiry",
        TxnType::PreAuth => "pre_auth",
        TxnType::PreAuthCancel => "pre_auth_cancel",
        TxnType::PreAuthCompletion => "pre_auth_completion",
        TxnType::CompletionCancel => "completion_cancel",
        TxnType::Sale => "sale",
        TxnType::Void => "void",
        TxnType::Refund => "refund",
        TxnType::OfflineSale => "offline_sale",
        TxnType::Transfer => "transfer",
    }
}

/// Where a transaction stands, as the merchant reads the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryStatus {
    /// Approved and still standing.
    Approved,
    /// Approved, then voided or cancelled.
    Voided,
    /// Reversed at the host: it counts for nothing.
    Reversed,
    /// Declined by the host.
    Declined,
    /// No usable answer.
    Failed,
    /// Sent, no answer yet.
    Pending,
}

impl HistoryStatus {
    /// Every status.
    pub const ALL: [HistoryStatus; 6] = [
        HistoryStatus::Approved,
        HistoryStatus::Voided,
        HistoryStatus::Reversed,
        HistoryStatus::Declined,
        HistoryStatus::Failed,
        HistoryStatus::Pending,
    ];

    /// The stable name (`approved`, `voided`...).
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryStatus::Approved => "approved",
            HistoryStatus::Voided => "voided",
            HistoryStatus::Reversed => "reversed",
            HistoryStatus::Declined => "declined",
            HistoryStatus::Failed => "failed",
            HistoryStatus::Pending => "pending",
        }
    }

    /// Reads a stable name.
    pub fn parse(s: &str) -> Option<HistoryStatus> {
        HistoryStatus::ALL.into_iter().find(|h| h.as_str() == s)
    }

    /// The status of a stored transaction.
    pub fn of(r: &TxnRecord) -> HistoryStatus {
        match (r.status, r.reversed_at.is_some(), r.cancelled_by.is_some()) {
            (_, true, _) => HistoryStatus::Reversed,
            (TxnStatus::Approved, false, true) => HistoryStatus::Voided,
            (TxnStatus::Approved, false, false) => HistoryStatus::Approved,
            (TxnStatus::Declined, ..) => HistoryStatus::Declined,
            (TxnStatus::Failed, ..) => HistoryStatus::Failed,
            (TxnStatus::Pending, ..) => HistoryStatus::Pending,
        }
    }
}

/// The scheme's stable name, as the store's SQL computes it from the BIN.
pub fn scheme_key(s: CardScheme) -> &'static str {
    match s {
        CardScheme::UnionPay => "unionpay",
        CardScheme::Visa => "visa",
        CardScheme::Mastercard => "mastercard",
        CardScheme::Jcb => "jcb",
        CardScheme::Amex => "amex",
        CardScheme::Other => "other",
    }
}

/// The scheme with stable name `key`.
pub fn scheme_of(key: &str) -> Option<CardScheme> {
    [
        CardScheme::UnionPay,
        CardScheme::Visa,
        CardScheme::Mastercard,
        CardScheme::Jcb,
        CardScheme::Amex,
        CardScheme::Other,
    ]
    .into_iter()
    .find(|s| scheme_key(*s) == key)
}

/// Where a stored payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadState {
    /// Waiting for upload.
    Stored,
    /// Sent, answer not yet recorded (back to stored after a restart).
    Uploading,
    /// The host accepted it: collected.
    Accepted,
    /// The host declined it: not collected, the merchant carries it.
    Declined,
    /// Past the upload deadline: not sent.
    Expired,
}

impl UploadState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            UploadState::Stored => "stored",
            UploadState::Uploading => "uploading",
            UploadState::Accepted => "accepted",
            UploadState::Declined => "declined",
            UploadState::Expired => "expired",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<UploadState> {
        [
            UploadState::Stored,
            UploadState::Uploading,
            UploadState::Accepted,
            UploadState::Declined,
            UploadState::Expired,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// Still to be collected (stored or uploading).
    pub fn is_waiting(self) -> bool {
        matches!(self, UploadState::Stored | UploadState::Uploading)
    }
}

/// A queued payment with its journal row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    /// The journal row (type `OfflineSale`).
    pub txn: TxnRecord,
    /// Where it stands.
    pub state: UploadState,
    /// When it was stored (Unix seconds).
    pub stored_unix: i64,
    /// Uploads tried.
    pub attempts: u32,
    /// The host's field 39, once answered.
    pub response_code: Option<ResponseCode>,
    /// The last transient failure (operator text, English).
    pub last_error: Option<String>,
    /// Last changed.
    pub updated_at: String,
}

/// A reversal with the transaction it reverses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReversalRecord {
    /// The transaction reversed.
    pub txn: TxnRecord,
    /// Where the reversal stands.
    pub state: ReversalState,
    /// Field 39 of the 0400.
    pub reason: ResponseCode,
    /// Why it became due.
    pub cause: Option<ReversalCause>,
    /// Sends so far.
    pub attempts: u32,
    /// Attempts (rounds of sends) that ended without an acknowledgement.
    pub rounds: u32,
    /// The last failure (operator text, English).
    pub last_error: Option<String>,
    /// Last changed.
    pub updated_at: String,
}
