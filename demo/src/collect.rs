//! Reads the day back — from the terminal's journal, queue and audit trail, and from the
//! acquirer's ledger — into the summary. Nothing here trusts what the script meant to do.

use std::collections::BTreeMap;

use pos_core::card::CardScheme;
use pos_core::iso8583::{Reconciliation, SettlementSide, TxnType};
use pos_core::Day;
use pos_core::ReversalState;
use pos_core::{deck, Bilingual};
use pos_core::{scheme_key, type_name, HistoryStatus, TxnRecord};

use crate::day::DayLog;
use crate::error::DemoError;
use crate::options::DemoOptions;
use crate::station::Station;
use crate::summary::{
    DemoSummary, DemoTxn, LedgerCheck, MerchantInfo, OfflineFate, ReversalEntry, RiskEvent, RiskSection, RunInfo,
    SettlementInfo,
};

/// The summary of the day played on `st` (invariants are added by [`crate::invariants`]).
pub fn summary(st: &Station, opts: &DemoOptions, log: &DayLog) -> Result<DemoSummary, DemoError> {
    let t = &st.terminal;
    let store_err = |e: pos_core::Error| DemoError::at("journal", &e);
    let day = Day::of(st.now());
    let rows = t.day_txns(day).map_err(store_err)?;
    let daily = t.daily_summary(day).map_err(|e| DemoError::at("daily summary", &e))?;
    let day_key = day.to_string();

    let transactions = rows.iter().map(demo_txn).collect();
    let offline = t
        .offline_queue(false)
        .map_err(store_err)?
        .into_iter()
        .map(|e| OfflineFate {
            voucher: e.txn.numbers.voucher.map(|v| v.to_string()).unwrap_or_default(),
            card: e.txn.masked_pan.as_ref().map(|m| m.to_string()).unwrap_or_default(),
            amount_minor: e.txn.amount.map(|a| a.minor()).unwrap_or(0),
            stored_at: clock_of(&e.txn.created_at),
            fate: e.state.as_str().to_string(),
            response_code: e.response_code.map(|c| c.as_str().to_string()),
        })
        .collect();

    let mut reversals = Vec::new();
    for r in &rows {
        let Some(rec) = t.reversal(r.id).map_err(store_err)? else { continue };
        if matches!(rec.state, ReversalState::Held) {
            continue;
        }
        reversals.push(ReversalEntry {
            stan: r.numbers.stan.to_string(),
            kind: type_name(r.txn_type).to_string(),
            amount_minor: r.amount.map(|a| a.minor()),
            reason: rec.cause.map(|c| c.en()).unwrap_or_else(|| format!("response code {}", rec.reason.as_str())),
            state: rec.state.as_str().to_string(),
        });
    }

    let audits = t.risk_audits(&day_key).map_err(|e| DemoError::at("risk audit", &e))?;
    let by_id: BTreeMap<i64, &TxnRecord> = rows.iter().map(|r| (r.id.0, r)).collect();
    let events = audits
        .iter()
        .filter(|a| !a.fired.is_empty())
        // A confirmed warning shows once, as the payment that went ahead on it.
        .filter(|a| !(a.decision == "awaiting_confirmation" && a.confirmed_by.is_some()))
        .map(|a| {
            let warning = log.warnings.iter().find(|w| Some(w.token) == a.confirmation_of || w.token == a.id);
            let rules: Vec<String> = a.fired.iter().map(|f| f.rule.clone()).collect();
            RiskEvent {
                time: clock_of(&a.at),
                decision: if a.confirmation_of.is_some() { "confirmed".into() } else { a.decision.clone() },
                reason_zh: warning.map(|w| w.zh.clone()).unwrap_or_else(|| rules.join("，")),
                reason_en: warning.map(|w| w.en.clone()).unwrap_or_else(|| rules.join(", ")),
                rules,
                amount_minor: a
                    .txn_id
                    .and_then(|id| by_id.get(&id))
                    .and_then(|r| r.amount)
                    .map(|a| a.minor())
                    .unwrap_or(0),
            }
        })
        .collect();
    let report = t.risk_report(Some(&day_key)).map_err(|e| DemoError::at("risk report", &e))?;

    let settlement = log.settlement.as_ref().map(|s| {
        let slip = log.receipts.iter().find(|r| r.copy == "settlement");
        let d = s.totals.domestic;
        let f = s.totals.foreign;
        SettlementInfo {
            batch: s.batch.to_string(),
            balanced: s.reconciliation == Reconciliation::Balanced,
            uploaded: s.upload_count,
            debit_count: u64::from(d.debit_count) + u64::from(f.debit_count),
            debit_minor: d.debit_amount + f.debit_amount,
            credit_count: u64::from(d.credit_count) + u64::from(f.credit_count),
            credit_minor: d.credit_amount + f.credit_amount,
            next_batch: s.next_batch.to_string(),
            slip_png: slip.map(|r| r.png.clone()).unwrap_or_default(),
            slip_txt: slip.map(|r| r.txt.clone()).unwrap_or_default(),
        }
    });

    let ledger = ledger_check(st, &rows)?;
    let c = t.config();
    Ok(DemoSummary {
        schema: 1,
        run: RunInfo {
            seed: opts.seed,
            payments: opts.payments,
            faults: opts.faults.as_str().to_string(),
            lang: opts.lang.map_or_else(|| "both".into(), |l| l.to_string()),
            acquirer: st.sim.addr().to_string(),
        },
        merchant: MerchantInfo {
            name: st.merchant.name.clone(),
            tid: c.tid.as_str().to_string(),
            mid: c.mid.as_str().to_string(),
            currency: c.currency.alpha().to_string(),
        },
        day: day_key,
        transactions,
        daily,
        offline,
        reversals,
        risk: RiskSection { events, report },
        settlement,
        receipts: log.receipts.clone(),
        ledger,
        invariants: Vec::new(),
        ok: false,
    })
}

