//! The risk engine through the `Terminal` API against the acquirer simulator: blocks and
//! warnings reach the operator before the card is charged, confirmations are journaled, and
//! the simulator's own limits and monitoring (`61`, `65`, `34`) still answer what gets through.

use pos_acquirer_sim::SimConfig;
use pos_core::terminal::TxnOutcome;
use pos_core::Amount;
use pos_core::Bilingual;
use pos_core::OfflinePreference;
use pos_core::RiskPolicy;
use pos_core::{Error, ErrorCode};
use pos_e2e::{cny, pan, start_with, Rig};

async fn rig_with(sim: SimConfig, policy: Option<RiskPolicy>) -> Rig {
    let rig = start_with(sim, |c| c.risk_policy = policy).await;
    assert!(rig.terminal.sign_in().await.expect("sign-in").approved);
    rig
}

/// A policy without rules: what the host alone decides.
fn no_rules() -> String {
    r#"{"version": 2, "currency": 156, "rules": []}"#.into()
}

/// A sale of `amount` with the debit card presented.
async fn sale(rig: &Rig, amount: Amount) -> Result<TxnOutcome, Error> {
    rig.reader.present("debit").expect("deck card");
    rig.terminal.sale(amount).await
}

/// A sale of `amount` that the operator confirms whenever the terminal warns.
async fn sale_confirmed(rig: &Rig, amount: Amount) -> TxnOutcome {
    for _ in 0..2 {
        match sale(rig, amount).await {
            Err(Error::RiskRefused { code: ErrorCode::RiskConfirm, confirm_token: Some(token), .. }) => {
                rig.terminal.confirm_risk(token, "01").expect("confirmation journaled");
            }
            other => return other.expect("sale"),
        }
    }
    unreachable!("a confirmed warning lets the sale through")
}

#[tokio::test(start_paused = true)]
async fn a_block_reaches_the_operator_and_nothing_is_charged() {
    let rig = rig_with(SimConfig::demo(), Some(RiskPolicy::default_cny())).await;
    let before = rig.sim.ledger().available(pan("debit")).expect("balance");
    let e = sale(&rig, cny(3_000_001)).await.expect_err("blocked");
    match &e {
        Error::RiskRefused { code: ErrorCode::RiskBlocked, rules, .. } => assert_eq!(rules, &["single_amount"]),
        other => panic!("{other:?}"),
    }
    assert!(e.zh().contains("风控拒绝") && e.zh().contains("30000.00"), "{}", e.zh());
    assert!(e.en().contains("single_amount"), "{}", e.en());
    assert_eq!(e.code().as_str(), "risk_blocked");
    assert_eq!(rig.sim.ledger().available(pan("debit")).expect("balance"), before, "not charged");
    assert!(rig
        .terminal
        .recent_txns(10)
        .expect("journal")
        .iter()
        .all(|t| t.txn_type != pos_core::iso8583::TxnType::Sale));
    let report = rig.terminal.risk_report(None).expect("report");
    assert_eq!((report.evaluations, report.blocked), (1, 1));
    // At the ceiling it goes through (the round-amount warning aside: 30,000.00 is round).
    let o = sale_confirmed(&rig, cny(3_000_000)).await;
    assert!(o.approved, "{o:?}");
}

