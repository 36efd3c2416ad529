//! The tamper lock: a reader reporting its security switch (系统安全已触发) locks the terminal
//! until the acquirer's remote unlock or a service reset, across restarts.
//!
//! The lock lives in the store, not only in the reader: a phone paired to a new reader, or
//! restarted, must not forget that its reader was opened. The session is dropped with it,
//! because the reader's keys are gone: after the unlock the merchant signs in again.
//!
//! Wrong unlock codes are counted here too (the reader counts them in its own memory): a
//! restart of the app, a new challenge or a new reader buys no tries. See `crate::tamper`
//! for the back-off and the lockout that only the help desk's reset code clears.

use crate::error::Error;
use crate::reader::ReaderError;
use crate::tamper::{stricter, UnlockAttempts, UnlockError, UNLOCK_MAX_FAILURES};

use super::Terminal;
use crate::error::TerminalError;

/// Settings key of the lock; its value is when it was set.
const TAMPER_LOCK: &str = "tamper_lock";
/// Settings key of the wrong unlock and reset codes counted on the phone (JSON).
const UNLOCK_ATTEMPTS: &str = "tamper_unlock_attempts";

fn refused(e: UnlockError) -> TerminalError {
    TerminalError::Reader(ReaderError::Unlock(e))
}

impl Terminal {
    /// True while a tamper event keeps the terminal locked.
    pub fn is_tamper_locked(&self) -> Result<bool, Error> {
        Ok(self.tamper_locked()?)
    }

    fn tamper_locked(&self) -> Result<bool, TerminalError> {
        Ok(self.db(|s| s.setting(TAMPER_LOCK))?.is_some())
    }

    /// Refuses to go on while locked, and locks when the reader says it was opened.
    pub(super) fn tamper_guard(&self) -> Result<(), TerminalError> {
        if self.reader.device_info().tampered {
            self.lock_for_tamper()?;
        }
        if self.tamper_locked()? {
            return Err(TerminalError::Reader(ReaderError::Tampered));
        }
        Ok(())
    }

