//! A decision on a financial request as data, applied to the ledger in one place.
//!
//! Rule functions read the ledger and return a [`Plan`] (or a decline); [`apply`] then
//! writes the row, its money movements and the status changes of other rows, so every
//! type records itself the same way.

use pos_core::iso8583::FinancialRequest;
use pos_core::ResponseCode;

use super::context::is_foreign;
use super::{monitor, Ctx, HostError};
use crate::error::LedgerError;
use crate::ledger::effects::{self, EffectKind};
use crate::ledger::rows::{RowKind, TxnStatus};
use crate::ledger::{accounts, txns};

/// Whose money a movement moves.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Anchor {
    /// The row being recorded.
    This,
    /// An earlier row (the sale a void gives back, the pre-auth a completion releases).
    Row(i64),
}

/// One money movement of a plan.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Move {
    pub anchor: Anchor,
    pub kind: EffectKind,
    pub amount: u64,
}

/// A change to another row or to the account.
#[derive(Clone)]
pub(crate) enum Update {
    Status(i64, TxnStatus),
    Refunded(i64, u64),
    Captured(i64, u64),
    /// PIN tries of the plan's card (applied on declines too).
    PinTries(u8),
}

/// What to record for a request.
pub(crate) struct Plan {
    pub rc: &'static str,
    pub pan: Option<String>,
    pub amount: u64,
    pub original_id: Option<i64>,
    pub auth_code: Option<String>,
    pub balance: Option<String>,
    pub moves: Vec<Move>,
    pub updates: Vec<Update>,
    /// Run the monitoring rules after recording (approved debits).
    pub watch: bool,
}

/// Why a rule function stopped early: a decline to record, or a failure (`96`).
pub(crate) enum Refusal {
    Decline(Box<Plan>),
    Fault(HostError),
}

impl From<HostError> for Refusal {
    fn from(e: HostError) -> Self {
        Refusal::Fault(e)
    }
}

impl From<LedgerError> for Refusal {
    fn from(e: LedgerError) -> Self {
        Refusal::Fault(HostError::Ledger(e))
    }
}

/// What a rule function knows so far; a decline records it.
#[derive(Default)]
pub(crate) struct Draft {
    pub pan: Option<String>,
    pub amount: u64,
    pub original_id: Option<i64>,
    pub updates: Vec<Update>,
}

impl Draft {
    /// Stops with `rc`, recording what is known (card, amount, original, PIN tries).
    pub(crate) fn decline(&self, rc: &'static str) -> Refusal {
        Refusal::Decline(Box::new(Plan {
            rc,
            pan: self.pan.clone(),
            amount: self.amount,
            original_id: self.original_id,
            auth_code: None,
            balance: None,
            moves: Vec::new(),
            updates: self.updates.iter().filter(|u| matches!(u, Update::PinTries(_))).cloned().collect(),
            watch: false,
        }))
    }

    /// Approves with these movements.
    pub(crate) fn approve(self, moves: Vec<Move>) -> Plan {
        Plan {
            rc: "00",
            pan: self.pan,
            amount: self.amount,
            original_id: self.original_id,
            auth_code: None,
            balance: None,
            moves,
            updates: self.updates,
            watch: false,
        }
    }
}

impl Plan {
    /// Sets the authorization code of the answer.
    pub(crate) fn with_auth(mut self, code: String) -> Plan {
        self.auth_code = Some(code);
        self
    }

    /// Runs the monitoring rules once recorded.
    pub(crate) fn watched(mut self) -> Plan {
        self.watch = true;
        self
    }
}

/// Folds a rule function's result into a plan.
pub(crate) fn settle(r: Result<Plan, Refusal>) -> Result<Plan, HostError> {
    match r {
        Ok(p) => Ok(p),
        Err(Refusal::Decline(p)) => Ok(*p),
        Err(Refusal::Fault(e)) => Err(e),
    }
}

/// Records the request's row, its movements and updates; returns the row id.
pub(crate) fn apply(
    ctx: &Ctx<'_>,
    req: &FinancialRequest,
    kind: RowKind,
    plan: &Plan,
    rrn: &str,
) -> Result<i64, HostError> {
    let approved = ResponseCode::parse(plan.rc).is_some_and(|c| c.is_approved());
    let id = txns::insert(
        ctx.db,
        &txns::NewTxn {
            kind,
            tid: req.tid.as_str(),
            mid: req.mid.as_str(),
            batch: req.batch.value(),
            stan: req.stan.value(),
            pan: plan.pan.as_deref(),
            amount: plan.amount,
            rc: plan.rc,
            status: if approved { TxnStatus::Approved } else { TxnStatus::Declined },
            rrn: Some(rrn),
            auth_code: plan.auth_code.as_deref(),
            original_id: plan.original_id,
            created_ms: ctx.now_ms,
            local_date: ctx.today(),
            foreign: plan.pan.as_deref().is_some_and(is_foreign),
        },
    )?;
    for u in &plan.updates {
        match (u, &plan.pan) {
            (Update::PinTries(n), Some(pan)) => accounts::set_pin_tries(ctx.db, pan, *n)?,
            (Update::PinTries(_), None) => {}
            (Update::Status(row, status), _) if approved => txns::set_status(ctx.db, *row, *status)?,
            (Update::Refunded(row, amount), _) if approved => txns::add_refunded(ctx.db, *row, *amount)?,
            (Update::Captured(row, amount), _) if approved => txns::set_captured(ctx.db, *row, *amount)?,
            _ => {}
        }
    }
    if approved {
        if let Some(pan) = &plan.pan {
            for m in &plan.moves {
                let anchor = match m.anchor {
                    Anchor::This => id,
                    Anchor::Row(r) => r,
                };
                effects::add(ctx.db, pan, id, anchor, m.kind, m.amount)?;
            }
            if plan.watch {
                monitor::after_debit(ctx, req, pan, plan.amount)?;
            }
        }
    }
    Ok(id)
}