#[tokio::test(start_paused = true)]
async fn a_warning_needs_the_operators_confirmation_which_is_journaled() {
    let rig = rig_with(SimConfig::demo(), Some(RiskPolicy::default_cny())).await;
    let first = sale(&rig, cny(12_345)).await.expect("first sale");
    assert!(first.approved);
    let before = rig.sim.ledger().available(pan("debit")).expect("balance");
    // The same card again within five minutes.
    let e = sale(&rig, cny(12_345)).await.expect_err("warned");
    let Error::RiskRefused { code: ErrorCode::RiskConfirm, confirm_token: Some(token), rules, .. } = &e else {
        panic!("{e:?}")
    };
    assert!(rules.contains(&"card_interval".to_string()), "{rules:?}");
    assert!(e.zh().contains("确认"), "{}", e.zh());
    assert_eq!(rig.sim.ledger().available(pan("debit")).expect("balance"), before, "not charged");
    // Confirming an unknown token is refused; the right one is journaled once.
    let bogus = pos_core::AuditId(token.0 + 1000);
    assert!(matches!(
        rig.terminal.confirm_risk(bogus, "01"),
        Err(Error::RiskRefused { code: ErrorCode::RiskUnknownConfirmation, .. })
    ));
    rig.terminal.confirm_risk(*token, "01").expect("confirmed");
    let awaiting = rig.terminal.risk_audit(*token).expect("audit").expect("row");
    assert_eq!(awaiting.confirmed_by.as_deref(), Some("01"));
    let second = sale(&rig, cny(12_345)).await.expect("confirmed sale");
    assert!(second.approved);
    assert_eq!(rig.sim.ledger().available(pan("debit")).expect("balance"), before - 12_345);
    // The confirmation is spent: the next one asks again.
    assert!(matches!(sale(&rig, cny(12_345)).await, Err(Error::RiskRefused { code: ErrorCode::RiskConfirm, .. })));
    let report = rig.terminal.risk_report(None).expect("report");
    assert_eq!((report.evaluations, report.proceeded, report.confirmed, report.awaiting_confirmation), (4, 2, 1, 1));
    let used = token.0 + 1;
    let rec = rig.terminal.risk_audit(pos_core::AuditId(used)).expect("audit").expect("row");
    assert_eq!((rec.confirmation_of, rec.txn_id), (Some(*token), Some(second.txn_id.0)), "{rec:?}");
}

#[tokio::test(start_paused = true)]
async fn require_online_turns_an_offline_payment_away() {
    let rig = rig_with(SimConfig::demo(), Some(RiskPolicy::default_cny())).await;
    let mut p = RiskPolicy::default_cny();
    p.version = 2;
    // The offline per-payment limit is 500.00; let risk say "online only" from 100.00.
    p.rules.push(pos_core::Rule {
        id: "offline_over_100".into(),
        verdict: pos_core::Verdict::RequireOnline,
        enabled: true,
        params: pos_core::RuleParams::SingleAmount { above_minor: 10_000 },
    });
    rig.terminal.set_risk_policy(&p.to_json()).expect("pushed");
    rig.reader.present("contactless").expect("deck card");
    let e = rig.terminal.sale_with(cny(20_000), OfflinePreference::ForceOffline).await.expect_err("online only");
    assert!(
        matches!(&e, Error::RiskRefused { code: ErrorCode::RiskOnlineRequired, rules, .. } if rules == &["offline_over_100"]),
        "{e:?}"
    );
    assert_eq!(rig.terminal.queue_stats().expect("queue").count, 0);
    // Online, the same rule lets it through.
    rig.reader.present("contactless").expect("deck card");
    let o = rig.terminal.sale_with(cny(20_000), OfflinePreference::RequireOnline).await.expect("online");
    assert!(o.approved);
    // A stale or broken push is refused with the field named.
    let e = rig.terminal.set_risk_policy(&RiskPolicy::default_cny().to_json()).expect_err("stale");
    assert!(e.en().contains("older"), "{}", e.en());
    let e = rig
        .terminal
        .set_risk_policy(
            r#"{"version":3,"currency":156,"rules":[{"id":"x","verdict":"warn","kind":"card_daily","max":0}]}"#,
        )
        .expect_err("invalid");
    assert!(e.en().contains("rules[0].max"), "{}", e.en());
}

#[tokio::test(start_paused = true)]
async fn the_simulator_answers_61_above_its_per_transaction_limit() {
    let rig = rig_with(SimConfig::demo(), None).await;
    rig.terminal.set_risk_policy(&no_rules()).expect("pushed");
    let o = sale(&rig, cny(5_000_001)).await.expect("answered");
    assert_eq!((o.approved, o.response_code.as_str()), (false, "61"));
    let o = sale(&rig, cny(5_000_000)).await.expect("answered");
    assert!(o.approved, "{o:?}");
}

#[tokio::test(start_paused = true)]
async fn the_simulator_answers_65_beyond_the_daily_count_per_card() {
    let mut sim = SimConfig::demo();
    sim.limits.daily_count_per_card = 2;
    let rig = rig_with(sim, None).await;
    rig.terminal.set_risk_policy(&no_rules()).expect("pushed");
    for _ in 0..2 {
        assert!(sale(&rig, cny(100)).await.expect("answered").approved);
    }
    let o = sale(&rig, cny(100)).await.expect("answered");
    assert_eq!((o.approved, o.response_code.as_str()), (false, "65"));
}

