//! The retention policy: journal rows older than the cutoff are deleted, except anything the
//! host has not finished with.
//!
//! Kept whatever their age: pending rows, rows whose reversal is not acknowledged or whose
//! repeat is still kept (a refund whose answer is unknown), offline
//! payments the host has not accepted, and approved rows of a batch that is not closed. A row
//! another kept row points to (a voided sale and its void) stays with it, so the journal never
//! refers to a missing row.
//!
//! Cost. The terminal runs this after every successful settlement, so a run with nothing to
//! delete must stay cheap however long the journal: it reads the old end of `txn_by_created`
//! (only rows older than the cutoff, i.e. the few kept ones once the backlog is gone) with
//! primary-key lookups into `reversal`, `offline_queue` and `settlement`, and writes nothing.
//! A run turns SQLite's foreign key enforcement off for its transaction (the pragma works only
//! outside one, so before the run knows whether it will delete). The child columns
//! (`txn.cancelled_by`, `risk_audit.txn_id`, `offline_queue.txn_id`) have no index, and
//! `txn.orig_txn_id` only a partial one (`txn_by_original`, follow-up rows only): with
//! enforcement on, every deleted row would scan `txn`, `risk_audit` and `offline_queue`
//! (seconds for one day of a busy terminal, minutes for a backlog). The
//! run resolves those references itself in a few linear passes instead and ends with
//! `PRAGMA foreign_key_check`: any dangling reference rolls everything back.

use std::ops::{Deref, DerefMut};
use std::sync::MutexGuard;

use rusqlite::{params, Connection, Transaction};
use serde::Serialize;

use super::error::{SqliteFailure, StoreError};
use super::Store;
use crate::clock::Day;
use crate::clock::Timestamp;

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

/// The scratch tables of a run: the rows to delete, and those taken back out of it because a
/// kept row refers to them (with the pass that found them).
const SCRATCH: &str = "
CREATE TEMP TABLE IF NOT EXISTS purge (id INTEGER PRIMARY KEY);
CREATE TEMP TABLE IF NOT EXISTS purge_kept (id INTEGER PRIMARY KEY, pass INTEGER NOT NULL);
DELETE FROM temp.purge;
DELETE FROM temp.purge_kept;";

/// Rows older than the cutoff that nothing still needs: the old end of `txn_by_created`, each
/// checked by primary key (the queue's key starts with the state, hence the list of states).
const CANDIDATES: &str = "
INSERT INTO temp.purge (id)
SELECT t.id FROM txn t
WHERE t.created_at < ?1
  AND t.status <> 'pending'
  AND NOT EXISTS (SELECT 1 FROM reversal r WHERE r.txn_id = t.id AND r.state <> 'acknowledged')
  AND NOT EXISTS (SELECT 1 FROM repeat p WHERE p.txn_id = t.id)
  AND NOT EXISTS (SELECT 1 FROM offline_queue q
                  WHERE q.state IN ('stored', 'uploading', 'declined', 'expired') AND q.txn_id = t.id)
  AND (t.status IN ('declined', 'failed')
       OR EXISTS (SELECT 1 FROM settlement s WHERE s.batch = t.batch AND s.state = 'closed'))";

/// First pass: candidates a row outside the purge points to (void <-> original, refund -> sale,
/// completion -> pre-auth...). Row ids only grow and a reference is written after the row it
/// names exists, so a row naming a candidate by `orig_txn_id` comes after the first candidate
/// and an original naming its cancel by `cancelled_by` comes before the last: two range scans
/// of the primary key instead of the whole journal (the final check catches any exception).
const KEEP_REFERENCED: &str = "
INSERT OR IGNORE INTO temp.purge_kept (id, pass)
SELECT k.orig_txn_id, 0 FROM txn k
WHERE k.id > ?1 AND k.orig_txn_id IN (SELECT id FROM temp.purge) AND k.id NOT IN (SELECT id FROM temp.purge)
UNION
SELECT k.cancelled_by, 0 FROM txn k
WHERE k.id < ?2 AND k.cancelled_by IN (SELECT id FROM temp.purge) AND k.id NOT IN (SELECT id FROM temp.purge)";

