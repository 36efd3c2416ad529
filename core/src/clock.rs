//! Time as the terminal sees it: an injected [`Clock`] and the local civil [`Timestamp`].
//!
//! Nothing in the payment path reads the system time directly, so day boundaries,
//! field 12/13 values and stored dates are testable with a [`ManualClock`].

use std::fmt;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, UtcOffset};

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
    ///
    /// Days past the end of the month roll over into the next (31 April is 1 May), as before
    /// the calendar moved onto `time`.
    pub fn from_civil(t: CivilTime, utc_offset_secs: i32) -> Timestamp {
        let days = days_from_civil(t.year, t.month, t.day);
        let local = days * 86_400 + i64::from(t.hour) * 3600 + i64::from(t.minute) * 60 + i64::from(t.second);
        Timestamp { unix_secs: local - i64::from(utc_offset_secs), utc_offset_secs }
    }

    /// Parses a stored RFC 3339 local time (`2025-03-01T14:05:09+08:00`), the inverse of `Display`.
    pub fn parse(s: &str) -> Option<Timestamp> {
        let t = OffsetDateTime::parse(s, STORED).ok()?;
        Some(Timestamp { unix_secs: t.unix_timestamp(), utc_offset_secs: t.offset().whole_seconds() })
    }

    /// The local calendar date and time.
    pub fn civil(&self) -> CivilTime {
        CivilTime::of(self.local())
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

    /// The local date and time on `time`'s calendar.
    ///
    /// `time` covers the years -9999..=9999; an instant outside them reads as the nearest end,
    /// which no terminal clock reaches.
    fn local(&self) -> PrimitiveDateTime {
        let local = self.unix_secs.saturating_add(i64::from(self.utc_offset_secs));
        let local = local.clamp(
            PrimitiveDateTime::MIN.assume_utc().unix_timestamp(),
            PrimitiveDateTime::MAX.assume_utc().unix_timestamp(),
        );
        let utc = OffsetDateTime::from_unix_timestamp(local).unwrap_or(OffsetDateTime::UNIX_EPOCH);
        PrimitiveDateTime::new(utc.date(), utc.time())
    }
}

/// The stored form: RFC 3339 local time with its offset. SQL compares these strings as
/// ranges, so the layout must never change.
const STORED: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]");

/// The local part of [`STORED`].
const LOCAL: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");

/// A calendar day, `YYYY-MM-DD`.
const DAY: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

impl CivilTime {
    /// The local date and time of a stored timestamp, read from its first 19 characters
    /// (`2025-03-01T14:05:09`); the offset is not needed for what is printed.
    pub fn parse_local(stored: &str) -> Option<CivilTime> {
        Some(CivilTime::of(PrimitiveDateTime::parse(stored.get(..19)?, LOCAL).ok()?))
    }

    fn of(t: PrimitiveDateTime) -> CivilTime {
        CivilTime {
            year: t.year(),
            month: u8::from(t.month()),
            day: t.day(),
            hour: t.hour(),
            minute: t.minute(),
            second: t.second(),
        }
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 local time with its offset, as stored: `2025-03-01T14:05:09+08:00`.
    ///
    /// Offsets beyond ±25:59 (none exists on Earth) are written as `+00:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let offset = UtcOffset::from_whole_seconds(self.utc_offset_secs).unwrap_or(UtcOffset::UTC);
        let text = self.local().assume_offset(offset).format(STORED).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

/// Days since 1970-01-01 of a date, rolling over days past the month's end and months past 12.
fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    let index = i64::from(year) * 12 + i64::from(month) - 1;
    let (year, month) = (index.div_euclid(12), index.rem_euclid(12) + 1);
    let first = i32::try_from(year)
        .ok()
        .zip(Month::try_from(month as u8).ok())
        .and_then(|(y, m)| Date::from_calendar_date(y, m, 1).ok())
        .unwrap_or(if year < 0 { Date::MIN } else { Date::MAX });
    i64::from(first.to_julian_day() - UNIX_EPOCH_JULIAN_DAY) + i64::from(day) - 1
}

/// The Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;

/// One local calendar day (`YYYY-MM-DD`), the unit of reports and history date filters.
///
/// It lives here, below the journal and the reports, because both need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day {
    date: Date,
}

