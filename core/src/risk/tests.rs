//! Evaluations against a real journal: windows at their boundaries, policy errors, audit and report.

use crate::clock::{CivilTime, Timestamp, CHINA_UTC_OFFSET_SECS};
use crate::iso8583::TxnType;
use crate::money::{Amount, Currency};
use crate::offline::OfflineLimits;
use crate::store::tests::{answer, open, sale, TempDir};
use crate::store::Store;

use super::*;

fn at(y: i32, mo: u8, d: u8, h: u8, mi: u8, s: u8) -> Timestamp {
    Timestamp::from_civil(
        CivilTime { year: y, month: mo, day: d, hour: h, minute: mi, second: s },
        CHINA_UTC_OFFSET_SECS,
    )
}

/// An approved sale of the test card at `t`.
fn paid(store: &Store, fen: u64, t: Timestamp) {
    let mut new = sale(fen);
    new.at = t.to_string();
    new.local_date = t.mmdd();
    let row = store.begin_txn(&new).unwrap_or_else(|e| panic!("{e}"));
    store.record_answer(row.id, &answer("00"), &t.to_string()).unwrap_or_else(|e| panic!("{e}"));
}

fn eval(store: &Store, fen: u64, t: Timestamp) -> Evaluation {
    let card = sale(1).fingerprint;
    let req = RiskRequest {
        txn: TxnType::Sale,
        amount: Amount::cny(fen).unwrap_or_else(|_| unreachable!()),
        fingerprint: card,
        offline: false,
        at: t,
    };
    evaluate(store, &RiskPolicy::default_cny(), &OfflineLimits::defaults(Currency::CNY), &req)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn fired(e: &Evaluation, rule: &str) -> bool {
    e.fired.iter().any(|f| f.rule == rule)
}

#[test]
fn card_per_day_resets_at_local_midnight() {
    let dir = TempDir::new("risk-day");
    let store = open(&dir);
    // Two payments on Wednesday 2025-03-05, far apart.
    paid(&store, 100, at(2025, 3, 5, 9, 0, 0));
    paid(&store, 100, at(2025, 3, 5, 12, 0, 0));
    assert!(fired(&eval(&store, 100, at(2025, 3, 5, 23, 59, 59)), "card_daily"), "third that day");
    assert!(!fired(&eval(&store, 100, at(2025, 3, 6, 0, 0, 0)), "card_daily"), "next local day");
    let one = TempDir::new("risk-day1");
    let store = open(&one);
    paid(&store, 100, at(2025, 3, 5, 9, 0, 0));
    assert!(!fired(&eval(&store, 100, at(2025, 3, 5, 20, 0, 0)), "card_daily"), "second that day");
}

#[test]
fn card_interval_counts_seconds_across_midnight() {
    let dir = TempDir::new("risk-gap");
    let store = open(&dir);
    paid(&store, 100, at(2025, 3, 2, 23, 58, 0));
    // Sunday 23:58 then Monday: the gap, not the calendar, counts.
    assert!(fired(&eval(&store, 100, at(2025, 3, 3, 0, 2, 59)), "card_interval"), "4 min 59 s");
    assert!(!fired(&eval(&store, 100, at(2025, 3, 3, 0, 3, 0)), "card_interval"), "5 min");
    assert!(!fired(&eval(&store, 100, at(2025, 3, 3, 0, 3, 1)), "card_interval"), "5 min 1 s");
}

#[test]
fn card_per_week_starts_on_monday() {
    let dir = TempDir::new("risk-week");
    let store = open(&dir);
    // Sunday 2025-03-02 counts for the week before; Mon-Wed 3..5 for this week.
    paid(&store, 100, at(2025, 3, 2, 10, 0, 0));
    paid(&store, 100, at(2025, 3, 3, 10, 0, 0));
    paid(&store, 100, at(2025, 3, 4, 10, 0, 0));
    let wed = eval(&store, 100, at(2025, 3, 5, 10, 0, 0));
    assert!(!fired(&wed, "card_weekly"), "third this week: {:?}", wed.fired);
    paid(&store, 100, at(2025, 3, 5, 10, 0, 0));
    assert!(fired(&eval(&store, 100, at(2025, 3, 9, 23, 59, 59)), "card_weekly"), "fourth, Sunday night");
    assert!(!fired(&eval(&store, 100, at(2025, 3, 10, 0, 0, 0)), "card_weekly"), "next Monday");
}

#[test]
fn card_months_need_the_previous_calendar_month() {
    let dir = TempDir::new("risk-month");
    let store = open(&dir);
    paid(&store, 100, at(2025, 1, 31, 23, 59, 59));
    assert!(!fired(&eval(&store, 100, at(2025, 2, 1, 0, 0, 0).plus_secs(3600)), "card_interval"));
    assert!(fired(&eval(&store, 100, at(2025, 2, 1, 0, 0, 0)), "card_months"), "January then February");
    assert!(fired(&eval(&store, 100, at(2025, 2, 28, 23, 59, 59)), "card_months"));
    assert!(!fired(&eval(&store, 100, at(2025, 3, 1, 0, 0, 0)), "card_months"), "a gap in February");
    let one = TempDir::new("risk-month1");
    let store = open(&one);
    paid(&store, 100, at(2025, 1, 1, 0, 0, 0));
    assert!(!fired(&eval(&store, 100, at(2025, 1, 31, 23, 59, 59)), "card_months"), "same month");
    assert!(!fired(&eval(&store, 100, at(2024, 12, 31, 23, 59, 59)), "card_months"), "before");
}

#[test]
fn daily_total_reads_the_triggered_totals() {
    let dir = TempDir::new("risk-total");
    let store = open(&dir);
    let day = at(2025, 3, 5, 10, 0, 0);
    paid(&store, 2_500_000, day);
    paid(&store, 2_500_000, day.plus_secs(3600));
    paid(&store, 2_500_000, at(2025, 3, 4, 10, 0, 0)); // yesterday
    let fen = |y: u64| 10_000_000 - 5_000_000 + y;
    let e = |f| eval(&store, f, day.plus_secs(7200));
    assert!(!fired(&e(fen(0)), "daily_total"), "exactly 100,000.00");
    assert!(fired(&e(fen(1)), "daily_total"));
    assert!(!fired(&e(fen(0) - 1), "daily_total"));
    // A voided sale leaves the total.
    let rows = store.recent_txns(10).unwrap_or_default();
    let latest = rows.iter().find(|r| r.local_date == "0305").map(|r| r.id).unwrap_or_else(|| unreachable!());
    store
        .lock()
        .execute("UPDATE txn SET cancelled_by = id WHERE id = ?1", [latest.0])
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!fired(&e(fen(1)), "daily_total"), "the void brought it down");
    assert!(fired(&e(fen(2_500_001)), "daily_total"));
}

