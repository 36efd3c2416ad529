//! The rule kinds, one per file: each a pure check of one payment against its facts.

mod business_hours;
mod card_daily;
mod card_interval;
mod card_limit;
mod card_months;
mod card_weekly;
mod daily_total;
mod odd_cents;
mod offline_exposure;
mod round_amount;
mod single_amount;
mod volume_spike;

use serde::{Deserialize, Serialize};

use crate::money::{Amount, Currency};
use crate::offline::OfflineLimits;

use super::engine::RiskRequest;
use super::error::PolicyError;
use super::history::Facts;

pub use business_hours::ClockTime;

/// What a rule looks at and its thresholds. Amounts are minor units of the policy's currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleParams {
    /// One payment above `above_minor`.
    SingleAmount {
        /// Threshold (exclusive).
        above_minor: u64,
    },
    /// The terminal's approved total today, this payment included, above `above_minor`.
    DailyTotal {
        /// Threshold (exclusive).
        above_minor: u64,
    },
    /// One of `exactly_minor`, or a multiple of `multiple_of_minor` above `above_minor`.
    RoundAmount {
        /// Amounts that fire on their own.
        exactly_minor: Vec<u64>,
        /// The round unit.
        multiple_of_minor: u64,
        /// Multiples fire above this (exclusive).
        above_minor: u64,
    },
    /// Cents (a fraction of `unit_minor`) on a payment above `above_minor`.
    OddCents {
        /// Threshold (exclusive).
        above_minor: u64,
        /// The whole unit: 100 fen.
        unit_minor: u64,
    },
    /// The same card more than `max` times this local day.
    CardDaily {
        /// Payments allowed per day.
        max: u32,
    },
    /// The same card again within `min_secs` of its last payment.
    CardInterval {
        /// Shortest gap allowed.
        min_secs: u32,
    },
    /// The same card more than `max` times this week (Monday 00:00 local).
    CardWeekly {
        /// Payments allowed per week.
        max: u32,
    },
    /// The same card in `months` consecutive calendar months or more.
    CardMonths {
        /// Consecutive months (this one included) that fire.
        months: u32,
    },
    /// A payment above `above_minor` outside `[open, close)` local time.
    BusinessHours {
        /// Opening time, `HH:MM`.
        open: ClockTime,
        /// Closing time, `HH:MM` (exclusive).
        close: ClockTime,
        /// Threshold (exclusive).
        above_minor: u64,
    },
    /// One payment above `per_mille` of the card's limit, where the limit is known.
    CardLimit {
        /// Share of the limit, in thousandths.
        per_mille: u32,
    },
    /// Today's total above `factor_per_mille`/1000 times the trailing daily average.
    VolumeSpike {
        /// The multiple, in thousandths (3000: three times).
        factor_per_mille: u32,
        /// Days before today the average is taken over.
        trailing_days: u32,
        /// Days with payments needed in the window before the average means anything.
        min_active_days: u32,
        /// Today's total must also be above this (exclusive).
        min_total_minor: u64,
    },
    /// The offline mode's exposure limits (per payment, queue total, count, age): offline only.
    OfflineExposure {},
}

/// A fired rule's reason: Chinese, English.
pub(crate) type Reason = (String, String);

/// Everything a rule may look at.
pub(crate) struct Ctx<'a> {
    pub req: &'a RiskRequest,
    pub facts: &'a Facts,
    pub limits: &'a OfflineLimits,
    pub currency: Currency,
}

impl Ctx<'_> {
    /// `minor` in the policy currency, for reasons.
    pub(crate) fn money(&self, minor: u64) -> String {
        Amount::from_minor(minor, self.currency).map(|a| a.to_string()).unwrap_or_else(|_| minor.to_string())
    }
}

impl RuleParams {
    /// The reason this rule fires for the payment of `ctx`, or `None`.
    pub(crate) fn check(&self, ctx: &Ctx<'_>) -> Option<Reason> {
        match self {
            RuleParams::SingleAmount { above_minor } => single_amount::check(ctx, *above_minor),
            RuleParams::DailyTotal { above_minor } => daily_total::check(ctx, *above_minor),
            RuleParams::RoundAmount { exactly_minor, multiple_of_minor, above_minor } => {
                round_amount::check(ctx, exactly_minor, *multiple_of_minor, *above_minor)
            }
            RuleParams::OddCents { above_minor, unit_minor } => odd_cents::check(ctx, *above_minor, *unit_minor),
            RuleParams::CardDaily { max } => card_daily::check(ctx, *max),
            RuleParams::CardInterval { min_secs } => card_interval::check(ctx, *min_secs),
            RuleParams::CardWeekly { max } => card_weekly::check(ctx, *max),
            RuleParams::CardMonths { months } => card_months::check(ctx, *months),
            RuleParams::BusinessHours { open, close, above_minor } => {
                business_hours::check(ctx, *open, *close, *above_minor)
            }
            RuleParams::CardLimit { per_mille } => card_limit::check(ctx, *per_mille),
            RuleParams::VolumeSpike { factor_per_mille, trailing_days, min_active_days, min_total_minor } => {
                volume_spike::check(ctx, *factor_per_mille, *trailing_days, *min_active_days, *min_total_minor)
            }
            RuleParams::OfflineExposure {} => offline_exposure::check(ctx),
        }
    }

