//! The terminal's database: SQLite (WAL, synchronous=FULL) with versioned migrations.
//!
//! Holds the counters (STAN, batch, voucher), the signed-in session with the MAK
//! sealed under the platform [`KeyVault`], terminal settings, the journal (one row per
//! request with its outcome), the pending reversals armed with each reversible request,
//! and the queue of payments approved offline. Card data is kept only as a masked PAN
//! and a keyed fingerprint, plus the sealed (AES-256-GCM) messages a reversal or an
//! upload still needs, erased once the host has answered; no clear key reaches the file.

mod attention;
mod counters;
mod erase;
mod error;
mod history;
mod migrations;
mod offline_queue;
mod recovery;
mod repeat;
mod retention;
mod reversal;
pub(crate) mod risk;
pub(crate) mod salvage;
mod sealing;
mod session;
mod settings;
mod settlement;
mod tms;
mod txn;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

use crate::crypto::KeyVault;

/// Re-exported from `ids`, where they moved below the store.
pub use crate::ids::{TxnId, VoucherNo};
#[cfg(feature = "testkit")]
pub use crate::journal::TxnNumbers;
/// The rest of the store's types, for tests and benches (feature `testkit`).
#[cfg(feature = "testkit")]
pub use crate::journal::{scheme_key, scheme_of, type_of};
/// Re-exported from `journal`, where the plain records moved below the store.
pub use crate::journal::{
    type_name, HistoryStatus, OriginalRefs, QueueEntry, ReversalRecord, TxnRecord, TxnStatus, UploadState,
};
#[cfg(feature = "testkit")]
pub use error::SqliteFailure;
pub use error::StoreError;
pub use history::HistoryFilter;
#[cfg(feature = "testkit")]
pub use history::TxnPage;
pub(crate) use history::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
pub(crate) use offline_queue::{QueuedAdvice, UploadOutcome};
pub(crate) use recovery::Recovered;
#[cfg(feature = "testkit")]
pub use repeat::FollowUps;
pub(crate) use repeat::{DueRepeat, Guard};
pub use retention::{Purged, RetentionPolicy};
pub(crate) use reversal::DueReversal;
pub use salvage::{Salvage, SalvagedRow};
pub(crate) use session::NewSession;
pub use session::Session;
pub(crate) use settlement::UploadItemRow;
#[cfg(not(feature = "testkit"))]
pub(crate) use tms::TmsItem;
#[cfg(feature = "testkit")]
#[cfg(feature = "testkit")]
pub use tms::{StoredParams, TmsItem};
pub use tms::{TmsKind, TmsState};
pub use txn::NewTxn;
pub(crate) use txn::{Failure, HostAnswer, TxnLookup};

/// The terminal's persistent state. Cheap operations, each its own SQLite transaction.
pub struct Store {
    conn: Mutex<Connection>,
    vault: Arc<dyn KeyVault>,
    path: PathBuf,
    sealer: sealing::SealerCell,
}

impl Store {
    /// File name of the database inside the terminal's data directory.
    pub const FILE_NAME: &'static str = "pos.db";

