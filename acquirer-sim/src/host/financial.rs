//! Financial requests (0100, 0200, 0220): dispatch by type and the checks they share.

use pos_core::card::parse_tlv;
use pos_core::deck::CardStatus;
use pos_core::iso8583::{CodecError, FinancialRequest, FinancialResponse, Message, TxnType};
use pos_core::mask_pan_digits;
use pos_core::Currency;
use pos_core::ResponseCode;
use tracing::{info, warn};

use super::card::{self, CardData};
use super::pin::{self, PinCheck};
use super::plan::{self, Draft, Plan, Refusal, Update};
use super::reply::bare;
use super::{follow_up, monitor, preauth, purchase, Ctx, HostError};
use crate::ledger::accounts::{self, Account, PIN_TRIES_LIMIT};
use crate::ledger::rows::RowKind;
use crate::ledger::{batches, txns};

/// Issuer and acquirer institution codes sent in field 44 of approvals.
const INSTITUTIONS: &str = "01020000   48020000   ";

/// Decides a financial request, records it and builds the answer.
pub(crate) fn handle(ctx: &Ctx<'_>, msg: &Message) -> Result<Message, HostError> {
    let req = match FinancialRequest::from_message(msg) {
        Ok(r) => r,
        Err(CodecError::UnknownTransaction { .. }) => {
            warn!(tid = ctx.term.tid.as_str(), "unknown transaction type");
            return Ok(bare(msg, "40"));
        }
        Err(e) => {
            warn!(tid = ctx.term.tid.as_str(), error = %e, "malformed financial request");
            return Ok(bare(msg, "30"));
        }
    };
    let rrn = ctx.next_rrn()?;
    let plan = plan::settle(decide(ctx, &req))?;
    plan::apply(ctx, &req, RowKind::Txn(req.txn), &plan, &rrn)?;
    info!(
        tid = req.tid.as_str(),
        stan = req.stan.value(),
        txn = crate::ledger::rows::txn_name(req.txn),
        amount = plan.amount,
        card = plan.pan.as_deref().map(mask_pan_digits).unwrap_or_default(),
        rc = plan.rc,
        "financial request decided"
    );
    respond(ctx, &req, &plan, rrn)
}

fn decide(ctx: &Ctx<'_>, req: &FinancialRequest) -> Result<Plan, Refusal> {
    let d = Draft { amount: req.amount.map(|a| a.minor()).unwrap_or(0), ..Draft::default() };
    if let Some(icc) = req.card.icc.as_deref() {
        let Ok(objects) = parse_tlv(icc) else { return Err(d.decline("30")) };
        // The chip authorised an amount (9F02, in its cryptogram's data): it must be the one
        // the message charges, or field 4 was changed after the card saw it.
        if !icc_amount_matches(&objects, req.amount.map(|a| a.minor())) {
            warn!(tid = req.tid.as_str(), stan = req.stan.value(), "field 4 differs from the chip's 9F02");
            return Err(d.decline("30"));
        }
    }
    // A reversal that arrived before its original: the terminal has given up on it.
    if txns::find_reversal(ctx.db, req.tid.as_str(), req.batch.value(), req.stan.value())?.is_some() {
        return Err(d.decline("12"));
    }
    let current = batches::state(ctx.db, req.tid.as_str())?.map(|b| b.current);
    // An offline payment belongs to the batch it was approved in: its advice is taken even
    // when the host has closed that batch since (a cut-over), or the merchant could never be
    // paid for it. Everything else must be in the open batch.
    let late_advice = req.txn == TxnType::OfflineSale && current.is_some_and(|c| req.batch.value() <= c);
    if current != Some(req.batch.value()) && !late_advice {
        return Err(d.decline("77"));
    }
    match req.txn {
        TxnType::BalanceInquiry => purchase::balance(ctx, req, d),
        TxnType::Sale => purchase::sale(ctx, req, d),
        TxnType::PreAuth => purchase::pre_auth(ctx, req, d),
        TxnType::OfflineSale => purchase::offline(ctx, req, d),
        TxnType::Void => follow_up::cancel_in_batch(ctx, req, d, TxnType::Sale),
        TxnType::CompletionCancel => follow_up::cancel_in_batch(ctx, req, d, TxnType::PreAuthCompletion),
        TxnType::Refund => follow_up::refund(ctx, req, d),
        TxnType::PreAuthCancel => preauth::cancel(ctx, req, d),
        TxnType::PreAuthCompletion => preauth::complete(ctx, req, d),
        TxnType::Transfer => purchase::transfer(ctx, req, d),
    }
}