/// `HH:MM:SS` of an RFC 3339 local time.
fn clock_of(rfc3339: &str) -> String {
    pos_core::CivilTime::parse_local(rfc3339)
        .map(|c| format!("{:02}:{:02}:{:02}", c.hour, c.minute, c.second))
        .unwrap_or_default()
}

fn demo_txn(r: &TxnRecord) -> DemoTxn {
    let label = pos_core::vocab::txn_type(r.txn_type);
    let time = clock_of(&r.created_at);
    DemoTxn {
        hour: time.get(0..2).and_then(|h| h.parse().ok()).unwrap_or(0),
        time,
        kind: type_name(r.txn_type).to_string(),
        kind_zh: label.zh.to_string(),
        kind_en: label.en_label(),
        amount_minor: r.amount.map(|a| a.minor()),
        card: r.masked_pan.as_ref().map(|m| m.to_string()),
        scheme: r.masked_pan.as_ref().map(|m| scheme_key(CardScheme::from_bin(m.as_str())).to_string()),
        status: HistoryStatus::of(r).as_str().to_string(),
        response_code: r.response_code.map(|c| c.as_str().to_string()),
        stan: r.numbers.stan.to_string(),
        voucher: r.numbers.voucher.map(|v| v.to_string()),
        rrn: r.rrn.clone(),
        offline: r.txn_type == TxnType::OfflineSale,
    }
}

/// What a journal row moves on the card: + charged, - credited, 0 nothing in force.
pub fn net_effect(r: &TxnRecord) -> i64 {
    if HistoryStatus::of(r) != HistoryStatus::Approved {
        return 0;
    }
    let minor = r.amount.map(|a| a.minor() as i64).unwrap_or(0);
    // The settlement's rule, shared with the acquirer: debits charge the card, credits return.
    match r.txn_type.settlement_side() {
        Some(SettlementSide::Debit) => minor,
        Some(SettlementSide::Credit) => -minor,
        None => 0,
    }
}

/// Per test card, what the terminal's journal says it was charged and what the acquirer's
/// ledger says it was (opening funds minus what is available now).
pub fn per_card(st: &Station, rows: &[TxnRecord]) -> Result<Vec<(&'static str, i64, i64)>, DemoError> {
    let ledger = st.sim.ledger();
    let mut out = Vec::new();
    for card in deck::DECK {
        let masked = pos_core::mask_pan_digits(card.pan);
        let terminal: i64 =
            rows.iter().filter(|r| r.masked_pan.as_ref().is_some_and(|m| m.as_str() == masked)).map(net_effect).sum();
        let available = ledger.available(card.pan).map_err(|e| DemoError::Acquirer(e.to_string()))?;
        out.push((card.id, terminal, card.funds as i64 - available));
    }
    Ok(out)
}

fn ledger_check(st: &Station, rows: &[TxnRecord]) -> Result<LedgerCheck, DemoError> {
    let cards = per_card(st, rows)?;
    let tid = st.terminal.config().tid.as_str().to_string();
    let host_rows = st.sim.ledger().transactions_for(&tid).map_err(|e| DemoError::Acquirer(e.to_string()))?;
    Ok(LedgerCheck {
        terminal_net_minor: rows.iter().map(net_effect).sum(),
        acquirer_net_minor: cards.iter().map(|c| c.2).sum(),
        acquirer_rows: host_rows.len() as u64,
        acquirer_consistent: st.sim.ledger().check_invariants().is_ok(),
    })
}
