//! The audit trail: every evaluation with its fired rules, the operator's confirmation of a
//! warning, and the journal row of the payment it let through.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::TxnId;
use crate::store::risk::{ConfirmationQuery, NewRiskAudit, RiskAuditRow};
use crate::store::{Store, StoreError};

use super::calendar::day_key;
use super::engine::RiskRequest;
use super::verdict::{Evaluation, Verdict};

/// How long a confirmed warning may be used by the payment run again.
pub(crate) const CONFIRMATION_TTL_SECS: i64 = 600;

/// One evaluation in the audit trail; also the token an operator confirms a warning with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AuditId(pub i64);

impl fmt::Display for AuditId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "R{}", self.0)
    }
}

impl std::str::FromStr for AuditId {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.strip_prefix('R').unwrap_or(s).parse().map(AuditId).map_err(|_| ())
    }
}

/// What the terminal did after an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum AuditDecision {
    /// The payment went ahead (allowed, or a confirmed warning).
    Proceeded,
    /// A rule blocked it.
    Blocked,
    /// A warning waits for the operator.
    AwaitingConfirmation,
    /// An offline payment refused: online only.
    OnlineRequired,
}

impl AuditDecision {
    fn as_str(self) -> &'static str {
        match self {
            AuditDecision::Proceeded => "proceeded",
            AuditDecision::Blocked => "blocked",
            AuditDecision::AwaitingConfirmation => "awaiting_confirmation",
            AuditDecision::OnlineRequired => "online_required",
        }
    }
}

/// A stored evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    /// Its id (the confirmation token).
    pub id: AuditId,
    /// Local date `YYYY-MM-DD`.
    pub day: String,
    /// When, RFC 3339 local.
    pub at: String,
    /// The policy version evaluated.
    pub policy_version: u32,
    /// The strongest fired verdict.
    pub verdict: Verdict,
    /// The fired rules and their verdicts.
    pub fired: Vec<FiredRule>,
    /// `proceeded`, `blocked`, `awaiting_confirmation`, `online_required`.
    pub decision: String,
    /// Who confirmed the warning.
    pub confirmed_by: Option<String>,
    /// The confirmed evaluation this one went ahead on.
    pub confirmation_of: Option<AuditId>,
    /// The journal row of the payment.
    pub txn_id: Option<i64>,
}

/// A fired rule as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiredRule {
    /// Rule id.
    pub rule: String,
    /// Its verdict.
    pub verdict: Verdict,
}

fn fired_json(eval: &Evaluation) -> String {
    let list: Vec<FiredRule> =
        eval.fired.iter().map(|f| FiredRule { rule: f.rule.clone(), verdict: f.verdict }).collect();
    serde_json::to_string(&list).unwrap_or_else(|_| "[]".into())
}

fn parse_fired(text: &str) -> Vec<FiredRule> {
    serde_json::from_str(text).unwrap_or_default()
}

/// Records an evaluation; `confirmation_of` marks the confirmation used (once) in the same transaction.
pub(crate) fn record(
    store: &Store,
    req: &RiskRequest,
    eval: &Evaluation,
    decision: AuditDecision,
    confirmation_of: Option<AuditId>,
) -> Result<AuditId, StoreError> {
    let (day, at, fired) = (day_key(req.at), req.at.to_string(), fired_json(eval));
    let row = NewRiskAudit {
        day: &day,
        at: &at,
        at_unix: req.at.unix_secs,
        txn_type: crate::journal::type_name(req.txn),
        amount_minor: req.amount.minor() as i64,
        card_fingerprint: req.fingerprint.map(|f| f.to_string()),
        offline: req.offline,
        policy_version: eval.policy_version,
        verdict: eval.verdict.as_str(),
        fired: &fired,
        decision: decision.as_str(),
        confirmation_of: confirmation_of.map(|c| c.0),
    };
    Ok(AuditId(store.insert_risk_audit(&row, confirmation_of.map(|c| c.0))?))
}

/// Records an evaluation that went ahead on `confirmation`; `mark_used` spends it (a carried
/// evaluation of the same payment is not spent again).
pub(crate) fn record_carried(
    store: &Store,
    req: &RiskRequest,
    eval: &Evaluation,
    confirmation: Option<AuditId>,
    mark_used: bool,
) -> Result<AuditId, StoreError> {
    if mark_used {
        return record(store, req, eval, AuditDecision::Proceeded, confirmation);
    }
    let id = record(store, req, eval, AuditDecision::Proceeded, None)?;
    if let Some(c) = confirmation {
        store.set_risk_confirmation_of(id.0, c.0)?;
    }
    Ok(id)
}

/// Records a card's reported limit.
pub fn note_card_limit(
    store: &Store,
    card: crate::card::CardFingerprint,
    limit: crate::money::Amount,
    source: &str,
    at: &str,
) -> Result<(), StoreError> {
    store.set_risk_card_limit(&card.to_string(), limit.minor() as i64, limit.currency().numeric, source, at)
}

/// Links an evaluation to the journal row of its payment.
pub(crate) fn link_txn(store: &Store, id: AuditId, txn: TxnId) -> Result<(), StoreError> {
    store.link_risk_txn(id.0, txn)
}

/// Journals the operator's confirmation of a warning; `false` when `id` awaits none.
pub(crate) fn confirm(store: &Store, id: AuditId, operator: &str, at: &str) -> Result<bool, StoreError> {
    store.confirm_risk_audit(id.0, operator, at)
}

/// A confirmed, unused, recent warning for the same card, amount and type that covers every
/// warning rule firing now.
pub(crate) fn find_confirmation(
    store: &Store,
    req: &RiskRequest,
    eval: &Evaluation,
) -> Result<Option<AuditId>, StoreError> {
    let day = day_key(req.at);
    let candidates = store.risk_confirmations(&ConfirmationQuery {
        day: &day,
        txn_type: crate::journal::type_name(req.txn),
        // A confirmed sale may go ahead offline as the same sale (the online attempt failed).
        sale_family: matches!(req.txn, crate::iso8583::TxnType::Sale | crate::iso8583::TxnType::OfflineSale),
        amount_minor: req.amount.minor() as i64,
        card_fingerprint: req.fingerprint.map(|f| f.to_string()),
        since_unix: req.at.unix_secs - CONFIRMATION_TTL_SECS,
    })?;
    let warns = eval.ids(Verdict::Warn);
    let covers = |fired: &str| {
        let confirmed = parse_fired(fired);
        warns.iter().all(|w| confirmed.iter().any(|c| &c.rule == w))
    };
    Ok(candidates.into_iter().find(|(_, fired)| covers(fired)).map(|(id, _)| AuditId(id)))
}

/// An evaluation by id.
pub(crate) fn load(store: &Store, id: AuditId) -> Result<Option<AuditRecord>, StoreError> {
    Ok(store.risk_audit(id.0)?.map(from_row))
}

/// The evaluations of one local day, oldest first.
pub(crate) fn of_day(store: &Store, day: &str) -> Result<Vec<AuditRecord>, StoreError> {
    Ok(store.risk_audits_of_day(day)?.into_iter().map(from_row).collect())
}

fn from_row(r: RiskAuditRow) -> AuditRecord {
    AuditRecord {
        id: AuditId(r.id),
        day: r.day,
        at: r.at,
        policy_version: r.policy_version,
        verdict: Verdict::parse(&r.verdict).unwrap_or(Verdict::Allow),
        fired: parse_fired(&r.fired),
        decision: r.decision,
        confirmed_by: r.confirmed_by,
        confirmation_of: r.confirmation_of.map(AuditId),
        txn_id: r.txn_id,
    }
}
