//! What a restart finds in the journal, and the local half of recovery.
//!
//! A crash can leave a request `pending` (its row and armed reversal committed, the answer
//! never recorded) and uploads `uploading`. Neither is known to have failed or succeeded,
//! so recovery takes the safe reading: the request may have reached the host (its
//! reversal becomes due), and the upload goes back to stored (resent as a repeat, which
//! the host answers without a second effect). The network half is the terminal's.

use rusqlite::params;

use super::error::StoreError;
use super::Store;
use crate::journal::ReversalCause;

/// What local recovery changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Recovered {
    /// Requests left pending by a crash, now failed.
    pub interrupted: u32,
    /// Reversals that became due because of them.
    pub reversals_due: u32,
    /// Uploads in flight at the crash, back to stored.
    pub uploads_released: u32,
}

/// The failure text of a request the app did not see through.
pub(crate) const INTERRUPTED: &str = "interrupted: the app stopped before the answer was recorded";

impl Store {
    /// Settles what a crash left half done; cheap when nothing was (partial indexes only).
    pub fn recover(&self, at: &str) -> Result<Recovered, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let cause = ReversalCause::Interrupted;
        let reversals_due = tx.execute(
            "UPDATE reversal SET state = 'due', reason = ?1, cause = ?2, last_error = ?3, updated_at = ?4
             WHERE state = 'armed'",
            params![cause.reason().as_str(), cause.as_str(), INTERRUPTED, at],
        )?;
        let interrupted = tx.execute(
            "UPDATE txn SET status = 'failed', failure = ?1, may_have_reached_host = 1, updated_at = ?2
             WHERE status = 'pending'",
            params![INTERRUPTED, at],
        )?;
        let uploads_released = tx.execute(
            "UPDATE offline_queue SET state = 'stored', updated_at = ?1 WHERE state = 'uploading'",
            params![at],
        )?;
        tx.commit()?;
        let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        Ok(Recovered {
            interrupted: n(interrupted),
            reversals_due: n(reversals_due),
            uploads_released: n(uploads_released),
        })
    }
}
