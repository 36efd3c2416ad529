//! What can still be read from a damaged database: the journal, row by row.
//!
//! The way out of a corrupt database (docs/reliability.md): export every journal row SQLite
//! can still decode, skip those on damaged pages, and reconcile the rest with the acquirer's
//! records of the batch. The file is opened read-only and never changed. Rows hold what the
//! journal holds: masked card numbers, amounts, numbers and outcomes; nothing sealed.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::Serialize;

use super::StoreError;

/// Journal rows probed at most (one lookup each), whatever the file claims.
const MAX_ROWS: i64 = 2_000_000;

/// Ids probed past the highest one found (a busy day's rows; each miss is one cheap lookup).
const PROBE_PAST: i64 = 20_000;

/// One journal row as salvaged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SalvagedRow {
    /// Row id in the journal.
    pub id: i64,
    /// Transaction type as stored (`sale`, `offline_sale`, ...).
    pub txn_type: String,
    /// Batch number.
    pub batch: i64,
    /// STAN.
    pub stan: i64,
    /// Slip number, if any.
    pub voucher: Option<i64>,
    /// Amount in minor units, if any.
    pub amount_minor: Option<i64>,
    /// Masked card number (first 6, last 4).
    pub masked_pan: Option<String>,
    /// `pending`, `approved`, `declined` or `failed`.
    pub status: String,
    /// The host's answer code.
    pub response_code: Option<String>,
    /// Retrieval reference number.
    pub rrn: Option<String>,
    /// Authorisation code.
    pub auth_code: Option<String>,
    /// When the terminal reversed it, if it did.
    pub reversed_at: Option<String>,
    /// When it was journaled.
    pub created_at: String,
}

/// The outcome of a salvage.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Salvage {
    /// The rows read.
    pub rows: Vec<SalvagedRow>,
    /// Row ids that could not be read (on damaged pages).
    pub unreadable: Vec<i64>,
    /// The highest row id probed, and how it was found.
    pub probed_to: i64,
    /// What SQLite said about the file as a whole (`integrity_check`'s first lines), if not ok.
    pub damage: Vec<String>,
}

/// Reads what can be read of the journal at `path` (read-only).
pub fn salvage(path: &Path) -> Result<Salvage, StoreError> {
    if !path.is_file() {
        return Err(StoreError::Missing { path: path.display().to_string() });
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    let mut out = Salvage { damage: damage(&conn), ..Salvage::default() };
    let has_journal: bool = conn
        .query_row("SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'txn'", [], |r| r.get(0))
        .unwrap_or(false);
    if !has_journal {
        return Err(StoreError::Corrupt { detail: "no journal table: the database holds nothing to salvage".into() });
    }
    // The highest id: from the table's index if it reads, else the highest a scan reaches
    // before the damage (the table's ids have no sequence of their own).
    let top: i64 =
        conn.query_row("SELECT max(id) FROM txn", [], |r| r.get::<_, Option<i64>>(0)).ok().flatten().unwrap_or_else(
            || {
                let mut seen = 0;
                if let Ok(mut scan) = conn.prepare("SELECT id FROM txn") {
                    if let Ok(mut rows) = scan.query([]) {
                        while let Ok(Some(row)) = rows.next() {
                            seen = seen.max(row.get::<_, i64>(0).unwrap_or(0));
                        }
                    }
                }
                seen
            },
        );
    // Past it too, as far as a whole day's rows: ids above a damaged page may still read.
    out.probed_to = top.saturating_add(PROBE_PAST).min(MAX_ROWS);
    let mut stmt = conn.prepare(
        "SELECT id, txn_type, batch, stan, voucher, amount_minor, masked_pan, status, response_code, rrn,
                auth_code, reversed_at, created_at
         FROM txn WHERE id = ?1",
    )?;
    for id in 1..=out.probed_to {
        let row = stmt
            .query_row([id], |r| {
                Ok(SalvagedRow {
                    id: r.get(0)?,
                    txn_type: r.get(1)?,
                    batch: r.get(2)?,
                    stan: r.get(3)?,
                    voucher: r.get(4)?,
                    amount_minor: r.get(5)?,
                    masked_pan: r.get(6)?,
                    status: r.get(7)?,
                    response_code: r.get(8)?,
                    rrn: r.get(9)?,
                    auth_code: r.get(10)?,
                    reversed_at: r.get(11)?,
                    created_at: r.get(12)?,
                })
            })
            .optional();
        match row {
            Ok(Some(r)) => out.rows.push(r),
            Ok(None) => {}
            Err(_) => out.unreadable.push(id),
        }
    }
    Ok(out)
}

/// The first lines of `integrity_check`, empty when the file is sound.
fn damage(conn: &Connection) -> Vec<String> {
    let lines = conn
        .prepare("PRAGMA integrity_check(20)")
        .and_then(|mut s| s.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>());
    match lines {
        Ok(l) if l == ["ok"] => Vec::new(),
        Ok(l) => l,
        Err(e) => vec![e.to_string()],
    }
}
