//! Power loss for SQLite: a VFS shim over the platform's that remembers, for each database,
//! WAL and rollback-journal file under a tracked directory, what is durable (written and then
//! synced) and what is only written. At an armed moment (the n-th write or sync) it takes the
//! picture a power cut would leave: the durable bytes plus a random prefix of the writes not yet
//! synced, in order (the disk wrote some of its queue, then lost power). The process runs on
//! unaware; the test then opens the terminal on that picture, as the phone would after reboot.
//!
//! The shim is made the process's default VFS, so it suits a test binary of its own
//! (`tests/tests/power_loss.rs`). Files outside the tracked directory, temporary files and the
//! WAL index (shared memory, rebuilt from the WAL at open) pass through untouched.

use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex, OnceLock, PoisonError};

use pos_testkit::SplitMix64;
use rusqlite::ffi;

/// One unsynced change to a file.
#[derive(Clone)]
enum Op {
    Write { offset: u64, data: Vec<u8> },
    Truncate { size: u64 },
}

impl Op {
    fn apply(&self, image: &mut Vec<u8>) {
        match self {
            Op::Write { offset, data } => {
                let start = usize::try_from(*offset).unwrap_or(usize::MAX);
                let end = start.saturating_add(data.len());
                if image.len() < end {
                    image.resize(end, 0);
                }
                image[start..end].copy_from_slice(data);
            }
            Op::Truncate { size } => image.truncate(usize::try_from(*size).unwrap_or(usize::MAX)),
        }
    }
}

/// What the disk holds for one file: synced bytes, and writes since the last sync.
#[derive(Default)]
struct Tracked {
    durable: Vec<u8>,
    pending: Vec<Op>,
}

#[derive(Default)]
struct State {
    dir: Option<PathBuf>,
    files: HashMap<String, Tracked>,
    /// Writes and syncs seen on tracked files since [`arm`].
    ops: u64,
    cut_at: Option<u64>,
    seed: u64,
    /// The picture at the cut: file name -> bytes; `None` until it happens.
    picture: Option<HashMap<String, Vec<u8>>>,
    /// Unsynced writes the cut dropped (over every file).
    dropped: usize,
    /// Syncs of tracked files since [`track`] (what a payment costs in fsyncs).
    syncs: u64,
}

static STATE: LazyLock<Mutex<State>> = LazyLock::new(Mutex::default);

fn state() -> std::sync::MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Our part of each open file, after the platform VFS's own.
#[repr(C)]
struct Extra {
    real_methods: *const ffi::sqlite3_io_methods,
    /// The tracked file's path, or empty when untracked (owned; freed at close).
    path: *mut String,
}

struct Shim {
    real: *mut ffi::sqlite3_vfs,
    /// Offset of [`Extra`] in our file structure (the platform's size, aligned).
    extra_at: usize,
}

// SAFETY: the pointers are SQLite's static VFS and our own leaked structures, never freed.
unsafe impl Send for Shim {}
unsafe impl Sync for Shim {}

static SHIM: OnceLock<Shim> = OnceLock::new();

fn extra(f: *mut ffi::sqlite3_file) -> *mut Extra {
    let at = SHIM.get().map(|s| s.extra_at).unwrap_or(0);
    // SAFETY: SQLite allocated szOsFile bytes for `f`, which covers `extra_at + size_of::<Extra>()`.
    unsafe { (f as *mut u8).add(at) as *mut Extra }
}

/// Installs the shim as the default VFS (once per process).
pub fn install() {
    SHIM.get_or_init(|| {
        // SAFETY: plain calls into SQLite; the copied VFS lives for the process.
        unsafe {
            ffi::sqlite3_initialize();
            let real = ffi::sqlite3_vfs_find(std::ptr::null());
            assert!(!real.is_null(), "a default VFS");
            let real_size = usize::try_from((*real).szOsFile).unwrap_or(0);
            let extra_at = real_size.div_ceil(8) * 8;
            let mut vfs: ffi::sqlite3_vfs = std::ptr::read(real);
            vfs.szOsFile = c_int::try_from(extra_at + std::mem::size_of::<Extra>()).unwrap_or(c_int::MAX);
            vfs.zName = c"powerloss".as_ptr();
            vfs.pNext = std::ptr::null_mut();
            vfs.xOpen = Some(shim_open);
            vfs.xDelete = Some(shim_delete);
            let vfs = Box::leak(Box::new(vfs));
            let shim = Shim { real, extra_at };
            let rc = ffi::sqlite3_vfs_register(vfs, 1);
            assert_eq!(rc, ffi::SQLITE_OK, "the power-loss VFS registers");
            shim
        }
    });
}

