//! Requests on a pre-auth: cancel (releases the hold) and completion (captures from it).

use pos_core::iso8583::FinancialRequest;

use super::financial::amount;
use super::follow_up::same_card;
use super::plan::{Anchor, Draft, Move, Plan, Refusal, Update};
use super::Ctx;
use crate::ledger::effects::EffectKind;
use crate::ledger::rows::TxnStatus;
use crate::ledger::txns::{self, Stored};

/// Finds the pre-auth of this merchant by 38 (auth code) and/or 61 (batch + STAN).
fn find(ctx: &Ctx<'_>, req: &FinancialRequest, d: &mut Draft) -> Result<Stored, Refusal> {
    let Some(orig_ref) = &req.original else { return Err(d.decline("30")) };
    let mid = req.mid.as_str();
    let candidates = match (&req.original_auth, orig_ref.stan) {
        (Some(code), stan) => txns::find_preauths(ctx.db, mid, code)?
            .into_iter()
            .filter(|p| stan.is_none_or(|s| p.row.stan == s.value() && p.row.batch == orig_ref.batch.value()))
            .collect(),
        (None, Some(stan)) => txns::find_preauths_at(ctx.db, mid, orig_ref.batch.value(), stan.value())?,
        (None, None) => Vec::new(),
    };
    let pa =
        candidates.into_iter().rev().find(|p| p.row.status != TxnStatus::Reversed).ok_or_else(|| d.decline("25"))?;
    d.original_id = Some(pa.row.id);
    same_card(ctx, req, d, &pa)?;
    Ok(pa)
}

/// Pre-auth cancel (0100/11): the full pre-auth amount (`64` otherwise), once (`12`).
pub(crate) fn cancel(ctx: &Ctx<'_>, req: &FinancialRequest, mut d: Draft) -> Result<Plan, Refusal> {
    let pa = find(ctx, req, &mut d)?;
    if pa.row.status != TxnStatus::Approved {
        return Err(d.decline("12"));
    }
    if req.amount.map(|a| a.minor()) != Some(pa.row.amount) {
        return Err(d.decline("64"));
    }
    let release = Move { anchor: Anchor::Row(pa.row.id), kind: EffectKind::Release, amount: pa.row.amount };
    d.updates.push(Update::Status(pa.row.id, TxnStatus::Cancelled));
    Ok(d.approve(vec![release]).with_auth(ctx.auth_code()?))
}

/// Completion (0200/20): captures up to the held amount (`61` above) and releases the whole hold.
pub(crate) fn complete(ctx: &Ctx<'_>, req: &FinancialRequest, mut d: Draft) -> Result<Plan, Refusal> {
    let amount = amount(ctx, req, &d)?;
    let pa = find(ctx, req, &mut d)?;
    if pa.row.status != TxnStatus::Approved {
        return Err(d.decline("12"));
    }
    if amount > pa.row.amount {
        return Err(d.decline("61"));
    }
    let moves = vec![
        Move { anchor: Anchor::This, kind: EffectKind::Debit, amount },
        Move { anchor: Anchor::Row(pa.row.id), kind: EffectKind::Release, amount: pa.row.amount },
    ];
    d.updates.push(Update::Status(pa.row.id, TxnStatus::Completed));
    d.updates.push(Update::Captured(pa.row.id, amount));
    let code = match pa.row.auth_code.clone() {
        Some(c) => c,
        None => ctx.auth_code()?,
    };
    Ok(d.approve(moves).with_auth(code).watched())
}
