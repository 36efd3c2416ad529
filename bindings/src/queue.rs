//! The offline queue as the sync screen shows it.

use pos_core::{QueueEntry, UploadState as CoreState};

use crate::money::Money;

/// Where a stored payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum UploadState {
    /// Waiting for upload.
    Stored,
    /// Being uploaded.
    Uploading,
    /// The host accepted it: collected.
    Accepted,
    /// The host declined it: not collected (the merchant carries it).
    Declined,
    /// Past the upload deadline: not sent.
    Expired,
}

impl From<UploadState> for CoreState {
    fn from(s: UploadState) -> Self {
        match s {
            UploadState::Stored => CoreState::Stored,
            UploadState::Uploading => CoreState::Uploading,
            UploadState::Accepted => CoreState::Accepted,
            UploadState::Declined => CoreState::Declined,
            UploadState::Expired => CoreState::Expired,
        }
    }
}

impl From<CoreState> for UploadState {
    fn from(s: CoreState) -> Self {
        match s {
            CoreState::Stored => UploadState::Stored,
            CoreState::Uploading => UploadState::Uploading,
            CoreState::Accepted => UploadState::Accepted,
            CoreState::Declined => UploadState::Declined,
            CoreState::Expired => UploadState::Expired,
        }
    }
}

/// One payment approved offline.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QueueItem {
    /// The journal row.
    pub txn_id: i64,
    /// Slip number.
    pub voucher: Option<u32>,
    /// Amount.
    pub amount: Option<Money>,
    /// The card, masked.
    pub masked_pan: Option<String>,
    /// Where it stands.
    pub state: UploadState,
    /// When it was stored (Unix seconds).
    pub stored_unix: i64,
    /// Uploads tried.
    pub attempts: u32,
    /// The host's field 39, once answered.
    pub response_code: Option<String>,
    /// The last transient failure (English operator text).
    pub last_error: Option<String>,
}

impl From<&QueueEntry> for QueueItem {
    fn from(e: &QueueEntry) -> Self {
        QueueItem {
            txn_id: e.txn.id.0,
            voucher: e.txn.numbers.voucher.map(|v| v.value()),
            amount: e.txn.amount.map(Money::from),
            masked_pan: e.txn.masked_pan.as_ref().map(|p| p.as_str().to_string()),
            state: e.state.into(),
            stored_unix: e.stored_unix,
            attempts: e.attempts,
            response_code: e.response_code.map(|c| c.as_str().to_string()),
            last_error: e.last_error.clone(),
        }
    }
}

/// What is waiting: for the status bar and the sync screen.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QueueSummary {
    /// Offline payments waiting for upload.
    pub waiting: u32,
    /// Their total.
    pub waiting_amount: Money,
    /// When the oldest was stored (Unix seconds).
    pub oldest_stored_unix: Option<i64>,
    /// Reversals still to be acknowledged by the host.
    pub reversals_due: u32,
}