/// Tracks the database files under `dir` from now on (and forgets earlier ones).
pub fn track(dir: &Path) {
    let mut s = state();
    s.dir = Some(dir.to_path_buf());
    s.files.clear();
    s.picture = None;
    s.cut_at = None;
    s.syncs = 0;
}

/// Syncs (fsyncs of the database, its WAL or its journal) since [`track`].
pub fn syncs() -> u64 {
    state().syncs
}

/// Arms the cut at the `after`-th write or sync on a tracked file from now on; `seed` picks
/// how many unsynced writes reach the disk.
pub fn arm(after: u64, seed: u64) {
    let mut s = state();
    s.ops = 0;
    s.cut_at = Some(after.max(1));
    s.seed = seed;
    s.picture = None;
    s.dropped = 0;
}

/// Whether the cut has happened.
pub fn cut_happened() -> bool {
    state().picture.is_some()
}

/// Cuts now, if it has not happened yet (the workload ended before the armed moment).
pub fn cut_now() {
    let mut s = state();
    if s.picture.is_none() {
        take_picture(&mut s);
    }
}

/// Unsynced writes the cut dropped.
pub fn dropped() -> usize {
    state().dropped
}

/// Writes the picture's files into `dst` (by file name); the other files of the tracked
/// directory (keys, provisioning: written once, before) are for the caller to copy.
pub fn restore_into(dst: &Path) -> std::io::Result<Vec<String>> {
    let s = state();
    let mut names = Vec::new();
    for (name, bytes) in s.picture.iter().flatten() {
        std::fs::write(dst.join(name), bytes)?;
        names.push(name.clone());
    }
    Ok(names)
}

