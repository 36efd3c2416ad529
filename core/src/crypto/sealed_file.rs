//! Small secrets kept in files of the data directory, sealed through the [`KeyVault`].
//!
//! A secret next to the journal in clear defeats the journal's protection: the card
//! fingerprint key, for one, turns masked PANs plus fingerprints back into full PANs by brute
//! force in seconds. So every such file holds only `vault.wrap(secret)`, written atomically
//! with mode 0600; without the vault (the Android Keystore on a phone, `vault.key` on a
//! desktop) the file is useless.

use std::io::Write;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::error::{CryptoError, VaultOp};
use super::vault::KeyVault;

/// Largest sealed file read (a few keys; anything longer is not ours).
const MAX_SEALED_LEN: u64 = 64 * 1024;

/// A file holding one secret sealed under a vault.
pub struct SealedFile<'a> {
    path: PathBuf,
    vault: &'a dyn KeyVault,
}

impl<'a> SealedFile<'a> {
    /// The sealed file at `path`, sealed and opened through `vault`.
    pub fn new(path: impl AsRef<Path>, vault: &'a dyn KeyVault) -> SealedFile<'a> {
        SealedFile { path: path.as_ref().to_path_buf(), vault }
    }

    /// The secret, or `None` when the file does not exist. A file the vault cannot open
    /// (another vault, altered bytes) is an error, never replaced.
    pub fn read(&self) -> Result<Option<Zeroizing<Vec<u8>>>, CryptoError> {
        let io = |e: std::io::Error| CryptoError::VaultIo { op: VaultOp::Read, kind: e.kind() };
        let file = match std::fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(e)),
        };
        let mut wrapped = Vec::new();
        std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_SEALED_LEN), &mut wrapped).map_err(io)?;
        Ok(Some(self.vault.unwrap(&wrapped)?))
    }

    /// Seals `secret` into the file (0600), replacing it atomically.
    pub fn write(&self, secret: &[u8]) -> Result<(), CryptoError> {
        let io = |e: std::io::Error| CryptoError::VaultIo { op: VaultOp::Write, kind: e.kind() };
        let wrapped = self.vault.wrap(secret)?;
        let tmp = self.path.with_extension("tmp");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut f = options.open(&tmp).map_err(io)?;
        f.write_all(&wrapped).and_then(|()| f.sync_all()).map_err(io)?;
        std::fs::rename(&tmp, &self.path).map_err(io)
    }

    /// The secret, created by `make` and sealed on first use. A clear `legacy` file from an
    /// earlier version is sealed and then overwritten and removed.
    #[cfg(any(test, feature = "sim"))]
    pub(crate) fn read_or_create(
        &self,
        legacy: Option<&Path>,
        make: impl FnOnce() -> Result<Zeroizing<Vec<u8>>, CryptoError>,
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if let Some(secret) = self.read()? {
            return Ok(secret);
        }
        let secret = match legacy.map(std::fs::read) {
            Some(Ok(clear)) => Zeroizing::new(clear),
            _ => make()?,
        };
        self.write(&secret)?;
        if let Some(old) = legacy.filter(|p| p.exists()) {
            // Overwrite before unlinking: the clear bytes should not linger in the file's blocks.
            let len = std::fs::metadata(old).map(|m| m.len()).unwrap_or(0);
            let _ = std::fs::write(old, vec![0u8; usize::try_from(len).unwrap_or(0)]);
            let _ = std::fs::remove_file(old);
        }
        Ok(secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::FileVault;

    fn dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("pos-sealed-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_sealed_secret_is_not_in_the_file_and_needs_its_vault() {
        let d = dir("roundtrip");
        let vault = FileVault::open_or_create(d.join("vault.key")).unwrap();
        let f = SealedFile::new(d.join("s.sealed"), &vault);
        assert!(f.read().unwrap().is_none());
        let secret = f.read_or_create(None, || Ok(Zeroizing::new(vec![0x5C; 32]))).unwrap();
        assert_eq!(&secret[..], &[0x5C; 32]);
        let on_disk = std::fs::read(d.join("s.sealed")).unwrap();
        assert!(!on_disk.windows(32).any(|w| w == [0x5C; 32]), "the secret is not in the file in clear");
        assert_eq!(&f.read().unwrap().unwrap()[..], &[0x5C; 32]);
        let other = FileVault::open_or_create(d.join("other.key")).unwrap();
        assert!(SealedFile::new(d.join("s.sealed"), &other).read().is_err(), "another vault cannot open it");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(d.join("s.sealed")).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_clear_legacy_file_is_sealed_and_removed() {
        let d = dir("legacy");
        let vault = FileVault::open_or_create(d.join("vault.key")).unwrap();
        std::fs::write(d.join("old.bin"), [7u8; 32]).unwrap();
        let f = SealedFile::new(d.join("new.sealed"), &vault);
        let s = f.read_or_create(Some(&d.join("old.bin")), || unreachable!("the legacy secret is kept")).unwrap();
        assert_eq!(&s[..], &[7u8; 32]);
        assert!(!d.join("old.bin").exists());
        let _ = std::fs::remove_dir_all(&d);
    }
}
