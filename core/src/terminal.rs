//! The terminal facade the shell drives: one [`Terminal`] per device.
//!
//! It asks the reader for card data, keeps its numbers and outcomes in the journal,
//! talks to the acquirer, reverses what may have reached the host unanswered, approves
//! offline within the merchant's limits and forwards the stored payments when the host
//! is back. Platform capabilities come in as traits and calls: the
//! [`KeyVault`](crate::crypto::KeyVault) sealing keys at rest, the
//! [`CardReader`](crate::reader::CardReader), the [`Clock`] and connectivity events
//! ([`Terminal::set_connectivity`]).

mod background;
mod config;
mod connectivity;
mod crash_point;
mod day_end;
mod exchange;
mod history;
mod offline;
mod original;
mod owner;
mod params;
mod payments;
mod printing;
mod provisioning;
mod records;
mod repeats;
mod reversals;
mod risk_gate;
mod session;
mod settlement;
mod sync;
mod tamper;
mod tms;

#[cfg(test)]
mod tests;

use crate::error::Error;
use std::path::Path;
use std::sync::Arc;

use tokio::sync::{broadcast, Mutex, Notify};

use crate::acquirer::AcquirerClient;
use crate::crypto::KeyVault;
use crate::iso8583::BatchNo;
use crate::offline::Connectivity;
use crate::reader::CardReader;
use crate::store::Store;

// The clock is a crate-wide capability; re-exported here because the facade takes one.
pub use crate::clock::{CivilTime, Clock, ManualClock, SystemClock, Timestamp, CHINA_UTC_OFFSET_SECS};
pub(crate) use crate::error::TerminalError;
/// Re-exported from `outcome`, which sits below the receipts that print them.
pub use crate::outcome::{AdminOp, AdminOutcome, TxnOutcome};
pub use crate::reversal::{Attention, AttentionKind};
pub use crate::store::{TmsKind, TmsState};
pub use crate::sync::{SyncEvent, SyncReport, SyncStop};
pub use background::SyncTask;
pub use config::PinPolicy;
pub use config::TerminalConfig;
pub use history::{HistoryItem, HistoryPage, ReprintTarget};
pub use original::OriginalRef;
pub use owner::LOCK_FILE;
pub use params::ParamsReport;
pub use printing::SlipRun;
pub use risk_gate::{RiskConfirmer, RiskWarning};
pub use tms::DownloadReport;

/// The settings key recording which terminal the data directory belongs to.
const TID_SETTING: &str = "terminal.tid";

/// Events buffered for slow listeners before the oldest are dropped.
const EVENT_BUFFER: usize = 1024;

/// The payment terminal: sign-in, payments and their records.
pub struct Terminal {
    config: TerminalConfig,
    store: Store,
    reader: Arc<dyn CardReader>,
    clock: Arc<dyn Clock>,
    acquirer: AcquirerClient,
    connectivity: Connectivity,
    events: broadcast::Sender<SyncEvent>,
    /// Wakes the background sync (connectivity returned, sign-in, "sync now").
    wakeup: Arc<Notify>,
    /// One sender of reversals at a time, so a reversal is never in flight twice.
    reversing: Mutex<()>,
    /// One sync at a time.
    syncing: Mutex<()>,
    /// The risk policy in force.
    risk: crate::risk::RiskState,
    /// Who decides on a risk warning while the card is still held (none: the warning ends the
    /// payment with its confirmation token).
    risk_confirmer: std::sync::Mutex<Option<Arc<dyn RiskConfirmer>>>,
    /// The card blacklist in force, loaded from the journal at its first use and replaced
    /// when a download is applied.
    blacklist: std::sync::Mutex<Option<Arc<crate::tms::blacklist::Blacklist>>>,
    /// Whether the reader holds the CA public keys and IC parameters in force (handed to it
    /// before the first card read, and again after a download applies new ones).
    chip_loaded: std::sync::atomic::AtomicBool,
    /// Owner of the data directory (holding its lock) or a read-only view.
    access: owner::Access,
}

impl Terminal {
    /// Opens the terminal whose data lives in `data_dir` (created if absent), as its one owner.
    ///
    /// The process takes the data directory's exclusive lock first and keeps it until the
    /// terminal is dropped; a second opener, in this process or another, gets
    /// [`Error::InUse`] and changes nothing. Opening touches no network. It settles
    /// locally what a crash left half done (requests left pending become failed with their
    /// reversal due; uploads in flight go back to stored); [`Terminal::recover`] then sends
    /// what is owed. If the directory held another terminal's session, that session is
    /// dropped: its keys are not this terminal's.
    pub fn open(
        data_dir: impl AsRef<Path>,
        config: TerminalConfig,
        vault: Arc<dyn KeyVault>,
        reader: Arc<dyn CardReader>,
        clock: Arc<dyn Clock>,
    ) -> Result<Terminal, Error> {
        let dir = data_dir.as_ref();
        crate::store::create_private_dir(dir)?;
        // Recovery below must never run beside a live owner: it would take that owner's
        // request in flight for an interrupted one and reverse it.
        let lock = owner::DirLock::acquire(dir)?;
        let store = Store::open(dir.join(Store::FILE_NAME), vault, &clock.now().to_string())?;
        if store.setting(TID_SETTING)?.as_deref() != Some(config.tid.as_str()) {
            store.clear_session()?;
            store.set_setting(TID_SETTING, config.tid.as_str())?;
        }
        let recovered = store.recover(&clock.now().to_string())?;
        if recovered != crate::store::Recovered::default() {
            tracing::warn!(
                interrupted = recovered.interrupted,
                reversals_due = recovered.reversals_due,
                uploads_released = recovered.uploads_released,
                "recovered what the last run left unfinished"
            );
        }
        let config = params::with_stored(config, &store)?;
        let terminal = Terminal::assemble(config, store, reader, clock, owner::Access::Owner(lock));
        terminal.apply_offline_switch()?;
        Ok(terminal)
    }