    /// Checks the parameters; `at` names the rule (`rules[3]`) in the error.
    pub(crate) fn validate(&self, at: &str) -> Result<(), PolicyError> {
        let field =
            |name: &str, reason: &str| PolicyError::Invalid { field: format!("{at}.{name}"), reason: reason.into() };
        match self {
            RuleParams::RoundAmount { multiple_of_minor: 0, .. } => {
                Err(field("multiple_of_minor", "must be at least 1"))
            }
            RuleParams::OddCents { unit_minor: 0, .. } => Err(field("unit_minor", "must be at least 1")),
            RuleParams::CardDaily { max: 0 } | RuleParams::CardWeekly { max: 0 } => {
                Err(field("max", "must be at least 1"))
            }
            RuleParams::CardInterval { min_secs: 0 } => Err(field("min_secs", "must be at least 1")),
            RuleParams::CardMonths { months } if !(2..=12).contains(months) => Err(field("months", "must be 2..=12")),
            RuleParams::BusinessHours { open, close, .. } if open >= close => {
                Err(field("close", "must be later than open"))
            }
            RuleParams::CardLimit { per_mille } if !(1..=1000).contains(per_mille) => {
                Err(field("per_mille", "must be 1..=1000"))
            }
            RuleParams::VolumeSpike { factor_per_mille, .. } if *factor_per_mille < 1000 => {
                Err(field("factor_per_mille", "must be at least 1000 (the average itself)"))
            }
            RuleParams::VolumeSpike { trailing_days, .. } if !(1..=366).contains(trailing_days) => {
                Err(field("trailing_days", "must be 1..=366"))
            }
            RuleParams::VolumeSpike { trailing_days, min_active_days, .. } if min_active_days > trailing_days => {
                Err(field("min_active_days", "must not exceed trailing_days"))
            }
            _ => Ok(()),
        }
    }

    /// How far back the card's history is needed, in calendar months (this one included).
    pub(crate) fn card_months(&self) -> u32 {
        match self {
            RuleParams::CardMonths { months } => *months,
            _ => 0,
        }
    }

    /// Days before today the terminal's daily totals are needed.
    pub(crate) fn trailing_days(&self) -> u32 {
        match self {
            RuleParams::VolumeSpike { trailing_days, .. } => *trailing_days,
            _ => 0,
        }
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! A context builder for the rules' threshold tests.

    use super::*;
    use crate::clock::{CivilTime, Timestamp, CHINA_UTC_OFFSET_SECS};
    use crate::iso8583::TxnType;

    /// 2025-03-05 (a Wednesday) 12:00 Beijing time.
    pub(crate) fn noon() -> Timestamp {
        let c = CivilTime { year: 2025, month: 3, day: 5, hour: 12, minute: 0, second: 0 };
        Timestamp::from_civil(c, CHINA_UTC_OFFSET_SECS)
    }

    /// A CNY sale of `fen` at `at`, online, with a card.
    pub fn req(fen: u64, at: Timestamp) -> RiskRequest {
        RiskRequest {
            txn: TxnType::Sale,
            amount: Amount::cny(fen).unwrap_or_else(|_| unreachable!()),
            fingerprint: "11".repeat(32).parse().ok(),
            offline: false,
            at,
        }
    }

    /// Whether `rule` fires for `req` with `facts`.
    pub fn fires(rule: &RuleParams, req: &RiskRequest, facts: &Facts) -> bool {
        let limits = OfflineLimits::defaults(Currency::CNY);
        rule.check(&Ctx { req, facts, limits: &limits, currency: Currency::CNY }).is_some()
    }

    /// Fires for a sale of `fen` at noon with no history.
    pub(crate) fn fires_on(rule: &RuleParams, fen: u64) -> bool {
        fires(rule, &req(fen, noon()), &Facts::default())
    }
}
