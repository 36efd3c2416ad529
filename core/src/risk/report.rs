//! The risk report of one day: evaluations by decision and how often each rule fired.

use serde::Serialize;

use crate::store::{Store, StoreError};

use super::audit::of_day;

/// How often one rule fired on the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleCount {
    /// Rule id.
    pub rule: String,
    /// Evaluations it fired in.
    pub fired: u32,
}

/// One local day of risk evaluations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct RiskReport {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Evaluations.
    pub evaluations: u32,
    /// Payments that went ahead.
    pub proceeded: u32,
    /// Of those, on an operator's confirmation.
    pub confirmed: u32,
    /// Payments blocked.
    pub blocked: u32,
    /// Warnings never confirmed (or not yet).
    pub awaiting_confirmation: u32,
    /// Offline payments turned online-only.
    pub online_required: u32,
    /// Fired rules, most frequent first.
    pub rules: Vec<RuleCount>,
}

impl RiskReport {
    /// The report of `day` (`YYYY-MM-DD`) from the audit trail.
    pub(crate) fn of_day(store: &Store, day: &str) -> Result<RiskReport, StoreError> {
        let mut report = RiskReport { day: day.to_string(), ..RiskReport::default() };
        for rec in of_day(store, day)? {
            report.evaluations += 1;
            match rec.decision.as_str() {
                "proceeded" if rec.confirmation_of.is_some() => {
                    report.proceeded += 1;
                    report.confirmed += 1;
                }
                "proceeded" => report.proceeded += 1,
                "blocked" => report.blocked += 1,
                // A warning the operator confirmed is no longer waiting: its re-run counts it.
                "awaiting_confirmation" if rec.confirmed_by.is_some() => {}
                "awaiting_confirmation" => report.awaiting_confirmation += 1,
                _ => report.online_required += 1,
            }
            for f in rec.fired {
                match report.rules.iter_mut().find(|c| c.rule == f.rule) {
                    Some(c) => c.fired += 1,
                    None => report.rules.push(RuleCount { rule: f.rule, fired: 1 }),
                }
            }
        }
        report.rules.sort_by(|a, b| b.fired.cmp(&a.fired).then_with(|| a.rule.cmp(&b.rule)));
        Ok(report)
    }
}
