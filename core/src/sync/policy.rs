//! How the sync engine paces itself.

use std::time::Duration;

/// Sync pacing (terminal parameters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncPolicy {
    /// Advices in flight at once on the one connection. 1 (the default) keeps the host's
    /// order strictly the stored order; more overlap round trips, and the host may then
    /// finish neighbours in either order.
    pub window: u32,
    /// Advices claimed per commit: their answers are recorded together, so a crash costs
    /// at most this many repeats (which the host answers without a second effect).
    pub group: u32,
    /// Batch upload messages (0320) in flight at once during settlement, their answers
    /// recorded a group at a time as above. The host matches them by STAN and their order
    /// does not matter to it, except the end message, which always goes last and alone.
    /// 1 sends them strictly one after another.
    pub upload_window: u32,
    /// How often the background task looks for work when nothing wakes it.
    pub interval: Duration,
    /// First wait after a transient failure.
    pub backoff_base: Duration,
    /// Longest wait between tries.
    pub backoff_cap: Duration,
}

impl Default for SyncPolicy {
    fn default() -> Self {
        SyncPolicy {
            window: 1,
            group: 32,
            upload_window: 8,
            interval: Duration::from_secs(60),
            backoff_base: Duration::from_secs(2),
            backoff_cap: Duration::from_secs(300),
        }
    }
}
