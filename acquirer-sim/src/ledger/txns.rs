//! Transaction rows: inserting, finding originals, and moving a row's status.

use pos_core::mask_pan_digits;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::rows::{RowKind, TxnRow, TxnStatus};
use crate::error::LedgerError;

/// A row to insert.
pub(crate) struct NewTxn<'a> {
    pub kind: RowKind,
    pub tid: &'a str,
    pub mid: &'a str,
    pub batch: u32,
    pub stan: u32,
    pub pan: Option<&'a str>,
    pub amount: u64,
    pub rc: &'a str,
    pub status: TxnStatus,
    pub rrn: Option<&'a str>,
    pub auth_code: Option<&'a str>,
    pub original_id: Option<i64>,
    pub created_ms: i64,
    pub local_date: i64,
    pub foreign: bool,
}

/// A stored row with the full PAN the host needs for its rules.
pub(crate) struct Stored {
    pub row: TxnRow,
    pub pan: Option<String>,
    pub foreign: bool,
    /// The host's local day the row was made on (days since the epoch).
    pub local_date: i64,
}

const COLUMNS: &str = "id, kind, tid, mid, batch, stan, pan, amount, rc, status, refunded, captured, rrn, auth_code,
                       original_id, created_ms, foreign_card, local_date";

fn to_u64(v: i64, what: &str) -> Result<u64, LedgerError> {
    u64::try_from(v).map_err(|_| LedgerError::Corrupt(format!("negative {what}")))
}

fn read(r: &Row<'_>) -> rusqlite::Result<RawRow> {
    Ok(RawRow {
        id: r.get(0)?,
        kind: r.get(1)?,
        tid: r.get(2)?,
        mid: r.get(3)?,
        batch: r.get(4)?,
        stan: r.get(5)?,
        pan: r.get(6)?,
        amount: r.get(7)?,
        rc: r.get(8)?,
        status: r.get(9)?,
        refunded: r.get(10)?,
        captured: r.get(11)?,
        rrn: r.get(12)?,
        auth_code: r.get(13)?,
        original_id: r.get(14)?,
        created_ms: r.get(15)?,
        foreign: r.get(16)?,
        local_date: r.get(17)?,
    })
}

struct RawRow {
    id: i64,
    kind: String,
    tid: String,
    mid: String,
    batch: u32,
    stan: u32,
    pan: Option<String>,
    amount: i64,
    rc: String,
    status: String,
    refunded: i64,
    captured: i64,
    rrn: Option<String>,
    auth_code: Option<String>,
    original_id: Option<i64>,
    created_ms: i64,
    foreign: bool,
    local_date: i64,
}

impl RawRow {
    fn typed(self) -> Result<Stored, LedgerError> {
        let kind = RowKind::from_db(&self.kind).ok_or_else(|| LedgerError::Corrupt(format!("kind {:?}", self.kind)))?;
        let status = TxnStatus::from_db(&self.status)
            .ok_or_else(|| LedgerError::Corrupt(format!("status {:?}", self.status)))?;
        let row = TxnRow {
            id: self.id,
            kind,
            tid: self.tid,
            mid: self.mid,
            batch: self.batch,
            stan: self.stan,
            amount: to_u64(self.amount, "amount")?,
            response_code: self.rc,
            status,
            refunded: to_u64(self.refunded, "refunded")?,
            captured: to_u64(self.captured, "captured")?,
            rrn: self.rrn,
            auth_code: self.auth_code,
            pan_masked: self.pan.as_deref().map(mask_pan_digits),
            original_id: self.original_id,
            created_ms: self.created_ms,
        };
        Ok(Stored { row, pan: self.pan, foreign: self.foreign, local_date: self.local_date })
    }
}

