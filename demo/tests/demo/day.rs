//! The demo's day checked against independent records: the acquirer simulator's ledger (row
//! by row, and its settlement record), the files in the output directory, and the HTML
//! report rendered by headless Chromium.

use std::collections::HashMap;

use pos_acquirer_sim::{RowKind, TxnStatus};
use pos_core::iso8583::{SettlementTotals, TxnType};
use pos_core::type_name;
use pos_demo::{run, DemoOptions, DemoRun, FaultLevel, RecordingView, REPORT_FILE, SUMMARY_FILE};
use pos_testkit::TempDir;

/// A fresh directory for one test, removed on drop.
fn out_dir(tag: &str) -> TempDir {
    TempDir::new(&format!("demo-{tag}"))
}

/// Plays a day into a fresh output folder (which the demo creates itself; removed with the
/// returned directory, listed first so that it is dropped after the run) and checks its
/// invariants held.
async fn play(tag: &str, seed: u64, payments: u32, faults: FaultLevel) -> (TempDir, DemoRun, Vec<String>) {
    let tmp = out_dir(tag);
    let mut opts = DemoOptions::new(tmp.child("out"));
    (opts.seed, opts.payments, opts.faults) = (seed, payments, faults);
    let view = RecordingView::default();
    let day = run(&opts, &view).await.expect("the demo runs");
    let failed: Vec<_> = day.summary.invariants.iter().filter(|i| !i.ok).collect();
    assert!(failed.is_empty() && day.summary.ok, "broken invariants: {failed:#?}\n{}", view.lines().join("\n"));
    (tmp, day, view.lines())
}

/// Every journal row of the summary against the acquirer's row with the same STAN.
fn rows_match_the_ledger(day: &DemoRun) {
    let s = &day.summary;
    let host = day.station.sim.ledger().transactions_for(&s.merchant.tid).expect("ledger rows");
    let by_stan: HashMap<(u32, &str), _> = host
        .iter()
        .filter(|r| !r.kind.is_reversal())
        .map(|r| ((r.stan, pos_acquirer_sim::ledger::rows::txn_name(r.kind.txn_type())), r))
        .collect();
    let mut matched = 0;
    for t in &s.transactions {
        let stan: u32 = t.stan.parse().expect("stan");
        let Some(h) = by_stan.get(&(stan, t.kind.as_str())) else {
            // Only a request refused before it was sent has no host row.
            assert!(
                t.status == "failed" || t.status == "declined" && t.response_code.is_none(),
                "{t:?} not at the host"
            );
            continue;
        };
        matched += 1;
        // The host records field 4 as it came; a request without one (a balance inquiry, the
        // only kind the terminal sends without an amount) is recorded as 0.
        match t.amount_minor {
            Some(minor) => assert_eq!(h.amount, minor, "{t:?} vs {h:?}"),
            None => {
                assert_eq!(t.kind, type_name(TxnType::BalanceInquiry), "only a balance inquiry has no amount: {t:?}");
                assert_eq!(h.amount, 0, "{t:?} vs {h:?}");
            }
        }
        let expected: &[TxnStatus] = match t.status.as_str() {
            "approved" => &[TxnStatus::Approved, TxnStatus::Completed, TxnStatus::Recorded],
            "voided" => &[TxnStatus::Voided, TxnStatus::Cancelled],
            "reversed" => &[TxnStatus::Reversed],
            "declined" => &[TxnStatus::Declined],
            other => panic!("unexpected terminal status {other} for {t:?}"),
        };
        assert!(expected.contains(&h.status), "terminal {t:?} vs host {h:?}");
        if t.status == "reversed" {
            assert!(host.iter().any(|r| r.kind == RowKind::Reversal(h.kind.txn_type()) && r.stan == h.stan));
        }
        // A lost answer never reached the terminal: nothing of it to compare.
        if !t.offline && t.response_code.is_some() {
            assert_eq!(t.response_code.as_deref(), Some(h.response_code.as_str()), "{t:?} vs {h:?}");
            assert_eq!(t.rrn, h.rrn, "{t:?} vs {h:?}");
        }
    }
    assert_eq!(matched, by_stan.len(), "every host row is a row of the terminal's day");

    // The net the summary reports, recomputed from the host's rows alone.
    let host_net: i64 = host
        .iter()
        .filter(|r| !r.kind.is_reversal() && r.response_code == "00" || r.kind == RowKind::Txn(TxnType::OfflineSale))
        .filter(|r| matches!(r.status, TxnStatus::Approved | TxnStatus::Completed | TxnStatus::Recorded))
        .map(|r| match r.kind.txn_type() {
            TxnType::Sale | TxnType::OfflineSale | TxnType::PreAuthCompletion | TxnType::Transfer => r.amount as i64,
            TxnType::Refund => -(r.amount as i64),
            _ => 0,
        })
        .sum();
    assert_eq!(s.ledger.acquirer_net_minor, host_net);
    assert_eq!(s.ledger.terminal_net_minor, host_net);
}

