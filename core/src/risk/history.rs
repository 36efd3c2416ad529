//! The facts the rules need, read from the journal through the store's indexed queries
//! (`Store::risk_history`, in store/risk.rs).
//!
//! A card's payments come from `txn_by_card` (fingerprint, time): only that card's rows in the
//! window are read. The terminal's totals come from `risk_day`, kept per local day by triggers on
//! the journal, so a year of history costs a few dozen key reads, not a scan.

use crate::money::Amount;
use crate::money::Currency;
use crate::offline::QueueStats;
use crate::store::{Store, StoreError};

use super::calendar::{day_key, day_start, month_start, parse_stored, week_start};
use super::engine::RiskRequest;
use super::policy::RiskPolicy;

/// What the journal says about this card and this terminal, as of the payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Facts {
    /// The card's approved payments today (local day).
    pub card_today: u32,
    /// The card's approved payments this week (from Monday 00:00 local).
    pub card_week: u32,
    /// When the card last paid here (Unix seconds), within the windows looked at.
    pub card_last_unix: Option<i64>,
    /// Calendar months just before this one, without a gap, in which the card paid.
    pub card_month_streak: u32,
    /// The terminal's approved total today, minor units.
    pub day_total_minor: u64,
    /// The terminal's approved total over the trailing days (today excluded).
    pub trailing_total_minor: u64,
    /// Trailing days with at least one payment.
    pub trailing_active_days: u32,
    /// The card's limit, where the reader or host reported it.
    pub card_limit: Option<Amount>,
    /// The offline queue (read for offline payments only).
    pub queue: QueueStats,
}

/// Reads the facts for `req` under `policy`.
pub(crate) fn gather(store: &Store, policy: &RiskPolicy, req: &RiskRequest) -> Result<Facts, StoreError> {
    let mut facts = Facts::default();
    if req.offline {
        facts.queue = store.queue_stats()?;
    }
    let at = req.at;
    let today = day_key(at);
    let trailing = policy.trailing_days();
    let first = day_key(day_start(at).plus_secs(-i64::from(trailing) * 86_400));
    let day = day_start(at);
    let week = week_start(at);
    let months = policy.card_months();
    let since = [week, month_start(at, months.saturating_sub(1)), at.plus_secs(-i64::from(policy.interval_secs()))]
        .into_iter()
        .min()
        .unwrap_or(week);
    let card = req.fingerprint.map(|c| c.to_string());
    let (since_s, at_s) = (since.to_string(), at.to_string());
    let rows = store.risk_history(&first, &today, card.as_deref().map(|c| (c, since_s.as_str(), at_s.as_str())))?;
    for (day, count, total) in &rows.days {
        let total = u64::try_from(*total).unwrap_or(0);
        if *day == today {
            facts.day_total_minor = total;
        } else if *count > 0 {
            facts.trailing_total_minor = facts.trailing_total_minor.saturating_add(total);
            facts.trailing_active_days += 1;
        }
    }
    if card.is_none() {
        return Ok(facts);
    }
    let (day_s, week_s) = (day.to_string(), week.to_string());
    // Month starts, newest first: [this month, 1 back, 2 back, ...].
    let starts: Vec<String> = (0..months).map(|k| month_start(at, k).to_string()).collect();
    let mut seen_month = vec![false; starts.len()];
    for created in &rows.card_times {
        if facts.card_last_unix.is_none() {
            facts.card_last_unix = parse_stored(created);
        }
        if created.as_str() >= day_s.as_str() {
            facts.card_today += 1;
        }
        if created.as_str() >= week_s.as_str() {
            facts.card_week += 1;
        }
        if let Some(k) = starts.iter().position(|s| created.as_str() >= s.as_str()) {
            seen_month[k] = true;
        }
    }
    facts.card_month_streak = seen_month.iter().skip(1).take_while(|s| **s).count() as u32;
    if let Some((minor, cur)) = rows.card_limit {
        let currency = u16::try_from(cur).ok().and_then(Currency::from_numeric);
        facts.card_limit = match (u64::try_from(minor), currency) {
            (Ok(m), Some(c)) => Amount::from_minor(m, c).ok(),
            _ => None,
        };
    }
    Ok(facts)
}
