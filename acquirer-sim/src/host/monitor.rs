//! Acquirer-side monitoring from the merchant agreements: volume spikes per merchant and
//! repeated large round amounts per card. Flags are rows; a rule set to `decline`
//! turns its flag into `34` (suspected fraud) for the merchant's hour or the card's day.

use pos_core::iso8583::FinancialRequest;
use pos_core::mask_pan_digits;
use tracing::warn;

use super::Ctx;
use crate::error::LedgerError;
use crate::ledger::monitoring::{self, NewFlag};

const HOUR_MS: i64 = 3_600_000;
/// Rule name of the merchant volume spike.
pub(crate) const VOLUME_SPIKE: &str = "volume_spike";
/// Rule name of the card round-amount pattern.
pub(crate) const ROUND_AMOUNTS: &str = "round_amounts";

/// Whether a rule set to decline has flagged this merchant (last hour) or card (today).
pub(crate) fn escalated(ctx: &Ctx<'_>, mid: &str, pan: &str) -> Result<bool, LedgerError> {
    let m = ctx.monitoring();
    if m.round_amounts.enabled
        && m.round_amounts.decline
        && monitoring::card_flagged_on(ctx.db, ROUND_AMOUNTS, pan, ctx.today())?
    {
        return Ok(true);
    }
    Ok(m.volume_spike.enabled
        && m.volume_spike.decline
        && monitoring::merchant_flagged_since(ctx.db, VOLUME_SPIKE, mid, ctx.now_ms - HOUR_MS)?)
}

/// Runs the rules after an approved debit has been recorded.
pub(crate) fn after_debit(ctx: &Ctx<'_>, req: &FinancialRequest, pan: &str, amount: u64) -> Result<(), LedgerError> {
    volume_spike(ctx, req)?;
    round_amounts(ctx, req, pan, amount)
}

/// Count or amount of the last hour above `factor` times the trailing hourly average.
fn volume_spike(ctx: &Ctx<'_>, req: &FinancialRequest) -> Result<(), LedgerError> {
    let rule = ctx.monitoring().volume_spike;
    let mid = req.mid.as_str();
    let now = ctx.now_ms;
    if !rule.enabled || monitoring::merchant_flagged_since(ctx.db, VOLUME_SPIKE, mid, now - HOUR_MS)? {
        return Ok(());
    }
    // Windows are (start, end]: the last hour is (now - 1 h, now], the trailing hours end where it starts.
    let hour_start = now - HOUR_MS + 1;
    let (count, sum) = monitoring::merchant_window(ctx.db, mid, hour_start, now + 1)?;
    let trailing_start = hour_start - i64::from(rule.trailing_hours) * HOUR_MS;
    let (t_count, t_sum) = monitoring::merchant_window(ctx.db, mid, trailing_start, hour_start)?;
    // last > K * (trailing / T), kept in integers: last * T > K * trailing.
    let above = |last: u64, trailing: u64| {
        u128::from(last) * u128::from(rule.trailing_hours) > u128::from(rule.factor) * u128::from(trailing)
    };
    let by_count = count >= u64::from(rule.min_count) && above(count, t_count);
    let by_amount = sum >= rule.min_amount && above(sum, t_sum);
    if by_count || by_amount {
        let detail = format!(
            "last hour {count} debits, {sum} fen; trailing {} h: {t_count} debits, {t_sum} fen (factor {})",
            rule.trailing_hours, rule.factor
        );
        warn!(mid, detail = detail.as_str(), "volume spike flagged");
        monitoring::raise(
            ctx.db,
            &NewFlag {
                rule: VOLUME_SPIKE,
                mid,
                tid: req.tid.as_str(),
                pan: None,
                local_date: ctx.today(),
                detail,
                created_ms: now,
            },
        )?;
    }
    Ok(())
}

/// `count` or more debits of one card today that are multiples of `unit` and at least `min_amount`.
fn round_amounts(ctx: &Ctx<'_>, req: &FinancialRequest, pan: &str, amount: u64) -> Result<(), LedgerError> {
    let rule = ctx.monitoring().round_amounts;
    if !rule.enabled || !amount.is_multiple_of(rule.unit.max(1)) || amount < rule.min_amount {
        return Ok(());
    }
    if monitoring::card_flagged_on(ctx.db, ROUND_AMOUNTS, pan, ctx.today())? {
        return Ok(());
    }
    let n = monitoring::card_round_debits(ctx.db, pan, ctx.today(), rule.unit.max(1), rule.min_amount)?;
    if n >= u64::from(rule.count) {
        let detail =
            format!("{n} debits today that are multiples of {} fen and at least {} fen", rule.unit, rule.min_amount);
        warn!(mid = req.mid.as_str(), card = mask_pan_digits(pan).as_str(), "round amounts flagged");
        monitoring::raise(
            ctx.db,
            &NewFlag {
                rule: ROUND_AMOUNTS,
                mid: req.mid.as_str(),
                tid: req.tid.as_str(),
                pan: Some(pan),
                local_date: ctx.today(),
                detail,
                created_ms: ctx.now_ms,
            },
        )?;
    }
    Ok(())
}
