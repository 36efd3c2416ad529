//! The retention policy: journal rows older than the cutoff are deleted, except anything the
//! host has not finished with.
//!
//! Kept whatever their age: pending rows, rows whose reversal is not acknowledged, offline
//! payments the host has not accepted, and approved rows of a batch that is not closed. A row
//! another kept row points to (a voided sale and its void) stays with it, so the journal never
//! refers to a missing row.

use rusqlite::params;
use serde::Serialize;

use super::error::StoreError;
use super::Store;
use crate::clock::Timestamp;
use crate::report::Day;

/// How long the journal keeps settled, synced rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Calendar years kept (the days before the same date that many years ago go).
    pub years: u16,
}

impl Default for RetentionPolicy {
    /// Two years.
    fn default() -> Self {
        RetentionPolicy { years: 2 }
    }
}

impl RetentionPolicy {
    /// The first local day kept at `now`.
    pub fn cutoff(&self, now: Timestamp) -> Day {
        Day::of(now).years_before(self.years)
    }
}

/// What a retention run deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Purged {
    /// The first local day kept.
    pub cutoff: Option<Day>,
    /// Journal rows deleted.
    pub txns: u64,
    /// Old rows kept because the host has not finished with them (or a kept row refers to them).
    pub kept_unfinished: u64,
    /// Batch upload items of closed batches deleted.
    pub upload_items: u64,
}

/// Rows older than the cutoff that nothing still needs.
const CANDIDATES: &str = "
INSERT INTO temp.purge (id)
SELECT t.id FROM txn t
WHERE t.created_at < ?1
  AND t.status <> 'pending'
  AND NOT EXISTS (SELECT 1 FROM reversal r WHERE r.txn_id = t.id AND r.state <> 'acknowledged')
  AND NOT EXISTS (SELECT 1 FROM offline_queue q WHERE q.txn_id = t.id AND q.state <> 'accepted')
  AND (t.status IN ('declined', 'failed')
       OR EXISTS (SELECT 1 FROM settlement s WHERE s.batch = t.batch AND s.state = 'closed'))";

/// Drops candidates a kept row points to (void <-> original, refund -> sale...).
const KEEP_REFERENCED: &str = "
DELETE FROM temp.purge WHERE id IN (
    SELECT k.orig_txn_id FROM txn k WHERE k.orig_txn_id IS NOT NULL AND k.id NOT IN (SELECT id FROM temp.purge)
    UNION
    SELECT k.cancelled_by FROM txn k WHERE k.cancelled_by IS NOT NULL AND k.id NOT IN (SELECT id FROM temp.purge))";

impl Store {
    /// Deletes what `policy` no longer keeps at `now`, in one SQLite transaction.
    pub fn apply_retention(&self, policy: &RetentionPolicy, now: Timestamp) -> Result<Purged, StoreError> {
        let cutoff = policy.cutoff(now);
        let cut = cutoff.to_string();
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch("CREATE TEMP TABLE IF NOT EXISTS purge (id INTEGER PRIMARY KEY); DELETE FROM temp.purge;")?;
        tx.execute(CANDIDATES, [&cut])?;
        // Each pass may release a row that kept another; chains are short (sale, void, refund).
        while tx.execute(KEEP_REFERENCED, [])? > 0 {}
        let old: i64 = tx.query_row("SELECT COUNT(*) FROM txn WHERE created_at < ?1", [&cut], |r| r.get(0))?;
        // The risk audit outlives the payments it let through; it only loses the link.
        tx.execute("UPDATE risk_audit SET txn_id = NULL WHERE txn_id IN (SELECT id FROM temp.purge)", [])?;
        tx.execute("DELETE FROM reversal WHERE txn_id IN (SELECT id FROM temp.purge)", [])?;
        tx.execute("DELETE FROM offline_queue WHERE txn_id IN (SELECT id FROM temp.purge)", [])?;
        let txns = tx.execute("DELETE FROM txn WHERE id IN (SELECT id FROM temp.purge)", [])?;
        let upload_items = tx.execute(
            "DELETE FROM batch_upload WHERE batch IN
               (SELECT batch FROM settlement WHERE state = 'closed' AND closed_at < ?1)",
            params![cut],
        )?;
        tx.execute("DELETE FROM temp.purge", [])?;
        tx.commit()?;
        let txns = txns as u64;
        let kept_unfinished = u64::try_from(old).unwrap_or(0).saturating_sub(txns);
        if txns > 0 || kept_unfinished > 0 {
            tracing::info!(cutoff = %cutoff, txns, kept_unfinished, upload_items, "retention applied");
        }
        Ok(Purged { cutoff: Some(cutoff), txns, kept_unfinished, upload_items: upload_items as u64 })
    }
}