fn respond(ctx: &Ctx<'_>, req: &FinancialRequest, plan: &Plan, rrn: String) -> Result<Message, HostError> {
    let rc = ResponseCode::parse(plan.rc).unwrap_or(ResponseCode::APPROVED);
    let approved = rc.is_approved();
    let resp = FinancialResponse {
        txn: req.txn,
        response_code: rc,
        stan: req.stan,
        tid: req.tid.clone(),
        mid: req.mid.clone(),
        amount: req.amount,
        batch: req.batch,
        time: Some(ctx.local.hhmmss()),
        date: Some(ctx.local.mmdd()),
        settlement_date: Some(ctx.local.mmdd()),
        rrn: Some(rrn),
        auth_code: plan.auth_code.clone().filter(|_| approved),
        institutions: approved.then(|| INSTITUTIONS.to_owned()),
        balance: plan.balance.clone().filter(|_| approved),
        icc: None,
    };
    Ok(resp.to_message(true)?)
}

/// The request's amount: CNY only (`13`), not zero (`13`), within the per-transaction limit (`61`).
pub(crate) fn amount(ctx: &Ctx<'_>, req: &FinancialRequest, d: &Draft) -> Result<u64, Refusal> {
    let Some(a) = req.amount else { return Err(d.decline("13")) };
    if a.currency() != Currency::CNY || a.minor() == 0 {
        return Err(d.decline("13"));
    }
    if a.minor() > ctx.limits().per_transaction {
        return Err(d.decline("61"));
    }
    Ok(a.minor())
}

/// The card and its account; `30` when a card is required and absent, `14` when unknown.
pub(crate) fn card_account(
    ctx: &Ctx<'_>,
    req: &FinancialRequest,
    d: &mut Draft,
) -> Result<Option<(CardData, Account)>, Refusal> {
    let card = match card::read(&req.card, ctx.session) {
        Ok(Some(c)) => c,
        Ok(None) => return Ok(None),
        Err(rc) => return Err(d.decline(rc)),
    };
    d.pan = Some(card.pan.clone());
    match accounts::load(ctx.db, &card.pan)? {
        Some(account) => Ok(Some((card, account))),
        None => Err(d.decline("14")),
    }
}

/// As [`card_account`] for requests that must carry a card.
pub(crate) fn required_card(
    ctx: &Ctx<'_>,
    req: &FinancialRequest,
    d: &mut Draft,
) -> Result<(CardData, Account), Refusal> {
    card_account(ctx, req, d)?.ok_or_else(|| d.decline("30"))
}

/// Issuer status and expiry: `41` lost, `43` stolen, `62` restricted or blacklisted, `54` expired.
pub(crate) fn status(ctx: &Ctx<'_>, d: &Draft, card: &CardData, account: &Account) -> Result<(), Refusal> {
    // A card on the blacklist the terminals download (390) is refused online too.
    if ctx.host.tms().lists(&card.pan) {
        return Err(d.decline("62"));
    }
    match account.status {
        CardStatus::Lost => return Err(d.decline("41")),
        CardStatus::Stolen => return Err(d.decline("43")),
        CardStatus::Restricted => return Err(d.decline("62")),
        CardStatus::Expired => return Err(d.decline("54")),
        CardStatus::Normal => {}
    }
    let expiry = card.expiry.or(account.expiry);
    if let (Some(e), Some(today)) = (expiry, ctx.local.expiry_month()) {
        if e.is_expired(today) {
            return Err(d.decline("54"));
        }
    }
    Ok(())
}

