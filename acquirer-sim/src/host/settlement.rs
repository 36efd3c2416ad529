//! Settlement (0500) and batch upload (0320).
//!
//! Host totals for a terminal's batch: debits are approved sales, completions and
//! offline sales still in force (a partly refunded sale counts in full; voided,
//! cancelled and reversed ones do not); credits are approved refunds. Pre-auths,
//! cancels, voids and balance inquiries are in neither. Domestic and foreign cards
//! (Visa, Mastercard, JCB, Amex) are separate sections, each reconciled on its own.

use pos_core::iso8583::{
    AdminKind, AdminRequest, AdminResponse, Message, Mti, Reconciliation, SettlementSide, SettlementTotals, Totals,
};
use pos_core::ResponseCode;
use tracing::{info, warn};

use super::reply::bare;
use super::{Ctx, HostError};
use crate::ledger::rows::{BatchState, RowKind, SettlementRecord, TxnStatus, UploadRecord};
use crate::ledger::{batches, settlement_log, txns};

/// Settles the terminal's batch: `77` if 60.2 is not the host's batch, else 0510 with
/// reconciliation codes. Balanced closes the batch at once; unbalanced waits for the upload.
pub(crate) fn settle(ctx: &Ctx<'_>, msg: &Message) -> Result<Message, HostError> {
    let req = match AdminRequest::from_message(msg) {
        Ok(r) => r,
        Err(e) => {
            warn!(tid = ctx.term.tid.as_str(), error = %e, "malformed settlement");
            return Ok(bare(msg, "30"));
        }
    };
    let AdminKind::Settlement(theirs) = &req.kind else { return Ok(bare(msg, "12")) };
    let tid = req.tid.as_str();
    let state = batches::state(ctx.db, tid)?;
    if state.map(|s| s.current) != Some(req.batch.value()) {
        warn!(tid, batch = req.batch.value(), host = ?state.map(|s| s.current), "settlement of a batch out of step");
        return answer(ctx, &req, "0510", "77", None);
    }
    let ours = host_totals(ctx, tid, req.batch.value())?;
    let mut domestic = reconcile(&theirs.domestic, &ours.domestic);
    let foreign = reconcile(&theirs.foreign, &ours.foreign);
    if ctx.unbalanced {
        warn!(tid, batch = req.batch.value(), "fault: settlement answered as not balanced (cut-over glitch)");
        domestic.reconciliation = Reconciliation::Unbalanced;
    }
    let balanced =
        domestic.reconciliation == Reconciliation::Balanced && foreign.reconciliation == Reconciliation::Balanced;
    settlement_log::record_settlement(
        ctx.db,
        &SettlementRecord {
            tid: tid.to_owned(),
            batch: req.batch.value(),
            terminal_totals: theirs.to_field()?,
            host_totals: ours.to_field()?,
            balanced,
            created_ms: ctx.now_ms,
        },
    )?;
    if balanced {
        let next = batches::close(ctx.db, tid)?;
        info!(tid, batch = req.batch.value(), next, "settlement balanced; batch closed");
    } else {
        batches::set_uploading(ctx.db, tid)?;
        info!(tid, batch = req.batch.value(), "settlement not balanced; awaiting batch upload");
    }
    answer(ctx, &req, "0510", "00", Some(SettlementTotals { domestic, foreign }))
}

