//! A software key vault for desktop and tests: a random master key in a private file.
//!
//! It protects data keys only as well as the file's permissions do; a phone uses the
//! Android Keystore through the same [`KeyVault`] trait instead.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::aead::{self, AEAD_KEY_LEN};
use super::error::{CryptoError, VaultOp};
use super::random::random_bytes;
use super::vault::KeyVault;

/// Binds wrapped keys to this vault's purpose, so no other sealed item passes as one.
const WRAP_AAD: &[u8] = b"pos-core/file-vault/data-key";

/// A vault whose master key (32 random bytes) lives in a file readable by the owner only.
pub struct FileVault {
    master: Zeroizing<[u8; AEAD_KEY_LEN]>,
}

impl FileVault {
    /// Opens the master key file, creating it (mode 0600) if it does not exist.
    ///
    /// An existing file is never overwritten; one of the wrong size is an error.
    pub fn open_or_create(path: impl AsRef<Path>) -> Result<Self, CryptoError> {
        let path = path.as_ref();
        match read_master(path) {
            Err(CryptoError::VaultIo { kind: io::ErrorKind::NotFound, .. }) => {}
            found => return found.map(|master| FileVault { master }),
        }
        if let Some(master) = create_master(path)? {
            return Ok(FileVault { master });
        }
        // Another process created the file between our read and our create.
        read_master(path).map(|master| FileVault { master })
    }

    /// Opens an existing master key file; a missing file is an error.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, CryptoError> {
        read_master(path.as_ref()).map(|master| FileVault { master })
    }
}

impl KeyVault for FileVault {
    fn wrap(&self, plain: &[u8]) -> Result<Vec<u8>, CryptoError> {
        aead::seal(&self.master, WRAP_AAD, plain).map_err(|_| CryptoError::WrapFailed)
    }

    fn unwrap(&self, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        aead::open(&self.master, WRAP_AAD, wrapped).map_err(|e| match e {
            CryptoError::OpenFailed => CryptoError::UnwrapFailed,
            other => other,
        })
    }
}

impl fmt::Debug for FileVault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FileVault(master key, {AEAD_KEY_LEN} bytes)")
    }
}

fn read_master(path: &Path) -> Result<Zeroizing<[u8; AEAD_KEY_LEN]>, CryptoError> {
    let read_err = |e: io::Error| CryptoError::vault_io(VaultOp::Read, &e);
    let mut file = File::open(path).map_err(read_err)?;
    let len = file.metadata().map_err(read_err)?.len();
    if len != AEAD_KEY_LEN as u64 {
        return Err(CryptoError::BadVaultFile { len });
    }
    let mut master = Zeroizing::new([0u8; AEAD_KEY_LEN]);
    file.read_exact(&mut master[..]).map_err(read_err)?;
    Ok(master)
}

