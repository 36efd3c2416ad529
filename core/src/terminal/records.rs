//! The journal as the front ends read it: named reads instead of the store itself, so that
//! every write goes through the terminal's own operations and their guards.

use crate::error::Error;
use crate::iso8583::{BatchNo, Stan};
use crate::offline::QueueStats;
use crate::report::Day;
use crate::store::{QueueEntry, ReversalRecord, TxnId, TxnRecord};

use super::{Terminal, TerminalError};

/// The persisted "work offline" switch (named for the CLI that introduced it; kept so that an
/// earlier version's switch still applies).
pub(crate) const OFFLINE_SWITCH_SETTING: &str = "cli.offline";

impl Terminal {
    /// One journal row.
    pub fn txn(&self, id: TxnId) -> Result<Option<TxnRecord>, Error> {
        Ok(self.store.txn(id)?)
    }

    /// The latest journal rows, newest first (at most `limit`).
    pub fn recent_txns(&self, limit: u32) -> Result<Vec<TxnRecord>, Error> {
        Ok(self.store.recent_txns(limit)?)
    }

    /// Every journal row of local day `day`.
    pub fn day_txns(&self, day: Day) -> Result<Vec<TxnRecord>, Error> {
        Ok(self.store.day_txns(day)?)
    }

    /// Every journal row of batch `batch`.
    pub fn batch_txns(&self, batch: BatchNo) -> Result<Vec<TxnRecord>, Error> {
        Ok(self.store.batch_txns(batch)?)
    }

    /// Approved payments of the open batch not settled yet.
    pub fn unsettled_count(&self) -> Result<u32, Error> {
        Ok(self.store.unsettled_count()?)
    }

    /// The reversal of journal row `id`, if one was ever armed.
    pub fn reversal(&self, id: TxnId) -> Result<Option<ReversalRecord>, Error> {
        Ok(self.store.reversal(id)?)
    }

    /// Reversals the host has not acknowledged yet (armed or due).
    pub fn open_reversals(&self) -> Result<Vec<ReversalRecord>, Error> {
        Ok(self.store.open_reversals()?)
    }

    /// Reversals due to be sent.
    pub fn due_reversal_count(&self) -> Result<u32, Error> {
        Ok(self.store.due_reversal_count()?)
    }

    /// The stored offline payments (only those still waiting for upload when `waiting_only`).
    pub fn offline_queue(&self, waiting_only: bool) -> Result<Vec<QueueEntry>, Error> {
        Ok(self.store.offline_queue(waiting_only)?)
    }

    /// One stored offline payment.
    pub fn queue_entry(&self, id: TxnId) -> Result<Option<QueueEntry>, Error> {
        Ok(self.store.queue_entry(id)?)
    }

    /// Count and total of the stored offline payments.
    pub fn queue_stats(&self) -> Result<QueueStats, Error> {
        Ok(self.store.queue_stats()?)
    }

    /// The last trace number used.
    pub fn last_stan(&self) -> Result<Option<Stan>, Error> {
        Ok(self.store.last_stan()?)
    }

    /// SQLite's integrity check of the journal.
    pub fn check_integrity(&self) -> Result<(), Error> {
        Ok(self.store.integrity_check()?)
    }

    /// Whether the operator switched the terminal to work offline (kept across restarts;
    /// [`Terminal::open`] applies it).
    pub fn offline_switch(&self) -> Result<bool, Error> {
        Ok(self.offline_switch_on()?)
    }

    fn offline_switch_on(&self) -> Result<bool, TerminalError> {
        Ok(self.store.setting(OFFLINE_SWITCH_SETTING)?.as_deref() == Some("on"))
    }

    /// A terminal opened with the switch on starts offline.
    pub(crate) fn apply_offline_switch(&self) -> Result<(), TerminalError> {
        if self.offline_switch_on()? {
            self.set_connectivity(false);
        }
        Ok(())
    }

    /// Switches offline work on or off, kept across restarts, and applies it now: with the
    /// switch on no request is sent and payments follow the offline rules.
    pub fn set_offline_switch(&self, on: bool) -> Result<(), Error> {
        self.owner("switch offline work")?;
        if on {
            self.store.set_setting(OFFLINE_SWITCH_SETTING, "on")?;
        } else {
            self.store.remove_setting(OFFLINE_SWITCH_SETTING)?;
        }
        self.set_connectivity(!on);
        Ok(())
    }
}
