//! Pending reversals in the journal: armed with their request, held after an approval,
//! due until the host acknowledges them.
//!
//! The 0400 is stored sealed (AES-256-GCM, bound to its row) without field 39, which is
//! added at send time from the `reason` column, so a resend is byte for byte a repeat.

use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use zeroize::Zeroizing;

use super::error::StoreError;
use super::txn::{from_row, COLUMNS};
use super::Store;
use crate::ids::TxnId;
use crate::journal::{ReversalCause, ReversalRecord, ReversalState};
use crate::response_code::ResponseCode;

/// A due reversal and its unsealed 0400 (encoded, without field 39).
#[derive(Debug)]
pub(crate) struct DueReversal {
    /// The reversal.
    pub record: ReversalRecord,
    /// The encoded message body, wiped on drop.
    pub body: Zeroizing<Vec<u8>>,
}

/// Binds a sealed reversal to its row: a copy moved to another row does not open.
pub(crate) fn aad(id: TxnId) -> Vec<u8> {
    format!("pos-core/reversal/{}", id.0).into_bytes()
}

/// Arms the reversal of a request about to be sent.
pub(crate) fn arm(tx: &Transaction<'_>, id: TxnId, sealed: &[u8], at: &str) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO reversal (txn_id, state, reason, sealed, created_at, updated_at)
         VALUES (?1, 'armed', ?2, ?3, ?4, ?4)",
    )?
    .execute(params![id.0, ReversalCause::Interrupted.reason().as_str(), sealed, at])?;
    Ok(())
}

/// An authenticated approval: keep the reversal, in case the receipt cannot be printed.
pub(crate) fn hold(tx: &Transaction<'_>, id: TxnId, at: &str) -> Result<(), StoreError> {
    tx.prepare_cached("UPDATE reversal SET state = 'held', updated_at = ?2 WHERE txn_id = ?1 AND state = 'armed'")?
        .execute(params![id.0, at])?;
    Ok(())
}

/// The host certainly did nothing (authenticated decline, or never sent): forget the reversal.
pub(crate) fn clear(tx: &Transaction<'_>, id: TxnId) -> Result<(), StoreError> {
    tx.prepare_cached("DELETE FROM reversal WHERE txn_id = ?1 AND state IN ('armed', 'held')")?.execute([id.0])?;
    Ok(())
}

/// The payment is complete (a new one started, or the receipt was confirmed).
pub(crate) fn complete_held(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.prepare_cached("DELETE FROM reversal WHERE state = 'held'")?.execute([])?;
    Ok(())
}

/// Schedules an armed or held reversal for sending.
pub(crate) fn make_due(
    tx: &Transaction<'_>,
    id: TxnId,
    cause: ReversalCause,
    error: Option<&str>,
    at: &str,
) -> Result<bool, StoreError> {
    let changed = tx
        .prepare_cached(
            "UPDATE reversal SET state = 'due', reason = ?2, cause = ?3, last_error = COALESCE(?4, last_error),
                updated_at = ?5
             WHERE txn_id = ?1 AND state IN ('armed', 'held')",
        )?
        .execute(params![id.0, cause.reason().as_str(), cause.as_str(), error, at])?;
    Ok(changed > 0)
}

const REVERSAL_COLUMNS: &str = "r.state, r.reason, r.cause, r.attempts, r.rounds, r.last_error, r.updated_at";

fn with_txn(row: &Row<'_>) -> Result<ReversalRecord, StoreError> {
    let bad = |column| StoreError::BadValue { table: "reversal", column };
    // The txn columns come first, then the reversal's.
    let txn = from_row(row)?;
    let base = super::txn::COLUMN_COUNT;
    let state = ReversalState::parse(&row.get::<_, String>(base)?).ok_or(bad("state"))?;
    let reason = ResponseCode::parse(&row.get::<_, String>(base + 1)?).ok_or(bad("reason"))?;
    let cause = row.get::<_, Option<String>>(base + 2)?.map(|c| ReversalCause::parse(&c).ok_or(bad("cause")));
    Ok(ReversalRecord {
        txn,
        state,
        reason,
        cause: cause.transpose()?,
        attempts: u32::try_from(row.get::<_, i64>(base + 3)?).map_err(|_| bad("attempts"))?,
        rounds: u32::try_from(row.get::<_, i64>(base + 4)?).map_err(|_| bad("rounds"))?,
        last_error: row.get(base + 5)?,
        updated_at: row.get(base + 6)?,
    })
}

/// A reversal and its sealed message (absent once acknowledged).
type WithSealed = (ReversalRecord, Option<Vec<u8>>);

