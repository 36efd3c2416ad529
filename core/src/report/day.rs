//! A local calendar day (`YYYY-MM-DD`), the unit of reports and history date filters.

use std::fmt;

use serde::Serialize;

use super::error::ReportError;
use crate::clock::{CivilTime, Timestamp};

/// One local calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day {
    year: i32,
    month: u8,
    day: u8,
}

impl Day {
    /// Parses `YYYY-MM-DD`; impossible dates (`2025-02-30`) are refused.
    pub fn parse(s: &str) -> Result<Day, ReportError> {
        let bad = || ReportError::BadDay(s.chars().take(32).collect());
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = s.get(r)?;
            part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok()).flatten()
        };
        let (year, month, day) = (num(0..4).ok_or_else(bad)?, num(5..7).ok_or_else(bad)?, num(8..10).ok_or_else(bad)?);
        let d = Day {
            year: i32::try_from(year).map_err(|_| bad())?,
            month: u8::try_from(month).map_err(|_| bad())?,
            day: u8::try_from(day).map_err(|_| bad())?,
        };
        // Round-tripping through the calendar rejects months and days that do not exist.
        if !(1..=12).contains(&d.month) || !(1..=31).contains(&d.day) || Day::of(d.start(0)) != d {
            return Err(bad());
        }
        Ok(d)
    }

    /// The local day of an instant.
    pub fn of(t: Timestamp) -> Day {
        let c = t.civil();
        Day { year: c.year, month: c.month, day: c.day }
    }

    /// Midnight starting this day at `utc_offset_secs`.
    pub fn start(self, utc_offset_secs: i32) -> Timestamp {
        Timestamp::from_civil(
            CivilTime { year: self.year, month: self.month, day: self.day, hour: 0, minute: 0, second: 0 },
            utc_offset_secs,
        )
    }

    /// The following day.
    pub fn next(self) -> Day {
        Day::of(self.start(0).plus_secs(86_400))
    }

    /// The same date `years` earlier (29 February becomes 28 February).
    pub fn years_before(self, years: u16) -> Day {
        let year = self.year - i32::from(years);
        let day = if self.month == 2 && self.day == 29 { 28 } else { self.day };
        Day { year, month: self.month, day }
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_steps() {
        let d = Day::parse("2024-02-28").ok();
        assert_eq!(d.map(|d| d.next().to_string()), Some("2024-02-29".into()));
        assert_eq!(Day::parse("2024-12-31").ok().map(|d| d.next().to_string()), Some("2025-01-01".into()));
        assert_eq!(Day::parse("2024-02-29").ok().map(|d| d.years_before(2).to_string()), Some("2022-02-28".into()));
        for bad in ["2025-02-29", "2025-13-01", "2025-1-01", "20250101", "2025-00-10", "２０２５-01-01", ""] {
            assert!(Day::parse(bad).is_err(), "{bad}");
        }
    }
}