/// Records a batch upload item; the end message (202/207) closes the batch.
///
/// Accepted for the host's current batch and for the batch closed last (a terminal
/// may send the end message after a balanced settlement, which already closed it).
pub(crate) fn upload(ctx: &Ctx<'_>, msg: &Message) -> Result<Message, HostError> {
    let req = match AdminRequest::from_message(msg) {
        Ok(r) => r,
        Err(e) => {
            warn!(tid = ctx.term.tid.as_str(), error = %e, "malformed batch upload");
            return Ok(bare(msg, "30"));
        }
    };
    let tid = req.tid.as_str();
    let batch = req.batch.value();
    let Some(state) = batches::state(ctx.db, tid)? else { return answer(ctx, &req, "0330", "96", None) };
    if !accepts(&state, batch) {
        warn!(tid, batch, host = state.current, "batch upload for a batch out of step");
        return answer(ctx, &req, "0330", "77", None);
    }
    let record = |item: &str, stan: u32, amount: u64, detail: String| {
        settlement_log::record_upload(
            ctx.db,
            &UploadRecord { tid: tid.to_owned(), batch, item: item.to_owned(), stan, amount, detail },
        )
    };
    match &req.kind {
        AdminKind::BatchUpload(records) => {
            for r in records {
                // The terminal sends first 6 + zeros + last 4; keep only the BIN.
                let bin: String = r.card.chars().take(6).collect();
                record("record", r.stan.value(), r.amount, format!("org {:02} card {bin}******", r.card_org))?;
            }
        }
        AdminKind::IcBatchUpload(item) => {
            record("ic", item.original_stan.value(), item.amount, format!("icc {} bytes", item.icc.len()))?;
        }
        AdminKind::BatchEnd { code, count } => {
            record("end", *count, 0, format!("code {:03}", code.code()))?;
            if batch == state.current {
                let next = batches::close(ctx.db, tid)?;
                info!(tid, batch, next, count, "batch upload ended; batch closed");
            }
        }
        _ => return Ok(bare(msg, "12")),
    }
    answer(ctx, &req, "0330", "00", None)
}

fn accepts(state: &BatchState, batch: u32) -> bool {
    batch == state.current || state.last_closed == Some(batch)
}

/// Sums the terminal's batch as the settlement rules of this module say.
fn host_totals(ctx: &Ctx<'_>, tid: &str, batch: u32) -> Result<SettlementTotals, HostError> {
    let mut totals = SettlementTotals { domestic: Totals::ZERO, foreign: Totals::ZERO };
    txns::for_each_in_batch(ctx.db, tid, batch, |t| {
        let section = if t.foreign { &mut totals.foreign } else { &mut totals.domestic };
        let in_force = t.row.status == TxnStatus::Approved;
        let RowKind::Txn(txn) = t.row.kind else { return };
        match txn.settlement_side() {
            Some(SettlementSide::Debit) if in_force => {
                section.debit_amount = section.debit_amount.saturating_add(t.row.amount);
                section.debit_count = section.debit_count.saturating_add(1).min(999);
            }
            Some(SettlementSide::Credit) if in_force => {
                section.credit_amount = section.credit_amount.saturating_add(t.row.amount);
                section.credit_count = section.credit_count.saturating_add(1).min(999);
            }
            _ => {}
        }
    })?;
    Ok(totals)
}

/// The terminal's section with the code the host found: `1` equal, `2` not equal.
fn reconcile(theirs: &Totals, ours: &Totals) -> Totals {
    let equal = theirs.debit_amount == ours.debit_amount
        && theirs.debit_count == ours.debit_count
        && theirs.credit_amount == ours.credit_amount
        && theirs.credit_count == ours.credit_count;
    Totals { reconciliation: if equal { Reconciliation::Balanced } else { Reconciliation::Unbalanced }, ..*theirs }
}

fn answer(
    ctx: &Ctx<'_>,
    req: &AdminRequest,
    mti: &str,
    rc: &str,
    totals: Option<SettlementTotals>,
) -> Result<Message, HostError> {
    let net = match &req.kind {
        AdminKind::BatchEnd { code, .. } => *code,
        AdminKind::IcBatchUpload(_) => pos_core::iso8583::NetCode::IcBatchUpload,
        _ => pos_core::iso8583::NetCode::Settlement,
    };
    let resp = AdminResponse {
        mti: Mti::new(mti)?,
        net,
        response_code: ResponseCode::parse(rc).unwrap_or(ResponseCode::APPROVED),
        stan: req.stan,
        tid: req.tid.clone(),
        mid: req.mid.clone(),
        batch: req.batch,
        time: Some(ctx.local.hhmmss()),
        date: Some(ctx.local.mmdd()),
        rrn: Some(ctx.next_rrn()?),
        totals,
        key_block: None,
    };
    Ok(resp.to_message(true)?)
}
