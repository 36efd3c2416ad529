//! The risk engine's tables: the audit trail (`risk_audit`), cards' reported limits
//! (`risk_card_limit`), the per-day totals kept by triggers (`risk_day`) and the card's
//! payments read through `txn_by_card`.
//!
//! The SQL lives here, with the schema, so the engine (`crate::risk`) never touches the
//! connection; it speaks in plain rows and does the interpretation itself.

use rusqlite::{params, OptionalExtension};

use super::error::StoreError;
use super::Store;
use crate::ids::TxnId;

/// An evaluation to append to the audit trail, in stored form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewRiskAudit<'a> {
    /// Local date `YYYY-MM-DD`.
    pub day: &'a str,
    /// RFC 3339 local time.
    pub at: &'a str,
    /// Unix seconds of `at` (for the confirmation window).
    pub at_unix: i64,
    /// Stored type name.
    pub txn_type: &'a str,
    /// Amount, minor units.
    pub amount_minor: i64,
    /// Keyed card fingerprint, as text.
    pub card_fingerprint: Option<String>,
    /// Whether the payment was to go offline.
    pub offline: bool,
    /// The policy version evaluated.
    pub policy_version: u32,
    /// The strongest verdict, stored name.
    pub verdict: &'a str,
    /// The fired rules, JSON.
    pub fired: &'a str,
    /// The decision, stored name.
    pub decision: &'a str,
    /// The confirmed evaluation this one goes ahead on.
    pub confirmation_of: Option<i64>,
}

/// A stored evaluation as read back (the engine parses `verdict` and `fired`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RiskAuditRow {
    /// Row id.
    pub id: i64,
    /// Local date `YYYY-MM-DD`.
    pub day: String,
    /// RFC 3339 local time.
    pub at: String,
    /// The policy version evaluated.
    pub policy_version: u32,
    /// The strongest verdict, stored name.
    pub verdict: String,
    /// The fired rules, JSON.
    pub fired: String,
    /// The decision, stored name.
    pub decision: String,
    /// Who confirmed the warning.
    pub confirmed_by: Option<String>,
    /// The confirmed evaluation this one went ahead on.
    pub confirmation_of: Option<i64>,
    /// The journal row of the payment.
    pub txn_id: Option<i64>,
}

/// Which confirmed warnings may let a payment through (see [`Store::risk_confirmations`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfirmationQuery<'a> {
    /// Local date `YYYY-MM-DD` of the payment.
    pub day: &'a str,
    /// Stored type name of the payment.
    pub txn_type: &'a str,
    /// A sale and an offline sale confirm each other (the online attempt failed).
    pub sale_family: bool,
    /// Amount, minor units.
    pub amount_minor: i64,
    /// Keyed card fingerprint, as text.
    pub card_fingerprint: Option<String>,
    /// Only confirmations evaluated at or after this Unix second.
    pub since_unix: i64,
}

/// What the journal holds for the risk facts of one payment, read under one lock so the
/// three reads see the same journal.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct RiskHistoryRows {
    /// `(day, count, total_minor)` from `risk_day` for the days asked.
    pub days: Vec<(String, i64, i64)>,
    /// The card's approved, unreversed charges in the window, newest first (`created_at`).
    pub card_times: Vec<String>,
    /// The card's reported limit: `(limit_minor, currency numeric)`.
    pub card_limit: Option<(i64, i64)>,
}

/// The stored types that present a card for a charge, for velocity.
const CARD_TYPES: &str = "('sale', 'offline_sale', 'pre_auth')";

const AUDIT_COLUMNS: &str =
    "id, day, at, policy_version, verdict, fired, decision, confirmed_by, confirmation_of, txn_id";

fn audit_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RiskAuditRow> {
    Ok(RiskAuditRow {
        id: r.get(0)?,
        day: r.get(1)?,
        at: r.get(2)?,
        policy_version: r.get(3)?,
        verdict: r.get(4)?,
        fired: r.get(5)?,
        decision: r.get(6)?,
        confirmed_by: r.get(7)?,
        confirmation_of: r.get(8)?,
        txn_id: r.get(9)?,
    })
}