    /// Whether `data_dir` holds a terminal (its journal, or the mark of one since lost), without
    /// opening anything.
    pub fn exists(data_dir: impl AsRef<Path>) -> bool {
        crate::store::had_database(&data_dir.as_ref().join(Store::FILE_NAME))
    }

    /// Reads what can still be read of the journal in `data_dir` when its database is damaged
    /// (read-only; the file is never changed): the way out documented in docs/reliability.md.
    pub fn salvage_journal(data_dir: impl AsRef<Path>) -> Result<crate::store::Salvage, Error> {
        Ok(crate::store::salvage::salvage(&data_dir.as_ref().join(Store::FILE_NAME))?)
    }

    /// Creates `data_dir` for a terminal's data, private to this user (0700 on Unix).
    pub fn create_data_dir(data_dir: impl AsRef<Path>) -> Result<(), Error> {
        Ok(crate::store::create_private_dir(data_dir.as_ref())?)
    }

    /// Opens a read-only view of the terminal in `data_dir`, beside its owner if one runs.
    ///
    /// For history, reports, the queue and reprint previews: the database is opened
    /// read-only, no recovery runs, no lock is taken, and every operation that would write,
    /// read a card or send is refused with [`Error::ReadOnly`]. A directory without a
    /// terminal database is an error, never a new terminal.
    pub fn open_read_only(
        data_dir: impl AsRef<Path>,
        config: TerminalConfig,
        vault: Arc<dyn KeyVault>,
        clock: Arc<dyn Clock>,
    ) -> Result<Terminal, Error> {
        let store = Store::open_read_only(data_dir.as_ref().join(Store::FILE_NAME), vault)?;
        let config = params::with_stored(config, &store)?;
        let view = Terminal::assemble(config, store, Arc::new(owner::NoReader), clock, owner::Access::ReadOnly);
        view.apply_offline_switch()?;
        Ok(view)
    }

    fn assemble(
        config: TerminalConfig,
        store: Store,
        reader: Arc<dyn CardReader>,
        clock: Arc<dyn Clock>,
        access: owner::Access,
    ) -> Terminal {
        let acquirer = AcquirerClient::new(config.acquirer());
        Terminal {
            config,
            store,
            reader,
            clock,
            acquirer,
            connectivity: Connectivity::default(),
            events: broadcast::channel(EVENT_BUFFER).0,
            wakeup: Arc::new(Notify::new()),
            reversing: Mutex::new(()),
            syncing: Mutex::new(()),
            risk: Default::default(),
            risk_confirmer: std::sync::Mutex::new(None),
            blacklist: std::sync::Mutex::new(None),
            chip_loaded: std::sync::atomic::AtomicBool::new(false),
            access,
        }
    }

    /// Runs store work without holding up an async worker. Commits here are durable
    /// (`synchronous=FULL`: an fsync each), and on a two-worker runtime (the bindings', the
    /// CLI's) a commit on a worker stalls every task queued behind it: events, the reader,
    /// the background sync. On a multi-threaded runtime the work goes through
    /// `tokio::task::block_in_place`, which hands the worker's other tasks to another thread
    /// while this one waits on the disk; unlike `spawn_blocking` the closure may borrow, so a
    /// request built inside the journal's transaction stays what it is. On a current-thread
    /// runtime (the tests on paused time) or outside any runtime it runs inline, where nothing
    /// else could run meanwhile anyway.
    pub(crate) fn db<T>(&self, work: impl FnOnce(&Store) -> T) -> T {
        blocking(|| work(&self.store))
    }

    /// Whether this is a read-only view (see [`Terminal::open_read_only`]).
    pub(crate) fn is_read_only(&self) -> bool {
        matches!(self.access, owner::Access::ReadOnly)
    }

    /// `Ok` for the owner; a read-only view refuses `what` before anything starts.
    pub(crate) fn owner(&self, what: &'static str) -> Result<(), TerminalError> {
        match &self.access {
            owner::Access::Owner(lock) => {
                tracing::trace!(lock = %lock.path().display(), what, "owner");
                Ok(())
            }
            owner::Access::ReadOnly => Err(TerminalError::ReadOnly { what }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &TerminalConfig {
        &self.config
    }

    /// How the acquirer link is carried. Front ends show [`Transport::PlainTcp`] as
    /// "未加密链路 / unencrypted link" (its [`crate::Bilingual`] text) wherever the host is shown.
    pub fn transport(&self) -> &crate::acquirer::Transport {
        &self.config.transport
    }

    /// False when the acquirer link is provisioned as plain TCP.
    pub fn link_encrypted(&self) -> bool {
        self.config.transport.is_encrypted()
    }

    /// The store itself, for tests only (feature `testkit`): front ends use the named reads.
    #[cfg(any(test, feature = "testkit"))]
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Whether a sign-in is in force.
    pub fn is_signed_in(&self) -> Result<bool, Error> {
        Ok(self.store.session()?.is_some_and(|s| s.tid == self.config.tid))
    }

    /// The current batch number.
    pub fn batch(&self) -> Result<BatchNo, Error> {
        Ok(self.store.batch()?)
    }

    /// Closes the acquirer connection (the next request reconnects).
    pub async fn disconnect(&self) {
        self.acquirer.disconnect().await;
    }
}

impl std::fmt::Debug for Terminal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Terminal").field("tid", &self.config.tid).field("store", &self.store).finish_non_exhaustive()
    }
}

/// Runs `work` where blocking is allowed (see [`Terminal::db`]).
pub(crate) fn blocking<T>(work: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(work),
        _ => work(),
    }
}
