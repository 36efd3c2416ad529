//! Bounded waits: poll a condition until it holds or a deadline passes. Never unbounded.

use std::future::Future;
use std::time::{Duration, Instant};

/// Polls `cond` every `poll` until it returns true (→ true) or `timeout` has passed (→ false).
/// `cond` is checked once more at the deadline, so a slow machine is not failed by the last poll.
/// Blocks the thread: for synchronous tests (child processes, files).
pub fn wait_until(timeout: Duration, poll: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        std::thread::sleep(poll.min(deadline - now));
    }
}

/// As [`wait_until`] for async tests: `sleep` is the runtime's sleep (e.g.
/// `tokio::time::sleep`), passed in so this crate needs no runtime.
pub async fn wait_until_async<S, F>(
    timeout: Duration,
    poll: Duration,
    sleep: impl Fn(Duration) -> S,
    mut cond: impl FnMut() -> F,
) -> bool
where
    S: Future<Output = ()>,
    F: Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if cond().await {
            return true;
        }
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        sleep(poll.min(deadline - now)).await;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    #[test]
    fn returns_as_soon_as_the_condition_holds_and_gives_up_at_the_deadline() {
        let mut n = 0;
        assert!(super::wait_until(Duration::from_secs(5), Duration::from_millis(1), || {
            n += 1;
            n == 3
        }));
        assert_eq!(n, 3);
        let start = std::time::Instant::now();
        assert!(!super::wait_until(Duration::from_millis(30), Duration::from_millis(5), || false));
        assert!(start.elapsed() >= Duration::from_millis(30));
    }
}
