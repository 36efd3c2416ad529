//! The risk engine on the payment path: evaluated after the card is read and before anything
//! is charged, audited, and its verdicts turned into errors the operator acts on.

use crate::error::Error;
use std::sync::Arc;

use crate::card::CardFingerprint;
use crate::iso8583::TxnType;
use crate::money::Amount;
use crate::reader::CardRead;
use crate::risk::{
    self, AuditDecision, AuditId, AuditRecord, Evaluation, RiskError, RiskPolicy, RiskReport, RiskRequest, Verdict,
};

use super::Terminal;
use crate::error::TerminalError;
use crate::outcome::TxnOutcome;

/// A risk warning waiting for the operator's decision, the card still held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskWarning {
    /// The audit entry of the warning (what `pos risk confirm` takes).
    pub token: AuditId,
    /// The rules that warned.
    pub rules: Vec<String>,
    /// The warnings, in Chinese.
    pub zh: String,
    /// The warnings, in English.
    pub en: String,
}

impl From<RiskWarning> for RiskError {
    fn from(w: RiskWarning) -> RiskError {
        RiskError::ConfirmationRequired { token: w.token, rules: w.rules, zh: w.zh, en: w.en }
    }
}

/// The warning as the operator reads it (the same words as the error it becomes unconfirmed).
impl crate::i18n::Bilingual for RiskWarning {
    fn zh(&self) -> String {
        RiskError::from(self.clone()).zh()
    }
    fn en(&self) -> String {
        RiskError::from(self.clone()).en()
    }
}

/// Asks the operator about a risk warning during the payment, so that a confirmed warning
/// goes ahead on the card already read (one card read, one PIN entry).
#[async_trait::async_trait]
pub trait RiskConfirmer: Send + Sync {
    /// `true`: the operator confirms and the payment goes ahead (journaled as confirmed by the
    /// terminal's operator); `false`: it ends with the warning. Waited for at most the card
    /// timeout; no answer by then counts as `false`.
    async fn confirm(&self, warning: &RiskWarning) -> bool;
}

impl Terminal {
    /// The risk policy in force: the one the acquirer pushed, else the provisioned one.
    pub fn risk_policy(&self) -> Option<Arc<RiskPolicy>> {
        self.risk.current(&self.store, self.config.risk_policy.as_ref())
    }

    /// Installs a policy pushed by the acquirer (JSON); validated, never older than the one in force.
    pub fn set_risk_policy(&self, json: &str) -> Result<Arc<RiskPolicy>, Error> {
        let policy = self.risk.replace(&self.store, self.config.risk_policy.as_ref(), json)?;
        tracing::info!(version = policy.version, rules = policy.rules.len(), "risk policy installed");
        Ok(policy)
    }

    /// Evaluates a payment now without charging or recording it (what `pos risk check` shows).
    /// Without a policy in force the default one is used.
    pub fn risk_check(
        &self,
        txn: TxnType,
        amount: Amount,
        card: Option<CardFingerprint>,
        offline: bool,
    ) -> Result<Evaluation, Error> {
        let policy = self.risk_policy().unwrap_or_default();
        let req = RiskRequest { txn, amount, fingerprint: card, offline, at: self.clock.now() };
        Ok(risk::evaluate(&self.store, &policy, &self.config.offline, &req)?)
    }

    /// Installs (or removes) who decides on risk warnings during a payment; see [`RiskConfirmer`].
    pub fn set_risk_confirmer(&self, confirmer: Option<Arc<dyn RiskConfirmer>>) {
        *self.risk_confirmer.lock().unwrap_or_else(|p| p.into_inner()) = confirmer;
    }

    /// Journals the operator's confirmation of the warning `token`; the payment run again
    /// (same card, amount and type, within ten minutes) then goes ahead once.
    pub fn confirm_risk(&self, token: AuditId, operator: &str) -> Result<(), Error> {
        self.owner("confirm a risk warning")?;
        if risk::audit::confirm(&self.store, token, operator, &self.clock.now().to_string())? {
            tracing::info!(%token, operator, "risk warning confirmed");
            Ok(())
        } else {
            Err(RiskError::UnknownConfirmation(token).into())
        }
    }

    /// One evaluation of the audit trail.
    pub fn risk_audit(&self, token: AuditId) -> Result<Option<AuditRecord>, Error> {
        Ok(risk::audit::load(&self.store, token)?)
    }

    /// The risk report of a local day (`YYYY-MM-DD`; today when `None`).
    pub fn risk_report(&self, day: Option<&str>) -> Result<RiskReport, Error> {
        let today = risk::calendar::day_key(self.clock.now());
        Ok(RiskReport::of_day(&self.store, day.unwrap_or(&today))?)
    }

    /// Every evaluation of a local day (`YYYY-MM-DD`), oldest first: the audit trail behind the report.
    pub fn risk_audits(&self, day: &str) -> Result<Vec<AuditRecord>, Error> {
        Ok(risk::audit::of_day(&self.store, day)?)
    }

