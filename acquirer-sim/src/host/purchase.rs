//! Cardholder-initiated requests: sale, pre-auth, balance inquiry, offline sale upload.

use pos_core::deck::AccountKind;
use pos_core::iso8583::FinancialRequest;

use super::financial::{amount, funds, required_card, risk, status, verify_pin};
use super::plan::{Anchor, Draft, Move, Plan, Refusal};
use super::Ctx;
use crate::ledger::effects::EffectKind;

/// Sale (0200/22): debits the card.
pub(crate) fn sale(ctx: &Ctx<'_>, req: &FinancialRequest, d: Draft) -> Result<Plan, Refusal> {
    Ok(debit(ctx, req, d)?.watched())
}

/// The card's checks (status, PIN, risk, funds) and its debit of the amount, approved.
fn debit(ctx: &Ctx<'_>, req: &FinancialRequest, mut d: Draft) -> Result<Plan, Refusal> {
    let amount = amount(ctx, req, &d)?;
    let (card, account) = required_card(ctx, req, &mut d)?;
    status(ctx, &d, &card, &account)?;
    verify_pin(ctx, req, &mut d, &account, true)?;
    risk(ctx, req, &d, true)?;
    funds(&d, &account, amount)?;
    let debit = Move { anchor: Anchor::This, kind: EffectKind::Debit, amount };
    Ok(d.approve(vec![debit]).with_auth(ctx.auth_code()?))
}

/// Transfer (0200/400000, 60.1 47): debits the card like a sale, for the account in field 103
/// (digits, 6 to 28; else `30`, format error). The payee's bank is outside this simulator: the
/// credit side is not kept, the debit is, and it counts in the batch's debit totals.
pub(crate) fn transfer(ctx: &Ctx<'_>, req: &FinancialRequest, d: Draft) -> Result<Plan, Refusal> {
    let payee_ok = req
        .payee_account
        .as_deref()
        .is_some_and(|a| (6..=28).contains(&a.len()) && a.bytes().all(|b| b.is_ascii_digit()));
    if !payee_ok {
        return Err(d.decline("30"));
    }
    debit(ctx, req, d)
}

/// Pre-auth (0100/10): holds the amount until cancelled or completed.
pub(crate) fn pre_auth(ctx: &Ctx<'_>, req: &FinancialRequest, mut d: Draft) -> Result<Plan, Refusal> {
    let amount = amount(ctx, req, &d)?;
    let (card, account) = required_card(ctx, req, &mut d)?;
    status(ctx, &d, &card, &account)?;
    verify_pin(ctx, req, &mut d, &account, true)?;
    risk(ctx, req, &d, true)?;
    funds(&d, &account, amount)?;
    let hold = Move { anchor: Anchor::This, kind: EffectKind::Hold, amount };
    Ok(d.approve(vec![hold]).with_auth(ctx.auth_code()?))
}

/// Offline sale upload (0220/30): the terminal approved it offline; the host applies it
/// now, or declines when the account cannot pay (status, expiry, funds, escalation).
pub(crate) fn offline(ctx: &Ctx<'_>, req: &FinancialRequest, mut d: Draft) -> Result<Plan, Refusal> {
    let amount = amount(ctx, req, &d)?;
    let (card, account) = required_card(ctx, req, &mut d)?;
    status(ctx, &d, &card, &account)?;
    risk(ctx, req, &d, false)?;
    funds(&d, &account, amount)?;
    let debit = Move { anchor: Anchor::This, kind: EffectKind::Debit, amount };
    let code = match req.original_auth.clone() {
        Some(c) => c,
        None => ctx.auth_code()?,
    };
    Ok(d.approve(vec![debit]).with_auth(code).watched())
}

/// Balance inquiry (0200/01): the available amount in field 54.
pub(crate) fn balance(ctx: &Ctx<'_>, req: &FinancialRequest, mut d: Draft) -> Result<Plan, Refusal> {
    let (card, account) = required_card(ctx, req, &mut d)?;
    status(ctx, &d, &card, &account)?;
    verify_pin(ctx, req, &mut d, &account, true)?;
    let mut plan = d.approve(Vec::new());
    plan.balance = Some(field54(account.kind, account.available));
    Ok(plan)
}

/// Field 54 as UnionPay hosts send it: account type (n2: 10 savings/debit, 30 credit),
/// amount type (n2: 02 available), currency (n3), sign (C/D) and the amount (n12).
pub(crate) fn field54(kind: AccountKind, available: i64) -> String {
    let account_type = match kind {
        AccountKind::Debit => "10",
        AccountKind::Credit => "30",
    };
    let sign = if available < 0 { 'D' } else { 'C' };
    format!("{account_type}02156{sign}{:012}", available.unsigned_abs().min(999_999_999_999))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field54_layout() {
        assert_eq!(field54(AccountKind::Debit, 10_000_000), "1002156C000010000000");
        assert_eq!(field54(AccountKind::Credit, -1), "3002156D000000000001");
        assert_eq!(field54(AccountKind::Debit, 0).len(), 20);
    }
}
