//! Events for the UI: sync progress, each payment's and reversal's outcome, connectivity.
//!
//! Published on a tokio broadcast channel ([`crate::terminal::Terminal::subscribe`]); a
//! slow listener misses old events rather than holding the terminal up.

use serde::Serialize;

use crate::ids::{TxnId, VoucherNo};
use crate::journal::UploadState;
use crate::money::Amount;
use crate::response_code::ResponseCode;
use crate::reversal::Attention;

use super::report::SyncReport;

/// Something the UI may show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum SyncEvent {
    /// The terminal's connectivity changed (platform network or host reachability).
    Connectivity {
        /// Worth trying the host now.
        online: bool,
    },
    /// A sync started with this much to send.
    Started {
        /// Reversals due.
        reversals: u32,
        /// Payments waiting.
        payments: u32,
        /// Their total.
        amount: Amount,
    },
    /// The host acknowledged a reversal.
    ReversalAcknowledged {
        /// The reversed transaction.
        txn_id: TxnId,
    },
    /// A reversal attempt failed; it stays due.
    ReversalFailed {
        /// The transaction to reverse.
        txn_id: TxnId,
        /// Failed attempts so far.
        rounds: u32,
    },
    /// One stored payment changed state.
    Payment {
        /// The payment.
        txn_id: TxnId,
        /// Its slip number.
        voucher: Option<VoucherNo>,
        /// Its amount.
        amount: Option<Amount>,
        /// Its new state.
        state: UploadState,
        /// The host's code, when it answered.
        response_code: Option<ResponseCode>,
    },
    /// Counts and amounts still to go.
    Progress {
        /// Payments answered in this sync.
        done: u32,
        /// Payments still waiting, counted down from the queue as the upload found it (one stored
        /// during the sync is counted in [`SyncEvent::Finished`]).
        left: u32,
        /// Their total.
        left_amount: Amount,
    },
    /// Something needs the operator (a stuck reversal, a declined or expired upload).
    Attention(Attention),
    /// The sync ended.
    Finished(SyncReport),
}
