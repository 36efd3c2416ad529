//! The background sync task: wakes on connectivity return, on "sync now" and on a timer,
//! backs off exponentially (with jitter) while the host cannot be reached.

use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::sync::Backoff;

use super::Terminal;

/// The running background sync; dropping it stops the task.
#[derive(Debug)]
pub struct SyncTask {
    handle: JoinHandle<()>,
}

impl SyncTask {
    /// Stops the task now.
    pub fn stop(&self) {
        self.handle.abort();
    }
}

impl Drop for SyncTask {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

impl Terminal {
    /// Starts the background sync on the current tokio runtime. It runs once at once (the
    /// start-up recovery), then whenever woken or every `sync.interval`. It holds the
    /// terminal weakly: dropping the terminal ends it too.
    pub fn spawn_sync(self: &Arc<Self>) -> SyncTask {
        let weak = Arc::downgrade(self);
        let wakeup = self.wakeup.clone();
        let policy = self.config.sync;
        let handle = tokio::spawn(async move {
            let mut backoff = Backoff::new(policy.backoff_base, policy.backoff_cap);
            let mut delay = Duration::ZERO;
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = wakeup.notified() => backoff.reset(),
                }
                delay = match round(&weak).await {
                    None => break,
                    Some(Pace::Idle) => {
                        backoff.reset();
                        policy.interval
                    }
                    Some(Pace::Retry) => backoff.next_delay(),
                };
            }
        });
        SyncTask { handle }
    }
}

/// What the last round says about the next wait.
enum Pace {
    /// Done, or nothing to do that waiting would help: the regular interval.
    Idle,
    /// A transient failure: back off.
    Retry,
}

async fn round(weak: &Weak<Terminal>) -> Option<Pace> {
    let t = weak.upgrade()?;
    if !t.connectivity.platform_online() {
        // Wait for the platform to say it is back (or the timer).
        return Some(Pace::Idle);
    }
    let work = t.store.due_reversal_count().unwrap_or(0) > 0 || t.store.queue_stats().map(|s| s.count).unwrap_or(0) > 0;
    if !work {
        if !t.connectivity.host_reachable() {
            // Nothing to send, but the UI wants to know when the host is back: an echo tells.
            if let Err(e) = t.echo().await {
                tracing::debug!(error = %e, "host still unreachable");
                return Some(Pace::Retry);
            }
        }
        return Some(if due_downloads(&t).await { Pace::Idle } else { Pace::Retry });
    }
    let pace = match t.sync().await {
        Ok(r) if r.stop.as_ref().is_some_and(|s| s.is_transient()) => Pace::Retry,
        Ok(_) => Pace::Idle,
        Err(e) => {
            tracing::warn!(error = %e, "background sync failed");
            Pace::Retry
        }
    };
    Some(match (pace, due_downloads(&t).await) {
        (Pace::Idle, true) => Pace::Idle,
        _ => Pace::Retry,
    })
}

/// Runs the downloads the host asked for, after the payments (which come first); `false`
/// when one failed (it stays due and resumes next round).
async fn due_downloads(t: &Terminal) -> bool {
    let due = t.downloads_due().is_ok_and(|d| !d.is_empty()) || t.parameters_due().unwrap_or(false);
    if !due {
        return true;
    }
    match t.run_due_downloads().await {
        Ok(done) => {
            tracing::info!(downloads = done.len(), "downloads the host asked for are done");
            true
        }
        Err(e) => {
            tracing::warn!(error = %e, "a download the host asked for failed; it resumes next round");
            false
        }
    }
}
