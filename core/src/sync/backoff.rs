//! Exponential backoff with full jitter, so a fleet of terminals coming back online at once
//! does not hit the host in step.

use std::time::Duration;

use crate::crypto::random_bytes;

/// Waits between tries: a random duration in `[0, min(cap, base * 2^n)]` for the n-th failure.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    base: Duration,
    cap: Duration,
    failures: u32,
}

impl Backoff {
    /// A backoff starting at `base`, never waiting longer than `cap`.
    pub fn new(base: Duration, cap: Duration) -> Backoff {
        Backoff { base, cap, failures: 0 }
    }

    /// The ceiling of the next wait (no jitter): what `next` draws below.
    pub fn ceiling(&self) -> Duration {
        let factor = 1u32.checked_shl(self.failures.min(20)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// Records a failure and returns how long to wait before the next try.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let ceiling = self.ceiling();
        self.failures = self.failures.saturating_add(1);
        // Jitter only spreads load: a failed random source just means no jitter.
        let r = random_bytes::<4>().map(u32::from_le_bytes).unwrap_or(u32::MAX);
        let millis = (ceiling.as_millis() as u64).saturating_mul(u64::from(r)) / u64::from(u32::MAX);
        // Never zero, so a loop on a dead link cannot spin.
        Duration::from_millis(millis.max(10))
    }

    /// A success: the next failure starts from `base` again.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_to_the_cap_with_jitter_below_the_ceiling() {
        let mut b = Backoff::new(Duration::from_secs(2), Duration::from_secs(60));
        let mut ceilings = Vec::new();
        for _ in 0..8 {
            let ceiling = b.ceiling();
            let d = b.next_delay();
            assert!(d <= ceiling.max(Duration::from_millis(10)), "{d:?} above {ceiling:?}");
            ceilings.push(ceiling.as_secs());
        }
        assert_eq!(ceilings, [2, 4, 8, 16, 32, 60, 60, 60]);
        b.reset();
        assert_eq!((b.failures, b.ceiling()), (0, Duration::from_secs(2)));
        // Jitter actually varies.
        let draws: std::collections::HashSet<_> =
            (0..20).map(|_| Backoff::new(Duration::from_secs(10), Duration::from_secs(10)).next_delay()).collect();
        assert!(draws.len() > 1);
    }
}
