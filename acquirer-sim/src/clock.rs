//! The host's clock: system time that tests can pin or move, and the local calendar.
//!
//! Risk windows, day boundaries and field 12/13 come from here, so a test can place
//! transactions in distinct hours or days without waiting.

use pos_core::Timestamp;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const NOT_PINNED: i64 = i64::MIN;

/// System time plus an adjustable offset, or a pinned instant.
#[derive(Debug)]
pub struct SimClock {
    offset_ms: AtomicI64,
    pinned_ms: AtomicI64,
    utc_offset_minutes: i32,
}

impl SimClock {
    /// Follows the system clock; local time is `utc_offset_minutes` east of UTC.
    pub fn system(utc_offset_minutes: i32) -> SimClock {
        SimClock { offset_ms: AtomicI64::new(0), pinned_ms: AtomicI64::new(NOT_PINNED), utc_offset_minutes }
    }

    /// Milliseconds since the Unix epoch, as the host sees them.
    pub fn now_ms(&self) -> i64 {
        let pinned = self.pinned_ms.load(Ordering::SeqCst);
        let base = if pinned != NOT_PINNED { pinned } else { system_ms() };
        base.saturating_add(self.offset_ms.load(Ordering::SeqCst))
    }

    /// Stops the clock at `unix_ms` (plus any offset set later).
    pub fn pin(&self, unix_ms: i64) {
        self.offset_ms.store(0, Ordering::SeqCst);
        self.pinned_ms.store(unix_ms.max(NOT_PINNED + 1), Ordering::SeqCst);
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        let _ = self.offset_ms.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |o| Some(o.saturating_add(ms)));
    }

    /// The local date and time now.
    pub fn local_now(&self) -> LocalTime {
        LocalTime::from_unix_ms(self.now_ms(), self.utc_offset_minutes)
    }

    /// The local date and time at `unix_ms`.
    pub fn local_at(&self, unix_ms: i64) -> LocalTime {
        LocalTime::from_unix_ms(unix_ms, self.utc_offset_minutes)
    }
}

fn system_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)).unwrap_or(0)
}

/// A civil date and time in the host's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LocalTime {
    /// Year, e.g. 2025.
    pub year: i32,
    /// Month 1..=12.
    pub month: u8,
    /// Day 1..=31.
    pub day: u8,
    /// Hour 0..=23.
    pub hour: u8,
    /// Minute 0..=59.
    pub minute: u8,
    /// Second 0..=59.
    pub second: u8,
}

impl LocalTime {
    /// Converts epoch milliseconds to the civil time `utc_offset_minutes` east of UTC.
    pub fn from_unix_ms(unix_ms: i64, utc_offset_minutes: i32) -> LocalTime {
        // The calendar arithmetic is core's; the simulator only keeps millisecond precision.
        let c = Timestamp::new(unix_ms.div_euclid(1000), utc_offset_minutes.saturating_mul(60)).civil();
        LocalTime { year: c.year, month: c.month, day: c.day, hour: c.hour, minute: c.minute, second: c.second }
    }

    /// Field 12: hhmmss.
    pub fn hhmmss(&self) -> String {
        format!("{:02}{:02}{:02}", self.hour, self.minute, self.second)
    }

    /// Field 13 and 15: MMDD.
    pub fn mmdd(&self) -> String {
        format!("{:02}{:02}", self.month, self.day)
    }

    /// The day as a number YYYYMMDD, the key of per-day limits.
    pub fn date_key(&self) -> i64 {
        i64::from(self.year) * 10_000 + i64::from(self.month) * 100 + i64::from(self.day)
    }

    /// Year and month as a card expiry compares them (two-digit year).
    pub fn expiry_month(&self) -> Option<pos_core::card::Expiry> {
        pos_core::card::Expiry::new(self.year.rem_euclid(100) as u8, self.month).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        // 2025-03-01T00:00:00Z is 1740787200.
        let t = LocalTime::from_unix_ms(1_740_787_200_000, 0);
        assert_eq!((t.year, t.month, t.day, t.hour), (2025, 3, 1, 0));
        // Beijing is 8 hours ahead: 2025-02-28T20:00Z is already March 1st there.
        let t = LocalTime::from_unix_ms(1_740_772_800_000, 480);
        assert_eq!((t.year, t.month, t.day, t.hour), (2025, 3, 1, 4));
        assert_eq!(t.mmdd(), "0301");
        assert_eq!(t.hhmmss(), "040000");
        assert_eq!(t.date_key(), 20250301);
        let t = LocalTime::from_unix_ms(951_782_400_000, 0); // 2000-02-29
        assert_eq!((t.year, t.month, t.day), (2000, 2, 29));
        let t = LocalTime::from_unix_ms(-1, 0);
        assert_eq!((t.year, t.month, t.day, t.second), (1969, 12, 31, 59));
    }

    #[test]
    fn pin_and_advance() {
        let c = SimClock::system(480);
        c.pin(1_740_787_200_000);
        assert_eq!(c.now_ms(), 1_740_787_200_000);
        c.advance(Duration::from_secs(3600));
        assert_eq!(c.now_ms(), 1_740_790_800_000);
        assert_eq!(c.local_now().hour, 9);
    }
}
