//! Erasing the terminal's records (factory reset, decommission), only once the day-end
//! guard has found nothing unsettled or unsynced.

use super::error::StoreError;
use super::Store;

impl Store {
    /// Deletes the session, the journal, the queue, settlements, the risk audit trail and
    /// history, the downloads (keys, chip parameters, blacklist), and settings; counters go back to their first values. The data key stays, so
    /// the file remains usable.
    pub(crate) fn erase_records(&self) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(
            "DELETE FROM session;
             DELETE FROM offline_queue;
             DELETE FROM reversal;
             DELETE FROM repeat;
             DELETE FROM batch_upload;
             DELETE FROM settlement;
             DELETE FROM risk_audit;
             DELETE FROM risk_card_limit;
             UPDATE txn SET orig_txn_id = NULL, cancelled_by = NULL;
             DELETE FROM txn;
             DELETE FROM risk_day;
             DELETE FROM tms_item;
             DELETE FROM tms_blacklist;
             DELETE FROM tms_state;
             DELETE FROM settings;
             UPDATE counters SET value = CASE name WHEN 'batch' THEN 1 ELSE 0 END;",
        )?;
        tx.commit()?;
        Ok(())
    }
}
