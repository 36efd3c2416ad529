//! Monitoring: merchant volume spikes, round amounts per card, escalation to 34.

use std::time::Duration;

use pos_core::provision::DEMO_MID;

use crate::terminal::{rc, Term};
use crate::{demo, invariants, start};

const HOUR: Duration = Duration::from_secs(3600);
/// 2025-03-01 00:00 UTC (08:00 in Beijing).
const T0: i64 = 1_740_787_200_000;

#[tokio::test]
async fn volume_spike_by_count_is_flagged_and_can_decline() {
    let mut c = demo();
    c.limits.daily_count_per_card = 1_000;
    c.monitoring.round_amounts.enabled = false;
    c.monitoring.volume_spike.factor = 3;
    c.monitoring.volume_spike.trailing_hours = 4;
    c.monitoring.volume_spike.min_count = 5;
    c.monitoring.volume_spike.decline = true;
    let sim = start(c).await;
    sim.clock().pin(T0);
    let mut t = Term::signed_in(&sim).await;
    // One sale an hour for four hours: the trailing average is 1 an hour.
    for _ in 0..4 {
        assert_eq!(rc(&t.sale("debit", 1_234).await.1), "00");
        sim.clock().advance(HOUR);
    }
    // In the current hour: 4 sales are below min_count; the 5th (> 3 x 1) raises the flag.
    for i in 1..=5 {
        assert_eq!(rc(&t.sale("debit", 1_234).await.1), "00");
        assert_eq!(sim.flags().unwrap().len(), usize::from(i == 5), "after sale {i}");
    }
    let flag = &sim.flags().unwrap()[0];
    assert_eq!((flag.rule.as_str(), flag.mid.as_str(), flag.pan_masked.clone()), ("volume_spike", DEMO_MID, None));
    assert!(flag.detail.contains("last hour 5 debits"), "{}", flag.detail);
    // The rule declines the merchant's debits for an hour, whatever the card.
    assert_eq!(rc(&t.sale("credit", 1_234).await.1), "34");
    sim.clock().advance(HOUR + Duration::from_secs(1));
    assert_eq!(rc(&t.sale("credit", 1_234).await.1), "00");
    assert_eq!(sim.flags().unwrap().len(), 1, "one flag per merchant and hour");
    invariants(&sim);
}

#[tokio::test]
async fn volume_spike_by_amount() {
    let mut c = demo();
    c.monitoring.round_amounts.enabled = false;
    c.monitoring.volume_spike.factor = 2;
    c.monitoring.volume_spike.trailing_hours = 2;
    c.monitoring.volume_spike.min_count = 1_000;
    c.monitoring.volume_spike.min_amount = 100_000;
    let sim = start(c).await;
    sim.clock().pin(T0);
    let mut t = Term::signed_in(&sim).await;
    for _ in 0..2 {
        t.sale("debit", 10_000).await;
        sim.clock().advance(HOUR);
    }
    // Trailing: 10,000 an hour on average; a 100,000 sale is above 2x and above min_amount.
    assert_eq!(rc(&t.sale("debit", 100_001).await.1), "00");
    let flags = sim.flags().unwrap();
    assert_eq!(flags.len(), 1);
    assert!(flags[0].detail.contains("100001 fen"), "{}", flags[0].detail);
    // Flag only: this rule does not decline by default.
    assert_eq!(rc(&t.sale("debit", 100).await.1), "00");
}

#[tokio::test]
async fn round_amounts_flag_a_card_for_the_day() {
    let sim = start(demo()).await;
    sim.clock().pin(T0);
    let mut t = Term::signed_in(&sim).await;
    // Round but small, and large but not round: not counted.
    t.sale("debit", 100_000).await;
    t.sale("debit", 500_001).await;
    assert!(sim.flags().unwrap().is_empty());
    for amount in [500_000, 600_000] {
        t.sale("debit", amount).await;
    }
    assert!(sim.flags().unwrap().is_empty());
    t.sale("debit", 1_000_000).await;
    let flags = sim.flags().unwrap();
    assert_eq!(flags.len(), 1);
    assert_eq!(
        (flags[0].rule.as_str(), flags[0].pan_masked.as_deref()),
        ("round_amounts", Some("622848*********0018"))
    );
    assert_eq!(rc(&t.sale("debit", 1).await.1), "34");
    // A new day: the card trades again.
    sim.clock().advance(24 * HOUR);
    assert_eq!(rc(&t.sale("debit", 1).await.1), "00");
    invariants(&sim);
}

#[tokio::test]
async fn rules_can_be_switched_off() {
    let mut c = demo();
    c.monitoring.round_amounts.decline = false;
    let sim = start(c).await;
    let mut t = Term::signed_in(&sim).await;
    for _ in 0..4 {
        assert_eq!(rc(&t.sale("debit", 500_000).await.1), "00");
    }
    assert_eq!(sim.flags().unwrap().len(), 1, "flagged but not declined");
}