/// Later passes: candidates the rows kept by the previous pass point to (primary-key lookups).
const KEEP_REFERENCED_BY_KEPT: &str = "
INSERT OR IGNORE INTO temp.purge_kept (id, pass)
SELECT p.id, ?1 FROM temp.purge p
WHERE p.id IN (SELECT t.orig_txn_id FROM temp.purge_kept JOIN txn t ON t.id = purge_kept.id
               WHERE purge_kept.pass = ?1 - 1
               UNION ALL
               SELECT t.cancelled_by FROM temp.purge_kept JOIN txn t ON t.id = purge_kept.id
               WHERE purge_kept.pass = ?1 - 1)";

/// Takes the rows found by pass `?1` out of the purge.
const RELEASE: &str = "DELETE FROM temp.purge WHERE id IN (SELECT id FROM temp.purge_kept WHERE pass = ?1)";

/// The dependent rows, then the rows. The risk audit outlives the payments it let through (it
/// only loses the link; one scan of the audit); the candidates' queue entries are all accepted.
const DELETE_ROWS: [&str; 4] = [
    "UPDATE risk_audit SET txn_id = NULL WHERE txn_id IN (SELECT id FROM temp.purge)",
    "DELETE FROM reversal WHERE txn_id IN (SELECT id FROM temp.purge)",
    "DELETE FROM offline_queue WHERE state = 'accepted' AND txn_id IN (SELECT id FROM temp.purge)",
    "DELETE FROM txn WHERE id IN (SELECT id FROM temp.purge)",
];

/// Upload items of batches closed before the cutoff (one row per settled batch to read).
const DELETE_UPLOAD_ITEMS: &str = "
DELETE FROM batch_upload WHERE batch IN
  (SELECT batch FROM settlement WHERE state = 'closed' AND closed_at < ?1)";

/// Old rows, kept or not (the old end of `txn_by_created`, index only).
const COUNT_OLD: &str = "SELECT COUNT(*) FROM txn WHERE created_at < ?1";

/// The connection with foreign key enforcement off, switched back on when dropped (after the
/// transaction borrowed from it, and on a panic too).
struct ForeignKeysOff<'a>(MutexGuard<'a, Connection>);

impl<'a> ForeignKeysOff<'a> {
    /// Outside a transaction, as SQLite requires (inside one the pragma does nothing, and the
    /// run is merely slower).
    fn new(conn: MutexGuard<'a, Connection>) -> Result<ForeignKeysOff<'a>, StoreError> {
        conn.pragma_update(None, "foreign_keys", false)?;
        Ok(ForeignKeysOff(conn))
    }
}

impl Drop for ForeignKeysOff<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.0.pragma_update(None, "foreign_keys", true) {
            tracing::error!(error = %e, "foreign key enforcement could not be switched back on");
        }
    }
}

impl Deref for ForeignKeysOff<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.0
    }
}

impl DerefMut for ForeignKeysOff<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.0
    }
}

/// Fills `temp.purge` with what goes, the candidates less the rows a kept row points to;
/// returns how many.
fn select_purge(tx: &Transaction<'_>, cut: &str) -> Result<usize, StoreError> {
    tx.execute_batch(SCRATCH)?;
    let mut remaining = tx.execute(CANDIDATES, [cut])?;
    if remaining == 0 {
        return Ok(0);
    }
    let (first, last): (i64, i64) =
        tx.query_row("SELECT MIN(id), MAX(id) FROM temp.purge", [], |r| Ok((r.get(0)?, r.get(1)?)))?;
    tx.execute(KEEP_REFERENCED, params![first, last])?;
    // Each later pass looks only at what the previous one kept; chains are short (sale, void,
    // a refund of the sale...) and the purge shrinks every pass, so this ends.
    let mut pass = 0_i64;
    loop {
        let released = tx.execute(RELEASE, [pass])?;
        if released == 0 {
            return Ok(remaining);
        }
        remaining = remaining.saturating_sub(released);
        pass += 1;
        tx.execute(KEEP_REFERENCED_BY_KEPT, [pass])?;
    }
}

