//! Time as the terminal sees it: an injected [`Clock`] and the local civil [`Timestamp`].
//!
//! Nothing in the payment path reads the system time directly, so day boundaries,
//! field 12/13 values and stored dates are testable with a [`ManualClock`].

use std::fmt;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// China Standard Time, UTC+8, which has no daylight saving.
pub const CHINA_UTC_OFFSET_SECS: i32 = 8 * 3600;

/// Where the terminal gets the time from (a platform capability, like the key vault).
pub trait Clock: Send + Sync {
    /// The current instant with the terminal's UTC offset.
    fn now(&self) -> Timestamp;
}

/// An instant plus the UTC offset of the place the terminal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    /// Seconds since 1970-01-01T00:00:00Z.
    pub unix_secs: i64,
    /// Offset of local time from UTC, in seconds.
    pub utc_offset_secs: i32,
}

/// A local calendar date and time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CivilTime {
    /// Full year, e.g. 2025.
    pub year: i32,
    /// 1..=12.
    pub month: u8,
    /// 1..=31.
    pub day: u8,
    /// 0..=23.
    pub hour: u8,
    /// 0..=59.
    pub minute: u8,
    /// 0..=59.
    pub second: u8,
}

impl Timestamp {
    /// An instant at `utc_offset_secs` from UTC.
    pub fn new(unix_secs: i64, utc_offset_secs: i32) -> Timestamp {
        Timestamp { unix_secs, utc_offset_secs }
    }

    /// A local date and time at the given offset (seconds past midnight UTC of that day).
    pub fn from_civil(t: CivilTime, utc_offset_secs: i32) -> Timestamp {
        let days = days_from_civil(t.year, t.month, t.day);
        let local = days * 86_400 + i64::from(t.hour) * 3600 + i64::from(t.minute) * 60 + i64::from(t.second);
        Timestamp { unix_secs: local - i64::from(utc_offset_secs), utc_offset_secs }
    }

    /// The local calendar date and time.
    pub fn civil(&self) -> CivilTime {
        let local = self.unix_secs + i64::from(self.utc_offset_secs);
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        CivilTime {
            year,
            month,
            day,
            hour: (secs / 3600) as u8,
            minute: (secs / 60 % 60) as u8,
            second: (secs % 60) as u8,
        }
    }

    /// Field 12: local time `hhmmss`.
    pub fn hhmmss(&self) -> String {
        let c = self.civil();
        format!("{:02}{:02}{:02}", c.hour, c.minute, c.second)
    }

    /// Field 13 (and 61.3): local date `MMDD`.
    pub fn mmdd(&self) -> String {
        let c = self.civil();
        format!("{:02}{:02}", c.month, c.day)
    }

    /// EMV tag 9A: local date `YYMMDD`.
    pub fn yymmdd(&self) -> String {
        let c = self.civil();
        format!("{:02}{:02}{:02}", c.year.rem_euclid(100), c.month, c.day)
    }

    /// The same instant `secs` later.
    pub fn plus_secs(&self, secs: i64) -> Timestamp {
        Timestamp { unix_secs: self.unix_secs.saturating_add(secs), ..*self }
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 local time with its offset, as stored: `2025-03-01T14:05:09+08:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.civil();
        let off = self.utc_offset_secs;
        let sign = if off < 0 { '-' } else { '+' };
        let off = off.unsigned_abs();
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{:02}:{:02}",
            c.year,
            c.month,
            c.day,
            c.hour,
            c.minute,
            c.second,
            sign,
            off / 3600,
            off / 60 % 60
        )
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (inverse of [`days_from_civil`]).
fn civil_from_days(days: i64) -> (i32, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year as i32, month, day)
}

/// The operating system's clock at a fixed UTC offset (China Standard Time by default).
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    utc_offset_secs: i32,
}

impl SystemClock {
    /// The system clock read at `utc_offset_secs` from UTC.
    pub fn with_offset(utc_offset_secs: i32) -> SystemClock {
        SystemClock { utc_offset_secs }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::with_offset(CHINA_UTC_OFFSET_SECS)
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        // A clock set before 1970 reads as the epoch rather than failing a payment.
        let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        Timestamp::new(i64::try_from(secs).unwrap_or(i64::MAX), self.utc_offset_secs)
    }
}

/// A clock that only moves when told to, for tests and demos.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<Timestamp>,
}

impl ManualClock {
    /// A clock showing `start`.
    pub fn new(start: Timestamp) -> ManualClock {
        ManualClock { now: Mutex::new(start) }
    }

    /// Sets the time.
    pub fn set(&self, t: Timestamp) {
        *self.now.lock().unwrap_or_else(|p| p.into_inner()) = t;
    }

    /// Moves the time forward by `secs`.
    pub fn advance(&self, secs: i64) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now = now.plus_secs(secs);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn civil(year: i32, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> CivilTime {
        CivilTime { year, month, day, hour, minute, second }
    }

    #[test]
    fn known_instants() {
        // date -u -d @1700000000 => 2023-11-14T22:13:20Z, i.e. 2023-11-15 06:13:20 in Beijing.
        let t = Timestamp::new(1_700_000_000, CHINA_UTC_OFFSET_SECS);
        assert_eq!(t.civil(), civil(2023, 11, 15, 6, 13, 20));
        assert_eq!((t.hhmmss().as_str(), t.mmdd().as_str(), t.yymmdd().as_str()), ("061320", "1115", "231115"));
        assert_eq!(t.to_string(), "2023-11-15T06:13:20+08:00");
        assert_eq!(Timestamp::new(0, 0).to_string(), "1970-01-01T00:00:00+00:00");
        assert_eq!(Timestamp::new(-1, -3600).to_string(), "1969-12-31T22:59:59-01:00");
    }

    #[test]
    fn civil_round_trips_across_leap_days() {
        for (y, m, d) in [(2024, 2, 29), (2000, 2, 29), (2100, 3, 1), (1999, 12, 31), (2025, 1, 1)] {
            let c = civil(y, m, d, 23, 59, 59);
            assert_eq!(Timestamp::from_civil(c, CHINA_UTC_OFFSET_SECS).civil(), c);
        }
        let new_year = Timestamp::from_civil(civil(2024, 12, 31, 23, 59, 59), CHINA_UTC_OFFSET_SECS);
        assert_eq!(new_year.plus_secs(1).mmdd(), "0101");
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::new(Timestamp::new(1_700_000_000, 0));
        assert_eq!(c.now(), c.now());
        c.advance(60);
        assert_eq!(c.now().unix_secs, 1_700_000_060);
        c.set(Timestamp::new(5, 0));
        assert_eq!(c.now().unix_secs, 5);
        assert!(SystemClock::default().now().unix_secs > 1_700_000_000);
    }
}
