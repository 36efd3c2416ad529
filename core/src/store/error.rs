//! Why the terminal's database could not do what was asked.

use std::sync::Arc;

use thiserror::Error;

use crate::crypto::CryptoError;
use crate::i18n::Bilingual;

/// A storage failure. A corrupt or unreadable database is reported, never overwritten.
// Internal: it reaches the public API only as the `#[source]` of `pos_core::Error::Storage`
// (through `From`), which is where callers meet it.
#[allow(unnameable_types)]
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StoreError {
    /// The database file or its directory cannot be opened or created.
    #[error("cannot open the database: {reason}")]
    Open {
        /// The operating system's or SQLite's reason.
        reason: String,
    },
    /// The file is not a database, or SQLite found it damaged.
    #[error("the database is corrupt: {detail}")]
    Corrupt {
        /// What SQLite reported.
        detail: String,
    },
    /// The database is empty or missing where this terminal had one (a lost or truncated
    /// write-ahead log, a deleted or replaced file): nothing was written.
    #[error("the database lost its contents (this terminal has had one since {since})")]
    Lost {
        /// When the lost database was created (the marker's time).
        since: String,
    },
    /// The database was written by a newer version of the app.
    #[error("database schema version {found} is newer than this app supports ({supported})")]
    TooNew {
        /// The version in the file.
        found: u32,
        /// The latest this build knows.
        supported: u32,
    },
    /// The disk is full: nothing was written.
    #[error("the disk is full")]
    DiskFull,
    /// A write failed for another reason than a full disk (a file-size limit, failing
    /// storage): nothing was written.
    #[error("the storage could not be written (full, or failing)")]
    WriteFailed,
    /// The disk filled up (or failed) between sending a payment and recording the host's answer: the
    /// payment is left unconfirmed, its reversal due.
    #[error("the disk is full: the host's answer could not be recorded")]
    AnswerUnrecorded,
    /// Any other SQLite failure (SQLite's error is the source).
    #[error("database error: {0}")]
    Sqlite(#[source] SqliteFailure),
    /// A stored value does not parse (the row was altered outside the app).
    #[error("unreadable value in {table}.{column}")]
    BadValue {
        /// Table.
        table: &'static str,
        /// Column.
        column: &'static str,
    },
    /// Sealing or opening a key at rest failed (vault key lost or data altered).
    #[error("sealed key: {0}")]
    Sealing(#[source] CryptoError),
    /// Every STAN of the batch is used: settle before transacting again.
    #[error("no unused STAN left in batch {batch}")]
    BatchFull {
        /// The batch.
        batch: u32,
    },
    /// No terminal database where one was expected (a read-only view of a mistyped directory).
    #[error("no terminal database at {path}")]
    Missing {
        /// The path looked at.
        path: String,
    },
    /// A read-only view found a schema older than this build's: the owner upgrades it on open.
    #[error("database schema version {found} is older than this app's ({latest})")]
    NeedsUpgrade {
        /// The version in the file.
        found: u32,
        /// The version this build writes.
        latest: u32,
    },
    /// A write through a read-only store (a view): nothing was written.
    #[error("the database is open read-only")]
    ReadOnly,
    /// A transaction row that should exist does not.
    #[error("transaction {0} not found")]
    MissingTxn(i64),
}

/// A SQLite error kept whole (shared, so that [`StoreError`] stays `Clone`); equal by message.
#[allow(unnameable_types)] // reached only as a source, like StoreError
#[derive(Debug, Clone)]
pub struct SqliteFailure(Arc<rusqlite::Error>);

impl SqliteFailure {
    /// A failure SQLite would report, with our own message (e.g. a check done in SQL).
    pub(crate) fn constraint(message: String) -> SqliteFailure {
        let code = rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT);
        SqliteFailure(Arc::new(rusqlite::Error::SqliteFailure(code, Some(message))))
    }

    /// SQLite's error.
    pub fn sqlite(&self) -> &rusqlite::Error {
        &self.0
    }
}

impl PartialEq for SqliteFailure {
    fn eq(&self, other: &SqliteFailure) -> bool {
        self.0.to_string() == other.0.to_string()
    }
}

impl Eq for SqliteFailure {}

impl std::fmt::Display for SqliteFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::error::Error for SqliteFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}

impl StoreError {
    /// Classifies a SQLite error.
    pub(crate) fn sqlite(e: rusqlite::Error) -> StoreError {
        use rusqlite::ErrorCode as C;
        match e.sqlite_error_code() {
            Some(C::NotADatabase | C::DatabaseCorrupt) => StoreError::Corrupt { detail: e.to_string() },
            Some(C::DiskFull) => StoreError::DiskFull,
            // A write or truncate that failed for another reason than ENOSPC (SQLite's
            // SQLITE_FULL): a file-size limit (EFBIG) or failing storage (EIO). Nothing was
            // committed, as with a full disk; the operator is told both causes.
            Some(C::SystemIoFailure) if write_failed(&e) => StoreError::WriteFailed,
            // The WAL index could not grow: no room for it.
            Some(C::SystemIoFailure) if shm_full(&e) => StoreError::DiskFull,
            Some(C::ReadOnly) => StoreError::ReadOnly,
            Some(C::CannotOpen | C::PermissionDenied) => StoreError::Open { reason: e.to_string() },
            _ => StoreError::Sqlite(SqliteFailure(Arc::new(e))),
        }
    }
}