#[test]
fn policy_errors_name_the_field() {
    let err = |json: &str| RiskPolicy::from_json(json).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err("{").contains("policy"));
    assert!(err(r#"{"version":1,"currency":156}"#).contains("rules"), "{}", err(r#"{"version":1,"currency":156}"#));
    let e = err(r#"{"version":1,"currency":156,"rules":[{"id":"a","verdict":"warn","kind":"card_daily"}]}"#);
    assert!(e.contains("rules[0] (a)") && e.contains("max"), "{e}");
    let e = err(r#"{"version":1,"currency":156,"rules":[{"id":"a","verdict":"maybe","kind":"card_daily","max":2}]}"#);
    assert!(e.contains("rules[0]") && e.contains("maybe"), "{e}");
    let e = err(r#"{"version":1,"currency":156,"rules":[{"id":"a","verdict":"warn","kind":"teleport"}]}"#);
    assert!(e.contains("teleport"), "{e}");
    let e = err(r#"{"version":1,"currency":156,"rules":[{"id":"a","verdict":"warn","kind":"card_daily","max":0}]}"#);
    assert!(e.contains("rules[0].max"), "{e}");
    let e = err(r#"{"version":0,"currency":156,"rules":[]}"#);
    assert!(e.contains("`version`"), "{e}");
    let e = err(r#"{"version":1,"currency":999,"rules":[]}"#);
    assert!(e.contains("`currency`"), "{e}");
    let two = r#"{"id":"a","verdict":"warn","kind":"card_daily","max":2}"#;
    let e = err(&format!(r#"{{"version":1,"currency":156,"rules":[{two},{two}]}}"#));
    assert!(e.contains("rules[1].id") && e.contains("duplicate"), "{e}");
    let e = err(
        r#"{"version":1,"currency":156,"rules":[{"id":"h","verdict":"warn","kind":"business_hours","open":"21:00","close":"09:00","above_minor":1}]}"#,
    );
    assert!(e.contains("rules[0].close"), "{e}");
    let e = err(
        r#"{"version":1,"currency":156,"rules":[{"id":"h","verdict":"warn","kind":"business_hours","open":"9am","close":"21:00","above_minor":1}]}"#,
    );
    assert!(e.contains("9am"), "{e}");
    let e = err(r#"{"version":1,"currency":156,"rules":[],"extra":1}"#);
    assert!(e.contains("extra"), "{e}");
}

#[test]
fn the_default_policy_round_trips_and_has_every_rule() {
    let p = RiskPolicy::default_cny();
    assert_eq!(RiskPolicy::from_json(&p.to_json()), Ok(p.clone()));
    let ids: Vec<&str> = p.rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), 12, "{ids:?}");
}

#[test]
fn pushes_are_validated_and_never_older() {
    let dir = TempDir::new("risk-push");
    let store = open(&dir);
    let state = RiskState::default();
    let base = RiskPolicy::default_cny();
    assert_eq!(state.current(&store, Some(&base)).map(|p| p.version), Some(1));
    let mut v2 = base.clone();
    v2.version = 2;
    v2.rules.retain(|r| r.id != "card_daily");
    assert_eq!(state.replace(&store, Some(&base), &v2.to_json()).map(|p| p.version), Ok(2));
    assert!(matches!(
        state.replace(&store, Some(&base), &base.to_json()),
        Err(RiskError::Policy(PolicyError::Stale { offered: 1, installed: 2 }))
    ));
    assert!(matches!(state.replace(&store, Some(&base), "{}"), Err(RiskError::Policy(PolicyError::Parse { .. }))));
    // A new state (the terminal restarted) reads the pushed policy back.
    assert_eq!(RiskState::default().current(&store, Some(&base)).map(|p| p.version), Some(2));
}

#[test]
fn audit_confirmation_and_report() {
    let dir = TempDir::new("risk-audit");
    let store = open(&dir);
    let t = at(2025, 3, 5, 10, 0, 0);
    paid(&store, 100, t);
    let card = sale(1).fingerprint;
    let req = RiskRequest {
        txn: TxnType::Sale,
        amount: Amount::cny(100).unwrap_or_else(|_| unreachable!()),
        fingerprint: card,
        offline: false,
        at: t.plus_secs(60),
    };
    let e = eval(&store, 100, req.at);
    assert_eq!(e.verdict, Verdict::Warn, "{:?}", e.fired);
    let token =
        audit::record(&store, &req, &e, AuditDecision::AwaitingConfirmation, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(audit::find_confirmation(&store, &req, &e).ok().flatten(), None, "not confirmed yet");
    assert_eq!(audit::confirm(&store, token, "op01", &req.at.to_string()).ok(), Some(true));
    assert_eq!(audit::confirm(&store, token, "op01", &req.at.to_string()).ok(), Some(false), "once");
    let later = RiskRequest { at: req.at.plus_secs(30), ..req.clone() };
    assert_eq!(audit::find_confirmation(&store, &later, &e).ok().flatten(), Some(token));
    let other = RiskRequest { amount: Amount::cny(101).unwrap_or_else(|_| unreachable!()), ..later.clone() };
    assert_eq!(audit::find_confirmation(&store, &other, &e).ok().flatten(), None, "another amount");
    let stale = RiskRequest { at: req.at.plus_secs(audit::CONFIRMATION_TTL_SECS + 1), ..req.clone() };
    assert_eq!(audit::find_confirmation(&store, &stale, &e).ok().flatten(), None, "expired");
    let used =
        audit::record(&store, &later, &e, AuditDecision::Proceeded, Some(token)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(audit::find_confirmation(&store, &later, &e).ok().flatten(), None, "spent");
    let rec = audit::load(&store, used).ok().flatten().unwrap_or_else(|| unreachable!());
    assert_eq!(rec.confirmation_of, Some(token));
    let report = RiskReport::of_day(&store, "2025-03-05").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((report.evaluations, report.proceeded, report.confirmed, report.awaiting_confirmation), (2, 1, 1, 0));
    assert_eq!(report.rules.first().map(|r| (r.rule.as_str(), r.fired)), Some(("card_interval", 2)));
}
