//! Each terminal's batch at the host: the current number, upload state, closing.

use pos_core::iso8583::BatchNo;
use rusqlite::{params, Connection, OptionalExtension};

use super::rows::BatchState;
use crate::error::LedgerError;

/// The batch state of `tid`, if the terminal is known to the ledger.
pub(crate) fn state(conn: &Connection, tid: &str) -> Result<Option<BatchState>, LedgerError> {
    Ok(conn
        .prepare_cached("SELECT current, uploading, last_closed FROM batches WHERE tid = ?1")?
        .query_row(params![tid], |r| {
            Ok(BatchState { current: r.get(0)?, uploading: r.get(1)?, last_closed: r.get(2)? })
        })
        .optional()?)
}

/// Marks the current batch as awaiting its upload (after an unbalanced settlement).
pub(crate) fn set_uploading(conn: &Connection, tid: &str) -> Result<(), LedgerError> {
    conn.prepare_cached("UPDATE batches SET uploading = 1 WHERE tid = ?1")?.execute(params![tid])?;
    Ok(())
}

/// Closes the current batch and opens the next one (999999 wraps to 000001).
pub(crate) fn close(conn: &Connection, tid: &str) -> Result<Option<u32>, LedgerError> {
    let Some(st) = state(conn, tid)? else { return Ok(None) };
    let next = BatchNo::new(st.current).map(|b| b.next().value()).unwrap_or(1);
    conn.prepare_cached("UPDATE batches SET current = ?2, uploading = 0, last_closed = ?3 WHERE tid = ?1")?
        .execute(params![tid, next, st.current])?;
    Ok(Some(next))
}