    /// Opens (creating if absent) the database at `path` and migrates it.
    ///
    /// A file that is not a database, or is damaged, gives [`StoreError::Corrupt`]
    /// and is left exactly as found. Opening checks the small state tables in full
    /// (counters, session, settings, pending reversals...), not those that grow with the
    /// terminal's life (journal, queue, audits): SQLite reports a damaged page as corrupt
    /// whenever it reads one, and [`Store::integrity_check`] checks everything on demand.
    pub fn open(path: impl AsRef<Path>, vault: Arc<dyn KeyVault>, now: &str) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        let created = sibling(&path, CREATED_SUFFIX);
        let had_one = std::fs::read_to_string(&created).ok().map(|s| s.trim().to_owned());
        if let (Some(since), false) = (&had_one, path.is_file()) {
            return Err(StoreError::Lost { since: since.clone() });
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir)?;
        }
        create_private_file(&path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(&path, flags)?;
        // Reading the header first: on a foreign file this fails before anything is written.
        let _: i64 = conn.query_row("PRAGMA schema_version", [], |r| r.get(0))?;
        check_small_tables(&conn)?;
        // A new journal gets 2 KiB pages: a payment's commit writes one page for each b-tree it
        // touches (about ten), so smaller pages put half the bytes before the fsync. A journal
        // made with other pages keeps them (changing needs a VACUUM, which is not worth a risk).
        let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        if pages == 0 {
            conn.pragma_update(None, "page_size", PAGE_SIZE)?;
        }
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Open { reason: format!("journal mode {mode} instead of WAL") });
        }
        // FULL: a committed STAN or outcome survives power loss, which WAL's NORMAL does not promise.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Checkpoint when the WAL holds 4 MiB, SQLite's default size, whatever the page size.
        let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        conn.pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_BYTES / page_size.max(512))?;
        // Erased sealed card data is overwritten with zeros, not merely unlinked.
        conn.pragma_update(None, "secure_delete", "ON")?;
        conn.busy_timeout(Duration::from_secs(5))?;
        // Every statement the store runs stays prepared: rusqlite's default of 16 is fewer than
        // one sync uses, and each one evicted is parsed again on its next use.
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // The query planner stability guarantee: a statement keeps its plan whatever is bound
        // to it, instead of being prepared again when a bound value might change the plan.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
        let fresh: bool =
            conn.query_row("SELECT count(*) = 0 FROM sqlite_master WHERE name = 'schema_version'", [], |r| r.get(0))?;
        if let (true, Some(since)) = (fresh, had_one.clone()) {
            // Empty, where this terminal had a database: its WAL lost or cut before any
            // checkpoint, or the file replaced. Starting afresh would forget the day's payments.
            return Err(StoreError::Lost { since });
        }
        migrations::migrate(&mut conn, now)?;
        sealing::ensure_data_key(&mut conn, vault.as_ref())?;
        // A new database, or one from before the marker (or a crash between the migration
        // and the marker): from now on it is protected.
        if fresh || had_one.is_none() {
            write_created(&created, now)?;
        }
        Ok(Store { conn: Mutex::new(conn), vault, path, sealer: sealing::SealerCell::new() })
    }

    /// Opens an existing database read-only, beside its owner (WAL lets readers in).
    ///
    /// Creates nothing and migrates nothing: a missing file is [`StoreError::Missing`], one
    /// of an older schema [`StoreError::NeedsUpgrade`] (the owner upgrades it when it opens),
    /// and any write through this store fails as [`StoreError::ReadOnly`].
    pub fn open_read_only(path: impl AsRef<Path>, vault: Arc<dyn KeyVault>) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        if let Some(lost) = lost_database(&path) {
            return Err(lost);
        }
        if !path.is_file() {
            return Err(StoreError::Missing { path: path.display().to_string() });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&path, flags)?;
        let _: i64 = conn.query_row("PRAGMA schema_version", [], |r| r.get(0))?;
        check_small_tables(&conn)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
        conn.pragma_update(None, "query_only", "ON")?;
        let found = migrations::current_version(&conn)?;
        let latest = migrations::latest();
        if found > latest {
            return Err(StoreError::TooNew { found, supported: latest });
        }
        if found < latest {
            return Err(StoreError::NeedsUpgrade { found, latest });
        }
        Ok(Store { conn: Mutex::new(conn), vault, path, sealer: sealing::SealerCell::new() })
    }

    /// Runs SQLite's full `integrity_check` (the journal included): `Ok` or [`StoreError::Corrupt`].
    pub fn integrity_check(&self) -> Result<(), StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare("PRAGMA integrity_check")?;
        let lines: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        if lines.len() == 1 && lines[0] == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt { detail: lines.join("; ") })
        }
    }

    #[cfg(any(test, feature = "testkit"))]
    /// Caps the database at `pages` pages (`None`: no cap beyond SQLite's own).
    ///
    /// A write that would grow the file further fails as [`StoreError::DiskFull`]: what a
    /// full disk does, so the same path is exercised by tests and by deployments that
    /// keep the journal from filling the phone.
    pub fn set_page_limit(&self, pages: Option<u32>) -> Result<u32, StoreError> {
        let conn = self.lock();
        let limit = pages.map(i64::from).unwrap_or(i64::from(u32::MAX) * 4);
        Ok(conn.query_row(&format!("PRAGMA max_page_count = {limit}"), [], |r| r.get(0))?)
    }

    #[cfg(any(test, feature = "testkit"))]
    /// Weakens durability to WAL's `synchronous=NORMAL` (commits not synced until a
    /// checkpoint): only for the power-loss harness, to measure what FULL saves.
    pub fn set_synchronous_normal(&self) -> Result<(), StoreError> {
        Ok(self.lock().pragma_update(None, "synchronous", "NORMAL")?)
    }

    #[cfg(any(test, feature = "testkit"))]
    /// Pages in use now.
    pub fn page_count(&self) -> Result<u32, StoreError> {
        Ok(self.lock().query_row("PRAGMA page_count", [], |r| r.get(0))?)
    }

    #[cfg(any(test, feature = "testkit"))]
    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    #[cfg(any(test, feature = "testkit"))]
    /// The schema version in force.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        migrations::current_version(&self.lock())
    }

    #[cfg(any(test, feature = "testkit"))]
    /// The newest schema version this build knows.
    pub fn latest_schema_version() -> u32 {
        migrations::latest()
    }

    #[cfg(feature = "testkit")]
    /// Benches only: commits stop waiting for the disk (`synchronous=OFF`), to time the work
    /// around the fsync on its own. Never on a terminal's journal.
    pub fn without_fsync_for_bench(&self) -> Result<(), StoreError> {
        Ok(self.lock().pragma_update(None, "synchronous", "OFF")?)
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic elsewhere while holding the lock cannot leave SQLite half-written:
        // uncommitted transactions roll back when dropped.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Creates `dir` (and its parents) if absent; the terminal's own directory is the owner's
/// alone (0700 on Unix), since it holds the journal and the sealed keys.
pub(crate) fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    let fail = |e: std::io::Error| StoreError::Open { reason: format!("{}: {e}", dir.display()) };
    std::fs::create_dir_all(dir).map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(fail)?;
    }
    Ok(())
}