/// Rows matching `where_clause`, oldest first.
fn query(conn: &Connection, where_clause: &str, args: impl rusqlite::Params) -> Result<Vec<Stored>, LedgerError> {
    let sql = format!("SELECT {COLUMNS} FROM txns WHERE {where_clause} ORDER BY id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let raw = stmt.query_map(args, read)?.collect::<Result<Vec<_>, _>>()?;
    raw.into_iter().map(RawRow::typed).collect()
}

fn first(v: Vec<Stored>) -> Option<Stored> {
    v.into_iter().next()
}

/// Inserts a row and returns its id.
pub(crate) fn insert(conn: &Connection, t: &NewTxn<'_>) -> Result<i64, LedgerError> {
    let amount = i64::try_from(t.amount).map_err(|_| LedgerError::Corrupt("amount out of range".into()))?;
    conn.prepare_cached(
        "INSERT INTO txns (kind, tid, mid, batch, stan, pan, amount, rc, status, rrn, auth_code, original_id,
                           created_ms, local_date, foreign_card)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?
    .execute(params![
        t.kind.as_db(),
        t.tid,
        t.mid,
        t.batch,
        t.stan,
        t.pan,
        amount,
        t.rc,
        t.status.as_db(),
        t.rrn,
        t.auth_code,
        t.original_id,
        t.created_ms,
        t.local_date,
        t.foreign,
    ])?;
    if let Some(pan) = t.pan.filter(|_| t.rc == "00" && t.status != TxnStatus::Reversed) {
        count_day(conn, pan, t.local_date, t.kind.as_db().as_str(), 1)?;
    }
    Ok(conn.last_insert_rowid())
}

/// Adds `delta` to a card's count of approved, unreversed `kind` requests on `day`.
fn count_day(conn: &Connection, pan: &str, day: i64, kind: &str, delta: i64) -> Result<(), LedgerError> {
    conn.prepare_cached(
        "INSERT INTO card_days (pan, local_date, kind, approved) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (pan, local_date, kind) DO UPDATE SET approved = approved + ?4",
    )?
    .execute(params![pan, day, kind, delta])?;
    Ok(())
}

/// The request (not reversal) row of terminal + batch + STAN.
pub(crate) fn find_request(conn: &Connection, tid: &str, batch: u32, stan: u32) -> Result<Option<Stored>, LedgerError> {
    Ok(first(query(
        conn,
        "tid = ?1 AND batch = ?2 AND stan = ?3 AND kind NOT LIKE 'reversal:%'",
        params![tid, batch, stan],
    )?))
}

/// The row with ledger id `id`.
pub(crate) fn by_id(conn: &Connection, id: i64) -> Result<Option<Stored>, LedgerError> {
    Ok(first(query(conn, "id = ?1", params![id])?))
}

/// The reversal row of terminal + batch + STAN.
pub(crate) fn find_reversal(
    conn: &Connection,
    tid: &str,
    batch: u32,
    stan: u32,
) -> Result<Option<Stored>, LedgerError> {
    Ok(first(query(
        conn,
        "tid = ?1 AND batch = ?2 AND stan = ?3 AND kind LIKE 'reversal:%'",
        params![tid, batch, stan],
    )?))
}

/// The approved request row of merchant `mid` answered with `rrn`.
pub(crate) fn find_by_rrn(conn: &Connection, mid: &str, rrn: &str) -> Result<Option<Stored>, LedgerError> {
    Ok(first(query(conn, "mid = ?1 AND rrn = ?2 AND rc = '00' AND kind NOT LIKE 'reversal:%'", params![mid, rrn])?))
}

/// Approved pre-auths of merchant `mid` with `auth_code` (any status).
pub(crate) fn find_preauths(conn: &Connection, mid: &str, auth_code: &str) -> Result<Vec<Stored>, LedgerError> {
    query(conn, "mid = ?1 AND auth_code = ?2 AND kind = 'pre_auth' AND rc = '00'", params![mid, auth_code])
}

/// Approved pre-auths of merchant `mid` at batch + STAN (any terminal of the merchant).
pub(crate) fn find_preauths_at(
    conn: &Connection,
    mid: &str,
    batch: u32,
    stan: u32,
) -> Result<Vec<Stored>, LedgerError> {
    query(conn, "mid = ?1 AND batch = ?2 AND stan = ?3 AND kind = 'pre_auth' AND rc = '00'", params![mid, batch, stan])
}

/// Rows of a terminal, oldest first.
pub(crate) fn for_terminal(conn: &Connection, tid: &str) -> Result<Vec<TxnRow>, LedgerError> {
    Ok(query(conn, "tid = ?1", params![tid])?.into_iter().map(|s| s.row).collect())
}

/// Every row (for the invariant check).
pub(crate) fn all(conn: &Connection) -> Result<Vec<Stored>, LedgerError> {
    query(conn, "1 = 1", [])
}

/// Each approved request row of a terminal's batch, one at a time (a long day's batch is
/// totalled without holding it in memory), in STAN order: the order of `txns_by_key`, so
/// SQLite streams the rows instead of sorting the batch first (a 100,000-row sort in memory).
pub(crate) fn for_each_in_batch(
    conn: &Connection,
    tid: &str,
    batch: u32,
    mut f: impl FnMut(Stored),
) -> Result<(), LedgerError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM txns WHERE tid = ?1 AND batch = ?2 AND rc = '00' AND kind NOT LIKE 'reversal:%' ORDER BY stan, id"
    ))?;
    let mut rows = stmt.query(params![tid, batch])?;
    while let Some(r) = rows.next()? {
        f(read(r)?.typed()?);
    }
    Ok(())
}

