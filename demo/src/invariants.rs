//! The design's guarantees, checked after the day against independent records: the
//! acquirer's ledger, the terminal's journal, and every file the demo wrote.

use std::path::Path;

use pos_core::iso8583::{SettlementTotals, TxnType};
use pos_core::unmasked_pans;
use pos_core::Day;
use pos_core::HistoryStatus;

use crate::collect::per_card;
use crate::day::DayLog;
use crate::error::DemoError;
use crate::station::Station;
use crate::summary::{DemoSummary, Invariant};

fn inv(id: &str, zh: &str, en: &str, ok: bool, detail: String) -> Invariant {
    Invariant { id: id.into(), zh: zh.into(), en: en.into(), ok, detail }
}

/// Checks the day's guarantees (all but the card-data scan of the written files).
pub fn check(st: &Station, log: &DayLog, s: &DemoSummary) -> Result<Vec<Invariant>, DemoError> {
    let t = &st.terminal;
    let store_err = |e: pos_core::Error| DemoError::at("journal", &e);
    let rows = t.day_txns(Day::of(st.now())).map_err(store_err)?;
    let mut out = Vec::new();

    let cards = per_card(st, &rows)?;
    let wrong: Vec<String> =
        cards.iter().filter(|c| c.1 != c.2).map(|c| format!("{}: terminal {} acquirer {}", c.0, c.1, c.2)).collect();
    out.push(inv(
        "charged_once",
        "每张卡在收单行的扣款与终端流水一致（不重复扣款，不漏记）",
        "every card's charge at the acquirer equals the terminal's journal (nothing twice, nothing lost)",
        wrong.is_empty(),
        if wrong.is_empty() { format!("{} cards agree", cards.len()) } else { wrong.join("; ") },
    ));
    out.push(inv(
        "ledger_net",
        "终端当日净额等于收单行账务",
        "the terminal's net for the day equals the acquirer's ledger",
        s.ledger.terminal_net_minor == s.ledger.acquirer_net_minor,
        format!("terminal {} acquirer {}", s.ledger.terminal_net_minor, s.ledger.acquirer_net_minor),
    ));
    out.push(inv(
        "acquirer_consistent",
        "收单模拟器账务自洽",
        "the acquirer simulator's ledger is consistent",
        s.ledger.acquirer_consistent,
        format!("{} host rows", s.ledger.acquirer_rows),
    ));

    let open = t.open_reversals().map_err(store_err)?;
    let attention = t.attention().map_err(|e| DemoError::at("attention", &e))?;
    out.push(inv(
        "no_open_reversal",
        "无未完成冲正，无待处理事项",
        "no reversal left open and nothing awaits the operator",
        open.is_empty() && attention.is_empty(),
        format!("{} open reversals, {} attention items", open.len(), attention.len()),
    ));

    let queue = t.queue_stats().map_err(store_err)?;
    let unknown = s.offline.iter().filter(|o| o.fate != "accepted" && o.fate != "declined").count();
    out.push(inv(
        "offline_forwarded",
        "离线交易全部上送，结果已知",
        "every offline payment was forwarded and its fate is known",
        queue.count == 0 && unknown == 0,
        format!("{} stored offline, {} waiting, {} without a fate", s.offline.len(), queue.count, unknown),
    ));

    let audits = t.risk_audits(&s.day).map_err(|e| DemoError::at("risk audit", &e))?;
    let gated: Vec<_> =
        rows.iter().filter(|r| matches!(r.txn_type, TxnType::Sale | TxnType::OfflineSale | TxnType::PreAuth)).collect();
    let unaudited = gated.iter().filter(|r| !audits.iter().any(|a| a.txn_id == Some(r.id.0))).count();
    out.push(inv(
        "risk_evaluated",
        "每笔消费、离线消费和预授权前都经过风控评估",
        "the risk policy was evaluated before every sale, offline sale and pre-auth",
        unaudited == 0,
        format!("{} payments, {} without an evaluation", gated.len(), unaudited),
    ));
    let unconfirmed = audits
        .iter()
        .filter(|a| a.verdict == pos_core::Verdict::Warn && a.decision == "proceeded")
        .filter(|a| a.confirmed_by.is_none() && a.confirmation_of.is_none())
        .count();
    out.push(inv(
        "warnings_confirmed",
        "风控提示的交易均经操作员确认并记录",
        "every payment that went ahead on a warning was confirmed by the operator, journaled",
        unconfirmed == 0,
        format!("{} warnings confirmed, {} not", log.warnings.len(), unconfirmed),
    ));

    let missing: Vec<String> = rows
        .iter()
        .filter(|r| matches!(HistoryStatus::of(r), HistoryStatus::Approved | HistoryStatus::Voided))
        .filter(|r| r.txn_type != TxnType::BalanceInquiry)
        .filter_map(|r| r.numbers.voucher.map(|v| v.to_string()))
        .filter(|v| log.receipts.iter().filter(|f| &f.voucher == v).count() < 2)
        .collect();
    let cancelled_in_force = log
        .cancelled
        .iter()
        .filter(|o| rows.iter().any(|r| r.id == o.txn_id && HistoryStatus::of(r) != HistoryStatus::Reversed))
        .count();
    out.push(inv(
        "slip_or_reversed",
        "每笔成功交易都打印了两联签购单；无法打印而取消的已冲正",
        "every approval printed both slip copies; one cancelled for want of a slip was reversed",
        missing.is_empty() && cancelled_in_force == 0,
        format!(
            "{} without slips ({}), {} cancelled still in force",
            missing.len(),
            if missing.is_empty() { "none".to_string() } else { missing.join(", ") },
            cancelled_in_force
        ),
    ));

    out.push(settled(st, log)?);
    Ok(out)
}