/// Whether `e` is SQLite failing to write or truncate a file (not to read or sync one).
fn write_failed(e: &rusqlite::Error) -> bool {
    use rusqlite::ffi;
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.extended_code, ffi::SQLITE_IOERR_WRITE | ffi::SQLITE_IOERR_TRUNCATE)
    )
}

/// Whether `e` is SQLite failing to grow the WAL index (shared memory).
fn shm_full(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_IOERR_SHMSIZE)
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::sqlite(e)
    }
}

impl Bilingual for StoreError {
    fn zh(&self) -> String {
        match self {
            StoreError::Open { .. } => "无法打开交易数据库".into(),
            StoreError::Corrupt { .. } => "交易数据库已损坏，请联系技术支持（数据已保留）".into(),
            StoreError::Lost { since } => format!(
                "交易数据库内容已丢失（本终端自 {since} 起使用的数据库现为空或缺失），未写入任何内容。\
                 请勿继续收款，联系技术支持按收单机构的记录核对本批次"
            ),
            StoreError::TooNew { .. } => "交易数据库版本过新，请升级应用".into(),
            StoreError::DiskFull => "存储空间已满，暂停新交易；已保存的交易不受影响，请清理手机存储后重试".into(),
            StoreError::WriteFailed => "无法写入手机存储（空间已满或存储故障），本笔未保存；已保存的交易不受影响。\
                 请清理存储空间或重启手机后重试"
                .into(),
            StoreError::AnswerUnrecorded => {
                "无法写入手机存储（空间已满或存储故障），本笔交易结果无法保存，交易未完成；\
                 如已扣款，将自动冲正。请清理存储空间或重启手机后重试"
                    .into()
            }
            StoreError::Sqlite(_) => "交易数据库错误".into(),
            StoreError::BadValue { table, column } => format!("交易数据库数据异常（{table}.{column}）"),
            StoreError::Sealing(e) => format!("密钥存储异常：{}", e.zh()),
            StoreError::BatchFull { .. } => "本批次流水号已用完，请先结算".into(),
            StoreError::MissingTxn(_) => "找不到交易记录".into(),
            StoreError::Missing { path } => format!("{path} 处没有终端数据库：请检查数据目录是否正确"),
            StoreError::NeedsUpgrade { .. } => "交易数据库需由新版本终端打开一次完成升级后，才能只读查看".into(),
            StoreError::ReadOnly => "数据库以只读方式打开，未写入任何内容".into(),
        }
    }

    fn en(&self) -> String {
        match self {
            StoreError::Open { reason } => format!("Cannot open the transaction database: {reason}"),
            StoreError::Corrupt { .. } => {
                "The transaction database is corrupt: call support (the data has been kept)".into()
            }
            StoreError::Lost { since } => format!(
                "The transaction database has lost its contents (this terminal's database since {since} is now \
                 empty or missing); nothing was written. Take no payments: call support to reconcile this batch \
                 with the acquirer's records"
            ),
            StoreError::TooNew { .. } => "The transaction database is from a newer app: update the app".into(),
            StoreError::DiskFull => {
                "Storage is full: no new payments until space is freed; the payments already stored are safe".into()
            }
            StoreError::WriteFailed => "The phone's storage could not be written (full, or failing): nothing was \
                 stored; the payments already stored are safe. Free up storage or restart the phone, then try again"
                .into(),
            StoreError::AnswerUnrecorded => "The phone's storage could not be written (full, or failing): this \
                 payment's result could not be saved, so it did not complete; if the card was charged, that is \
                 reversed automatically. Free up storage or restart the phone, then try again"
                .into(),
            StoreError::Sqlite(m) => format!("Transaction database error: {m}"),
            StoreError::BadValue { table, column } => format!("Unreadable stored value ({table}.{column})"),
            StoreError::Sealing(e) => format!("Key storage failed: {}", e.en()),
            StoreError::BatchFull { .. } => "No STAN left in this batch: settle first".into(),
            StoreError::MissingTxn(id) => format!("Transaction record {id} not found"),
            StoreError::Missing { path } => format!("No terminal database at {path}: check the data directory"),
            StoreError::NeedsUpgrade { .. } => {
                "The transaction database must be opened once by the terminal itself (to upgrade it) before a \
                 read-only view can read it"
                    .into()
            }
            StoreError::ReadOnly => "The database is open read-only: nothing was written".into(),
        }
    }
}
