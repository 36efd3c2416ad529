//! Reversals (0400): undo the matched original once; always answer `00`.
//!
//! The original is the request row of the same terminal, batch (60.2) and STAN (11),
//! of the same type and amount. It is undone only while it is still as it left it
//! (approved, not voided, refunded, completed or cancelled since); otherwise, or when
//! there is no such row, the reversal is recorded with no effect. A second reversal of
//! the same original finds the first and changes nothing.

use pos_core::iso8583::{FinancialRequest, FinancialResponse, Message, Mti, TxnType};
use pos_core::ResponseCode;
use tracing::{info, warn};

use super::reply::bare;
use super::{Ctx, HostError};
use crate::ledger::effects::{self, EffectKind};
use crate::ledger::rows::{RowKind, TxnStatus};
use crate::ledger::txns::{self, NewTxn, Stored};

/// Handles a 0400 and builds the 0410.
pub(crate) fn handle(ctx: &Ctx<'_>, msg: &Message) -> Result<Message, HostError> {
    let req = match FinancialRequest::from_message(msg) {
        Ok(r) => r,
        Err(e) => {
            warn!(tid = ctx.term.tid.as_str(), error = %e, "malformed reversal");
            return Ok(bare(msg, "30"));
        }
    };
    let (tid, batch, stan) = (req.tid.as_str(), req.batch.value(), req.stan.value());
    let amount = req.amount.map(|a| a.minor()).unwrap_or(0);
    let rrn = ctx.next_rrn()?;
    if txns::find_reversal(ctx.db, tid, batch, stan)?.is_some() {
        info!(tid, batch, stan, "reversal repeated: already recorded, no effect");
        return respond(ctx, &req, rrn);
    }
    let original = txns::find_request(ctx.db, tid, batch, stan)?
        .filter(|o| o.row.kind == RowKind::Txn(req.txn) && o.row.amount == amount);
    let mut undoable = original.as_ref().filter(|o| {
        o.row.response_code == "00"
            && o.row.status == TxnStatus::Approved
            && o.row.refunded == 0
            && req.txn.is_reversible()
    });
    if let Some(o) = undoable {
        if !reopened_still_open(ctx, o)? {
            undoable = None;
        }
    }
    let id = txns::insert(
        ctx.db,
        &NewTxn {
            kind: RowKind::Reversal(req.txn),
            tid,
            mid: req.mid.as_str(),
            batch,
            stan,
            pan: original.as_ref().and_then(|o| o.pan.as_deref()),
            amount,
            rc: "00",
            status: if undoable.is_some() { TxnStatus::Approved } else { TxnStatus::Recorded },
            rrn: Some(&rrn),
            auth_code: None,
            original_id: original.as_ref().map(|o| o.row.id),
            created_ms: ctx.now_ms,
            local_date: ctx.today(),
            foreign: original.as_ref().is_some_and(|o| o.foreign),
        },
    )?;
    match undoable {
        Some(o) => {
            undo(ctx, id, o, req.txn)?;
            info!(tid, batch, stan, original = o.row.id, "reversal undid the original");
        }
        None => info!(tid, batch, stan, matched = original.is_some(), "reversal recorded, nothing to undo"),
    }
    respond(ctx, &req, rrn)
}

/// Cancels every movement the original made and restores the rows it had changed.
fn undo(ctx: &Ctx<'_>, reversal_id: i64, o: &Stored, txn: TxnType) -> Result<(), HostError> {
    for e in effects::made_by(ctx.db, o.row.id)? {
        effects::add(ctx.db, &e.pan, reversal_id, e.anchor_id, e.kind.opposite(), e.amount.unsigned_abs())?;
    }
    txns::set_status(ctx.db, o.row.id, TxnStatus::Reversed)?;
    if let Some(target) = o.row.original_id {
        match txn {
            TxnType::Void | TxnType::PreAuthCancel => {
                txns::set_status(ctx.db, target, TxnStatus::Approved)?;
            }
            TxnType::CompletionCancel => {
                txns::set_status(ctx.db, target, TxnStatus::Approved)?;
                // The pre-auth the cancel had opened again is completed by that completion again.
                if let Some(pa) = reopened_pre_auth(ctx, o)? {
                    let captured = txns::by_id(ctx.db, target)?.map(|c| c.row.amount).unwrap_or(0);
                    txns::set_status(ctx.db, pa.row.id, TxnStatus::Completed)?;
                    txns::set_captured(ctx.db, pa.row.id, captured)?;
                }
            }
            TxnType::PreAuthCompletion => {
                txns::set_status(ctx.db, target, TxnStatus::Approved)?;
                txns::set_captured(ctx.db, target, 0)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// The pre-auth a completion cancel opened again (the row its hold was placed on), if any.
fn reopened_pre_auth(ctx: &Ctx<'_>, cancel: &Stored) -> Result<Option<Stored>, HostError> {
    let Some(anchor) = effects::made_by(ctx.db, cancel.row.id)?.into_iter().find(|e| e.kind == EffectKind::Hold) else {
        return Ok(None);
    };
    Ok(txns::by_id(ctx.db, anchor.anchor_id)?)
}

/// False when the original is a completion cancel whose pre-auth has moved on since (completed
/// again or cancelled): undoing it then would capture twice, so it is recorded without effect.
fn reopened_still_open(ctx: &Ctx<'_>, o: &Stored) -> Result<bool, HostError> {
    if o.row.kind != RowKind::Txn(TxnType::CompletionCancel) {
        return Ok(true);
    }
    Ok(reopened_pre_auth(ctx, o)?.is_none_or(|pa| pa.row.status == TxnStatus::Approved))
}

fn respond(ctx: &Ctx<'_>, req: &FinancialRequest, rrn: String) -> Result<Message, HostError> {
    let resp = FinancialResponse {
        txn: req.txn,
        response_code: ResponseCode::APPROVED,
        stan: req.stan,
        tid: req.tid.clone(),
        mid: req.mid.clone(),
        amount: req.amount,
        batch: req.batch,
        time: Some(ctx.local.hhmmss()),
        date: Some(ctx.local.mmdd()),
        settlement_date: Some(ctx.local.mmdd()),
        rrn: Some(rrn),
        auth_code: None,
        institutions: None,
        balance: None,
        icc: None,
    };
    let mut m = resp.to_message(true)?;
    m.set_mti(Mti::new("0410")?);
    Ok(m)
}
