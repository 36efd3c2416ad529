//! Recomputes every balance and state from the rows and compares with what is stored.
//!
//! Tests call this after each scenario: a lost update, a double effect or a status that
//! disagrees with the money shows up here even when the wire answers looked right.

use std::collections::{HashMap, HashSet};

use pos_core::iso8583::TxnType;
use pos_core::mask_pan_digits;
use rusqlite::Connection;

use super::accounts::{self, PIN_TRIES_LIMIT};
use super::effects;
use super::rows::{RowKind, TxnStatus};
use super::txns::{self, Stored};
use crate::error::LedgerError;

/// Every problem found; empty when the ledger is consistent.
pub(crate) fn problems(conn: &Connection) -> Result<Vec<String>, LedgerError> {
    let txns = txns::all(conn)?;
    let effects = effects::all(conn)?;
    let by_id: HashMap<i64, &Stored> = txns.iter().map(|t| (t.row.id, t)).collect();
    // Follow-ups by the row they name: one pass, so a check is linear in the ledger's size
    // (the long crash and simulation runs check after every round).
    let mut follow_ups: HashMap<i64, Vec<&Stored>> = HashMap::new();
    for t in &txns {
        if let Some(original) = t.row.original_id {
            follow_ups.entry(original).or_default().push(t);
        }
    }
    let no_follow_ups = Vec::new();
    let mut problems = Vec::new();

    let mut per_pan: HashMap<&str, i64> = HashMap::new();
    let mut money: HashMap<i64, i64> = HashMap::new();
    let mut held: HashMap<i64, i64> = HashMap::new();
    let mut made: HashSet<i64> = HashSet::new();
    for e in &effects {
        *per_pan.entry(e.pan.as_str()).or_default() += e.amount;
        made.insert(e.txn_id);
        let bucket = if e.kind.is_hold() { &mut held } else { &mut money };
        *bucket.entry(e.anchor_id).or_default() += e.amount;
        if e.amount * e.kind.sign() <= 0 {
            problems.push(format!("effect of txn {} has the wrong sign for {:?}", e.txn_id, e.kind));
        }
        match (by_id.get(&e.txn_id), by_id.get(&e.anchor_id)) {
            (Some(t), Some(a)) => {
                if t.pan.as_deref() != Some(e.pan.as_str()) || a.pan.as_deref() != Some(e.pan.as_str()) {
                    problems.push(format!("effect of txn {} moves money of another card", e.txn_id));
                }
            }
            _ => problems.push(format!("effect of txn {} refers to a missing row", e.txn_id)),
        }
    }

    for (pan, funds, available, tries) in accounts::all(conn)? {
        let derived = funds - per_pan.get(pan.as_str()).copied().unwrap_or(0);
        if derived != available {
            problems.push(format!("{}: cached available {available} != derived {derived}", mask_pan_digits(&pan)));
        }
        if !(0..=i64::from(PIN_TRIES_LIMIT)).contains(&tries) {
            problems.push(format!("{}: pin tries {tries}", mask_pan_digits(&pan)));
        }
    }

    let mut days: HashMap<(String, i64, String), i64> = HashMap::new();
    for t in txns.iter().filter(|t| t.row.response_code == "00" && t.row.status != TxnStatus::Reversed) {
        if let Some(pan) = t.pan.as_deref() {
            *days.entry((pan.to_owned(), t.local_date, t.row.kind.as_db())).or_default() += 1;
        }
    }
    for (pan, day, kind, kept) in txns::card_days(conn)? {
        let derived = days.remove(&(pan.clone(), day, kind.clone())).unwrap_or(0);
        if derived != kept {
            problems
                .push(format!("{} day {day} {kind}: kept count {kept} != derived {derived}", mask_pan_digits(&pan)));
        }
    }
    for ((pan, day, kind), n) in days {
        problems.push(format!("{} day {day} {kind}: {n} approved but no kept count", mask_pan_digits(&pan)));
    }

    let mut keys = HashSet::new();
    for t in &txns {
        let r = &t.row;
        if !keys.insert((r.tid.as_str(), r.batch, r.stan, r.kind.is_reversal())) {
            problems.push(format!("two rows for {} batch {} STAN {} ({:?})", r.tid, r.batch, r.stan, r.kind));
        }
        let approved = r.response_code == "00";
        if approved == (r.status == TxnStatus::Declined) {
            problems.push(format!("txn {}: code {} but status {:?}", r.id, r.response_code, r.status));
        }
        if !approved && made.contains(&r.id) {
            problems.push(format!("declined txn {} moved money", r.id));
        }
        let children = follow_ups.get(&r.id).unwrap_or(&no_follow_ups);
        let m = money.get(&r.id).copied().unwrap_or(0);
        let h = held.get(&r.id).copied().unwrap_or(0);
        let amount = i64::try_from(r.amount).unwrap_or(i64::MAX);
        let (want_money, want_held) = match r.kind {
            RowKind::Txn(TxnType::Sale | TxnType::OfflineSale | TxnType::PreAuthCompletion) if approved => {
                check_refunds(t, children, &mut problems);
                let left = i64::try_from(r.amount.saturating_sub(r.refunded)).unwrap_or(i64::MAX);
                (if r.status == TxnStatus::Approved { left } else { 0 }, 0)
            }
            // A transfer debits the card once, for its whole amount (no refund, no void).
            RowKind::Txn(TxnType::Transfer) if approved => {
                (if r.status == TxnStatus::Approved { amount } else { 0 }, 0)
            }
            RowKind::Txn(TxnType::PreAuth) if approved => {
                check_capture(t, children, &mut problems);
                (0, if r.status == TxnStatus::Approved { amount } else { 0 })
            }
            _ => (0, 0),
        };
        if m != want_money || h != want_held {
            problems.push(format!(
                "txn {} ({:?}, {:?}): money {m} held {h}, expected {want_money} and {want_held}",
                r.id, r.kind, r.status
            ));
        }
    }
    Ok(problems)
}

