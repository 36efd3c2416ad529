//! The store-and-forward queue: payments approved offline, each with its sealed 0220,
//! uploaded in order and erased once the host has answered.

use rusqlite::{params, Connection, Row, Transaction};
use zeroize::Zeroizing;

use super::error::StoreError;
use super::txn::{from_row, insert, Initial, NewTxn, COLUMNS};
use super::Store;
use crate::card::CardFingerprint;
use crate::ids::TxnId;
use crate::journal::{QueueEntry, TxnRecord, TxnStatus, UploadState};
use crate::offline::QueueStats;
use crate::response_code::ResponseCode;

/// A payment claimed for upload, its 0220 unsealed.
#[derive(Debug)]
pub(crate) struct QueuedAdvice {
    /// The journal row.
    pub txn: TxnRecord,
    /// The encoded, unsigned 0220 body, wiped on drop.
    pub body: Zeroizing<Vec<u8>>,
}

/// What came of one upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UploadOutcome {
    /// Approved by the host (`00`, MAC valid).
    Accepted {
        /// Field 37.
        rrn: Option<String>,
        /// Field 13.
        host_date: Option<String>,
        /// Field 12.
        host_time: Option<String>,
    },
    /// Declined by the host with an authenticated answer.
    Declined {
        /// Field 39.
        response_code: ResponseCode,
    },
    /// No usable answer: stays stored, sent again later as a repeat.
    Retry {
        /// Why (operator text, English).
        error: String,
    },
    /// Claimed but not sent (the sync stopped first): back to stored, no attempt counted.
    NotSent,
}

/// Binds a sealed advice to its row.
pub(crate) fn aad(id: TxnId) -> Vec<u8> {
    format!("pos-core/offline/{}", id.0).into_bytes()
}

/// The code the journal row carries until the host answers: EMV's "offline approved".
pub(crate) const OFFLINE_APPROVED: &str = "Y1";

fn entry(r: &Row<'_>) -> Result<QueueEntry, StoreError> {
    let bad = |column| StoreError::BadValue { table: "offline_queue", column };
    let base = super::txn::COLUMN_COUNT;
    let txn = from_row(r)?;
    Ok(QueueEntry {
        txn,
        state: UploadState::parse(&r.get::<_, String>(base)?).ok_or(bad("state"))?,
        stored_unix: r.get(base + 1)?,
        attempts: u32::try_from(r.get::<_, i64>(base + 2)?).map_err(|_| bad("attempts"))?,
        response_code: r
            .get::<_, Option<String>>(base + 3)?
            .map(|c| ResponseCode::parse(&c).ok_or(bad("response_code")))
            .transpose()?,
        last_error: r.get(base + 4)?,
        updated_at: r.get(base + 5)?,
    })
}

fn select_sql(filter: &str, limit: &str) -> String {
    let columns = COLUMNS.split(',').map(|c| format!("t.{}", c.trim())).collect::<Vec<_>>().join(", ");
    format!(
        "SELECT {columns}, q.state, q.stored_unix, q.attempts, q.response_code, q.last_error, q.updated_at, q.sealed
         FROM offline_queue q JOIN txn t ON t.id = q.txn_id WHERE {filter} ORDER BY q.txn_id {limit}"
    )
}

fn stats(conn: &Connection) -> Result<QueueStats, StoreError> {
    let (count, total, oldest): (u32, i64, Option<i64>) = conn
        .prepare_cached(
            "SELECT COUNT(*), COALESCE(SUM(t.amount_minor), 0), MIN(q.stored_unix)
             FROM offline_queue q JOIN txn t ON t.id = q.txn_id WHERE q.state IN ('stored', 'uploading')",
        )?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let total_minor =
        u64::try_from(total).map_err(|_| StoreError::BadValue { table: "txn", column: "amount_minor" })?;
    Ok(QueueStats { count, total_minor, oldest_unix: oldest })
}

/// Moves an entry from state `from` to `to` (the state leads the primary key).
fn set_state(tx: &Transaction<'_>, id: TxnId, from: UploadState, to: UploadState, at: &str) -> Result<(), StoreError> {
    tx.prepare_cached("UPDATE offline_queue SET state = ?3, updated_at = ?4 WHERE state = ?2 AND txn_id = ?1")?
        .execute(params![id.0, from.as_str(), to.as_str(), at])?;
    Ok(())
}

