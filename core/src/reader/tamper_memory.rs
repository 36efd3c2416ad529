//! The secure element's tamper state: the security switch, the provisioned unlock key, the
//! current challenge and the count of wrong codes ([`UnlockAttempts`]).
//!
//! With key memory, the switch and the counts are kept in a file beside it
//! (`<key memory>.tamper.json`, mode 0600), so a restart neither clears a tamper nor buys
//! more tries. A real reader keeps them in its tamper-resistant memory; this file is the
//! simulation of that, as the key memory is.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use super::error::ReaderError;
use crate::clock::{Clock, SystemClock};
use crate::crypto::{random_bytes, SecretKey};
use crate::tamper::{verify_reset_code, verify_unlock_code, UnlockAttempts, UnlockError, UNLOCK_MAX_FAILURES};

/// What survives a restart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Persisted {
    tampered: bool,
    attempts: UnlockAttempts,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn memory_error(what: &str, e: std::io::Error) -> ReaderError {
    ReaderError::BadKeyBlock(format!("cannot {what} the tamper memory: {}", e.kind()))
}

/// The tamper switch and remote unlock inside the secure element.
pub(super) struct SecureUnlock {
    /// Terminal ID and unlock key, provisioned with the reader (the help desk holds the key too).
    key: Mutex<Option<(String, SecretKey)>>,
    state: Mutex<Persisted>,
    /// The last challenge shown; it answers one try (unlock or reset).
    challenge: Mutex<Option<String>>,
    clock: Mutex<Arc<dyn Clock>>,
    file: Mutex<Option<PathBuf>>,
}

impl SecureUnlock {
    pub(super) fn new() -> SecureUnlock {
        SecureUnlock {
            key: Mutex::new(None),
            state: Mutex::new(Persisted::default()),
            challenge: Mutex::new(None),
            clock: Mutex::new(Arc::new(SystemClock::default())),
            file: Mutex::new(None),
        }
    }

    /// Keeps the state in `path` from now on, loading what is there.
    pub(super) fn attach(&self, path: &Path) -> Result<(), ReaderError> {
        let loaded = match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice::<Persisted>(&bytes).unwrap_or_else(|_| {
                // Damaged memory fails closed: tampered and locked out, for the help desk.
                tracing::warn!("reader tamper memory damaged: treated as tampered and locked out");
                Persisted {
                    tampered: true,
                    attempts: UnlockAttempts { failures: UNLOCK_MAX_FAILURES, ..Default::default() },
                }
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Persisted::default(),
            Err(e) => return Err(memory_error("read", e)),
        };
        *lock(&self.state) = loaded;
        *lock(&self.file) = Some(path.to_path_buf());
        Ok(())
    }

    fn save(&self, state: &Persisted) -> Result<(), ReaderError> {
        let Some(path) = lock(&self.file).clone() else { return Ok(()) };
        let json = serde_json::to_vec(state).map_err(|_| ReaderError::BadKeyBlock("cannot encode".into()))?;
        let tmp = path.with_extension("tmp-tamper");
        write_private(&tmp, &json).and_then(|()| std::fs::rename(&tmp, &path)).map_err(|e| memory_error("write", e))
    }

    pub(super) fn set_key(&self, tid: &str, key: SecretKey) {
        *lock(&self.key) = Some((tid.to_string(), key));
    }

    pub(super) fn set_clock(&self, clock: Arc<dyn Clock>) {
        *lock(&self.clock) = clock;
    }

    fn now(&self) -> i64 {
        lock(&self.clock).now().unix_secs
    }

    pub(super) fn is_tampered(&self) -> bool {
        lock(&self.state).tampered
    }

    pub(super) fn attempts(&self) -> UnlockAttempts {
        lock(&self.state).attempts
    }

    /// The switch fired: remembered (best effort; the in-memory flag holds anyway).
    pub(super) fn trigger(&self) {
        let mut st = lock(&self.state);
        st.tampered = true;
        if let Err(e) = self.save(&st) {
            tracing::warn!(error = %e, "reader could not persist its tamper state");
        }
    }

    /// A service reset at the acquirer's workshop: switch and counts cleared.
    pub(super) fn service_reset(&self) {
        let mut st = lock(&self.state);
        *st = Persisted::default();
        *lock(&self.challenge) = None;
        if let Err(e) = self.save(&st) {
            tracing::warn!(error = %e, "reader could not persist its service reset");
        }
    }

    pub(super) fn new_challenge(&self) -> Result<String, ReaderError> {
        let challenge = hex::encode_upper(random_bytes::<8>()?);
        *lock(&self.challenge) = Some(challenge.clone());
        Ok(challenge)
    }

    /// Checks an unlock code against the last challenge; counts a wrong one before answering.
    pub(super) fn unlock(&self, code: &str) -> Result<(), ReaderError> {
        let (tid, key) = lock(&self.key).clone().ok_or(UnlockError::NotProvisioned)?;
        let now = self.now();
        let mut st = lock(&self.state);
        // Refused before the challenge is used: a wait or a lockout costs no challenge.
        st.attempts.check_unlock(now)?;
        let challenge = lock(&self.challenge).take().ok_or(UnlockError::NoChallenge)?;
        let mut next = *st;
        if verify_unlock_code(&key, &tid, &challenge, code) {
            next = Persisted::default();
            self.save(&next)?;
            *st = next;
            return Ok(());
        }
        let e = next.attempts.record_wrong_code(now);
        // Counted in memory even if the file fails: the count must never go down.
        *st = next;
        self.save(&next)?;
        Err(e.into())
    }

    /// Checks the help desk's reset code against the last challenge: clears the counts (and so
    /// the lockout), never the switch.
    pub(super) fn reset(&self, code: &str) -> Result<(), ReaderError> {
        let (tid, key) = lock(&self.key).clone().ok_or(UnlockError::NotProvisioned)?;
        let now = self.now();
        let mut st = lock(&self.state);
        st.attempts.check_reset(now)?;
        let challenge = lock(&self.challenge).take().ok_or(UnlockError::NoChallenge)?;
        let mut next = *st;
        if verify_reset_code(&key, &tid, &challenge, code) {
            next.attempts.clear();
            self.save(&next)?;
            *st = next;
            return Ok(());
        }
        let e = next.attempts.record_wrong_reset(now);
        *st = next;
        self.save(&next)?;
        Err(e.into())
    }
}

/// Writes `bytes` to a new file readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}