impl Day {
    /// Parses `YYYY-MM-DD`; impossible dates (`2025-02-30`) give `None`.
    ///
    /// `report::Day::parse` wraps this with the operator's error message.
    pub(crate) fn parse_ymd(s: &str) -> Option<Day> {
        // Exactly ten ASCII characters: `time` would also take a leading `+`.
        if s.len() != 10 || !s.is_ascii() {
            return None;
        }
        Date::parse(s, DAY).ok().map(|date| Day { date })
    }

    /// The local day of an instant.
    pub fn of(t: Timestamp) -> Day {
        Day { date: t.local().date() }
    }

    /// Midnight starting this day at `utc_offset_secs`.
    pub fn start(self, utc_offset_secs: i32) -> Timestamp {
        let local = self.date.midnight().assume_utc().unix_timestamp();
        Timestamp { unix_secs: local - i64::from(utc_offset_secs), utc_offset_secs }
    }

    /// The following day.
    pub fn next(self) -> Day {
        Day { date: self.date.next_day().unwrap_or(self.date) }
    }

    /// The same date `years` earlier (29 February becomes 28 February).
    pub(crate) fn years_before(self, years: u16) -> Day {
        let year = self.date.year() - i32::from(years);
        let date = Date::from_calendar_date(year, self.date.month(), self.date.day())
            .or_else(|_| Date::from_calendar_date(year, self.date.month(), 28))
            .unwrap_or(Date::MIN);
        Day { date }
    }

    /// Days since Monday (0 on a Monday), for weekly windows.
    pub(crate) fn days_from_monday(self) -> u8 {
        self.date.weekday().number_days_from_monday()
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.date.format(DAY).map_err(|_| fmt::Error)?)
    }
}

impl serde::Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The operating system's clock at a fixed UTC offset (China Standard Time by default).
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    utc_offset_secs: i32,
}

impl SystemClock {
    /// The system clock read at `utc_offset_secs` from UTC.
    pub(crate) fn with_offset(utc_offset_secs: i32) -> SystemClock {
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
    fn stored_times_parse_back() {
        let t = Timestamp::new(1_700_000_000, CHINA_UTC_OFFSET_SECS);
        assert_eq!(Timestamp::parse(&t.to_string()), Some(t));
        assert_eq!(Timestamp::parse("1969-12-31T22:59:59-01:00"), Some(Timestamp::new(-1, -3600)));
        // Offsets with minutes, either side of UTC, as the hand-written Display wrote them.
        for (offset, text) in [(-(3 * 3600 + 1800), "1969-12-31T20:30:00-03:30"), (-1800, "1969-12-31T23:30:00-00:30")]
        {
            assert_eq!(Timestamp::new(0, offset).to_string(), text);
            assert_eq!(Timestamp::parse(text), Some(Timestamp::new(0, offset)), "{text}");
        }
        assert_eq!(Timestamp::new(0, 19_800).to_string(), "1970-01-01T05:30:00+05:30");
        assert_eq!(Timestamp::parse("2025-02-28"), None);
        assert_eq!(Timestamp::parse("2025-02-28T23:59:59Z00:00"), None);
        assert_eq!(CivilTime::parse_local("2025-03-01T14:05:09+08:00"), Some(civil(2025, 3, 1, 14, 5, 9)));
        assert_eq!(CivilTime::parse_local("2025-13-01T14:05:09+08:00"), None);
        // Past the month's end rolls over, as the hand-written calendar did.
        assert_eq!(Timestamp::from_civil(civil(2025, 4, 31, 0, 0, 0), 0).civil(), civil(2025, 5, 1, 0, 0, 0));
    }

    #[test]
    fn days_parse_and_step() {
        let d = Day::parse_ymd("2024-02-28");
        assert_eq!(d.map(|d| d.next().to_string()), Some("2024-02-29".into()));
        assert_eq!(Day::parse_ymd("2024-12-31").map(|d| d.next().to_string()), Some("2025-01-01".into()));
        assert_eq!(Day::parse_ymd("2024-02-29").map(|d| d.years_before(2).to_string()), Some("2022-02-28".into()));
        for bad in
            ["2025-02-29", "2025-13-01", "2025-1-01", "20250101", "2025-00-10", "+2025-01-01", "２０２５-01-01", ""]
        {
            assert!(Day::parse_ymd(bad).is_none(), "{bad}");
        }
        let day = Day::of(Timestamp::new(1_700_000_000, CHINA_UTC_OFFSET_SECS));
        assert_eq!((day.to_string(), day.days_from_monday()), ("2023-11-15".into(), 2));
        assert_eq!(day.start(CHINA_UTC_OFFSET_SECS).to_string(), "2023-11-15T00:00:00+08:00");
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
