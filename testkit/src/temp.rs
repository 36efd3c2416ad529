//! A temporary directory for one test.

use std::ffi::OsStr;
use std::ops::Deref;
use std::path::{Path, PathBuf};

/// A fresh, empty directory under the system temp dir, removed (with its contents) on drop.
///
/// Unique per call (not per process), so tests that share one binary never share a folder.
/// It derefs to [`Path`], so `dir.join("x")`, `&dir` as `&Path` and `Command::arg(&dir)` work.
#[derive(Debug)]
pub struct TempDir {
    inner: tempfile::TempDir,
}

impl TempDir {
    /// Creates `pos-<tag>-XXXXXX` under the system temp dir; panics if it cannot (a test setup failure).
    pub fn new(tag: &str) -> TempDir {
        let inner = tempfile::Builder::new()
            .prefix(&format!("pos-{tag}-"))
            .tempdir()
            .unwrap_or_else(|e| panic!("a temporary directory for {tag}: {e}"));
        TempDir { inner }
    }

    /// Creates `pos-<tag>-XXXXXX` under `base` (a tmpfs for tests whose fsyncs are not the
    /// point); under the system temp dir when `base` does not exist.
    pub fn new_in(tag: &str, base: &Path) -> TempDir {
        if !base.is_dir() {
            return TempDir::new(tag);
        }
        let inner = tempfile::Builder::new()
            .prefix(&format!("pos-{tag}-"))
            .tempdir_in(base)
            .unwrap_or_else(|e| panic!("a temporary directory for {tag} in {}: {e}", base.display()));
        TempDir { inner }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.inner.path()
    }

    /// A path inside the directory that does not exist yet (for code that must create it itself).
    pub fn child(&self, name: &str) -> PathBuf {
        self.inner.path().join(name)
    }
}

impl Deref for TempDir {
    type Target = Path;

    fn deref(&self) -> &Path {
        self.inner.path()
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        self.inner.path()
    }
}

impl AsRef<OsStr> for TempDir {
    fn as_ref(&self) -> &OsStr {
        self.inner.path().as_os_str()
    }
}

#[cfg(test)]
mod tests {
    use super::TempDir;

    #[test]
    fn is_fresh_unique_and_removed_on_drop() {
        let a = TempDir::new("kit");
        let b = TempDir::new("kit");
        assert_ne!(a.path(), b.path());
        assert!(a.is_dir());
        assert_eq!(std::fs::read_dir(&a).map(|d| d.count()).ok(), Some(0));
        assert!(!a.child("data").exists());
        std::fs::write(a.join("f"), b"x").expect("write");
        let path = a.path().to_path_buf();
        drop(a);
        assert!(!path.exists());
    }
}
