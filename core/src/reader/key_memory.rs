//! The software reader's non-volatile key memory: working keys survive a restart, as on a real reader.
//!
//! Only what the host sent is kept: the keys' ciphertext under the TMK and their check values.
//! Loading decrypts them again under the TMK, so the file is useless without the reader's TMK.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use std::sync::Arc;

use zeroize::Zeroizing;

use super::error::ReaderError;
use crate::crypto::sealed_file::SealedFile;
use crate::crypto::{EncryptedKey, EncryptedWorkingKeys, KeyVault};

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

/// A file holding the last working keys loaded, as ciphertext under the TMK, optionally
/// sealed through a [`KeyVault`] as well (a TMK can be a published demo key, so the file is
/// only as private as the vault makes it).
#[derive(Clone)]
pub struct KeyMemory {
    path: PathBuf,
    vault: Option<Arc<dyn KeyVault>>,
}

impl std::fmt::Debug for KeyMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyMemory").field("path", &self.path).field("sealed", &self.vault.is_some()).finish()
    }
}

impl KeyMemory {
    /// Key memory at `path` (created on the first save), ciphertext under the TMK only.
    pub fn at(path: impl AsRef<Path>) -> KeyMemory {
        KeyMemory { path: path.as_ref().to_path_buf(), vault: None }
    }

    /// Key memory at `path`, sealed through `vault` (a clear file of an earlier version is
    /// read once and sealed on the next save).
    pub fn sealed(path: impl AsRef<Path>, vault: Arc<dyn KeyVault>) -> KeyMemory {
        KeyMemory { path: path.as_ref().to_path_buf(), vault: Some(vault) }
    }

    /// Where the reader's tamper state (switch, wrong unlock codes) is kept beside the keys.
    pub(crate) fn tamper_path(&self) -> PathBuf {
        self.path.with_extension("tamper.json")
    }

    /// Remembers `keys`, replacing the file atomically.
    pub fn save(&self, keys: &EncryptedWorkingKeys) -> Result<(), ReaderError> {
        let stored =
            Stored { pik: to_stored(&keys.pik), mak: to_stored(&keys.mak), tdk: keys.tdk.as_ref().map(to_stored) };
        let json = Zeroizing::new(
            serde_json::to_vec(&stored).map_err(|_| ReaderError::BadKeyBlock("cannot encode key memory".into()))?,
        );
        if let Some(vault) = &self.vault {
            return SealedFile::new(&self.path, vault.as_ref())
                .write(&json)
                .map_err(|e| ReaderError::BadKeyBlock(format!("cannot write key memory: {e}")));
        }
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, &*json)
            .and_then(|()| std::fs::rename(&tmp, &self.path))
            .map_err(|e| ReaderError::BadKeyBlock(format!("cannot write key memory: {}", e.kind())))
    }

    /// The remembered keys, if any.
    pub fn load(&self) -> Result<Option<EncryptedWorkingKeys>, ReaderError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => Zeroizing::new(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(ReaderError::BadKeyBlock(format!("cannot read key memory: {}", e.kind()))),
        };
        // Sealed unless it is an earlier version's clear JSON (sealed again on the next save).
        let bytes = match &self.vault {
            Some(vault) if bytes.first() != Some(&b'{') => SealedFile::new(&self.path, vault.as_ref())
                .read()
                .map_err(|e| ReaderError::BadKeyBlock(format!("cannot open key memory: {e}")))?
                .unwrap_or_default(),
            _ => bytes,
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
    pub(crate) fn erase(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
