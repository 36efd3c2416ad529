//! Settlement results and batch upload items as received.

use rusqlite::{params, Connection};

use super::rows::{SettlementRecord, UploadRecord};
use crate::error::LedgerError;

/// Records a settlement and what the host found.
pub(crate) fn record_settlement(conn: &Connection, s: &SettlementRecord) -> Result<(), LedgerError> {
    conn.execute(
        "INSERT INTO settlements (tid, batch, terminal_totals, host_totals, balanced, created_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![s.tid, s.batch, s.terminal_totals, s.host_totals, s.balanced, s.created_ms],
    )?;
    Ok(())
}

/// Records one upload item.
pub(crate) fn record_upload(conn: &Connection, u: &UploadRecord) -> Result<(), LedgerError> {
    let amount = i64::try_from(u.amount).map_err(|_| LedgerError::Corrupt("upload amount out of range".into()))?;
    conn.execute(
        "INSERT INTO uploads (tid, batch, item, stan, amount, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![u.tid, u.batch, u.item, u.stan, amount, u.detail],
    )?;
    Ok(())
}

/// A terminal's settlements, oldest first.
pub(crate) fn settlements(conn: &Connection, tid: &str) -> Result<Vec<SettlementRecord>, LedgerError> {
    let mut stmt = conn.prepare(
        "SELECT tid, batch, terminal_totals, host_totals, balanced, created_ms FROM settlements WHERE tid = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![tid], |r| {
        Ok(SettlementRecord {
            tid: r.get(0)?,
            batch: r.get(1)?,
            terminal_totals: r.get(2)?,
            host_totals: r.get(3)?,
            balanced: r.get(4)?,
            created_ms: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A terminal's upload items for one batch, in arrival order.
pub(crate) fn uploads(conn: &Connection, tid: &str, batch: u32) -> Result<Vec<UploadRecord>, LedgerError> {
    let mut stmt = conn.prepare(
        "SELECT tid, batch, item, stan, amount, detail FROM uploads WHERE tid = ?1 AND batch = ?2 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![tid, batch], |r| {
        Ok(UploadRecord {
            tid: r.get(0)?,
            batch: r.get(1)?,
            item: r.get(2)?,
            stan: r.get(3)?,
            amount: r.get::<_, i64>(4)?.max(0).unsigned_abs(),
            detail: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