fn take_picture(s: &mut State) {
    let mut rng = SplitMix64::new(s.seed);
    let mut picture = HashMap::new();
    let mut dropped = 0;
    let mut names: Vec<_> = s.files.keys().cloned().collect();
    names.sort();
    for path in names {
        let t = &s.files[&path];
        let mut image = t.durable.clone();
        let kept = rng.range(0, t.pending.len() as u64) as usize;
        for op in &t.pending[..kept] {
            op.apply(&mut image);
        }
        dropped += t.pending.len() - kept;
        let name = Path::new(&path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        picture.insert(name, image);
    }
    s.picture = Some(picture);
    s.dropped = dropped;
}

/// Counts a write or sync; cuts when the armed moment comes.
fn tick(s: &mut State) {
    s.ops += 1;
    if s.picture.is_none() && s.cut_at.is_some_and(|at| s.ops >= at) {
        take_picture(s);
    }
}

fn tracked_path(f: *mut ffi::sqlite3_file) -> Option<String> {
    // SAFETY: `path` is null or a String we leaked at open.
    unsafe {
        let p = (*extra(f)).path;
        (!p.is_null()).then(|| (*p).clone())
    }
}

unsafe extern "C" fn shim_open(
    _vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let Some(shim) = SHIM.get() else { return ffi::SQLITE_ERROR };
    let e = extra(file);
    (*e).path = std::ptr::null_mut();
    (*file).pMethods = std::ptr::null();
    let Some(real_open) = (*shim.real).xOpen else { return ffi::SQLITE_ERROR };
    let rc = real_open(shim.real, name, file, flags, out_flags);
    if rc != ffi::SQLITE_OK || (*file).pMethods.is_null() {
        return rc;
    }
    let real_methods = (*file).pMethods;
    (*e).real_methods = real_methods;
    let kinds = ffi::SQLITE_OPEN_MAIN_DB | ffi::SQLITE_OPEN_WAL | ffi::SQLITE_OPEN_MAIN_JOURNAL;
    let path = (!name.is_null()).then(|| CStr::from_ptr(name).to_string_lossy().into_owned());
    let mut s = state();
    let wanted = match (&path, &s.dir) {
        (Some(p), Some(d)) => flags & kinds != 0 && Path::new(p).starts_with(d),
        _ => false,
    };
    if !wanted {
        return rc;
    }
    let path = path.unwrap_or_default();
    if !s.files.contains_key(&path) {
        let durable = std::fs::read(&path).unwrap_or_default();
        s.files.insert(path.clone(), Tracked { durable, pending: Vec::new() });
    }
    (*e).path = Box::into_raw(Box::new(path));
    (*file).pMethods = methods_for(real_methods);
    rc
}

/// Our copy of a platform methods table (the database and the journals use different ones),
/// with writes, truncates, syncs and close going through the shim. Made once per table.
///
/// # Safety
/// `real` points to one of SQLite's static methods tables.
unsafe fn methods_for(real: *const ffi::sqlite3_io_methods) -> *const ffi::sqlite3_io_methods {
    struct Table(usize, &'static ffi::sqlite3_io_methods);
    static TABLES: Mutex<Vec<Table>> = Mutex::new(Vec::new());
    let mut tables = TABLES.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(t) = tables.iter().find(|t| t.0 == real as usize) {
        return t.1;
    }
    let mut m = std::ptr::read(real);
    m.xClose = Some(shim_close);
    m.xWrite = Some(shim_write);
    m.xTruncate = Some(shim_truncate);
    m.xSync = Some(shim_sync);
    let ours: &'static ffi::sqlite3_io_methods = Box::leak(Box::new(m));
    tables.push(Table(real as usize, ours));
    ours
}

unsafe extern "C" fn shim_delete(_vfs: *mut ffi::sqlite3_vfs, name: *const c_char, sync_dir: c_int) -> c_int {
    let Some(shim) = SHIM.get() else { return ffi::SQLITE_ERROR };
    let Some(real_delete) = (*shim.real).xDelete else { return ffi::SQLITE_ERROR };
    let rc = real_delete(shim.real, name, sync_dir);
    if rc == ffi::SQLITE_OK && !name.is_null() {
        let path = CStr::from_ptr(name).to_string_lossy().into_owned();
        state().files.remove(&path);
    }
    rc
}

unsafe extern "C" fn shim_close(file: *mut ffi::sqlite3_file) -> c_int {
    let e = extra(file);
    let real = (*e).real_methods;
    if !(*e).path.is_null() {
        drop(Box::from_raw((*e).path));
        (*e).path = std::ptr::null_mut();
    }
    match (*real).xClose {
        Some(close) => close(file),
        None => ffi::SQLITE_OK,
    }
}

/// After the cut the power is off: a tracked file takes no more writes or syncs (the process
/// runs on, unaware, but nothing it does after that moment reaches the disk, and a commit that
/// fails is never followed by a send).
fn powered_off(file: *mut ffi::sqlite3_file) -> bool {
    tracked_path(file).is_some() && state().picture.is_some()
}

unsafe extern "C" fn shim_write(file: *mut ffi::sqlite3_file, buf: *const c_void, amt: c_int, offset: i64) -> c_int {
    if powered_off(file) {
        return ffi::SQLITE_IOERR_WRITE;
    }
    let real = (*extra(file)).real_methods;
    let Some(write) = (*real).xWrite else { return ffi::SQLITE_IOERR_WRITE };
    let rc = write(file, buf, amt, offset);
    if rc == ffi::SQLITE_OK {
        if let Some(path) = tracked_path(file) {
            let data = std::slice::from_raw_parts(buf as *const u8, usize::try_from(amt).unwrap_or(0)).to_vec();
            let mut s = state();
            if let Some(t) = s.files.get_mut(&path) {
                t.pending.push(Op::Write { offset: u64::try_from(offset).unwrap_or(0), data });
            }
            tick(&mut s);
        }
    }
    rc
}

unsafe extern "C" fn shim_truncate(file: *mut ffi::sqlite3_file, size: i64) -> c_int {
    if powered_off(file) {
        return ffi::SQLITE_IOERR_TRUNCATE;
    }
    let real = (*extra(file)).real_methods;
    let Some(truncate) = (*real).xTruncate else { return ffi::SQLITE_IOERR_TRUNCATE };
    let rc = truncate(file, size);
    if rc == ffi::SQLITE_OK {
        if let Some(path) = tracked_path(file) {
            let mut s = state();
            if let Some(t) = s.files.get_mut(&path) {
                t.pending.push(Op::Truncate { size: u64::try_from(size).unwrap_or(0) });
            }
            tick(&mut s);
        }
    }
    rc
}

unsafe extern "C" fn shim_sync(file: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    if powered_off(file) {
        return ffi::SQLITE_IOERR_FSYNC;
    }
    let real = (*extra(file)).real_methods;
    let Some(sync) = (*real).xSync else { return ffi::SQLITE_IOERR_FSYNC };
    let rc = sync(file, flags);
    if rc == ffi::SQLITE_OK {
        if let Some(path) = tracked_path(file) {
            let mut s = state();
            if let Some(t) = s.files.get_mut(&path) {
                let pending = std::mem::take(&mut t.pending);
                for op in &pending {
                    op.apply(&mut t.durable);
                }
            }
            s.syncs += 1;
            tick(&mut s);
        }
    }
    rc
}