    /// Locks the terminal and forgets the session (the reader erased its keys).
    pub(super) fn lock_for_tamper(&self) -> Result<(), TerminalError> {
        if !self.tamper_locked()? {
            tracing::warn!("reader security triggered: terminal locked until unlocked by the acquirer");
            self.db(|s| s.set_setting(TAMPER_LOCK, &self.clock.now().to_string()))?;
        }
        self.db(|s| s.clear_session())?;
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
    pub async fn unlock_challenge(&self) -> Result<String, Error> {
        self.reader.unlock_challenge().await.map_err(TerminalError::Reader).map_err(Error::from)
    }

    /// Wrong unlock and reset codes counted on the phone (kept in the store).
    pub fn unlock_attempts(&self) -> Result<UnlockAttempts, Error> {
        Ok(match self.db(|s| s.setting(UNLOCK_ATTEMPTS))? {
            None => UnlockAttempts::default(),
            Some(json) => serde_json::from_str(&json).unwrap_or_else(|_| {
                // A damaged count fails closed: locked out until the help desk's reset.
                tracing::warn!("unlock attempt count damaged: treated as locked out");
                UnlockAttempts { failures: UNLOCK_MAX_FAILURES, ..UnlockAttempts::default() }
            }),
        })
    }

    fn save_unlock_attempts(&self, a: &UnlockAttempts) -> Result<(), TerminalError> {
        if *a == UnlockAttempts::default() {
            self.db(|s| s.remove_setting(UNLOCK_ATTEMPTS))?;
        } else {
            // Three integers always encode; an empty value would read back as locked out.
            let json = serde_json::to_string(a).unwrap_or_default();
            self.db(|s| s.set_setting(UNLOCK_ATTEMPTS, &json))?;
        }
        Ok(())
    }

    /// Gives the reader the help desk's code; when it accepts, the terminal is unlocked and
    /// asks for a sign-in ("请重新签到"), since the reader's keys were erased.
    ///
    /// Wrong codes are counted here and in the reader, whichever count is stricter wins: after
    /// `UNLOCK_FREE_TRIES` a wait that doubles per wrong code, after `UNLOCK_MAX_FAILURES` a
    /// lockout ([`UnlockError::LockedOut`]) that only [`Terminal::help_desk_reset`] clears.
    /// While waiting or locked out the code does not even reach the reader.
    pub async fn unlock(&self, code: &str) -> Result<(), Error> {
        let now = self.clock.now().unix_secs;
        let mut attempts = self.unlock_attempts()?;
        attempts.check_unlock(now).map_err(refused)?;
        match self.reader.unlock(code).await {
            Ok(()) => {}
            Err(ReaderError::Unlock(reader_says)) => {
                let mine = match reader_says {
                    UnlockError::WrongCode { tries_left, wait_secs } => {
                        let mine = attempts.record_wrong_code(now);
                        // The reader may have counted more (another phone, a reinstalled app).
                        let theirs = UnlockAttempts {
                            failures: UNLOCK_MAX_FAILURES.saturating_sub(tries_left),
                            not_before: now.saturating_add_unsigned(wait_secs),
                            reset_failures: 0,
                        };
                        attempts.merge(&theirs);
                        mine
                    }
                    UnlockError::LockedOut => {
                        attempts.failures = attempts.failures.max(UNLOCK_MAX_FAILURES);
                        UnlockError::LockedOut
                    }
                    UnlockError::Wait { wait_secs } => {
                        let until = now.saturating_add_unsigned(wait_secs);
                        attempts.not_before = attempts.not_before.max(until);
                        reader_says
                    }
                    other => other,
                };
                self.save_unlock_attempts(&attempts)?;
                let e = stricter(mine, reader_says);
                tracing::warn!(failures = attempts.failures, "tamper unlock code refused");
                return Err(refused(e).into());
            }
            Err(e) => return Err(TerminalError::Reader(e).into()),
        }
        self.save_unlock_attempts(&UnlockAttempts::default())?;
        self.db(|s| s.remove_setting(TAMPER_LOCK))?;
        self.db(|s| s.clear_session())?;
        tracing::info!("terminal unlocked by the acquirer's code");
        Ok(())
    }

    /// Gives the reader the help desk's reset code for its last challenge (after a lockout):
    /// the wrong-code counts are cleared here and in the reader. The tamper lock stays: a new
    /// challenge and the help desk's unlock code follow. Wrong reset codes back off too.
    pub async fn help_desk_reset(&self, code: &str) -> Result<(), Error> {
        let now = self.clock.now().unix_secs;
        let mut attempts = self.unlock_attempts()?;
        attempts.check_reset(now).map_err(refused)?;
        match self.reader.help_desk_reset(code).await {
            Ok(()) => {}
            Err(ReaderError::Unlock(reader_says @ UnlockError::WrongResetCode { .. })) => {
                let mine = attempts.record_wrong_reset(now);
                self.save_unlock_attempts(&attempts)?;
                tracing::warn!(resets = attempts.reset_failures, "help desk reset code refused");
                return Err(refused(stricter(mine, reader_says)).into());
            }
            Err(e) => return Err(TerminalError::Reader(e).into()),
        }
        self.save_unlock_attempts(&UnlockAttempts::default())?;
        tracing::info!("unlock lockout cleared by the help desk's reset code");
        Ok(())
    }

    /// Clears the lock (and the wrong-code counts) after a service reset of the reader at the
    /// acquirer's workshop.
    pub fn service_reset(&self) -> Result<(), Error> {
        self.db(|s| s.remove_setting(TAMPER_LOCK))?;
        self.save_unlock_attempts(&UnlockAttempts::default())?;
        self.db(|s| s.clear_session())?;
        Ok(())
    }
}