/// Fails (so the transaction rolls back) if a row still refers to a deleted one.
fn check_references(tx: &Transaction<'_>) -> Result<(), StoreError> {
    let mut stmt = tx.prepare("PRAGMA foreign_key_check")?;
    let mut rows = stmt.query([])?;
    if let Some(r) = rows.next()? {
        let table: String = r.get(0)?;
        let parent: String = r.get(2)?;
        return Err(StoreError::Sqlite(SqliteFailure::constraint(format!(
            "FOREIGN KEY constraint failed: a row of {table} refers to a deleted {parent} row (retention rolled back)"
        ))));
    }
    Ok(())
}

impl Store {
    /// Deletes what `policy` no longer keeps at `now`, in one SQLite transaction.
    pub fn apply_retention(&self, policy: &RetentionPolicy, now: Timestamp) -> Result<Purged, StoreError> {
        let cutoff = policy.cutoff(now);
        let cut = cutoff.to_string();
        let mut conn = ForeignKeysOff::new(self.lock())?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let old: i64 = tx.query_row(COUNT_OLD, [&cut], |r| r.get(0))?;
        let mut txns = 0;
        // Nothing old (a journal younger than the policy): one index read, and the upload items.
        if old > 0 {
            if select_purge(&tx, &cut)? > 0 {
                for sql in &DELETE_ROWS[..3] {
                    tx.execute(sql, [])?;
                }
                txns = tx.execute(DELETE_ROWS[3], [])?;
                check_references(&tx)?;
            }
            tx.execute_batch("DELETE FROM temp.purge; DELETE FROM temp.purge_kept;")?;
        }
        let upload_items = tx.execute(DELETE_UPLOAD_ITEMS, params![cut])?;
        tx.commit()?;
        let txns = txns as u64;
        let kept_unfinished = u64::try_from(old).unwrap_or(0).saturating_sub(txns);
        if txns > 0 || upload_items > 0 {
            tracing::info!(cutoff = %cutoff, txns, kept_unfinished, upload_items, "retention applied");
        } else {
            tracing::debug!(cutoff = %cutoff, kept_unfinished, "retention: nothing to delete");
        }
        Ok(Purged { cutoff: Some(cutoff), txns, kept_unfinished, upload_items: upload_items as u64 })
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::types::Null;

    use super::super::tests::{answer, open, sale, TempDir};
    use super::*;
    use crate::clock::CivilTime;
    use crate::iso8583::{BatchNo, TxnType};
    use crate::store::TxnId;
    use zeroize::Zeroizing;

    fn at(year: i32, month: u8) -> String {
        Timestamp::from_civil(CivilTime { year, month, day: 1, hour: 10, minute: 0, second: 0 }, 8 * 3600).to_string()
    }

    fn now(year: i32, month: u8) -> Timestamp {
        Timestamp::from_civil(CivilTime { year, month, day: 1, hour: 12, minute: 0, second: 0 }, 8 * 3600)
    }

    /// An approved row of `txn_type` made at `when`, pointing at `orig`, with its reversal held
    /// (as after a real approval) until the next row starts.
    fn approved(store: &Store, txn_type: TxnType, when: &str, orig: Option<TxnId>) -> TxnId {
        let mut new = sale(100);
        new.txn_type = txn_type;
        new.at = when.to_string();
        new.original.txn_id = orig;
        let reversal = || Ok::<_, StoreError>(((), Some(Zeroizing::new(b"0400".to_vec()))));
        let (t, ()) = store.begin_journaled(&new, |_| reversal()).unwrap();
        store.record_answer(t.id, &answer("00"), when).unwrap();
        t.id
    }

    fn ids(store: &Store) -> Vec<i64> {
        store.recent_txns(1_000).unwrap().iter().map(|r| r.id.0).rev().collect()
    }

    fn foreign_keys_on(store: &Store) -> bool {
        store.lock().query_row("PRAGMA foreign_keys", [], |r| r.get::<_, i64>(0)).unwrap() == 1
    }

    #[test]
    fn deletes_settled_rows_keeps_chains_to_kept_rows_and_enforces_foreign_keys_again() {
        let dir = TempDir::new("retention");
        let store = open(&dir);
        let old = at(2021, 1);
        // Batch 1 (closed): a plain sale; a sale and its void; a sale refunded in batch 2.
        let plain = approved(&store, TxnType::Sale, &old, None);
        let voided = approved(&store, TxnType::Sale, &old, None);
        let void = approved(&store, TxnType::Void, &old, Some(voided));
        let refunded = approved(&store, TxnType::Sale, &old, None);
        assert_eq!(store.txn(voided).unwrap().unwrap().cancelled_by, Some(void));
        store.close_balanced(BatchNo::new(1).unwrap(), "totals", &old).unwrap();
        // Batch 2 (open): the refund, old but unsettled, and a recent sale.
        let refund = approved(&store, TxnType::Refund, &old, Some(refunded));
        let recent = approved(&store, TxnType::Sale, &at(2024, 6), None);
        store
            .lock()
            .execute(
                "INSERT INTO risk_audit (day, at, at_unix, txn_type, amount_minor, offline, policy_version, verdict,
                    fired, decision, txn_id)
                 VALUES ('2021-01-01', ?1, 0, 'sale', 100, 0, 1, 'allow', '[]', 'proceeded', ?2)",
                params![old, plain.0],
            )
            .unwrap();

        // Nothing is old yet: nothing goes, and nothing is written.
        let none = store.apply_retention(&RetentionPolicy::default(), now(2022, 12)).unwrap();
        assert_eq!((none.txns, none.kept_unfinished), (0, 0));
        assert!(foreign_keys_on(&store));

        let p = store.apply_retention(&RetentionPolicy::default(), now(2025, 3)).unwrap();
        assert_eq!(p.cutoff.map(|d| d.to_string()), Some("2023-03-01".into()));
        assert_eq!(ids(&store), vec![refunded.0, refund.0, recent.0], "the refund keeps its sale");
        assert_eq!((p.txns, p.kept_unfinished), (3, 2));
        let link: Option<i64> = store.lock().query_row("SELECT txn_id FROM risk_audit", [], |r| r.get(0)).unwrap();
        assert_eq!(link, None, "the audit stays without its payment");
        assert!(foreign_keys_on(&store), "enforcement is back on after a run that deleted");
        assert!(store.integrity_check().is_ok());
        let dangling: i64 =
            store.lock().query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| r.get(0)).unwrap();
        assert_eq!(dangling, 0);

