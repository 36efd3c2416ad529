//! Requests on an earlier sale: void and completion cancel (same batch), refund (any batch).

use pos_core::iso8583::{FinancialRequest, TxnType};

use super::financial::{amount, card_account, verify_pin};
use super::plan::{Anchor, Draft, Move, Plan, Refusal, Update};
use super::Ctx;
use crate::ledger::batches;
use crate::ledger::effects::EffectKind;
use crate::ledger::rows::{RowKind, TxnStatus};
use crate::ledger::txns::{self, Stored};

/// Void (0200/23) of a sale, or completion cancel (0200/21) of a completion (which opens
/// its pre-auth again: see [`reopen_pre_auth`]).
///
/// The original (61 batch + STAN at this terminal; 37 and 38 must agree when sent) must
/// be approved and in force (`25` otherwise, `12` if already voided or refunded), in the
/// open batch (`12`), for the same amount (`64`) and card (`25`).
pub(crate) fn cancel_in_batch(
    ctx: &Ctx<'_>,
    req: &FinancialRequest,
    mut d: Draft,
    target: TxnType,
) -> Result<Plan, Refusal> {
    let Some(orig_ref) = &req.original else { return Err(d.decline("30")) };
    let Some(stan) = orig_ref.stan else { return Err(d.decline("25")) };
    let orig = txns::find_request(ctx.db, req.tid.as_str(), orig_ref.batch.value(), stan.value())?
        .filter(|o| o.row.response_code == "00" && o.row.status != TxnStatus::Reversed)
        .ok_or_else(|| d.decline("25"))?;
    d.original_id = Some(orig.row.id);
    if orig.row.kind != RowKind::Txn(target) {
        return Err(d.decline("12"));
    }
    if req.original_rrn.as_ref().is_some_and(|r| orig.row.rrn.as_ref() != Some(r))
        || req.original_auth.as_ref().is_some_and(|a| orig.row.auth_code.as_ref() != Some(a))
    {
        return Err(d.decline("25"));
    }
    same_card(ctx, req, &mut d, &orig)?;
    if orig.row.status != TxnStatus::Approved || orig.row.refunded > 0 {
        return Err(d.decline("12"));
    }
    if batches::state(ctx.db, req.tid.as_str())?.map(|b| b.current) != Some(orig.row.batch) {
        return Err(d.decline("12"));
    }
    if req.amount.map(|a| a.minor()) != Some(orig.row.amount) {
        return Err(d.decline("64"));
    }
    let mut moves = vec![Move { anchor: Anchor::Row(orig.row.id), kind: EffectKind::Credit, amount: orig.row.amount }];
    d.updates.push(Update::Status(orig.row.id, TxnStatus::Voided));
    if target == TxnType::PreAuthCompletion {
        reopen_pre_auth(ctx, &orig, &mut d, &mut moves)?;
    }
    Ok(d.approve(moves).with_auth(ctx.auth_code()?))
}

/// A cancelled completion opens its pre-auth again (预授权完成撤销后原预授权恢复): the hold the
/// completion released is placed again, whole, and nothing counts as captured, so the pre-auth
/// can be completed again or cancelled. A reversal of the cancel undoes exactly this.
fn reopen_pre_auth(ctx: &Ctx<'_>, completion: &Stored, d: &mut Draft, moves: &mut Vec<Move>) -> Result<(), Refusal> {
    let Some(pa_id) = completion.row.original_id else { return Ok(()) };
    let Some(pa) = txns::by_id(ctx.db, pa_id)? else { return Ok(()) };
    if pa.row.status != TxnStatus::Completed || pa.row.kind != RowKind::Txn(TxnType::PreAuth) {
        return Ok(());
    }
    moves.push(Move { anchor: Anchor::Row(pa.row.id), kind: EffectKind::Hold, amount: pa.row.amount });
    d.updates.push(Update::Status(pa.row.id, TxnStatus::Approved));
    d.updates.push(Update::Captured(pa.row.id, 0));
    Ok(())
}

/// Refund (0220/25) of a sale, completion or offline sale of this merchant, any batch.
///
/// Found by 37 (RRN) when sent, else by 61 at this terminal. Partial refunds are allowed;
/// their sum never exceeds the original amount (`61`).
pub(crate) fn refund(ctx: &Ctx<'_>, req: &FinancialRequest, mut d: Draft) -> Result<Plan, Refusal> {
    let amount = amount(ctx, req, &d)?;
    let Some(orig_ref) = &req.original else { return Err(d.decline("30")) };
    let found = match &req.original_rrn {
        // A terminal that only has the slip's RRN and date (another terminal's sale, an earlier
        // day) sends 61 as 000000 000000 MMDD: then the RRN and the date identify the original.
        Some(rrn) => txns::find_by_rrn(ctx.db, req.mid.as_str(), rrn)?.filter(|o| {
            let batch_ok = orig_ref.batch.value() == 0 || o.row.batch == orig_ref.batch.value();
            let stan_ok = orig_ref.stan.is_none_or(|s| s.value() == o.row.stan);
            let date_ok = orig_ref.date.as_deref().is_none_or(|d| ctx.local_at(o.row.created_ms).mmdd() == d);
            batch_ok && stan_ok && date_ok
        }),
        None => match orig_ref.stan {
            Some(stan) => txns::find_request(ctx.db, req.tid.as_str(), orig_ref.batch.value(), stan.value())?,
            None => None,
        },
    };
    let orig = found
        .filter(|o| {
            o.row.response_code == "00"
                && o.row.status != TxnStatus::Reversed
                && matches!(o.row.kind, RowKind::Txn(TxnType::Sale | TxnType::PreAuthCompletion | TxnType::OfflineSale))
        })
        .ok_or_else(|| d.decline("25"))?;
    d.original_id = Some(orig.row.id);
    same_card(ctx, req, &mut d, &orig)?;
    if orig.row.status != TxnStatus::Approved {
        return Err(d.decline("12"));
    }
    if orig.row.refunded.saturating_add(amount) > orig.row.amount {
        return Err(d.decline("61"));
    }
    let credit = Move { anchor: Anchor::Row(orig.row.id), kind: EffectKind::Credit, amount };
    d.updates.push(Update::Refunded(orig.row.id, amount));
    Ok(d.approve(vec![credit]).with_auth(ctx.auth_code()?))
}

/// When the request carries a card it must be the original's (`25`), and a PIN sent is checked.
/// The row is recorded against the original's card either way.
pub(crate) fn same_card(ctx: &Ctx<'_>, req: &FinancialRequest, d: &mut Draft, orig: &Stored) -> Result<(), Refusal> {
    let presented = card_account(ctx, req, d)?;
    d.pan = orig.pan.clone();
    if let Some((card, account)) = presented {
        if orig.pan.as_deref() != Some(card.pan.as_str()) {
            return Err(d.decline("25"));
        }
        verify_pin(ctx, req, d, &account, false)?;
    }
    Ok(())
}
