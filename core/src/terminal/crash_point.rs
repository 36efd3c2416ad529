//! Named points in the payment path where a test can make the process die, to check that
//! the journal recovers from a crash at exactly that step (feature `crash-hooks` only).
//!
//! `POS_CRASH_AT=after_send` aborts the first time the point is reached;
//! `POS_CRASH_AT=after_send:3` the third time. Without the feature this compiles to nothing.

/// Dies here if the test asked for it.
#[cfg(feature = "crash-hooks")]
pub(crate) fn crash_point(name: &str) {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::OnceLock;

    static TARGET: OnceLock<Option<(String, u32)>> = OnceLock::new();
    static HITS: AtomicU32 = AtomicU32::new(0);
    let target = TARGET.get_or_init(|| {
        let v = std::env::var("POS_CRASH_AT").ok()?;
        let (point, n) = v.split_once(':').unwrap_or((v.as_str(), "1"));
        Some((point.to_string(), n.parse().unwrap_or(1)))
    });
    if let Some((point, n)) = target {
        if point == name && HITS.fetch_add(1, Ordering::SeqCst) + 1 >= *n {
            eprintln!("crash point {name}: aborting");
            std::process::abort();
        }
    }
}

/// Does nothing: crash hooks are compiled out.
#[cfg(not(feature = "crash-hooks"))]
#[inline(always)]
pub(crate) fn crash_point(_name: &str) {}