impl Store {
    /// Appends an evaluation; `spends` marks that confirmation used by it, in the same transaction.
    pub(crate) fn insert_risk_audit(&self, a: &NewRiskAudit<'_>, spends: Option<i64>) -> Result<i64, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.prepare_cached(
            "INSERT INTO risk_audit (day, at, at_unix, txn_type, amount_minor, card_fingerprint, offline, policy_version,
                verdict, fired, decision, confirmation_of)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?
        .execute(params![
            a.day,
            a.at,
            a.at_unix,
            a.txn_type,
            a.amount_minor,
            a.card_fingerprint,
            a.offline,
            a.policy_version,
            a.verdict,
            a.fired,
            a.decision,
            a.confirmation_of,
        ])?;
        let id = tx.last_insert_rowid();
        if let Some(c) = spends {
            tx.execute("UPDATE risk_audit SET used_by = ?2 WHERE id = ?1", params![c, id])?;
        }
        tx.commit()?;
        Ok(id)
    }

    /// Notes that evaluation `id` went ahead on `confirmation` without spending it.
    pub(crate) fn set_risk_confirmation_of(&self, id: i64, confirmation: i64) -> Result<(), StoreError> {
        self.lock().execute("UPDATE risk_audit SET confirmation_of = ?2 WHERE id = ?1", params![id, confirmation])?;
        Ok(())
    }

    /// Records a card's reported limit (one row per card, the latest wins).
    pub fn set_risk_card_limit(
        &self,
        card: &str,
        limit_minor: i64,
        currency: u16,
        source: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        self.lock().execute(
            "INSERT INTO risk_card_limit (card_fingerprint, limit_minor, currency, source, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (card_fingerprint) DO UPDATE SET limit_minor = ?2, currency = ?3, source = ?4, updated_at = ?5",
            params![card, limit_minor, currency, source, at],
        )?;
        Ok(())
    }

    /// Links evaluation `id` to the journal row of its payment.
    pub(crate) fn link_risk_txn(&self, id: i64, txn: TxnId) -> Result<(), StoreError> {
        self.lock().execute("UPDATE risk_audit SET txn_id = ?2 WHERE id = ?1", params![id, txn.0])?;
        Ok(())
    }

    /// Journals the operator's confirmation of warning `id`; `false` when it awaits none.
    pub(crate) fn confirm_risk_audit(&self, id: i64, operator: &str, at: &str) -> Result<bool, StoreError> {
        let changed = self.lock().execute(
            "UPDATE risk_audit SET confirmed_by = ?2, confirmed_at = ?3
             WHERE id = ?1 AND decision = 'awaiting_confirmation' AND confirmed_at IS NULL",
            params![id, operator, at],
        )?;
        Ok(changed == 1)
    }

    /// Confirmed, unused warnings matching `q`, newest first: `(id, fired rules JSON)`.
    pub(crate) fn risk_confirmations(&self, q: &ConfirmationQuery<'_>) -> Result<Vec<(i64, String)>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT id, fired FROM risk_audit INDEXED BY risk_audit_by_day
             WHERE day = ?1 AND decision = 'awaiting_confirmation' AND confirmed_at IS NOT NULL AND used_by IS NULL
               AND txn_type IN ('sale', 'offline_sale', 'pre_auth') AND (txn_type = ?2 OR ?3)
               AND amount_minor = ?4 AND card_fingerprint IS ?5 AND at_unix >= ?6
             ORDER BY id DESC",
        )?;
        let rows = stmt.query_map(
            params![q.day, q.txn_type, q.sale_family, q.amount_minor, q.card_fingerprint, q.since_unix],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// An evaluation by id.
    pub(crate) fn risk_audit(&self, id: i64) -> Result<Option<RiskAuditRow>, StoreError> {
        let conn = self.lock();
        let found = conn
            .prepare_cached(&format!("SELECT {AUDIT_COLUMNS} FROM risk_audit WHERE id = ?1"))?
            .query_row([id], audit_row)
            .optional()?;
        Ok(found)
    }

    /// The evaluations of one local day (`YYYY-MM-DD`), oldest first.
    pub(crate) fn risk_audits_of_day(&self, day: &str) -> Result<Vec<RiskAuditRow>, StoreError> {
        let conn = self.lock();
        let mut stmt =
            conn.prepare_cached(&format!("SELECT {AUDIT_COLUMNS} FROM risk_audit WHERE day = ?1 ORDER BY id"))?;
        let rows = stmt.query_map([day], audit_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The journal's figures for the risk facts: day totals for `first_day..=last_day`, and,
    /// for `card`, its charges created in `since..=until` and its reported limit.
    pub(crate) fn risk_history(
        &self,
        first_day: &str,
        last_day: &str,
        card: Option<(&str, &str, &str)>,
    ) -> Result<RiskHistoryRows, StoreError> {
        let conn = self.lock();
        let mut out = RiskHistoryRows::default();
        let mut stmt =
            conn.prepare_cached("SELECT day, count, total_minor FROM risk_day WHERE day >= ?1 AND day <= ?2")?;
        let rows = stmt.query_map(params![first_day, last_day], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        out.days = rows.collect::<Result<_, _>>()?;
        let Some((card, since, until)) = card else { return Ok(out) };
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT created_at FROM txn INDEXED BY txn_by_card
             WHERE card_fingerprint = ?1 AND created_at >= ?2 AND created_at <= ?3
               AND txn_type IN {CARD_TYPES} AND status = 'approved' AND reversed_at IS NULL
             ORDER BY created_at DESC"
        ))?;
        let mut rows = stmt.query(params![card, since, until])?;
        while let Some(r) = rows.next()? {
            let created =
                r.get_ref(0)?.as_str().map_err(|_| StoreError::BadValue { table: "txn", column: "created_at" })?;
            out.card_times.push(created.to_owned());
        }
        drop(rows);
        out.card_limit = conn
            .prepare_cached("SELECT limit_minor, currency FROM risk_card_limit WHERE card_fingerprint = ?1")?
            .query_row([card], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(out)
    }
}
