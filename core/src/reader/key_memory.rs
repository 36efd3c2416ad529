//! The software reader's non-volatile key memory: working keys survive a restart, as on a real reader.
//!
//! Only what the host sent is kept: the keys' ciphertext under the TMK and their check values.
//! Loading decrypts them again under the TMK, so the file is useless without the reader's TMK.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::ReaderError;
use crate::crypto::{EncryptedKey, EncryptedWorkingKeys};

#[derive(Serialize, Deserialize)]
struct StoredKey {
    ciphertext: String,
    check_value: String,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    pik: StoredKey,
    mak: StoredKey,
    tdk: Option<StoredKey>,
}

fn to_stored(k: &EncryptedKey) -> StoredKey {
    StoredKey { ciphertext: hex::encode_upper(&k.ciphertext), check_value: hex::encode_upper(k.check_value) }
}

fn from_stored(k: &StoredKey) -> Result<EncryptedKey, ReaderError> {
    let bad = || ReaderError::BadKeyBlock("stored key memory is damaged".into());
    let ciphertext = hex::decode(&k.ciphertext).map_err(|_| bad())?;
    let check_value = hex::decode(&k.check_value).ok().and_then(|v| <[u8; 4]>::try_from(v).ok()).ok_or_else(bad)?;
    Ok(EncryptedKey { ciphertext, check_value })
}

/// A file holding the last working keys loaded, as ciphertext under the TMK.
#[derive(Debug, Clone)]
pub struct KeyMemory {
    path: PathBuf,
}

impl KeyMemory {
    /// Key memory at `path` (created on the first save).
    pub fn at(path: impl AsRef<Path>) -> KeyMemory {
        KeyMemory { path: path.as_ref().to_path_buf() }
    }

    /// Where the reader's tamper state (switch, wrong unlock codes) is kept beside the keys.
    pub(crate) fn tamper_path(&self) -> PathBuf {
        self.path.with_extension("tamper.json")
    }

    /// Remembers `keys`, replacing the file atomically.
    pub fn save(&self, keys: &EncryptedWorkingKeys) -> Result<(), ReaderError> {
        let stored =
            Stored { pik: to_stored(&keys.pik), mak: to_stored(&keys.mak), tdk: keys.tdk.as_ref().map(to_stored) };
        let json =
            serde_json::to_vec(&stored).map_err(|_| ReaderError::BadKeyBlock("cannot encode key memory".into()))?;
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, json)
            .and_then(|()| std::fs::rename(&tmp, &self.path))
            .map_err(|e| ReaderError::BadKeyBlock(format!("cannot write key memory: {}", e.kind())))
    }

    /// The remembered keys, if any.
    pub fn load(&self) -> Result<Option<EncryptedWorkingKeys>, ReaderError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(ReaderError::BadKeyBlock(format!("cannot read key memory: {}", e.kind()))),
        };
        let s: Stored = serde_json::from_slice(&bytes)
            .map_err(|_| ReaderError::BadKeyBlock("stored key memory is damaged".into()))?;
        Ok(Some(EncryptedWorkingKeys {
            pik: from_stored(&s.pik)?,
            mak: from_stored(&s.mak)?,
            tdk: s.tdk.as_ref().map(from_stored).transpose()?,
        }))
    }

    /// Forgets the keys (sign-off, tamper).
    pub fn erase(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