fn select(conn: &Connection, filter: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<WithSealed>, StoreError> {
    let columns = COLUMNS.split(',').map(|c| format!("t.{}", c.trim())).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT {columns}, {REVERSAL_COLUMNS}, r.sealed FROM reversal r JOIN txn t ON t.id = r.txn_id
         WHERE {filter} ORDER BY r.txn_id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows =
        stmt.query_map(args, |r| Ok((with_txn(r), r.get::<_, Option<Vec<u8>>>(super::txn::COLUMN_COUNT + 7))))?;
    let mut out = Vec::new();
    for row in rows {
        let (record, sealed) = row?;
        out.push((record?, sealed?));
    }
    Ok(out)
}

impl Store {
    /// Reversals still to be sent, oldest first, with their messages unsealed.
    pub(crate) fn due_reversals(&self) -> Result<Vec<DueReversal>, StoreError> {
        let conn = self.lock();
        let rows = select(&conn, "r.state = 'due'", &[])?;
        let sealer = self.sealer(&conn)?;
        rows.into_iter()
            .map(|(record, sealed)| {
                let sealed = sealed.ok_or(StoreError::BadValue { table: "reversal", column: "sealed" })?;
                let body = sealer.open(&aad(record.txn.id), &sealed).map_err(StoreError::Sealing)?;
                Ok(DueReversal { record, body })
            })
            .collect()
    }

    /// Reversals not yet acknowledged (armed, held, due), oldest first.
    pub fn open_reversals(&self) -> Result<Vec<ReversalRecord>, StoreError> {
        let rows = select(&self.lock(), "r.state IN ('armed', 'held', 'due')", &[])?;
        Ok(rows.into_iter().map(|(r, _)| r).collect())
    }

    /// The reversal of transaction `id`, if it has one.
    pub fn reversal(&self, id: TxnId) -> Result<Option<ReversalRecord>, StoreError> {
        let rows = select(&self.lock(), "r.txn_id = ?1", &[&id.0])?;
        Ok(rows.into_iter().next().map(|(r, _)| r))
    }

    /// How many reversals are due.
    pub fn due_reversal_count(&self) -> Result<u32, StoreError> {
        Ok(self.lock().query_row("SELECT COUNT(*) FROM reversal WHERE state = 'due'", [], |r| r.get(0))?)
    }

    /// The host acknowledged the reversal: erase its message, mark the original reversed, and
    /// (for a reversed void or cancel) let the transaction it had cancelled stand again.
    pub(crate) fn acknowledge_reversal(&self, id: TxnId, sends: u32, at: &str) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE reversal SET state = 'acknowledged', sealed = NULL, attempts = attempts + ?2, last_error = NULL,
                updated_at = ?3
             WHERE txn_id = ?1 AND state = 'due'",
            params![id.0, sends, at],
        )?;
        if changed == 0 {
            return Err(StoreError::MissingTxn(id.0));
        }
        tx.execute("UPDATE txn SET reversed_at = ?2, updated_at = ?2 WHERE id = ?1", params![id.0, at])?;
        tx.execute("UPDATE txn SET cancelled_by = NULL, updated_at = ?2 WHERE cancelled_by = ?1", params![id.0, at])?;
        tx.commit()?;
        Ok(())
    }

    /// An attempt of `sends` sends ended without an acknowledgement.
    pub(crate) fn reversal_attempt_failed(
        &self,
        id: TxnId,
        sends: u32,
        error: &str,
        at: &str,
    ) -> Result<u32, StoreError> {
        let conn = self.lock();
        conn.execute(
            "UPDATE reversal SET attempts = attempts + ?2, rounds = rounds + 1, last_error = ?3, updated_at = ?4
             WHERE txn_id = ?1 AND state = 'due'",
            params![id.0, sends, error, at],
        )?;
        let rounds: Option<u32> =
            conn.query_row("SELECT rounds FROM reversal WHERE txn_id = ?1", [id.0], |r| r.get(0)).optional()?;
        rounds.ok_or(StoreError::MissingTxn(id.0))
    }

    /// Turns a held reversal (an approval whose receipt is not confirmed) into a due one.
    /// `Ok(false)` when there is none to turn: the payment was completed already.
    pub(crate) fn cancel_held(&self, id: TxnId, at: &str) -> Result<bool, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let held: Option<String> =
            tx.query_row("SELECT state FROM reversal WHERE txn_id = ?1", [id.0], |r| r.get(0)).optional()?;
        if held.as_deref() != Some(ReversalState::Held.as_str()) {
            return Ok(false);
        }
        make_due(&tx, id, ReversalCause::CancelledUnprinted, None, at)?;
        tx.commit()?;
        Ok(true)
    }

    /// The payment is complete (its receipt printed or declined): drop the held reversal.
    pub(crate) fn complete_txn(&self, id: TxnId) -> Result<(), StoreError> {
        self.lock().execute("DELETE FROM reversal WHERE txn_id = ?1 AND state = 'held'", [id.0])?;
        Ok(())
    }
}

#[cfg(test)]
pub(crate) fn sealed_of(store: &Store, id: TxnId) -> Option<Vec<u8>> {
    store
        .lock()
        .query_row("SELECT sealed FROM reversal WHERE txn_id = ?1", [id.0], |r| r.get(0))
        .optional()
        .ok()
        .flatten()
        .flatten()
}
