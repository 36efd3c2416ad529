//! The terminal facade the shell drives: one [`Terminal`] per device.
//!
//! It asks the reader for card data, keeps its numbers and outcomes in the store,
//! and talks to the acquirer. Platform capabilities come in as traits: the
//! [`KeyVault`](crate::crypto::KeyVault) sealing keys at rest, the
//! [`CardReader`](crate::reader::CardReader) and the [`Clock`].

mod config;
mod error;
mod exchange;
mod original;
mod outcome;
mod payments;
mod session;

#[cfg(test)]
mod tests;

use std::path::Path;
use std::sync::Arc;

use crate::acquirer::AcquirerClient;
use crate::crypto::KeyVault;
use crate::iso8583::BatchNo;
use crate::reader::CardReader;
use crate::store::Store;

// The clock is a crate-wide capability; re-exported here because the facade takes one.
pub use crate::clock::{CivilTime, Clock, ManualClock, SystemClock, Timestamp, CHINA_UTC_OFFSET_SECS};
pub use config::{PinPolicy, TerminalConfig};
pub use error::{ExchangeFailure, TerminalError};
pub use original::OriginalRef;
pub use outcome::{AdminOp, AdminOutcome, TxnOutcome};

/// The settings key recording which terminal the data directory belongs to.
const TID_SETTING: &str = "terminal.tid";

/// The payment terminal: sign-in, payments and their records.
pub struct Terminal {
    config: TerminalConfig,
    store: Store,
    reader: Arc<dyn CardReader>,
    clock: Arc<dyn Clock>,
    acquirer: AcquirerClient,
}

impl Terminal {
    /// Opens the terminal whose data lives in `data_dir` (created if absent).
    ///
    /// Opening touches no network. If the directory held another terminal's session,
    /// that session is dropped: its keys are not this terminal's.
    pub fn open(
        data_dir: impl AsRef<Path>,
        config: TerminalConfig,
        vault: Arc<dyn KeyVault>,
        reader: Arc<dyn CardReader>,
        clock: Arc<dyn Clock>,
    ) -> Result<Terminal, TerminalError> {
        let store = Store::open(data_dir.as_ref().join(Store::FILE_NAME), vault, &clock.now().to_string())?;
        if store.setting(TID_SETTING)?.as_deref() != Some(config.tid.as_str()) {
            store.clear_session()?;
            store.set_setting(TID_SETTING, config.tid.as_str())?;
        }
        let acquirer = AcquirerClient::new(config.acquirer());
        Ok(Terminal { config, store, reader, clock, acquirer })
    }

    /// The configuration.
    pub fn config(&self) -> &TerminalConfig {
        &self.config
    }

    /// The store (transaction records, counters), for display and reports.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Whether a sign-in is in force.
    pub fn is_signed_in(&self) -> Result<bool, TerminalError> {
        Ok(self.store.session()?.is_some_and(|s| s.tid == self.config.tid))
    }

    /// The current batch number.
    pub fn batch(&self) -> Result<BatchNo, TerminalError> {
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
