//! The tamper lock: a reader reporting its security switch (系统安全已触发) locks the terminal
//! until the acquirer's remote unlock or a service reset, across restarts.
//!
//! The lock lives in the store, not only in the reader: a phone paired to a new reader, or
//! restarted, must not forget that its reader was opened. The session is dropped with it,
//! because the reader's keys are gone: after the unlock the merchant signs in again.

use crate::reader::ReaderError;

use super::error::TerminalError;
use super::Terminal;

/// Settings key of the lock; its value is when it was set.
const TAMPER_LOCK: &str = "tamper_lock";

impl Terminal {
    /// True while a tamper event keeps the terminal locked.
    pub fn is_tamper_locked(&self) -> Result<bool, TerminalError> {
        Ok(self.store.setting(TAMPER_LOCK)?.is_some())
    }

    /// Refuses to go on while locked, and locks when the reader says it was opened.
    pub(super) fn tamper_guard(&self) -> Result<(), TerminalError> {
        if self.reader.device_info().tampered {
            self.lock_for_tamper()?;
        }
        if self.is_tamper_locked()? {
            return Err(TerminalError::Reader(ReaderError::Tampered));
        }
        Ok(())
    }

    /// Locks the terminal and forgets the session (the reader erased its keys).
    pub(super) fn lock_for_tamper(&self) -> Result<(), TerminalError> {
        if !self.is_tamper_locked()? {
            tracing::warn!("reader security triggered: terminal locked until unlocked by the acquirer");
            self.store.set_setting(TAMPER_LOCK, &self.clock.now().to_string())?;
        }
        self.store.clear_session()?;
        Ok(())
    }

    /// Passes a reader error on, locking first when it is a tamper report.
    pub(super) fn note_reader_error(&self, e: ReaderError) -> TerminalError {
        if e == ReaderError::Tampered {
            if let Err(store) = self.lock_for_tamper() {
                return store;
            }
        }
        TerminalError::Reader(e)
    }

    /// The reader's challenge for the remote unlock (the merchant reads it to the help desk).
    pub async fn unlock_challenge(&self) -> Result<String, TerminalError> {
        self.reader.unlock_challenge().await.map_err(TerminalError::Reader)
    }

    /// Gives the reader the help desk's code; when it accepts, the terminal is unlocked and
    /// asks for a sign-in ("请重新签到"), since the reader's keys were erased.
    pub async fn unlock(&self, code: &str) -> Result<(), TerminalError> {
        self.reader.unlock(code).await.map_err(TerminalError::Reader)?;
        self.store.remove_setting(TAMPER_LOCK)?;
        self.store.clear_session()?;
        tracing::info!("terminal unlocked by the acquirer's code");
        Ok(())
    }

    /// Clears the lock after a service reset of the reader at the acquirer's workshop.
    pub fn service_reset(&self) -> Result<(), TerminalError> {
        self.store.remove_setting(TAMPER_LOCK)?;
        self.store.clear_session()?;
        Ok(())
    }
}
