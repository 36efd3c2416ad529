//! Storage and queries behind the monitoring rules: debit windows and flags.

use pos_core::mask_pan_digits;
use rusqlite::{params, Connection, OptionalExtension};

use super::rows::Flag;
use crate::error::LedgerError;

/// The kinds that spend a cardholder's money (what the rules watch).
const DEBITS: &str = "('sale', 'pre_auth_completion', 'offline_sale')";

/// Count and sum (fen) of a merchant's approved, unreversed debits in `[from_ms, to_ms)`.
pub(crate) fn merchant_window(
    conn: &Connection,
    mid: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<(u64, u64), LedgerError> {
    let sql = format!(
        "SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM txns WHERE mid = ?1 AND created_ms >= ?2 AND created_ms < ?3
         AND kind IN {DEBITS} AND rc = '00' AND status != 'reversed'"
    );
    let (n, sum): (i64, i64) =
        conn.prepare_cached(&sql)?.query_row(params![mid, from_ms, to_ms], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok((n.max(0).unsigned_abs(), sum.max(0).unsigned_abs()))
}

/// A card's approved, unreversed debits on a local day that are multiples of `unit` and at least `min`.
pub(crate) fn card_round_debits(
    conn: &Connection,
    pan: &str,
    day: i64,
    unit: u64,
    min: u64,
) -> Result<u64, LedgerError> {
    let unit = i64::try_from(unit).unwrap_or(i64::MAX);
    let min = i64::try_from(min).unwrap_or(i64::MAX);
    let sql = format!(
        "SELECT COUNT(*) FROM txns WHERE pan = ?1 AND local_date = ?2 AND kind IN {DEBITS} AND rc = '00'
         AND status != 'reversed' AND amount % ?3 = 0 AND amount >= ?4"
    );
    let n: i64 = conn.prepare_cached(&sql)?.query_row(params![pan, day, unit, min], |r| r.get(0))?;
    Ok(n.max(0).unsigned_abs())
}

/// A flag to store.
pub(crate) struct NewFlag<'a> {
    pub rule: &'a str,
    pub mid: &'a str,
    pub tid: &'a str,
    pub pan: Option<&'a str>,
    pub local_date: i64,
    pub detail: String,
    pub created_ms: i64,
}

/// Stores a flag.
pub(crate) fn raise(conn: &Connection, f: &NewFlag<'_>) -> Result<(), LedgerError> {
    conn.execute(
        "INSERT INTO flags (rule, mid, tid, pan, local_date, detail, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![f.rule, f.mid, f.tid, f.pan, f.local_date, f.detail, f.created_ms],
    )?;
    Ok(())
}

/// Whether merchant `mid` has a `rule` flag raised at or after `since_ms`.
pub(crate) fn merchant_flagged_since(
    conn: &Connection,
    rule: &str,
    mid: &str,
    since_ms: i64,
) -> Result<bool, LedgerError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM flags WHERE rule = ?1 AND mid = ?2 AND created_ms >= ?3 LIMIT 1")?
        .query_row(params![rule, mid, since_ms], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Whether card `pan` has a `rule` flag on local day `day`.
pub(crate) fn card_flagged_on(conn: &Connection, rule: &str, pan: &str, day: i64) -> Result<bool, LedgerError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM flags WHERE rule = ?1 AND pan = ?2 AND local_date = ?3 LIMIT 1")?
        .query_row(params![rule, pan, day], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Every flag, oldest first, cards masked.
pub(crate) fn all(conn: &Connection) -> Result<Vec<Flag>, LedgerError> {
    let mut stmt = conn.prepare("SELECT id, rule, mid, tid, pan, detail, created_ms FROM flags ORDER BY id")?;
    let rows = stmt.query_map([], |r| {
        Ok(Flag {
            id: r.get(0)?,
            rule: r.get(1)?,
            mid: r.get(2)?,
            tid: r.get(3)?,
            pan_masked: r.get::<_, Option<String>>(4)?.as_deref().map(mask_pan_digits),
            detail: r.get(5)?,
            created_ms: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
