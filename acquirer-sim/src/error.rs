//! Errors of the simulator: configuration, start-up and the ledger.

use std::net::SocketAddr;

use thiserror::Error;

/// Why a configuration cannot be used; every message names the offending entry.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("cannot read config file {path}: {reason}")]
    Read {
        /// The path given.
        path: String,
        /// What the OS said.
        reason: String,
    },
    /// The text is not JSON of the expected shape.
    #[error("config is not valid: {0}")]
    Json(String),
    /// A TMK that is not hexadecimal.
    #[error("terminal {tid}: TMK is not hexadecimal")]
    BadHex {
        /// The terminal.
        tid: String,
    },
    /// A TMK of a length DES cannot use.
    #[error("terminal {tid}: TMK of {len} bytes (expected 8, 16 or 24)")]
    BadKeyLength {
        /// The terminal.
        tid: String,
        /// Bytes given.
        len: usize,
    },
    /// The same terminal ID twice.
    #[error("terminal {tid} is listed twice")]
    DuplicateTid {
        /// The terminal.
        tid: String,
    },
    /// A terminal ID that field 41 cannot carry.
    #[error("terminal ID {tid:?}: expected 8 printable ASCII characters")]
    BadTid {
        /// What was given.
        tid: String,
    },
    /// A merchant ID that field 42 cannot carry.
    #[error("terminal {tid}: merchant ID {mid:?}: expected 15 printable ASCII characters")]
    BadMid {
        /// The terminal.
        tid: String,
        /// What was given.
        mid: String,
    },
    /// A batch number outside 1..=999999.
    #[error("terminal {tid}: batch {batch} outside 1..=999999")]
    BadBatch {
        /// The terminal.
        tid: String,
        /// What was given.
        batch: u32,
    },
    /// An account entry that cannot be used (the PAN is shown masked).
    #[error("account {pan}: {reason}")]
    BadAccount {
        /// Masked PAN.
        pan: String,
        /// What is wrong.
        reason: String,
    },
    /// The same PAN twice.
    #[error("account {pan} is listed twice")]
    DuplicateAccount {
        /// Masked PAN.
        pan: String,
    },
    /// A listen address that does not parse.
    #[error("{what}: {value:?} is not a socket address (host:port)")]
    BadAddress {
        /// Which setting.
        what: &'static str,
        /// What was given.
        value: String,
    },
    /// The admin port must stay on loopback: it changes the host's behaviour.
    #[error("admin address {0} is not a loopback address")]
    AdminNotLoopback(SocketAddr),
    /// A limit or rule parameter out of range.
    #[error("{what}: {reason}")]
    BadSetting {
        /// Which setting.
        what: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// A ledger failure: storage, an unknown account, or broken invariants.
#[derive(Debug, Error)]
pub enum LedgerError {
    /// SQLite failed.
    #[error("ledger storage: {0}")]
    Storage(#[from] rusqlite::Error),
    /// No account with that PAN (shown masked).
    #[error("no account {0}")]
    UnknownAccount(String),
    /// A stored value the ledger cannot read back.
    #[error("ledger data is corrupt: {0}")]
    Corrupt(String),
    /// The commit of a group of requests failed (SQLite's reason): none of them was recorded.
    #[error("ledger commit failed: {0}")]
    CommitFailed(String),
    /// Balances or states recomputed from rows disagree with what is stored.
    #[error("ledger invariants broken: {}", .0.join("; "))]
    Invariant(Vec<String>),
    /// The lock file next to the ledger could not be opened or locked.
    #[error("cannot lock the ledger with {path}: {reason}")]
    Lock {
        /// The lock file.
        path: String,
        /// What the OS said.
        reason: String,
    },
    /// Another simulator holds the ledger file (its lock file is locked); nothing was opened.
    #[error("the ledger {path} is in use by {}", .pid.map_or_else(|| "another simulator".to_owned(), |p| format!("process {p}")))]
    InUse {
        /// The ledger file.
        path: String,
        /// The process holding it, when its lock file says.
        pid: Option<u32>,
    },
}

/// Why the simulator could not start or stop cleanly.
#[derive(Debug, Error)]
pub enum SimError {
    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The ledger could not be opened or seeded.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// A listening socket could not be bound.
    #[error("cannot listen on {addr}: {reason}")]
    Bind {
        /// The address.
        addr: String,
        /// What the OS said.
        reason: String,
        /// Whether the address is taken (another server listens there).
        in_use: bool,
    },
    /// The TLS side (CA, server certificate) could not be set up.
    #[error("cannot set up TLS: {0}")]
    Tls(String),
}