/// `follow_ups`: the rows whose `original_id` is `t`.
fn check_refunds(t: &Stored, follow_ups: &[&Stored], problems: &mut Vec<String>) {
    let r = &t.row;
    let refunds: u64 = follow_ups
        .iter()
        .filter(|o| o.row.kind == RowKind::Txn(TxnType::Refund) && o.row.status == TxnStatus::Approved)
        .map(|o| o.row.amount)
        .sum();
    if refunds != r.refunded || r.refunded > r.amount {
        problems.push(format!("txn {}: refunded {} but refunds sum to {refunds} of {}", r.id, r.refunded, r.amount));
    }
}

/// `follow_ups`: the rows whose `original_id` is `t`.
fn check_capture(t: &Stored, follow_ups: &[&Stored], problems: &mut Vec<String>) {
    let r = &t.row;
    let completions: Vec<u64> = follow_ups
        .iter()
        .filter(|o| {
            // In force: neither reversed nor cancelled (a cancelled completion opens its pre-auth again).
            o.row.kind == RowKind::Txn(TxnType::PreAuthCompletion)
                && o.row.response_code == "00"
                && o.row.status == TxnStatus::Approved
        })
        .map(|o| o.row.amount)
        .collect();
    let expected = match (r.status, completions.as_slice()) {
        (TxnStatus::Completed, [one]) => *one,
        (TxnStatus::Completed, _) => {
            problems.push(format!("pre-auth {} completed by {} completions", r.id, completions.len()));
            return;
        }
        (_, []) => 0,
        (_, _) => {
            problems.push(format!("pre-auth {} in state {:?} has completions", r.id, r.status));
            return;
        }
    };
    if r.captured != expected || r.captured > r.amount {
        problems.push(format!("pre-auth {}: captured {} expected {expected}", r.id, r.captured));
    }
}
