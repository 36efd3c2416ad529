//! The operator's acknowledgement of items needing attention: kept beside the queue entry or
//! the reversal it is about, so the item leaves the list and nothing else changes.

use std::collections::HashSet;

use rusqlite::params;

use super::error::StoreError;
use super::Store;
use crate::ids::TxnId;

/// Transactions whose attention items the operator acknowledged.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct AcknowledgedAttention {
    /// Offline payments declined or expired on upload.
    pub uploads: HashSet<TxnId>,
    /// Reversals still due.
    pub reversals: HashSet<TxnId>,
}

impl Store {
    /// Marks the failed upload and the due reversal of transaction `id` as acknowledged (those
    /// not yet acknowledged); returns how many it marked. The reversal keeps being retried.
    pub fn acknowledge_attention(&self, id: TxnId, at: &str) -> Result<usize, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let uploads = tx.execute(
            "UPDATE offline_queue SET attention_acked_at = ?2
             WHERE txn_id = ?1 AND state IN ('declined', 'expired') AND attention_acked_at IS NULL",
            params![id.0, at],
        )?;
        let reversals = tx.execute(
            "UPDATE reversal SET attention_acked_at = ?2
             WHERE txn_id = ?1 AND state = 'due' AND attention_acked_at IS NULL",
            params![id.0, at],
        )?;
        tx.commit()?;
        Ok(uploads + reversals)
    }

    /// The acknowledged items still in a state that would need attention.
    pub(crate) fn acknowledged_attention(&self) -> Result<AcknowledgedAttention, StoreError> {
        let conn = self.lock();
        let ids = |sql: &str| -> Result<HashSet<TxnId>, StoreError> {
            let mut stmt = conn.prepare_cached(sql)?;
            let rows = stmt.query_map([], |r| r.get::<_, i64>(0))?;
            let mut out = HashSet::new();
            for r in rows {
                out.insert(TxnId(r?));
            }
            Ok(out)
        };
        Ok(AcknowledgedAttention {
            uploads: ids("SELECT txn_id FROM offline_queue
                 WHERE attention_acked_at IS NOT NULL AND state IN ('declined', 'expired')")?,
            reversals: ids("SELECT txn_id FROM reversal WHERE attention_acked_at IS NOT NULL AND state = 'due'")?,
        })
    }
}