/// The settlement the summary reports is the one the host recorded, with equal totals.
fn settlement_matches_the_host(day: &DemoRun, expect_upload: bool) {
    let s = &day.summary;
    let st = s.settlement.as_ref().expect("settled");
    let recs = day.station.sim.ledger().settlements(&s.merchant.tid).expect("settlements");
    let rec = recs.iter().rev().find(|r| format!("{:06}", r.batch) == st.batch).expect("host settlement record");
    let host = SettlementTotals::parse(rec.host_totals.as_bytes()).expect("host totals");
    let debit = host.domestic.debit_amount + host.foreign.debit_amount;
    let credit = host.domestic.credit_amount + host.foreign.credit_amount;
    assert_eq!((st.debit_minor, st.credit_minor), (debit, credit));
    assert_eq!(st.balanced, !expect_upload);
    assert_eq!(st.uploaded > 0, expect_upload);
    if expect_upload {
        let uploads = day.station.sim.ledger().uploads(&s.merchant.tid, rec.batch).expect("uploads");
        assert!(!uploads.is_empty(), "the host received the batch upload");
    }
    let approved_debits: u64 = s
        .transactions
        .iter()
        .filter(|t| {
            t.status == "approved"
                && ["sale", "offline_sale", "pre_auth_completion", "transfer"].contains(&t.kind.as_str())
        })
        .map(|t| t.amount_minor.unwrap_or(0))
        .sum();
    assert_eq!(st.debit_minor, approved_debits);
}