impl Store {
    /// Stores a payment approved offline: numbers, journal row (approved, `Y1`, the offline
    /// authorisation code) and the sealed 0220 that `build` makes from the numbered row,
    /// all in one SQLite transaction. Nothing is written if any step fails.
    pub fn store_offline<E: From<StoreError>>(
        &self,
        new: &NewTxn,
        auth_code: &str,
        stored_unix: i64,
        build: impl FnOnce(&TxnRecord) -> Result<Zeroizing<Vec<u8>>, E>,
    ) -> Result<TxnRecord, E> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(StoreError::from)?;
        super::reversal::complete_held(&tx)?;
        let initial =
            Initial { status: TxnStatus::Approved, response_code: Some(OFFLINE_APPROVED), auth_code: Some(auth_code) };
        let record = insert(&tx, new, &initial)?;
        let body = build(&record)?;
        let sealed = self.sealer(&tx)?.seal(&aad(record.id), &body).map_err(StoreError::Sealing)?;
        tx.prepare_cached(
            "INSERT INTO offline_queue (state, txn_id, sealed, stored_unix, updated_at) VALUES ('stored', ?1, ?2, ?3, ?4)",
        )
        .map_err(StoreError::from)?
        .execute(params![record.id.0, sealed, stored_unix, new.at])
        .map_err(StoreError::from)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(record)
    }

    /// Count, total and age of the payments waiting for upload.
    pub fn queue_stats(&self) -> Result<QueueStats, StoreError> {
        stats(&self.lock())
    }

    /// Offline payments of one card on local day `day` (whose MMDD is `local_date`), counted
    /// up to `cap` (the per-card limit: a count past it changes no decision).
    ///
    /// Through the card's index (`txn_by_card`: fingerprint, then time), so the cost is that
    /// card's rows of the day up to `cap`, not the whole day's journal.
    pub(crate) fn offline_count_for_card(
        &self,
        card: &CardFingerprint,
        day: crate::clock::Day,
        local_date: &str,
        cap: u32,
    ) -> Result<u32, StoreError> {
        let conn = self.lock();
        let n: u32 = conn
            .prepare_cached(
                "SELECT COUNT(*) FROM (SELECT 1 FROM txn WHERE card_fingerprint = ?1 AND created_at >= ?2
                     AND created_at < ?3 AND txn_type = 'offline_sale' AND local_date = ?4 LIMIT ?5)",
            )?
            .query_row(params![card.to_string(), day.to_string(), day.next().to_string(), local_date, cap], |r| {
                r.get(0)
            })?;
        Ok(n)
    }

    /// Claims up to `limit` stored payments, oldest first, marking them uploading.
    pub(crate) fn claim_uploads(&self, limit: u32, at: &str) -> Result<Vec<QueuedAdvice>, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut claimed = Vec::new();
        {
            let mut stmt = tx.prepare_cached(&select_sql("q.state = 'stored'", "LIMIT ?1"))?;
            let rows =
                stmt.query_map([limit], |r| Ok((entry(r), r.get::<_, Option<Vec<u8>>>(super::txn::COLUMN_COUNT + 6))))?;
            for row in rows {
                let (entry, sealed) = row?;
                claimed.push((entry?.txn, sealed?));
            }
        }
        let sealer = self.sealer(&tx)?;
        let mut out = Vec::with_capacity(claimed.len());
        for (txn, sealed) in claimed {
            let sealed = sealed.ok_or(StoreError::BadValue { table: "offline_queue", column: "sealed" })?;
            let body = sealer.open(&aad(txn.id), &sealed).map_err(StoreError::Sealing)?;
            set_state(&tx, txn.id, UploadState::Stored, UploadState::Uploading, at)?;
            out.push(QueuedAdvice { txn, body });
        }
        tx.commit()?;
        Ok(out)
    }

    /// Records what came of a group of uploads, in one SQLite transaction: accepted and
    /// declined ones lose their sealed data; the others go back to stored.
    pub(crate) fn record_uploads(&self, results: &[(TxnId, UploadOutcome)], at: &str) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for (id, outcome) in results {
            match outcome {
                UploadOutcome::Accepted { rrn, host_date, host_time } => {
                    tx.prepare_cached(
                        "UPDATE offline_queue SET state = 'accepted', sealed = NULL, response_code = '00',
                            attempts = attempts + 1, last_error = NULL, updated_at = ?2
                         WHERE state = 'uploading' AND txn_id = ?1",
                    )?
                    .execute(params![id.0, at])?;
                    tx.prepare_cached(
                        "UPDATE txn SET response_code = '00', rrn = ?2, host_date = ?3, host_time = ?4, updated_at = ?5
                         WHERE id = ?1",
                    )?
                    .execute(params![id.0, rrn, host_date, host_time, at])?;
                }
                UploadOutcome::Declined { response_code } => {
                    tx.prepare_cached(
                        "UPDATE offline_queue SET state = 'declined', sealed = NULL, response_code = ?2,
                            attempts = attempts + 1, last_error = NULL, updated_at = ?3
                         WHERE state = 'uploading' AND txn_id = ?1",
                    )?
                    .execute(params![id.0, response_code.as_str(), at])?;
                    tx.prepare_cached(
                        "UPDATE txn SET status = 'declined', response_code = ?2, updated_at = ?3 WHERE id = ?1",
                    )?
                    .execute(params![id.0, response_code.as_str(), at])?;
                }
                UploadOutcome::NotSent => {
                    tx.prepare_cached(
                        "UPDATE offline_queue SET state = 'stored', updated_at = ?2 WHERE state = 'uploading' AND txn_id = ?1",
                    )?
                    .execute(params![id.0, at])?;
                }
                UploadOutcome::Retry { error } => {
                    tx.prepare_cached(
                        "UPDATE offline_queue SET state = 'stored', attempts = attempts + 1, last_error = ?2,
                            updated_at = ?3
                         WHERE state = 'uploading' AND txn_id = ?1",
                    )?
                    .execute(params![id.0, error, at])?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Marks payments stored before `before_unix` as expired (not to be sent); returns them.
    pub(crate) fn expire_stored(&self, before_unix: i64, at: &str) -> Result<Vec<QueueEntry>, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut expired = Vec::new();
        {
            let mut stmt = tx.prepare_cached(&select_sql("q.state = 'stored' AND q.stored_unix < ?1", ""))?;
            for row in stmt.query_map([before_unix], |r| Ok(entry(r)))? {
                expired.push(row??);
            }
        }
        for e in &mut expired {
            set_state(&tx, e.txn.id, UploadState::Stored, UploadState::Expired, at)?;
            e.state = UploadState::Expired;
        }
        tx.commit()?;
        Ok(expired)
    }

    /// The queue, oldest first: only the payments still waiting, or all of them.
    pub fn offline_queue(&self, waiting_only: bool) -> Result<Vec<QueueEntry>, StoreError> {
        let conn = self.lock();
        let filter = if waiting_only { "q.state IN ('stored', 'uploading')" } else { "1 = 1" };
        let mut stmt = conn.prepare_cached(&select_sql(filter, ""))?;
        let rows = stmt.query_map([], |r| Ok(entry(r)))?;
        rows.map(|r| r?).collect()
    }

    /// Payments the host declined or that expired, oldest first (they need the operator).
    pub(crate) fn failed_uploads(&self) -> Result<Vec<QueueEntry>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&select_sql("q.state IN ('declined', 'expired')", ""))?;
        let rows = stmt.query_map([], |r| Ok(entry(r)))?;
        rows.map(|r| r?).collect()
    }

    /// The queue entry of transaction `id`.
    pub fn queue_entry(&self, id: TxnId) -> Result<Option<QueueEntry>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&select_sql("q.txn_id = ?1", ""))?;
        let mut rows = stmt.query_map([id.0], |r| Ok(entry(r)))?;
        rows.next().map(|r| r?).transpose()
    }
}

#[cfg(test)]
pub(crate) fn sealed_advice(store: &Store, id: TxnId) -> Option<Vec<u8>> {
    use rusqlite::OptionalExtension;
    store
        .lock()
        .query_row("SELECT sealed FROM offline_queue WHERE txn_id = ?1", [id.0], |r| r.get(0))
        .optional()
        .ok()
        .flatten()
        .flatten()
}