/// Online PIN: `75` locked, `99` undecodable block, `55` wrong (counting a try) or missing
/// where the card needs one. A right PIN resets the tries.
pub(crate) fn verify_pin(
    ctx: &Ctx<'_>,
    req: &FinancialRequest,
    d: &mut Draft,
    account: &Account,
    needed: bool,
) -> Result<(), Refusal> {
    let block = req.card.pin_block;
    let must = needed && account.pin_required;
    if block.is_none() && !must {
        return Ok(());
    }
    if account.pin_tries >= PIN_TRIES_LIMIT {
        return Err(d.decline("75"));
    }
    let Some(block) = block else { return Err(d.decline("55")) };
    match pin::check(&block, &ctx.session.keys.pik, &account.pan, &account.pin) {
        PinCheck::Undecodable => Err(d.decline("99")),
        PinCheck::Mismatch => {
            let tries = account.pin_tries.saturating_add(1);
            d.updates.push(Update::PinTries(tries));
            Err(d.decline(if tries >= PIN_TRIES_LIMIT { "75" } else { "55" }))
        }
        PinCheck::Match => {
            if account.pin_tries > 0 {
                d.updates.push(Update::PinTries(0));
            }
            Ok(())
        }
    }
}

/// Monitoring escalation (`34`) and the per-card daily count (`65`).
pub(crate) fn risk(ctx: &Ctx<'_>, req: &FinancialRequest, d: &Draft, count_today: bool) -> Result<(), Refusal> {
    let Some(pan) = d.pan.as_deref() else { return Ok(()) };
    if monitor::escalated(ctx, req.mid.as_str(), pan)? {
        return Err(d.decline("34"));
    }
    if count_today {
        let n = txns::count_card_day(ctx.db, pan, ctx.today(), &["sale", "pre_auth"])?;
        if n >= ctx.limits().daily_count_per_card {
            return Err(d.decline("65"));
        }
    }
    Ok(())
}

/// Balance or credit left: `51` when the amount is above it.
pub(crate) fn funds(d: &Draft, account: &Account, amount: u64) -> Result<(), Refusal> {
    if i64::try_from(amount).map_or(true, |a| a > account.available) {
        return Err(d.decline("51"));
    }
    Ok(())
}

/// Whether tag 9F02 (Amount, Authorised: n12 BCD), when present, equals field 4.
fn icc_amount_matches(objects: &[pos_core::card::Tlv], field4: Option<u64>) -> bool {
    let Some(tlv) = pos_core::card::find(objects, pos_core::card::Tag(0x9F02)) else { return true };
    let pos_core::card::TlvValue::Primitive(bcd) = &tlv.value else { return false };
    let mut minor: u64 = 0;
    for b in bcd {
        let (hi, lo) = (u64::from(b >> 4), u64::from(b & 0x0F));
        if hi > 9 || lo > 9 {
            return false;
        }
        minor = minor.saturating_mul(100).saturating_add(hi * 10 + lo);
    }
    match field4 {
        Some(amount) => minor == amount,
        // No field 4 (a balance inquiry): the chip may only have authorised zero.
        None => minor == 0,
    }
}

#[cfg(test)]
mod icc_tests {
    use super::icc_amount_matches;
    use pos_core::card::{Tag, Tlv};

    #[test]
    fn the_chips_amount_must_be_field_4() {
        let with = |bcd: &[u8]| vec![Tlv::primitive(Tag(0x9F02), bcd.to_vec())];
        assert!(icc_amount_matches(&with(&[0, 0, 0, 0x01, 0x23, 0x45]), Some(12_345)));
        assert!(!icc_amount_matches(&with(&[0, 0, 0, 0x01, 0x23, 0x45]), Some(888_800)));
        assert!(!icc_amount_matches(&with(&[0, 0, 0, 0x01, 0x2A, 0x45]), Some(12_345)), "not BCD");
        assert!(icc_amount_matches(&[], Some(100)), "no 9F02: nothing to compare");
        assert!(icc_amount_matches(&with(&[0; 6]), None));
    }
}
