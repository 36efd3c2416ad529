//! One owner per terminal data directory.
//!
//! Two processes driving one journal would each take the other's request in flight for an
//! interrupted one: the second would arm its reversal, and the next sync would reverse a
//! sale the customer was told was approved. So a [`Terminal`](super::Terminal) that
//! transacts holds an exclusive operating-system lock on `terminal.lock` in its data
//! directory for as long as it is open. The lock is the kernel's (`flock` on Unix,
//! `LockFileEx` on Windows), so it goes with the process however the process ends: a
//! killed owner never leaves a stale lock behind. The lock file holds the owner's process
//! ID, only to name it in the error a second opener sees.
//!
//! Read-only views ([`Terminal::open_read_only`](super::Terminal::open_read_only)) take no
//! lock: they open SQLite read-only (WAL lets them read beside the owner), run no recovery,
//! and every operation that would write or send is refused before it starts.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use async_trait::async_trait;

use crate::crypto::EncryptedWorkingKeys;
use crate::reader::{CardRead, CardReader, CardRequest, DeviceInfo, ReaderError, ReaderKeyAck};
use crate::store::StoreError;

use crate::error::TerminalError;

/// The lock file's name inside a terminal's data directory.
pub const LOCK_FILE: &str = "terminal.lock";

/// How a terminal holds its data directory.
#[derive(Debug)]
pub(crate) enum Access {
    /// The one owner: may transact; holds the lock until dropped.
    Owner(DirLock),
    /// A view: reads only, sends nothing.
    ReadOnly,
}

/// The exclusive lock on a data directory, released when dropped (or when the process dies).
#[derive(Debug)]
pub(crate) struct DirLock {
    _file: File,
    path: PathBuf,
}

impl DirLock {
    /// Takes the lock on `dir`, or says which process holds it.
    pub(crate) fn acquire(dir: &Path) -> Result<DirLock, TerminalError> {
        let path = dir.join(LOCK_FILE);
        let open_error = |e: std::io::Error| StoreError::Open { reason: format!("{}: {e}", path.display()) };
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path).map_err(open_error)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(TerminalError::InUse { pid: holder(&path), dir: dir.display().to_string() });
            }
            Err(TryLockError::Error(e)) => return Err(open_error(e).into()),
        }
        // Only informative: the kernel lock is what excludes.
        let stamp = (|| {
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0))?;
            writeln!(file, "{}", std::process::id())?;
            file.sync_data()
        })();
        if let Err(e) = stamp {
            tracing::warn!(error = %e, "could not record the owner's process ID in the lock file");
        }
        Ok(DirLock { _file: file, path })
    }

    /// The lock file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

/// The process ID written by the holder of the lock at `path`, if readable.
fn holder(path: &Path) -> Option<u32> {
    let mut text = String::new();
    // A small file written by us; a longer one is not ours to trust.
    File::open(path).ok()?.take(32).read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

/// The reader of a read-only view: there is none, and nothing asks for one.
pub(crate) struct NoReader;

#[async_trait]
impl CardReader for NoReader {
    fn device_info(&self) -> DeviceInfo {
        DeviceInfo {
            model: String::new(),
            serial: String::new(),
            firmware: String::new(),
            pin_pad: false,
            contactless: false,
            battery_percent: 0,
            tampered: false,
        }
    }

    async fn load_working_keys(&self, _keys: &EncryptedWorkingKeys) -> Result<ReaderKeyAck, ReaderError> {
        Err(ReaderError::Unsupported)
    }

    async fn read_card(&self, _request: CardRequest) -> Result<CardRead, ReaderError> {
        Err(ReaderError::Unsupported)
    }

    async fn fingerprint_entries(
        &self,
        _entries: &[String],
    ) -> Result<Vec<crate::tms::blacklist::EntryFingerprint>, ReaderError> {
        Err(ReaderError::Unsupported)
    }

    async fn load_chip_parameters(
        &self,
        _keys: &[crate::tms::capk::CaPublicKey],
        _aids: &[crate::tms::aid::IcParams],
    ) -> Result<crate::reader::ChipParamsHeld, ReaderError> {
        Err(ReaderError::Unsupported)
    }

    async fn cancel(&self) -> Result<(), ReaderError> {
        Ok(())
    }

    async fn unlock_challenge(&self) -> Result<String, ReaderError> {
        Err(ReaderError::Unsupported)
    }

    async fn unlock(&self, _code: &str) -> Result<(), ReaderError> {
        Err(ReaderError::Unsupported)
    }

    async fn help_desk_reset(&self, _code: &str) -> Result<(), ReaderError> {
        Err(ReaderError::Unsupported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_directory_names_the_holder() {
        let dir =
            std::env::temp_dir().join(format!("pos-owner-{}-{:?}", std::process::id(), std::thread::current().id()));
        std::fs::create_dir_all(&dir).unwrap();
        let first = DirLock::acquire(&dir).unwrap();
        match DirLock::acquire(&dir) {
            Err(TerminalError::InUse { pid, .. }) => assert_eq!(pid, Some(std::process::id())),
            other => panic!("second lock: {other:?}"),
        }
        drop(first);
        let again = DirLock::acquire(&dir).expect("released with its owner");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(again.path()).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        drop(again);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