    /// Records a card's limit as the reader or the host reported it (for the card-limit rule).
    pub fn note_card_limit(&self, card: CardFingerprint, limit: Amount, source: &str) -> Result<(), Error> {
        Ok(risk::audit::note_card_limit(&self.store, card, limit, source, &self.clock.now().to_string())?)
    }

    /// Evaluates the payment of a read card; `Ok(Some(id))` when it may go ahead (audited as `id`).
    ///
    /// `carried`: an evaluation of the same payment that already went ahead online, whose
    /// warnings the operator confirmed; the offline fallback does not ask again.
    pub(super) async fn risk_gate(
        &self,
        txn: TxnType,
        amount: Option<Amount>,
        card: &CardRead,
        offline: bool,
        carried: Option<AuditId>,
    ) -> Result<Option<AuditId>, TerminalError> {
        // Every debit a card can make here: a transfer moves money off the card as a sale does.
        let debit = matches!(txn, TxnType::Sale | TxnType::PreAuth | TxnType::OfflineSale | TxnType::Transfer);
        let (Some(amount), true) = (amount, debit) else {
            return Ok(None);
        };
        let Some(policy) = self.risk_policy() else { return Ok(None) };
        let req = RiskRequest { txn, amount, fingerprint: Some(card.fingerprint), offline, at: self.clock.now() };
        let eval = self.db(|s| risk::evaluate(s, &policy, &self.config.offline, &req))?;
        let verdict = eval.effective(offline);
        let record = |decision, confirmation| self.db(|s| risk::audit::record(s, &req, &eval, decision, confirmation));
        if !eval.fired.is_empty() {
            let rules: Vec<&str> = eval.fired.iter().map(|f| f.rule.as_str()).collect();
            tracing::info!(?txn, card = %card.masked_pan, ?rules, verdict = verdict.as_str(), offline, "risk rules fired");
        }
        match verdict {
            Verdict::Allow => Ok(Some(record(AuditDecision::Proceeded, None)?)),
            Verdict::Block => {
                record(AuditDecision::Blocked, None)?;
                let f = eval.first(Verdict::Block).cloned().unwrap_or_else(|| unreachable!("block verdict fired"));
                Err(RiskError::Blocked { rule: f.rule, zh: f.zh, en: f.en }.into())
            }
            Verdict::RequireOnline => {
                record(AuditDecision::OnlineRequired, None)?;
                let f = eval.first(Verdict::RequireOnline).cloned().unwrap_or_else(|| unreachable!("fired"));
                Err(RiskError::OnlineRequired { rule: f.rule, zh: f.zh, en: f.en }.into())
            }
            Verdict::Warn => {
                let confirmation = match carried {
                    Some(c) => Some(c),
                    None => self.db(|s| risk::audit::find_confirmation(s, &req, &eval))?,
                };
                if confirmation.is_some() {
                    let first = carried.is_none();
                    return Ok(Some(self.db(|s| risk::audit::record_carried(s, &req, &eval, confirmation, first))?));
                }
                let token = record(AuditDecision::AwaitingConfirmation, None)?;
                let warns: Vec<_> = eval.fired.iter().filter(|f| f.verdict == Verdict::Warn).collect();
                let warning = RiskWarning {
                    token,
                    rules: warns.iter().map(|f| f.rule.clone()).collect(),
                    zh: warns.iter().map(|f| f.zh.as_str()).collect::<Vec<_>>().join("；"),
                    en: warns.iter().map(|f| f.en.as_str()).collect::<Vec<_>>().join("; "),
                };
                let confirmer = self.risk_confirmer.lock().unwrap_or_else(|p| p.into_inner()).clone();
                let Some(confirmer) = confirmer else { return Err(RiskError::from(warning).into()) };
                let confirmed =
                    tokio::time::timeout(self.config.card_timeout, confirmer.confirm(&warning)).await.unwrap_or(false);
                if !confirmed {
                    return Err(RiskError::from(warning).into());
                }
                // The same journal as a confirmation given between two runs: the warning
                // confirmed by the operator, then a run that uses that confirmation.
                let now = self.clock.now().to_string();
                if !self.db(|s| risk::audit::confirm(s, token, &self.config.operator, &now))? {
                    return Err(RiskError::UnknownConfirmation(token).into());
                }
                tracing::info!(%token, operator = %self.config.operator, "risk warning confirmed during the payment");
                Ok(Some(self.db(|s| risk::audit::record_carried(s, &req, &eval, Some(token), true))?))
            }
        }
    }

    /// Stores the journal row of the payment with its evaluation (logged, not failed: the
    /// payment's own record is what counts).
    pub(super) fn risk_link(&self, audit: Option<AuditId>, result: &Result<TxnOutcome, TerminalError>) {
        let txn = match result {
            Ok(o) => Some(o.txn_id),
            Err(e) => e.exchange_failure().and_then(|f| f.txn_id),
        };
        if let (Some(audit), Some(txn)) = (audit, txn) {
            if let Err(e) = self.db(|s| risk::audit::link_txn(s, audit, txn)) {
                tracing::error!(error = %e, %audit, "risk evaluation not linked to its payment");
            }
        }
    }
}
