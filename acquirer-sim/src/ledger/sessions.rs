//! Sign-in sessions kept across restarts: the key mode and field 62 as sent (keys under the TMK).

use rusqlite::{params, Connection};

use crate::error::LedgerError;

/// Stores the working keys of a sign-in, replacing the previous ones.
pub(crate) fn save(conn: &Connection, tid: &str, mode: &str, field62: &[u8], now_ms: i64) -> Result<(), LedgerError> {
    conn.execute(
        "INSERT INTO sessions (tid, key_mode, field62, created_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(tid) DO UPDATE SET key_mode = ?2, field62 = ?3, created_ms = ?4",
        params![tid, mode, field62, now_ms],
    )?;
    Ok(())
}

/// Forgets a terminal's keys (sign-off).
pub(crate) fn delete(conn: &Connection, tid: &str) -> Result<(), LedgerError> {
    conn.execute("DELETE FROM sessions WHERE tid = ?1", params![tid])?;
    Ok(())
}

/// Every stored session: terminal, key mode, field 62.
pub(crate) fn all(conn: &Connection) -> Result<Vec<(String, String, Vec<u8>)>, LedgerError> {
    let mut stmt = conn.prepare("SELECT tid, key_mode, field62 FROM sessions")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
