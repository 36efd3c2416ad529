//! Local calendar boundaries for the rules' windows: day, week (from Monday), month.

use crate::clock::{CivilTime, Day, Timestamp};

/// Local midnight starting the day of `at`.
pub(crate) fn day_start(at: Timestamp) -> Timestamp {
    Day::of(at).start(at.utc_offset_secs)
}

/// Local Monday 00:00 starting the week of `at`.
pub(crate) fn week_start(at: Timestamp) -> Timestamp {
    let weekday = i64::from(Day::of(at).days_from_monday());
    day_start(at).plus_secs(-weekday * 86_400)
}

/// Local 00:00 of the first day of the month `back` months before that of `at`.
pub(crate) fn month_start(at: Timestamp, back: u32) -> Timestamp {
    let c = at.civil();
    let index = i64::from(c.year) * 12 + i64::from(c.month) - 1 - i64::from(back);
    let (year, month) = (index.div_euclid(12) as i32, (index.rem_euclid(12) + 1) as u8);
    Timestamp::from_civil(CivilTime { year, month, day: 1, hour: 0, minute: 0, second: 0 }, at.utc_offset_secs)
}

/// The local date `YYYY-MM-DD`: the key of the daily totals and of the audit's days.
pub(crate) fn day_key(at: Timestamp) -> String {
    Day::of(at).to_string()
}

/// Unix seconds of a stored RFC 3339 local time (`2025-03-01T14:05:09+08:00`).
pub(crate) fn parse_stored(s: &str) -> Option<i64> {
    Timestamp::parse(s).map(|t| t.unix_secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::CHINA_UTC_OFFSET_SECS;

    fn at(y: i32, mo: u8, d: u8, h: u8, mi: u8) -> Timestamp {
        Timestamp::from_civil(
            CivilTime { year: y, month: mo, day: d, hour: h, minute: mi, second: 0 },
            CHINA_UTC_OFFSET_SECS,
        )
    }

    #[test]
    fn boundaries_are_local() {
        // 2025-03-05 is a Wednesday; 00:30 local is still the previous UTC day.
        assert_eq!(day_start(at(2025, 3, 5, 0, 30)), at(2025, 3, 5, 0, 0));
        assert_eq!(week_start(at(2025, 3, 5, 0, 30)), at(2025, 3, 3, 0, 0));
        assert_eq!(week_start(at(2025, 3, 3, 0, 0)), at(2025, 3, 3, 0, 0));
        assert_eq!(week_start(at(2025, 3, 2, 23, 59)), at(2025, 2, 24, 0, 0));
        assert_eq!(month_start(at(2025, 1, 15, 8, 0), 1), at(2024, 12, 1, 0, 0));
        assert_eq!(month_start(at(2025, 3, 31, 23, 0), 0), at(2025, 3, 1, 0, 0));
        assert_eq!(day_key(at(2025, 1, 1, 0, 0)), "2025-01-01");
    }

    #[test]
    fn stored_times_round_trip() {
        let t = at(2025, 2, 28, 23, 59).plus_secs(59);
        assert_eq!(parse_stored(&t.to_string()), Some(t.unix_secs));
        assert_eq!(parse_stored("2025-02-28"), None);
        assert_eq!(parse_stored("2025-02-28T23:59:59Z00:00"), None);
    }
}
