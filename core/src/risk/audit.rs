//! The audit trail: every evaluation with its fired rules, the operator's confirmation of a
//! warning, and the journal row of the payment it let through.

use std::fmt;

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::store::{Store, StoreError, TxnId};

use super::calendar::day_key;
use super::engine::RiskRequest;
use super::verdict::{Evaluation, Verdict};

/// How long a confirmed warning may be used by the payment run again.
pub const CONFIRMATION_TTL_SECS: i64 = 600;

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
pub enum AuditDecision {
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
    let mut conn = store.lock();
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.prepare_cached(
        "INSERT INTO risk_audit (day, at, at_unix, txn_type, amount_minor, card_fingerprint, offline, policy_version,
            verdict, fired, decision, confirmation_of)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        day_key(req.at),
        req.at.to_string(),
        req.at.unix_secs,
        crate::store::type_name(req.txn),
        req.amount.minor() as i64,
        req.fingerprint.map(|f| f.to_string()),
        req.offline,
        eval.policy_version,
        eval.verdict.as_str(),
        fired_json(eval),
        decision.as_str(),
        confirmation_of.map(|c| c.0),
    ])?;
    let id = AuditId(tx.last_insert_rowid());
    if let Some(c) = confirmation_of {
        tx.execute("UPDATE risk_audit SET used_by = ?2 WHERE id = ?1", params![c.0, id.0])?;
    }
    tx.commit()?;
    Ok(id)
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
        store.lock().execute("UPDATE risk_audit SET confirmation_of = ?2 WHERE id = ?1", params![id.0, c.0])?;
    }
    Ok(id)
}

/// Records a card's reported limit.
pub(crate) fn note_card_limit(
    store: &Store,
    card: crate::card::CardFingerprint,
    limit: crate::money::Amount,
    source: &str,
    at: &str,
) -> Result<(), StoreError> {
    store.lock().execute(
        "INSERT INTO risk_card_limit (card_fingerprint, limit_minor, currency, source, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (card_fingerprint) DO UPDATE SET limit_minor = ?2, currency = ?3, source = ?4, updated_at = ?5",
        params![card.to_string(), limit.minor() as i64, limit.currency().numeric, source, at],
    )?;
    Ok(())
}

/// Links an evaluation to the journal row of its payment.
pub(crate) fn link_txn(store: &Store, id: AuditId, txn: TxnId) -> Result<(), StoreError> {
    store.lock().execute("UPDATE risk_audit SET txn_id = ?2 WHERE id = ?1", params![id.0, txn.0])?;
    Ok(())
}

/// Journals the operator's confirmation of a warning; `false` when `id` awaits none.
pub(crate) fn confirm(store: &Store, id: AuditId, operator: &str, at: &str) -> Result<bool, StoreError> {
    let changed = store.lock().execute(
        "UPDATE risk_audit SET confirmed_by = ?2, confirmed_at = ?3
         WHERE id = ?1 AND decision = 'awaiting_confirmation' AND confirmed_at IS NULL",
        params![id.0, operator, at],
    )?;
    Ok(changed == 1)
}

/// A confirmed, unused, recent warning for the same card, amount and type that covers every
/// warning rule firing now.
pub(crate) fn find_confirmation(
    store: &Store,
    req: &RiskRequest,
    eval: &Evaluation,
) -> Result<Option<AuditId>, StoreError> {
    let conn = store.lock();
    let mut stmt = conn.prepare_cached(
        "SELECT id, fired FROM risk_audit INDEXED BY risk_audit_by_day
         WHERE day = ?1 AND decision = 'awaiting_confirmation' AND confirmed_at IS NOT NULL AND used_by IS NULL
           AND txn_type IN ('sale', 'offline_sale', 'pre_auth') AND (txn_type = ?2 OR ?3)
           AND amount_minor = ?4 AND card_fingerprint IS ?5 AND at_unix >= ?6
         ORDER BY id DESC",
    )?;
    let kind = crate::store::type_name(req.txn);
    // A confirmed sale may go ahead offline as the same sale (the online attempt failed).
    let sale_family = matches!(req.txn, crate::iso8583::TxnType::Sale | crate::iso8583::TxnType::OfflineSale);
    let mut rows = stmt.query(params![
        day_key(req.at),
        kind,
        sale_family,
        req.amount.minor() as i64,
        req.fingerprint.map(|f| f.to_string()),
        req.at.unix_secs - CONFIRMATION_TTL_SECS,
    ])?;
    let warns = eval.ids(Verdict::Warn);
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let confirmed = parse_fired(&r.get::<_, String>(1)?);
        if warns.iter().all(|w| confirmed.iter().any(|c| &c.rule == w)) {
            return Ok(Some(AuditId(id)));
        }
    }
    Ok(None)
}

/// An evaluation by id.
pub(crate) fn load(store: &Store, id: AuditId) -> Result<Option<AuditRecord>, StoreError> {
    let conn = store.lock();
    let found = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM risk_audit WHERE id = ?1"))?
        .query_row([id.0], from_row)
        .optional()?;
    Ok(found)
}

/// The evaluations of one local day, oldest first.
pub(crate) fn of_day(store: &Store, day: &str) -> Result<Vec<AuditRecord>, StoreError> {
    let conn = store.lock();
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM risk_audit WHERE day = ?1 ORDER BY id"))?;
    let rows = stmt.query_map([day], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

const COLUMNS: &str = "id, day, at, policy_version, verdict, fired, decision, confirmed_by, confirmation_of, txn_id";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRecord> {
    Ok(AuditRecord {
        id: AuditId(r.get(0)?),
        day: r.get(1)?,
        at: r.get(2)?,
        policy_version: r.get(3)?,
        verdict: Verdict::parse(&r.get::<_, String>(4)?).unwrap_or(Verdict::Allow),
        fired: parse_fired(&r.get::<_, String>(5)?),
        decision: r.get(6)?,
        confirmed_by: r.get(7)?,
        confirmation_of: r.get::<_, Option<i64>>(8)?.map(AuditId),
        txn_id: r.get(9)?,
    })
}
