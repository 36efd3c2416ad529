//! Why a policy was refused, and why the risk engine stopped a payment.

use thiserror::Error;

use crate::i18n::Bilingual;

use super::audit::AuditId;

/// A policy that cannot be used; `field` names the offending setting.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PolicyError {
    /// Not JSON, or a field of the wrong type or missing.
    #[error("risk policy {field}: {detail}")]
    Parse {
        /// Where (`rules[2]`, or `policy`).
        field: String,
        /// What the parser said.
        detail: String,
    },
    /// A setting out of range.
    #[error("risk policy field `{field}`: {reason}")]
    Invalid {
        /// The field, e.g. `rules[3].max`.
        field: String,
        /// Why.
        reason: String,
    },
    /// Older than the installed policy: a push is never rolled back by a stale copy.
    #[error("risk policy version {offered} is older than the installed version {installed}")]
    Stale {
        /// The version pushed.
        offered: u32,
        /// The version in force.
        installed: u32,
    },
}

impl Bilingual for PolicyError {
    fn zh(&self) -> String {
        match self {
            PolicyError::Parse { field, detail } => format!("风控策略格式错误（{field}）：{detail}"),
            PolicyError::Invalid { field, reason } => format!("风控策略字段 {field} 无效：{reason}"),
            PolicyError::Stale { offered, installed } => {
                format!("风控策略版本{offered}低于当前版本{installed}，未更新")
            }
        }
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

/// A payment the risk engine stopped (nothing was charged).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum RiskError {
    /// A rule blocks the payment.
    #[error("blocked by risk rule {rule}: {en}")]
    Blocked {
        /// The rule's id.
        rule: String,
        /// Why, in Chinese.
        zh: String,
        /// Why, in English.
        en: String,
    },
    /// Rules warn: the operator must confirm with `token`, then run the payment again.
    #[error("risk rules {rules:?} need the operator's confirmation: {en}")]
    ConfirmationRequired {
        /// The evaluation to confirm ([`crate::terminal::Terminal::confirm_risk`]).
        token: AuditId,
        /// The warning rules.
        rules: Vec<String>,
        /// Why, in Chinese.
        zh: String,
        /// Why, in English.
        en: String,
    },
    /// A rule requires online approval and the payment was going offline.
    #[error("risk rule {rule} requires online approval: {en}")]
    OnlineRequired {
        /// The rule's id.
        rule: String,
        /// Why, in Chinese.
        zh: String,
        /// Why, in English.
        en: String,
    },
    /// The confirmation names no evaluation awaiting one.
    #[error("no risk warning {0} awaits confirmation")]
    UnknownConfirmation(AuditId),
    /// A pushed policy was refused.
    #[error("{0}")]
    Policy(#[source] PolicyError),
}

impl RiskError {
    /// A stable code for the shell (`risk_blocked`, `risk_confirm`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            RiskError::Blocked { .. } => "risk_blocked",
            RiskError::ConfirmationRequired { .. } => "risk_confirm",
            RiskError::OnlineRequired { .. } => "risk_online_required",
            RiskError::UnknownConfirmation(_) => "risk_unknown_confirmation",
            RiskError::Policy(_) => "risk_policy",
        }
    }
}

impl From<PolicyError> for RiskError {
    fn from(e: PolicyError) -> Self {
        RiskError::Policy(e)
    }
}

impl Bilingual for RiskError {
    fn zh(&self) -> String {
        match self {
            RiskError::Blocked { rule, zh, .. } => format!("风控拒绝（{rule}）：{zh}"),
            RiskError::ConfirmationRequired { token, zh, .. } => {
                format!("风控提示：{zh}。请操作员确认（{token}）后重试")
            }
            RiskError::OnlineRequired { rule, zh, .. } => format!("须联机交易（{rule}）：{zh}"),
            RiskError::UnknownConfirmation(t) => format!("没有待确认的风控提示 {t}"),
            RiskError::Policy(e) => e.zh(),
        }
    }
    fn en(&self) -> String {
        match self {
            RiskError::Blocked { rule, en, .. } => format!("Blocked by risk rule {rule}: {en}"),
            RiskError::ConfirmationRequired { token, en, .. } => {
                format!("Risk warning: {en}. The operator must confirm ({token}) and retry")
            }
            RiskError::OnlineRequired { rule, en, .. } => format!("Online approval required ({rule}): {en}"),
            RiskError::UnknownConfirmation(t) => format!("No risk warning {t} awaits confirmation"),
            RiskError::Policy(e) => e.en(),
        }
    }
}
