//! Large payments outside the merchant's business hours.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{Ctx, Reason};

/// A local time of day, `HH:MM` in policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClockTime {
    /// Minutes after midnight, 0..=1440 (24:00 closes at midnight).
    minutes: u16,
}

impl ClockTime {
    /// `hour`:`minute`, or `None` outside 00:00..=24:00.
    pub fn new(hour: u8, minute: u8) -> Option<ClockTime> {
        let minutes = u16::from(hour) * 60 + u16::from(minute);
        (minute < 60 && minutes <= 24 * 60).then_some(ClockTime { minutes })
    }

    /// Seconds after midnight.
    pub fn secs(self) -> u32 {
        u32::from(self.minutes) * 60
    }
}

impl FromStr for ClockTime {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not a time HH:MM (00:00 to 24:00)");
        let (h, m) = s.split_once(':').ok_or_else(bad)?;
        if h.len() != 2 || m.len() != 2 {
            return Err(bad());
        }
        ClockTime::new(h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?).ok_or_else(bad)
    }
}

impl TryFrom<String> for ClockTime {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<ClockTime> for String {
    fn from(t: ClockTime) -> String {
        t.to_string()
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.minutes / 60, self.minutes % 60)
    }
}

pub(super) fn check(ctx: &Ctx<'_>, open: ClockTime, close: ClockTime, above: u64) -> Option<Reason> {
    let c = ctx.req.at.civil();
    let now = u32::from(c.hour) * 3600 + u32::from(c.minute) * 60 + u32::from(c.second);
    let outside = now < open.secs() || now >= close.secs();
    (outside && ctx.req.amount.minor() > above).then(|| {
        let limit = ctx.money(above);
        (
            format!("营业时间（{open}-{close}）外的大额交易（超过{limit}）"),
            format!("a payment above {limit} outside business hours ({open}-{close})"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fires, noon, req};
    use super::super::RuleParams;
    use super::ClockTime;
    use crate::risk::Facts;

    fn rule() -> RuleParams {
        let t = |s: &str| s.parse::<ClockTime>().unwrap_or_else(|e| panic!("{e}"));
        RuleParams::BusinessHours { open: t("09:00"), close: t("21:00"), above_minor: 500_000 }
    }

    #[test]
    fn hours_are_half_open_and_local() {
        let day = noon().plus_secs(-12 * 3600); // 00:00 local
        let at = |h: i64, m: i64, s: i64| req(600_000, day.plus_secs(h * 3600 + m * 60 + s));
        let f = Facts::default();
        assert!(fires(&rule(), &at(8, 59, 59), &f));
        assert!(!fires(&rule(), &at(9, 0, 0), &f));
        assert!(!fires(&rule(), &at(20, 59, 59), &f));
        assert!(fires(&rule(), &at(21, 0, 0), &f));
        assert!(fires(&rule(), &at(23, 30, 0), &f));
    }

    #[test]
    fn only_large_payments() {
        let late = noon().plus_secs(10 * 3600); // 22:00
        let f = Facts::default();
        assert!(!fires(&rule(), &req(500_000, late), &f));
        assert!(!fires(&rule(), &req(499_999, late), &f));
        assert!(fires(&rule(), &req(500_001, late), &f));
    }

    #[test]
    fn times_parse_strictly() {
        assert_eq!("24:00".parse::<ClockTime>().map(|t| t.secs()), Ok(86_400));
        for bad in ["9:00", "24:01", "12:60", "noon", "12-00"] {
            assert!(bad.parse::<ClockTime>().is_err(), "{bad}");
        }
    }
}
