//! The host's ledger in SQLite: accounts, every transaction and money movement, batches.
//!
//! Writes happen only inside [`Ledger::transact`], one savepoint per request in a group
//! commit (`group`), so a request's rows, its effects and its stored answer commit together
//! or not at all, and are durable (`synchronous=FULL`) before the answer goes out.
//! The read methods are for tests, the admin port and the demo.

pub(crate) mod accounts;
pub(crate) mod batches;
pub(crate) mod effects;
mod group;
mod invariants;
pub(crate) mod monitoring;
pub(crate) mod replies;
pub mod rows;
mod schema;
pub(crate) mod sessions;
pub(crate) mod settlement_log;
pub(crate) mod txns;

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};

use pos_core::mask_pan_digits;
use rusqlite::{params, Connection, OptionalExtension};

use crate::config::{AccountConfig, TerminalProfile};
use crate::error::LedgerError;
pub use rows::{BatchState, Flag, Hold, RowKind, SettlementRecord, TxnRow, TxnStatus, UploadRecord};

/// The simulated issuer's and acquirer's books.
#[derive(Debug)]
pub struct Ledger {
    conn: group::GroupCommit,
    /// The exclusive lock on `<file>.lock` of a ledger on disk, held while the ledger is open.
    _owner: Option<File>,
}

/// Takes the exclusive OS lock on `<ledger>.lock` (writing this process's ID into it), so a
/// second simulator on the same file is refused instead of interleaving its writes.
fn lock_ledger(path: &str) -> Result<File, LedgerError> {
    let lock_path = format!("{path}.lock");
    let in_use = |pid| LedgerError::InUse { path: path.to_owned(), pid };
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(|e| LedgerError::Lock { path: lock_path.clone(), reason: e.to_string() })?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            return Err(in_use(text.trim().parse().ok()));
        }
        Err(TryLockError::Error(e)) => {
            return Err(LedgerError::Lock { path: lock_path, reason: e.to_string() });
        }
    }
    // The holder's ID is a courtesy for the error above; the lock is what protects the file.
    let _ = file.set_len(0).and_then(|()| file.write_all(std::process::id().to_string().as_bytes()));
    Ok(file)
}

impl Ledger {
    /// Opens (or creates) the ledger at `path`, in memory when `None`, and seeds it.
    pub(crate) fn open(
        path: Option<&str>,
        accounts: &[AccountConfig],
        terminals: &[TerminalProfile],
    ) -> Result<Ledger, LedgerError> {
        let mut owner = None;
        let conn = match path {
            None | Some(":memory:") => Connection::open_in_memory()?,
            Some(p) => {
                owner = Some(lock_ledger(p)?);
                let c = Connection::open(p)?;
                // WAL: readers (tests, admin port) never block the request path for long.
                // FULL: an answer goes out only once its rows are on the disk, as an
                // acquirer's must; the group commit shares that fsync among the requests
                // that arrive together.
                c.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
                c.execute_batch("PRAGMA synchronous = FULL;")?;
                // Each request of a group commit runs in a savepoint, whose journal of the pages
                // it changes stays in memory instead of spilling to a temporary file. Temporary
                // tables and sorts do too; the batch totals stream in index order instead of
                // sorting a whole batch (`txns::for_each_in_batch`).
                c.execute_batch("PRAGMA temp_store = MEMORY;")?;
                c
            }
        };
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch("PRAGMA foreign_keys = ON;")?;
        // Every statement of a request stays prepared: rusqlite keeps 16 by default, fewer than
        // one request uses, so each was parsed again every time.
        conn.set_prepared_statement_cache_capacity(256);
        // The query planner stability guarantee: a statement keeps its plan whatever is bound
        // to it. Without it SQLite prepared the reversal lookup of every request again at each
        // run (15 % of the host's time in a drain).
        conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
        schema::migrate(&conn)?;
        schema::seed_accounts(&conn, accounts)?;
        schema::seed_batches(&conn, terminals)?;
        Ok(Ledger { conn: group::GroupCommit::new(conn), _owner: owner })
    }

