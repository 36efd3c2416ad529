//! Working keys per terminal from its last sign-in.
//!
//! Kept in memory for the request path and in the ledger as field 62 (under the TMK),
//! so a restarted host still knows the keys without ever storing them in clear.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use pos_core::crypto::{parse_working_keys, KeyMode, WorkingKeys};
use tracing::warn;

use super::HostError;
use crate::config::TerminalProfile;
use crate::ledger::{sessions, Ledger};

/// The keys of one sign-in.
#[derive(Debug)]
pub(crate) struct Session {
    pub keys: WorkingKeys,
    /// The track key of the sign-in before, kept for one rollover: an offline payment stored
    /// under it and uploaded after a sign-in the host itself asked for is still readable.
    pub previous_tdk: Option<pos_core::crypto::SecretKey>,
}

/// Sessions by terminal ID.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    map: Mutex<HashMap<String, Arc<Session>>>,
}

impl Sessions {
    /// Reloads the sessions stored in the ledger for the provisioned terminals.
    pub(crate) fn restore(
        ledger: &Ledger,
        terminals: &HashMap<String, TerminalProfile>,
    ) -> Result<Sessions, HostError> {
        let stored = ledger.read(sessions::all)?;
        let mut map = HashMap::new();
        for (tid, mode, field62) in stored {
            let Some(term) = terminals.get(&tid) else { continue };
            let keys = KeyMode::from_code(&mode).and_then(|m| parse_working_keys(m, &field62, &term.tmk));
            match keys {
                Ok(keys) => {
                    map.insert(tid, Arc::new(Session { keys, previous_tdk: None }));
                }
                // A TMK changed in the config: the terminal must sign in again.
                Err(e) => warn!(tid, error = %e, "stored session unusable; terminal must sign in"),
            }
        }
        Ok(Sessions { map: Mutex::new(map) })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Session>>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The session of `tid`.
    pub(crate) fn get(&self, tid: &str) -> Option<Arc<Session>> {
        self.lock().get(tid).cloned()
    }

    /// Replaces the session of `tid`, keeping the replaced one's track key as the previous.
    pub(crate) fn put(&self, tid: &str, mut session: Session) {
        let mut map = self.lock();
        if let Some(old) = map.get(tid) {
            session.previous_tdk = old.keys.tdk.clone();
        }
        map.insert(tid.to_owned(), Arc::new(session));
    }

    /// Forgets the session of `tid`.
    pub(crate) fn remove(&self, tid: &str) {
        self.lock().remove(tid);
    }
}