/// Writes a new master key under a temporary name, then links it into place.
///
/// Linking fails if the target exists, so an existing file is never replaced, and
/// the final name only ever points at a complete, synced file: a crash while
/// writing leaves a stray temporary file, not a truncated vault.
/// Returns None when another process created the file first.
fn create_master(path: &Path) -> Result<Option<Zeroizing<[u8; AEAD_KEY_LEN]>>, CryptoError> {
    let create_err = |e: io::Error| CryptoError::vault_io(VaultOp::Create, &e);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    create_private_dir(&dir).map_err(create_err)?;

    let master = Zeroizing::new(random_bytes::<AEAD_KEY_LEN>()?);
    let suffix = hex::encode(random_bytes::<8>()?);
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(format!(".tmp-{suffix}"));
    let tmp = dir.join(tmp_name);

    let written = write_private_file(&tmp, &master[..]);
    let linked = written.and_then(|()| fs::hard_link(&tmp, path).map_err(create_err));
    // Best effort: a leftover temporary file holds a key that was never used.
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            sync_dir(&dir);
            Ok(Some(master))
        }
        Err(CryptoError::VaultIo { kind: io::ErrorKind::AlreadyExists, .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

fn write_private_file(path: &Path, bytes: &[u8]) -> Result<(), CryptoError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| CryptoError::vault_io(VaultOp::Create, &e))?;
    let write_err = |e: io::Error| CryptoError::vault_io(VaultOp::Write, &e);
    file.write_all(bytes).map_err(write_err)?;
    file.sync_all().map_err(write_err)
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Persists the new directory entry; best effort, as not every platform can sync a directory.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> Result<Self, CryptoError> {
            let name = format!("pos-core-vault-{}-{}", std::process::id(), hex::encode(random_bytes::<8>()?));
            Ok(TempDir(std::env::temp_dir().join(name)))
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn persists_across_reopen() -> Result<(), CryptoError> {
        let dir = TempDir::new()?;
        let path = dir.0.join("nested").join("vault.key");
        let wrapped = FileVault::open_or_create(&path)?.wrap(b"data key")?;
        let again = FileVault::open_or_create(&path)?;
        assert_eq!(again.unwrap(&wrapped)?.as_slice(), b"data key");
        assert_eq!(FileVault::open(&path)?.unwrap(&wrapped)?.as_slice(), b"data key");
        // Only the key file remains: the temporary file was cleaned up.
        let entries = fs::read_dir(path.parent().unwrap_or(&dir.0)).map(|d| d.count()).unwrap_or(0);
        assert_eq!(entries, 1);
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn key_file_is_private() -> Result<(), CryptoError> {
        use std::os::unix::fs::PermissionsExt;
        let dir = TempDir::new()?;
        let path = dir.0.join("vault.key");
        FileVault::open_or_create(&path)?;
        let mode = fs::metadata(&path).map(|m| m.permissions().mode() & 0o777);
        assert_eq!(mode.ok(), Some(0o600));
        Ok(())
    }

    #[test]
    fn wrong_size_file_is_rejected_and_kept() -> Result<(), CryptoError> {
        let dir = TempDir::new()?;
        let path = dir.0.join("vault.key");
        create_private_dir(&dir.0).map_err(|e| CryptoError::vault_io(VaultOp::Create, &e))?;
        fs::write(&path, b"short").map_err(|e| CryptoError::vault_io(VaultOp::Write, &e))?;
        assert_eq!(FileVault::open_or_create(&path).err(), Some(CryptoError::BadVaultFile { len: 5 }));
        assert_eq!(fs::read(&path).ok(), Some(b"short".to_vec()));
        Ok(())
    }

    #[test]
    fn missing_file_is_an_error_for_open() -> Result<(), CryptoError> {
        let dir = TempDir::new()?;
        assert!(matches!(
            FileVault::open(dir.0.join("absent.key")),
            Err(CryptoError::VaultIo { op: VaultOp::Read, kind: io::ErrorKind::NotFound })
        ));
        Ok(())
    }

    #[test]
    fn another_vault_cannot_unwrap() -> Result<(), CryptoError> {
        let dir = TempDir::new()?;
        let a = FileVault::open_or_create(dir.0.join("a.key"))?;
        let b = FileVault::open_or_create(dir.0.join("b.key"))?;
        let wrapped = a.wrap(b"secret")?;
        assert_eq!(b.unwrap(&wrapped).err(), Some(CryptoError::UnwrapFailed));
        let mut tampered = wrapped.clone();
        if let Some(last) = tampered.last_mut() {
            *last ^= 1;
        }
        assert_eq!(a.unwrap(&tampered).err(), Some(CryptoError::UnwrapFailed));
        Ok(())
    }

    #[test]
    fn debug_shows_no_key() -> Result<(), CryptoError> {
        let dir = TempDir::new()?;
        let v = FileVault::open_or_create(dir.0.join("v.key"))?;
        assert_eq!(format!("{v:?}"), "FileVault(master key, 32 bytes)");
        Ok(())
    }
}
