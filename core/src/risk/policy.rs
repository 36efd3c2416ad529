//! The risk policy: versioned, validated JSON the acquirer may push; defaults from the merchant agreements.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::money::Currency;

use super::error::PolicyError;
use super::rules::{ClockTime, RuleParams};
use super::verdict::Verdict;

/// The settings key holding the pushed policy (JSON).
pub const POLICY_SETTING: &str = "risk.policy";

/// One rule: its id, what it asks for when it fires, and its parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// Stable id (`[a-z0-9_]`), reported when the rule fires.
    pub id: String,
    /// What firing asks for.
    pub verdict: Verdict,
    /// Switched off rules are kept in the policy but never fire.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The kind and its thresholds.
    #[serde(flatten)]
    pub params: RuleParams,
}

fn yes() -> bool {
    true
}

/// A versioned list of rules in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskPolicy {
    /// Increases with every push; an older one is refused.
    pub version: u32,
    /// ISO 4217 numeric currency of the amounts (156: CNY).
    pub currency: u16,
    /// The rules, evaluated in order.
    pub rules: Vec<Rule>,
}

/// The shape read before each rule is parsed alone, so errors can name the rule.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    version: u32,
    currency: u16,
    rules: Vec<serde_json::Value>,
}

impl RiskPolicy {
    /// Parses and validates a policy; errors name the field.
    pub fn from_json(text: &str) -> Result<RiskPolicy, PolicyError> {
        let raw: Raw = serde_json::from_str(text)
            .map_err(|e| PolicyError::Parse { field: "policy".into(), detail: e.to_string() })?;
        let mut rules = Vec::with_capacity(raw.rules.len());
        for (i, value) in raw.rules.into_iter().enumerate() {
            let id = value.get("id").and_then(|v| v.as_str()).unwrap_or("?").to_string();
            let rule: Rule = serde_json::from_value(value)
                .map_err(|e| PolicyError::Parse { field: format!("rules[{i}] ({id})"), detail: e.to_string() })?;
            rules.push(rule);
        }
        let policy = RiskPolicy { version: raw.version, currency: raw.currency, rules };
        policy.validate()?;
        Ok(policy)
    }

    /// The policy as JSON (what [`RiskPolicy::from_json`] reads).
    pub fn to_json(&self) -> String {
        // Plain data without maps keyed by non-strings: serialising cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks versions, the currency, ids and every rule's parameters.
    pub fn validate(&self) -> Result<(), PolicyError> {
        let invalid = |field: String, reason: &str| PolicyError::Invalid { field, reason: reason.into() };
        if self.version == 0 {
            return Err(invalid("version".into(), "must be at least 1"));
        }
        if Currency::from_numeric(self.currency).is_none() {
            return Err(invalid("currency".into(), "not a known ISO 4217 numeric code"));
        }
        let mut seen = HashSet::new();
        for (i, rule) in self.rules.iter().enumerate() {
            let at = format!("rules[{i}]");
            let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_';
            if rule.id.is_empty() || rule.id.len() > 40 || !rule.id.chars().all(ok_char) {
                return Err(invalid(format!("{at}.id"), "must be 1 to 40 of a-z, 0-9, _"));
            }
            if !seen.insert(rule.id.as_str()) {
                return Err(invalid(format!("{at}.id"), "duplicate rule id"));
            }
            rule.params.validate(&at)?;
        }
        Ok(())
    }

    /// The currency of the amounts.
    pub fn currency(&self) -> Currency {
        Currency::from_numeric(self.currency).unwrap_or(Currency::CNY)
    }

    /// The default policy (CNY): the patterns of issue 7, blocking the two hard ceilings,
    /// warning on the rest, and keeping offline payments within the offline limits.
    pub fn default_cny() -> RiskPolicy {
        let rule = |id: &str, verdict, params| Rule { id: id.into(), verdict, enabled: true, params };
        let hours = |h| ClockTime::new(h, 0).unwrap_or_else(|| unreachable!("hours below 24"));
        use RuleParams as P;
        use Verdict::*;
        RiskPolicy {
            version: 1,
            currency: Currency::CNY.numeric,
            rules: vec![
                rule("single_amount", Block, P::SingleAmount { above_minor: 3_000_000 }),
                rule("daily_total", Block, P::DailyTotal { above_minor: 10_000_000 }),
                rule(
                    "round_amount",
                    Warn,
                    P::RoundAmount { exactly_minor: vec![1_000_000], multiple_of_minor: 100_000, above_minor: 500_000 },
                ),
                rule("odd_cents", Warn, P::OddCents { above_minor: 100_000, unit_minor: 100 }),
                rule("card_daily", Warn, P::CardDaily { max: 2 }),
                rule("card_interval", Warn, P::CardInterval { min_secs: 300 }),
                rule("card_weekly", Warn, P::CardWeekly { max: 3 }),
                rule("card_months", Warn, P::CardMonths { months: 2 }),
                rule(
                    "business_hours",
                    Warn,
                    P::BusinessHours { open: hours(9), close: hours(21), above_minor: 500_000 },
                ),
                rule("card_limit", Warn, P::CardLimit { per_mille: 600 }),
                rule(
                    "volume_spike",
                    Warn,
                    P::VolumeSpike {
                        factor_per_mille: 3000,
                        trailing_days: 30,
                        min_active_days: 7,
                        min_total_minor: 1_000_000,
                    },
                ),
                rule("offline_exposure", RequireOnline, P::OfflineExposure {}),
            ],
        }
    }

    /// Calendar months of card history the rules need (this one included), at least one.
    pub(crate) fn card_months(&self) -> u32 {
        self.rules.iter().filter(|r| r.enabled).map(|r| r.params.card_months()).max().unwrap_or(0).max(1)
    }

    /// Days before today of daily totals the rules need.
    pub(crate) fn trailing_days(&self) -> u32 {
        self.rules.iter().filter(|r| r.enabled).map(|r| r.params.trailing_days()).max().unwrap_or(0)
    }

    /// The longest card interval any rule looks back.
    pub(crate) fn interval_secs(&self) -> u32 {
        self.rules
            .iter()
            .filter(|r| r.enabled)
            .map(|r| match r.params {
                RuleParams::CardInterval { min_secs } => min_secs,
                _ => 0,
            })
            .max()
            .unwrap_or(0)
    }
}

impl Default for RiskPolicy {
    fn default() -> Self {
        RiskPolicy::default_cny()
    }
}