fn settled(st: &Station, log: &DayLog) -> Result<Invariant, DemoError> {
    let (zh, en) = (
        "结算完成：收单行与终端总额一致，批次已关闭",
        "settled: the acquirer's totals equal the terminal's and the batch is closed",
    );
    let Some(o) = &log.settlement else {
        return Ok(inv("settled", zh, en, false, "no settlement".into()));
    };
    let tid = st.terminal.config().tid.as_str();
    let ledger = st.sim.ledger();
    let acq = |e: pos_acquirer_sim::LedgerError| DemoError::Acquirer(e.to_string());
    let host_batch = ledger.current_batch(tid).map_err(acq)?;
    let record = ledger.settlements(tid).map_err(acq)?.into_iter().rev().find(|r| r.batch == o.batch.value());
    let host_totals = record.as_ref().and_then(|r| SettlementTotals::parse(r.host_totals.as_bytes()).ok());
    let same = |a: &pos_core::iso8583::Totals, b: &pos_core::iso8583::Totals| {
        (a.debit_amount, a.debit_count, a.credit_amount, a.credit_count)
            == (b.debit_amount, b.debit_count, b.credit_amount, b.credit_count)
    };
    let agree = host_totals
        .as_ref()
        .is_some_and(|h| same(&h.domestic, &o.totals.domestic) && same(&h.foreign, &o.totals.foreign));
    let unsettled = st.terminal.unsettled_count().map_err(|e| DemoError::at("journal", &e))?;
    let ok = agree && host_batch == Some(o.next_batch.value()) && unsettled == 0;
    Ok(inv(
        "settled",
        zh,
        en,
        ok,
        format!(
            "batch {} → {}, host now {}, totals agree: {agree}, uploaded {}, unsettled left {unsettled}",
            o.batch,
            o.next_batch,
            host_batch.map(|b| format!("{b:06}")).unwrap_or_else(|| "unknown".into()),
            o.upload_count
        ),
    ))
}

/// No clear card number in any file the demo wrote (receipts, summary, report) or in the
/// terminal's database: every card the simulated reader can present is searched for
/// verbatim, and the slips' text is also scanned for any Luhn-valid run (the summary and the
/// database hold long numbers, seeds and blobs, that a Luhn scan would flag by chance). The
/// acquirer's ledger is the issuer's side and is not scanned.
pub fn card_data_scan(out: &Path, texts: &[(&str, &str)]) -> Invariant {
    let has_deck_pan = |text: &str| pos_core::deck::DECK.iter().any(|c| text.contains(c.pan));
    let mut found: Vec<String> =
        texts.iter().filter(|(_, text)| has_deck_pan(text)).map(|(name, _)| (*name).to_string()).collect();
    let mut scanned = texts.len();
    for dir in ["receipts", "terminal"] {
        let Ok(entries) = std::fs::read_dir(out.join(dir)) else { continue };
        for e in entries.flatten() {
            let path = e.path();
            let Ok(bytes) = std::fs::read(&path) else { continue };
            scanned += 1;
            let text = String::from_utf8_lossy(&bytes);
            let is_slip_text = dir == "receipts" && path.extension().is_some_and(|x| x == "txt");
            if has_deck_pan(&text) || (is_slip_text && !unmasked_pans(&text).is_empty()) {
                found.push(path.display().to_string());
            }
        }
    }
    inv(
        "no_clear_card_data",
        "输出文件与终端数据库中没有明文卡号",
        "no clear card number in the output files or the terminal's database",
        found.is_empty(),
        if found.is_empty() { format!("{scanned} files scanned") } else { found.join(", ") },
    )
}
