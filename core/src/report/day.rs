//! Parsing a [`Day`] typed by the operator, with the report's error.
//!
//! `Day` itself lives in `clock` (the journal needs it too and sits below the reports);
//! the parse that names a `ReportError` stays here so callers keep `Day::parse(s)?`.

use super::error::ReportError;
use crate::clock::Day;

impl Day {
    /// Parses `YYYY-MM-DD`; impossible dates (`2025-02-30`) are refused.
    pub fn parse(s: &str) -> Result<Day, ReportError> {
        Day::parse_ymd(s).ok_or_else(|| ReportError::BadDay(s.chars().take(32).collect()))
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
            assert_eq!(Day::parse(bad), Err(ReportError::BadDay(bad.into())), "{bad}");
        }
    }
}
