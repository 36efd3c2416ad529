//! What a rule asks for, and the outcome of evaluating a policy.

use serde::{Deserialize, Serialize};

use crate::i18n::Bilingual;

/// A rule's verdict, ordered from the mildest: the strongest fired verdict wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Go ahead.
    Allow,
    /// Go ahead only once the operator confirms (the confirmation is journaled).
    Warn,
    /// Online only: an offline payment is refused, an online one goes ahead.
    RequireOnline,
    /// Refused.
    Block,
}

impl Verdict {
    /// The stored name (`allow`, `warn`, `require_online`, `block`).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Warn => "warn",
            Verdict::RequireOnline => "require_online",
            Verdict::Block => "block",
        }
    }

    /// The verdict named `s`.
    pub fn parse(s: &str) -> Option<Verdict> {
        [Verdict::Allow, Verdict::Warn, Verdict::RequireOnline, Verdict::Block].into_iter().find(|v| v.as_str() == s)
    }
}

/// One rule that fired, with its reason in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fired {
    /// The rule's id in the policy.
    pub rule: String,
    /// Its verdict.
    pub verdict: Verdict,
    /// Why, in Chinese.
    pub zh: String,
    /// Why, in English.
    pub en: String,
}

impl Bilingual for Fired {
    fn zh(&self) -> String {
        format!("[{}] {}", self.rule, self.zh)
    }
    fn en(&self) -> String {
        format!("[{}] {}", self.rule, self.en)
    }
}

/// The result of evaluating a policy for one payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    /// The strongest verdict among the fired rules (`Allow` when none fired).
    pub verdict: Verdict,
    /// Every rule that fired, in policy order.
    pub fired: Vec<Fired>,
    /// The version of the policy evaluated.
    pub policy_version: u32,
}

impl Evaluation {
    /// The verdict that applies to a payment going online (`offline` false) or offline:
    /// require-online changes nothing for a payment that is online anyway.
    pub fn effective(&self, offline: bool) -> Verdict {
        self.fired
            .iter()
            .map(|f| match f.verdict {
                Verdict::RequireOnline if !offline => Verdict::Allow,
                v => v,
            })
            .max()
            .unwrap_or(Verdict::Allow)
    }

    /// The first fired rule with verdict `v`.
    pub fn first(&self, v: Verdict) -> Option<&Fired> {
        self.fired.iter().find(|f| f.verdict == v)
    }

    /// The ids of the fired rules with verdict `v`, in order.
    pub fn ids(&self, v: Verdict) -> Vec<String> {
        self.fired.iter().filter(|f| f.verdict == v).map(|f| f.rule.clone()).collect()
    }
}