/// Moves a row to `status` (and keeps its card's day count: a reversal takes it out).
pub(crate) fn set_status(conn: &Connection, id: i64, status: TxnStatus) -> Result<(), LedgerError> {
    let counted: Option<(String, i64, String, String)> = conn
        .prepare_cached(
            "SELECT pan, local_date, kind, status FROM txns WHERE id = ?1 AND pan IS NOT NULL AND rc = '00'",
        )?
        .query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    conn.prepare_cached("UPDATE txns SET status = ?2 WHERE id = ?1")?.execute(params![id, status.as_db()])?;
    if let Some((pan, day, kind, old)) = counted {
        let (was, is) = (old != TxnStatus::Reversed.as_db(), status != TxnStatus::Reversed);
        if was != is {
            count_day(conn, &pan, day, &kind, if is { 1 } else { -1 })?;
        }
    }
    Ok(())
}

/// Adds to the refunded total of a row.
pub(crate) fn add_refunded(conn: &Connection, id: i64, amount: u64) -> Result<(), LedgerError> {
    let amount = i64::try_from(amount).map_err(|_| LedgerError::Corrupt("refund out of range".into()))?;
    conn.prepare_cached("UPDATE txns SET refunded = refunded + ?2 WHERE id = ?1")?.execute(params![id, amount])?;
    Ok(())
}

/// Sets the captured amount of a pre-auth.
pub(crate) fn set_captured(conn: &Connection, id: i64, amount: u64) -> Result<(), LedgerError> {
    let amount = i64::try_from(amount).map_err(|_| LedgerError::Corrupt("capture out of range".into()))?;
    conn.prepare_cached("UPDATE txns SET captured = ?2 WHERE id = ?1")?.execute(params![id, amount])?;
    Ok(())
}

/// Approved, unreversed rows of the given kinds for a card on a local day.
pub(crate) fn count_card_day(conn: &Connection, pan: &str, day: i64, kinds: &[&str]) -> Result<u32, LedgerError> {
    let mut n = 0u32;
    for kind in kinds {
        let c: Option<i64> = conn
            .prepare_cached("SELECT approved FROM card_days WHERE pan = ?1 AND local_date = ?2 AND kind = ?3")?
            .query_row(params![pan, day, kind], |r| r.get(0))
            .optional()?;
        n = n.saturating_add(u32::try_from(c.unwrap_or(0)).unwrap_or(u32::MAX));
    }
    Ok(n)
}

/// Every kept day count: PAN, day, kind and count (for the invariant check).
pub(crate) fn card_days(conn: &Connection) -> Result<Vec<(String, i64, String, i64)>, LedgerError> {
    let mut stmt = conn.prepare("SELECT pan, local_date, kind, approved FROM card_days")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The next value of a named counter (RRNs), starting at 1.
pub(crate) fn next_counter(conn: &Connection, name: &str) -> Result<i64, LedgerError> {
    conn.prepare_cached(
        "INSERT INTO counters (name, value) VALUES (?1, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1",
    )?
    .execute(params![name])?;
    Ok(conn.prepare_cached("SELECT value FROM counters WHERE name = ?1")?.query_row(params![name], |r| r.get(0))?)
}