/// Every slip file listed exists, is a PNG and a text naming its voucher; the JSON on disk is
/// the summary returned.
fn files_are_there(day: &DemoRun) {
    let s = &day.summary;
    let out = &day.dirs.out;
    for r in &s.receipts {
        let png = std::fs::read(out.join(&r.png)).expect("png");
        assert_eq!(png.get(..8), Some(&b"\x89PNG\r\n\x1a\n"[..]), "{}", r.png);
        let txt = std::fs::read_to_string(out.join(&r.txt)).expect("txt");
        if r.copy != "settlement" {
            assert!(txt.contains(&r.voucher), "{} does not name voucher {}", r.txt, r.voucher);
        }
    }
    let approved_slips = s.transactions.iter().filter(|t| t.status == "approved" || t.status == "voided").count();
    assert!(s.receipts.len() > approved_slips, "two copies each plus the settlement slip");
    let on_disk: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join(SUMMARY_FILE)).expect("summary")).expect("json");
    assert_eq!(on_disk["ok"], true);
    assert_eq!(on_disk["transactions"].as_array().map(Vec::len), Some(s.transactions.len()));
    assert!(out.join(REPORT_FILE).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_with_the_scripted_faults_agrees_with_the_acquirer() {
    let (_out, day, lines) = play("some", 7, 16, FaultLevel::Some).await;
    let s = &day.summary;
    let kinds: Vec<&str> = s.transactions.iter().map(|t| t.kind.as_str()).collect();
    for k in [TxnType::Sale, TxnType::Void, TxnType::Refund, TxnType::PreAuth, TxnType::PreAuthCompletion] {
        assert!(kinds.contains(&type_name(k)), "{k:?} missing from {kinds:?}");
    }
    assert!(s.transactions.iter().any(|t| t.status == "declined" && t.response_code.as_deref() == Some("51")));
    assert!(s.transactions.iter().any(|t| t.status == "reversed"), "the lost answer was reversed");
    assert!(s.offline.len() >= 3 && s.offline.iter().all(|o| o.fate == "accepted"), "{:?}", s.offline);
    assert!(s.reversals.iter().any(|r| r.state == "acknowledged"));
    assert!(s.risk.events.iter().any(|e| e.rules.contains(&"round_amount".to_string()) && e.decision == "confirmed"));
    assert!(lines.iter().any(|l| l.contains("paper")), "the paper ran out and was reloaded");
    rows_match_the_ledger(&day);
    settlement_matches_the_host(&day, true);
    files_are_there(&day);
    // The report really renders: headless Chromium, a screenshot with the chart's colour in it.
    let shots = out_dir("some-shot");
    crate::support::assert_renders_in_chromium(&day.dirs.out.join(REPORT_FILE), &shots);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_day_settles_balanced_without_an_upload() {
    let (_out, day, _) = play("none", 3, 12, FaultLevel::None).await;
    assert!(day.summary.reversals.is_empty() && day.summary.offline.is_empty());
    // What was measured reads as words and numbers, never Rust's debug forms (issue 20, item 10).
    for i in &day.summary.invariants {
        for rust in ["Some(", "None", "[]", "[\""] {
            assert!(!i.detail.contains(rust), "{}: {}", i.id, i.detail);
        }
    }
    let settled = day.summary.invariants.iter().find(|i| i.id == "settled").expect("settled invariant");
    assert!(settled.detail.contains("host now 00000"), "{}", settled.detail);
    rows_match_the_ledger(&day);
    settlement_matches_the_host(&day, false);
    files_are_there(&day);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_day_loses_nothing() {
    // A lossy Bluetooth link, a slow host, a second dead spot and a printer that breaks.
    let (_out, day, lines) = play("many", 11, 30, FaultLevel::Many).await;
    assert!(
        day.summary.reversals.iter().filter(|r| r.state == "acknowledged").count() >= 2,
        "the lost answer and the unprintable slip were reversed: {:?}",
        day.summary.reversals
    );
    assert!(lines.iter().any(|l| l.contains("cancels the payment")), "the broken printer's payment was cancelled");
    rows_match_the_ledger(&day);
    settlement_matches_the_host(&day, true);
    files_are_there(&day);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_plays_the_same_day() {
    let (_out_a, a, _) = play("seed-a", 5, 10, FaultLevel::None).await;
    let (_out_b, b, _) = play("seed-b", 5, 10, FaultLevel::None).await;
    let shape = |d: &DemoRun| {
        d.summary
            .transactions
            .iter()
            .map(|t| (t.time.clone(), t.kind.clone(), t.amount_minor, t.card.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(shape(&a), shape(&b));
    let (_out_c, c, _) = play("seed-c", 6, 10, FaultLevel::None).await;
    assert_ne!(shape(&a), shape(&c), "another seed, another day");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_output_directory_of_something_else_is_refused() {
    let dir = out_dir("foreign");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("thesis.tex"), "mine").unwrap();
    let mut opts = DemoOptions::new(&dir);
    opts.payments = 1;
    let e = run(&opts, &RecordingView::default()).await.err().expect("refused");
    assert!(matches!(e, pos_demo::DemoError::OutputNotEmpty(_)), "{e:?}");
    assert_eq!(std::fs::read_to_string(dir.join("thesis.tex")).unwrap(), "mine", "nothing of the operator's touched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_invariants_catch_a_charge_the_terminal_never_made() {
    use std::sync::Arc;

    use pos_core::card::DeviceSecret;
    use pos_core::crypto::{FileVault, SecretKey};
    use pos_core::terminal::{SystemClock, Terminal};
    use pos_core::SoftwareReader;

    let (_out, day, _) = play("rogue", 4, 4, FaultLevel::None).await;
    // A second device with the same terminal identity charges a card at the acquirer: the
    // journal of the demo's terminal never sees it.
    let dir = out_dir("rogue-terminal");
    std::fs::create_dir_all(&dir).unwrap();
    let reader = Arc::new(SoftwareReader::new(
        SecretKey::from_hex(pos_core::provision::DEMO_TMK_HEX).unwrap(),
        DeviceSecret::generate().unwrap(),
    ));
    let mut config = day.station.terminal.config().clone();
    config.risk_policy = None;
    let vault = Arc::new(FileVault::open_or_create(dir.join("vault.key")).unwrap());
    let rogue = Terminal::open(&dir, config, vault, reader.clone(), Arc::new(SystemClock::default())).unwrap();
    assert!(rogue.sign_in().await.unwrap().approved);
    reader.present("debit").unwrap();
    assert!(rogue.sale(pos_core::Amount::cny(1_000).unwrap()).await.unwrap().approved);

    let summary = pos_demo::collect::summary(&day.station, &DemoOptions::new(&day.dirs.out), &day.log).unwrap();
    let checked = pos_demo::invariants::check(&day.station, &day.log, &summary).unwrap();
    let failed: Vec<&str> = checked.iter().filter(|i| !i.ok).map(|i| i.id.as_str()).collect();
    assert!(failed.contains(&"charged_once") && failed.contains(&"ledger_net"), "{checked:#?}");
}