/// Creates the database file empty with mode 0600 when absent (SQLite gives its `-wal` and
/// `-shm` files the database's mode), and narrows an existing one to 0600.
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    let fail = |e: std::io::Error| StoreError::Open { reason: format!("{}: {e}", path.display()) };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for p in [path.to_path_buf(), wal_sibling(path, "-wal"), wal_sibling(path, "-shm")] {
            if p.exists() {
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).map_err(fail)?;
            }
        }
    }
    Ok(())
}

/// `pos.db-wal`, `pos.db-shm`.
#[cfg(unix)]
fn wal_sibling(path: &Path, suffix: &str) -> PathBuf {
    sibling(path, suffix)
}

/// `pos.db` + `suffix`.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Prepared statements kept per connection (the store has about 150 distinct ones).
pub(crate) const STATEMENT_CACHE: usize = 256;
/// The page size of a new journal (docs/performance.md: bytes per payment's commit).
const PAGE_SIZE: i64 = 2048;
/// The WAL's size at which a commit checkpoints it (SQLite's default of 1,000 4 KiB pages).
const WAL_CHECKPOINT_BYTES: i64 = 4 * 1024 * 1024;

/// `pos.db-created`: written (and synced) once, when the database is created. A database
/// found empty or missing beside it has lost its contents ([`StoreError::Lost`]), where
/// without it the terminal would start afresh and forget the day's payments. Removing it is
/// the deliberate way to start afresh (docs/reliability.md).
pub const CREATED_SUFFIX: &str = "-created";

/// Whether a terminal has had a database at `path` (the file, or its `pos.db-created` marker).
pub(crate) fn had_database(path: &Path) -> bool {
    path.is_file() || sibling(path, CREATED_SUFFIX).is_file()
}

/// [`StoreError::Lost`] when the marker says this terminal had a database at `path` and it is
/// missing or holds no schema; read-only, nothing created.
pub(crate) fn lost_database(path: &Path) -> Option<StoreError> {
    let since = std::fs::read_to_string(sibling(path, CREATED_SUFFIX)).ok()?.trim().to_owned();
    if !path.is_file() {
        return Some(StoreError::Lost { since });
    }
    let conn =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX).ok()?;
    let empty: bool = conn
        .query_row("SELECT count(*) = 0 FROM sqlite_master WHERE name = 'schema_version'", [], |r| r.get(0))
        .ok()?;
    empty.then_some(StoreError::Lost { since })
}

fn write_created(marker: &Path, now: &str) -> Result<(), StoreError> {
    use std::io::Write;
    let fail = |e: std::io::Error| StoreError::Open { reason: format!("{}: {e}", marker.display()) };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(marker).map_err(fail)?;
    f.write_all(format!("{now}\n").as_bytes()).map_err(fail)?;
    f.sync_all().map_err(fail)?;
    // The directory entry too, or a power cut could keep the database and lose the marker.
    #[cfg(unix)]
    if let Some(dir) = marker.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(fail)?;
    }
    Ok(())
}

/// The tables every payment depends on whose size does not grow with the terminal's history:
/// checked in full at every open. History tables (the journal, the offline queue, audits,
/// uploads) are left to [`Store::integrity_check`] and to SQLite's check of each page it reads.
const CHECKED_AT_OPEN: [&str; 7] =
    ["schema_version", "counters", "settings", "data_key", "session", "reversal", "repeat"];

/// `quick_check` of the small state tables that exist (a fresh file has none yet).
fn check_small_tables(conn: &Connection) -> Result<(), StoreError> {
    let mut stmt = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?;
    let tables: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    for table in tables.iter().filter(|t| CHECKED_AT_OPEN.contains(&t.as_str())) {
        let check: String = conn.query_row(&format!("PRAGMA quick_check(\"{table}\")"), [], |r| r.get(0))?;
        if check != "ok" {
            return Err(StoreError::Corrupt { detail: format!("{table}: {check}") });
        }
    }
    Ok(())
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod journal_tests;
#[cfg(test)]
pub(crate) mod tests;