        // Settled and two years old at last: the refund goes, and its sale with it.
        store.close_balanced(BatchNo::new(2).unwrap(), "totals", &old).unwrap();
        let p = store.apply_retention(&RetentionPolicy::default(), now(2025, 3)).unwrap();
        assert_eq!((p.txns, p.kept_unfinished), (2, 0));
        assert_eq!(ids(&store), vec![recent.0]);
        assert!(foreign_keys_on(&store));
    }

    #[test]
    fn rows_kept_by_reference_keep_what_they_point_to_in_both_directions() {
        let dir = TempDir::new("retention");
        let store = open(&dir);
        let old = at(2021, 1);
        // A sale whose reversal is due (kept), voided: its `cancelled_by` keeps the void.
        let s2 = approved(&store, TxnType::Sale, &old, None);
        assert!(store.cancel_held(s2, &old).unwrap());
        let v2 = approved(&store, TxnType::Void, &old, Some(s2));
        assert_eq!(store.txn(s2).unwrap().unwrap().cancelled_by, Some(v2));
        // A sale, its void, and a row pointing at the void whose reversal is due: a chain of three.
        let voided = approved(&store, TxnType::Sale, &old, None);
        let void = approved(&store, TxnType::Void, &old, Some(voided));
        let last = approved(&store, TxnType::Refund, &old, Some(void));
        assert!(store.cancel_held(last, &old).unwrap());
        store.close_balanced(BatchNo::new(1).unwrap(), "totals", &old).unwrap();
        // And a settled sale nothing points to, which goes.
        let plain = approved(&store, TxnType::Sale, &old, None);
        store.complete_txn(plain).unwrap();
        store.close_balanced(BatchNo::new(2).unwrap(), "totals", &old).unwrap();
        let p = store.apply_retention(&RetentionPolicy::default(), now(2025, 3)).unwrap();
        assert_eq!((p.txns, p.kept_unfinished), (1, 5));
        assert_eq!(ids(&store), vec![s2.0, v2.0, voided.0, void.0, last.0]);
        assert!(!ids(&store).contains(&plain.0));
        assert!(foreign_keys_on(&store));
    }

    /// The query plan of `sql`, one line per step.
    fn plan(conn: &Connection, sql: &str) -> Vec<String> {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let nulls = rusqlite::params_from_iter(vec![Null; stmt.parameter_count()]);
        let rows = stmt.query_map(nulls, |r| r.get::<_, String>(3)).unwrap();
        rows.map(Result::unwrap).collect()
    }

    #[test]
    fn the_statements_search_by_index_and_scan_only_where_documented() {
        let dir = TempDir::new("retention");
        let store = open(&dir);
        let conn = store.lock();
        conn.execute_batch(SCRATCH).unwrap();
        // Why a run that deletes switches enforcement off: each deleted row would scan the
        // unindexed child columns (twice the journal, the audit, the queue).
        let enforced = plan(&conn, DELETE_ROWS[3]);
        for child in ["SCAN txn", "SCAN risk_audit", "SCAN offline_queue"] {
            assert!(enforced.iter().any(|l| l == child), "{child}: {enforced:?}");
        }
        let conn = ForeignKeysOff::new(conn).unwrap();
        let scans = |sql: &str| -> Vec<String> {
            plan(&conn, sql).into_iter().filter(|l| l.starts_with("SCAN") && !l.contains("purge")).collect()
        };
        // The part every run does, whatever the journal's length: index and key searches only.
        for sql in [CANDIDATES, COUNT_OLD] {
            let p = plan(&conn, sql);
            assert!(p.iter().any(|l| l.contains("txn_by_created")), "{sql}: {p:?}");
            assert_eq!(scans(sql), Vec::<String>::new(), "{sql}: {p:?}");
        }
        let q = plan(&conn, CANDIDATES);
        assert!(q.iter().any(|l| l.starts_with("SEARCH q USING PRIMARY KEY")), "{q:?}");
        for sql in [KEEP_REFERENCED_BY_KEPT, RELEASE, DELETE_ROWS[1], DELETE_ROWS[2], DELETE_ROWS[3]] {
            assert_eq!(scans(sql), Vec::<String>::new(), "{sql}: {:?}", plan(&conn, sql));
        }
        // Ranges of the primary key (or of the follow-ups' index, bounded the same way), not the whole journal.
        let p = plan(&conn, KEEP_REFERENCED);
        let ranged = |l: &&String| {
            l.contains("USING INTEGER PRIMARY KEY (rowid")
                || l.contains("INDEX txn_by_original (orig_txn_id=? AND rowid>?)")
        };
        assert_eq!(p.iter().filter(ranged).count(), 2, "{p:?}");
        assert_eq!(scans(KEEP_REFERENCED), Vec::<String>::new(), "{p:?}");
        // Documented linear steps: the audit has no index on txn_id; settlements are one row a batch.
        assert_eq!(scans(DELETE_ROWS[0]), vec!["SCAN risk_audit".to_string()]);
        assert_eq!(scans(DELETE_UPLOAD_ITEMS), vec!["SCAN settlement".to_string()]);
        drop(conn);
        assert!(foreign_keys_on(&store));
    }
}
