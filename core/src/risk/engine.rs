//! Evaluating a policy for one payment.

use crate::card::CardFingerprint;
use crate::clock::Timestamp;
use crate::iso8583::TxnType;
use crate::money::Amount;
use crate::offline::OfflineLimits;
use crate::store::{Store, StoreError};

use super::history::{gather, Facts};
use super::policy::RiskPolicy;
use super::rules::Ctx;
use super::verdict::{Evaluation, Fired, Verdict};

/// The payment about to be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskRequest {
    /// Sale, pre-auth or offline sale.
    pub txn: TxnType,
    /// Its amount.
    pub amount: Amount,
    /// The card's keyed fingerprint (absent before a card is read: `pos risk check` without one).
    pub fingerprint: Option<CardFingerprint>,
    /// Whether it is about to be approved offline.
    pub offline: bool,
    /// When.
    pub at: Timestamp,
}

/// Reads the history the policy needs from the journal and evaluates every enabled rule.
pub fn evaluate(
    store: &Store,
    policy: &RiskPolicy,
    limits: &OfflineLimits,
    req: &RiskRequest,
) -> Result<Evaluation, StoreError> {
    let facts = gather(store, policy, req)?;
    Ok(evaluate_with(policy, limits, req, &facts))
}

/// Evaluates every enabled rule against known facts (pure).
pub fn evaluate_with(policy: &RiskPolicy, limits: &OfflineLimits, req: &RiskRequest, facts: &Facts) -> Evaluation {
    let ctx = Ctx { req, facts, limits, currency: policy.currency() };
    let fired: Vec<Fired> = policy
        .rules
        .iter()
        .filter(|r| r.enabled)
        .filter_map(|r| {
            let (zh, en) = r.params.check(&ctx)?;
            Some(Fired { rule: r.id.clone(), verdict: r.verdict, zh, en })
        })
        .collect();
    let verdict = fired.iter().map(|f| f.verdict).max().unwrap_or(Verdict::Allow);
    Evaluation { verdict, fired, policy_version: policy.version }
}