    fn lock(&self) -> group::ConnGuard<'_> {
        self.conn.lock()
    }

    /// Runs `f` for one request: its writes are kept when it succeeds and are durable when
    /// this returns (see `group`).
    pub(crate) fn transact<T, E: From<LedgerError>>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, E>,
    ) -> Result<T, E> {
        self.conn.transact(f)
    }

    /// Reads with the connection (no transaction).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T, LedgerError>) -> Result<T, LedgerError> {
        f(&self.lock())
    }

    /// Commits made since the ledger opened: against the requests answered, how well the
    /// group commit shares its fsyncs.
    pub fn commits(&self) -> u64 {
        self.conn.commits()
    }

    /// The card's available amount in fen, derived from the rows: funds minus every effect.
    pub fn available(&self, pan: &str) -> Result<i64, LedgerError> {
        let conn = self.lock();
        let funds: Option<i64> =
            conn.query_row("SELECT funds FROM accounts WHERE pan = ?1", params![pan], |r| r.get(0)).optional()?;
        let funds = funds.ok_or_else(|| LedgerError::UnknownAccount(mask_pan_digits(pan)))?;
        let spent: i64 =
            conn.query_row("SELECT COALESCE(SUM(amount), 0) FROM effects WHERE pan = ?1", params![pan], |r| r.get(0))?;
        Ok(funds - spent)
    }

    /// The pre-auth holds in force on a card.
    pub fn holds(&self, pan: &str) -> Result<Vec<Hold>, LedgerError> {
        let conn = self.lock();
        let mut out = Vec::new();
        let preauths = txns::all(&conn)?.into_iter().filter(|t| {
            t.pan.as_deref() == Some(pan)
                && t.row.kind == RowKind::Txn(pos_core::iso8583::TxnType::PreAuth)
                && t.row.status == TxnStatus::Approved
        });
        for t in preauths {
            let held = effects::held_on(&conn, t.row.id)?;
            if held > 0 {
                out.push(Hold {
                    preauth_id: t.row.id,
                    tid: t.row.tid,
                    batch: t.row.batch,
                    stan: t.row.stan,
                    auth_code: t.row.auth_code,
                    amount: held.unsigned_abs(),
                });
            }
        }
        Ok(out)
    }

    /// Every row of terminal `tid`, oldest first.
    pub fn transactions_for(&self, tid: &str) -> Result<Vec<TxnRow>, LedgerError> {
        txns::for_terminal(&self.lock(), tid)
    }

    /// Recomputes balances, holds, refunds and captures from the rows; `Err(Invariant)` lists what disagrees.
    pub fn check_invariants(&self) -> Result<(), LedgerError> {
        let problems = invariants::problems(&self.lock())?;
        if problems.is_empty() {
            Ok(())
        } else {
            Err(LedgerError::Invariant(problems))
        }
    }

    /// The host's batch for terminal `tid`.
    pub fn batch(&self, tid: &str) -> Result<Option<BatchState>, LedgerError> {
        batches::state(&self.lock(), tid)
    }

    /// The host's current batch number for terminal `tid`.
    pub fn current_batch(&self, tid: &str) -> Result<Option<u32>, LedgerError> {
        Ok(self.batch(tid)?.map(|b| b.current))
    }

    /// PIN tries used on a card.
    pub fn pin_tries(&self, pan: &str) -> Result<u8, LedgerError> {
        accounts::pin_tries(&self.lock(), pan)
    }

    /// Every monitoring flag, oldest first.
    pub fn flags(&self) -> Result<Vec<Flag>, LedgerError> {
        monitoring::all(&self.lock())
    }

    /// Settlements of terminal `tid`, oldest first.
    pub fn settlements(&self, tid: &str) -> Result<Vec<SettlementRecord>, LedgerError> {
        settlement_log::settlements(&self.lock(), tid)
    }

    /// Batch upload items of terminal `tid` for `batch`.
    pub fn uploads(&self, tid: &str, batch: u32) -> Result<Vec<UploadRecord>, LedgerError> {
        settlement_log::uploads(&self.lock(), tid, batch)
    }

    /// Masked PAN and available amount of the accounts whose PAN ends in `last4`.
    pub fn accounts_ending(&self, last4: &str) -> Result<Vec<(String, i64)>, LedgerError> {
        let all = accounts::all(&self.lock())?;
        let pans: Vec<String> =
            all.into_iter().map(|a| a.0).filter(|p| p.ends_with(last4) && !last4.is_empty()).collect();
        pans.iter().map(|p| Ok((mask_pan_digits(p), self.available(p)?))).collect()
    }
}
