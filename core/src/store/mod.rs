//! The terminal's database: SQLite (WAL, synchronous=FULL) with versioned migrations.
//!
//! Holds the counters (STAN, batch, voucher), the signed-in session with the MAK
//! sealed under the platform [`KeyVault`], terminal settings, and one row per
//! online request with its outcome. Card data is kept only as a masked PAN and a
//! keyed fingerprint; no clear key ever reaches the file.

mod counters;
mod error;
mod migrations;
mod session;
mod settings;
mod txn;
mod voucher;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::crypto::KeyVault;

pub use counters::TxnNumbers;
pub use error::StoreError;
pub use session::{NewSession, Session};
pub use txn::{HostAnswer, NewTxn, OriginalRefs, TxnId, TxnLookup, TxnRecord, TxnStatus};
pub use voucher::VoucherNo;

/// The terminal's persistent state. Cheap operations, each its own SQLite transaction.
pub struct Store {
    conn: Mutex<Connection>,
    vault: Arc<dyn KeyVault>,
    path: PathBuf,
}

impl Store {
    /// File name of the database inside the terminal's data directory.
    pub const FILE_NAME: &'static str = "pos.db";

    /// Opens (creating if absent) the database at `path` and migrates it.
    ///
    /// A file that is not a database, or is damaged, gives [`StoreError::Corrupt`]
    /// and is left exactly as found.
    pub fn open(path: impl AsRef<Path>, vault: Arc<dyn KeyVault>, now: &str) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Open { reason: e.to_string() })?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(&path, flags)?;
        // Reading the header first: on a foreign file this fails before anything is written.
        let _: i64 = conn.query_row("PRAGMA schema_version", [], |r| r.get(0))?;
        let check: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        if check != "ok" {
            return Err(StoreError::Corrupt { detail: check });
        }
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Open { reason: format!("journal mode {mode} instead of WAL") });
        }
        // FULL: a committed STAN or outcome survives power loss, which WAL's NORMAL does not promise.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(Duration::from_secs(5))?;
        migrations::migrate(&mut conn, now)?;
        Ok(Store { conn: Mutex::new(conn), vault, path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version in force.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        migrations::current_version(&self.lock())
    }

    /// The newest schema version this build knows.
    pub fn latest_schema_version() -> u32 {
        migrations::latest()
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic elsewhere while holding the lock cannot leave SQLite half-written:
        // uncommitted transactions roll back when dropped.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish_non_exhaustive()
    }
}

#[cfg(test)]
pub(crate) mod tests;
