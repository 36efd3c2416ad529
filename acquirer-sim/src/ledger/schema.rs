//! The ledger's tables and how they are seeded from the configuration.

use rusqlite::{params, Connection};

use crate::config::{AccountConfig, TerminalProfile};
use crate::error::LedgerError;

/// The rows `card_days` counts: a card's approved requests not reversed since.
pub(crate) const COUNTED: &str = "pan IS NOT NULL AND rc = '00' AND status != 'reversed'";

/// Bumped when a table changes; a newer file is refused rather than misread, an older one
/// is brought forward by [`migrate`].
pub(crate) const SCHEMA_VERSION: i64 = 2;

const TABLES: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
-- One row per card. `available` is a cache: funds minus the sum of the card's effects.
CREATE TABLE IF NOT EXISTS accounts (
    pan TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    funds INTEGER NOT NULL,
    status TEXT NOT NULL,
    pin TEXT NOT NULL,
    pin_tries INTEGER NOT NULL,
    expiry TEXT NOT NULL,
    pin_required INTEGER NOT NULL,
    available INTEGER NOT NULL
);
-- Every request the host decided on, approved or declined, and every reversal.
CREATE TABLE IF NOT EXISTS txns (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    tid TEXT NOT NULL,
    mid TEXT NOT NULL,
    batch INTEGER NOT NULL,
    stan INTEGER NOT NULL,
    pan TEXT,
    amount INTEGER NOT NULL,
    rc TEXT NOT NULL,
    status TEXT NOT NULL,
    refunded INTEGER NOT NULL DEFAULT 0,
    captured INTEGER NOT NULL DEFAULT 0,
    rrn TEXT,
    auth_code TEXT,
    original_id INTEGER REFERENCES txns(id),
    created_ms INTEGER NOT NULL,
    local_date INTEGER NOT NULL,
    foreign_card INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS txns_by_key ON txns (tid, batch, stan);
CREATE INDEX IF NOT EXISTS txns_by_pan_day ON txns (pan, local_date);
CREATE INDEX IF NOT EXISTS txns_by_mid_time ON txns (mid, created_ms);
CREATE INDEX IF NOT EXISTS txns_by_rrn ON txns (rrn);
CREATE INDEX IF NOT EXISTS txns_by_auth_code ON txns (mid, auth_code);
-- A card's approved, unreversed requests per local day and kind: the daily count limit reads
-- this instead of counting the card's rows of the day on every request (kept by txns.rs,
-- recomputed from the rows by the invariant check).
CREATE TABLE IF NOT EXISTS card_days (
    pan TEXT NOT NULL,
    local_date INTEGER NOT NULL,
    kind TEXT NOT NULL,
    approved INTEGER NOT NULL,
    PRIMARY KEY (pan, local_date, kind)
) WITHOUT ROWID;
-- Money movements. Debit and hold are positive, credit and release negative;
-- `txn_id` made the movement, `anchor_id` is the transaction whose money it moves.
CREATE TABLE IF NOT EXISTS effects (
    id INTEGER PRIMARY KEY,
    pan TEXT NOT NULL,
    txn_id INTEGER NOT NULL REFERENCES txns(id),
    anchor_id INTEGER NOT NULL REFERENCES txns(id),
    kind TEXT NOT NULL,
    amount INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS effects_by_pan ON effects (pan);
CREATE INDEX IF NOT EXISTS effects_by_txn ON effects (txn_id);
CREATE INDEX IF NOT EXISTS effects_by_anchor ON effects (anchor_id);
CREATE TABLE IF NOT EXISTS batches (
    tid TEXT PRIMARY KEY,
    current INTEGER NOT NULL,
    uploading INTEGER NOT NULL DEFAULT 0,
    last_closed INTEGER
);
-- The answer to each request, for duplicates: same content gets the same bytes.
CREATE TABLE IF NOT EXISTS replies (
    tid TEXT NOT NULL,
    batch INTEGER NOT NULL,
    stan INTEGER NOT NULL,
    class TEXT NOT NULL,
    content BLOB NOT NULL,
    reply BLOB NOT NULL,
    PRIMARY KEY (tid, batch, stan, class)
);
-- Working keys of the last sign-in, kept as field 62 (under the TMK), never in clear.
CREATE TABLE IF NOT EXISTS sessions (
    tid TEXT PRIMARY KEY,
    key_mode TEXT NOT NULL,
    field62 BLOB NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS settlements (
    id INTEGER PRIMARY KEY,
    tid TEXT NOT NULL,
    batch INTEGER NOT NULL,
    terminal_totals TEXT NOT NULL,
    host_totals TEXT NOT NULL,
    balanced INTEGER NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS uploads (
    id INTEGER PRIMARY KEY,
    tid TEXT NOT NULL,
    batch INTEGER NOT NULL,
    item TEXT NOT NULL,
    stan INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    detail TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS flags (
    id INTEGER PRIMARY KEY,
    rule TEXT NOT NULL,
    mid TEXT NOT NULL,
    tid TEXT NOT NULL,
    pan TEXT,
    local_date INTEGER NOT NULL,
    detail TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
";

/// Creates the tables (idempotent), brings a version 1 file forward and checks the schema
/// version of an existing file.
pub(crate) fn migrate(conn: &Connection) -> Result<(), LedgerError> {
    conn.execute_batch(TABLES)?;
    conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?1)", params![SCHEMA_VERSION])?;
    let mut found: i64 = conn.query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| r.get(0))?;
    if found == 1 {
        // Version 2 added `card_days` (created empty above): filled from the rows, in one transaction.
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE;
             DELETE FROM card_days;
             INSERT INTO card_days (pan, local_date, kind, approved)
                 SELECT pan, local_date, kind, COUNT(*) FROM txns WHERE {COUNTED} GROUP BY pan, local_date, kind;
             UPDATE meta SET value = 2 WHERE key = 'schema';
             COMMIT;"
        ))?;
        found = 2;
    }
    if found != SCHEMA_VERSION {
        return Err(LedgerError::Corrupt(format!("schema version {found}, this build reads {SCHEMA_VERSION}")));
    }
    Ok(())
}

/// Inserts accounts not yet in the ledger; an existing account keeps its state (the file is the truth).
pub(crate) fn seed_accounts(conn: &Connection, accounts: &[AccountConfig]) -> Result<(), LedgerError> {
    let mut stmt = conn.prepare(
        "INSERT OR IGNORE INTO accounts (pan, kind, funds, status, pin, pin_tries, expiry, pin_required, available)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?3)",
    )?;
    for a in accounts {
        let funds = i64::try_from(a.funds).map_err(|_| LedgerError::Corrupt("funds out of range".into()))?;
        stmt.execute(params![
            a.pan,
            super::accounts::kind_db(a.kind),
            funds,
            super::accounts::status_db(a.status),
            a.pin,
            a.pin_tries_used,
            a.expiry,
            a.pin_required,
        ])?;
    }
    Ok(())
}

/// Gives each terminal its configured batch unless the ledger already tracks one.
pub(crate) fn seed_batches(conn: &Connection, terminals: &[TerminalProfile]) -> Result<(), LedgerError> {
    let mut stmt = conn.prepare("INSERT OR IGNORE INTO batches (tid, current) VALUES (?1, ?2)")?;
    for t in terminals {
        stmt.execute(params![t.tid.as_str(), t.batch])?;
    }
    Ok(())
}