#[tokio::test(start_paused = true)]
async fn the_simulator_escalates_round_amounts_to_34_after_the_terminal_warned() {
    let mut sim = SimConfig::demo();
    sim.monitoring.round_amounts.decline = true;
    let rig = rig_with(sim, Some(RiskPolicy::default_cny())).await;
    // Three round 6,000.00 debits: the terminal warns each time (round amount, then the card's
    // repeats), the operator confirms, and the host flags the card after the third.
    for _ in 0..3 {
        assert!(sale_confirmed(&rig, cny(600_000)).await.approved);
    }
    let o = sale_confirmed(&rig, cny(600_000)).await;
    assert_eq!((o.approved, o.response_code.as_str()), (false, "34"));
    assert!(rig.sim.flags().expect("flags").iter().any(|f| f.rule == "round_amounts"));
    let report = rig.terminal.risk_report(None).expect("report");
    assert!(report.rules.iter().any(|r| r.rule == "round_amount" && r.fired >= 4), "{report:?}");
}

/// The operator's decision during the payment, with the customer's card taken away as soon as
/// the question is asked: a payment that needed a second read could not go through.
struct Decides {
    answer: Option<bool>,
    asked: std::sync::Mutex<Vec<pos_core::terminal::RiskWarning>>,
    reader: std::sync::Arc<pos_core::SoftwareReader>,
}

#[async_trait::async_trait]
impl pos_core::terminal::RiskConfirmer for Decides {
    async fn confirm(&self, warning: &pos_core::terminal::RiskWarning) -> bool {
        self.asked.lock().unwrap().push(warning.clone());
        self.reader.remove();
        match self.answer {
            Some(a) => a,
            // Never answers: the terminal stops waiting at the card timeout.
            None => std::future::pending().await,
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_warning_confirmed_during_the_payment_uses_the_card_already_read() {
    let rig = rig_with(SimConfig::demo(), Some(RiskPolicy::default_cny())).await;
    assert!(sale(&rig, cny(12_345)).await.expect("first sale").approved);
    let before = rig.sim.ledger().available(pan("debit")).expect("balance");
    let decides =
        |answer| std::sync::Arc::new(Decides { answer, asked: Default::default(), reader: rig.reader.clone() });

    let yes = decides(Some(true));
    rig.terminal.set_risk_confirmer(Some(yes.clone()));
    let second = sale(&rig, cny(12_345)).await.expect("confirmed during the payment");
    assert!(second.approved);
    let asked = yes.asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 1);
    assert!(asked[0].rules.contains(&"card_interval".to_string()), "{asked:?}");
    assert!(asked[0].zh().contains("确认") && asked[0].en().contains("confirm"), "{}", asked[0].en());
    assert_eq!(rig.sim.ledger().available(pan("debit")).expect("balance"), before - 12_345, "charged once");
    // Journaled as if confirmed between two runs: the warning confirmed by the operator, the
    // run that used it linked to the payment.
    let warned = rig.terminal.risk_audit(asked[0].token).expect("audit").expect("row");
    assert_eq!(warned.confirmed_by.as_deref(), Some(rig.terminal.config().operator.as_str()));
    let used = rig.terminal.risk_audit(pos_core::AuditId(asked[0].token.0 + 1)).expect("audit").expect("row");
    assert_eq!((used.confirmation_of, used.txn_id), (Some(asked[0].token), Some(second.txn_id.0)), "{used:?}");

    let no = decides(Some(false));
    rig.terminal.set_risk_confirmer(Some(no.clone()));
    let e = sale(&rig, cny(12_345)).await.expect_err("declined by the operator");
    let Error::RiskRefused { code: ErrorCode::RiskConfirm, confirm_token: Some(token), .. } = e else {
        panic!("{e:?}")
    };
    assert_eq!(token, no.asked.lock().unwrap()[0].token, "the warning's token, for a later confirmation");

    let silent = decides(None);
    rig.terminal.set_risk_confirmer(Some(silent));
    let e = sale(&rig, cny(12_345)).await.expect_err("no answer within the card timeout");
    assert!(matches!(e, Error::RiskRefused { code: ErrorCode::RiskConfirm, .. }), "{e:?}");
    assert_eq!(rig.sim.ledger().available(pan("debit")).expect("balance"), before - 12_345, "nothing more charged");
    let report = rig.terminal.risk_report(None).expect("report");
    assert_eq!((report.proceeded, report.confirmed, report.awaiting_confirmation), (2, 1, 2), "{report:?}");
    rig.sim.ledger().check_invariants().expect("ledger");
}
