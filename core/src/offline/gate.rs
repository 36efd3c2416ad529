//! The offline approval decision: pure checks against the limits and the queue.

use crate::iso8583::{EntryMethod, EntryMode};
use crate::money::Amount;

use super::limits::{OfflineLimits, QueueStats};
use super::refusal::OfflineRefusal;

/// Checks that need no card: switched on, amount, total, count and age of the queue.
///
/// Run before the card is read, so a payment that cannot go offline does not bother the cardholder.
pub(crate) fn check_amount(
    limits: &OfflineLimits,
    amount: Amount,
    queue: &QueueStats,
    now_unix: i64,
) -> Result<(), OfflineRefusal> {
    if !limits.enabled {
        return Err(OfflineRefusal::Disabled);
    }
    if amount.currency() != limits.per_payment.currency() || amount > limits.per_payment {
        return Err(OfflineRefusal::AmountOverLimit { limit: limits.per_payment });
    }
    if queue.count.saturating_add(1) > limits.count {
        return Err(OfflineRefusal::CountOverLimit { limit: limits.count });
    }
    if queue.total_minor.saturating_add(amount.minor()) > limits.total.minor() {
        return Err(OfflineRefusal::TotalOverLimit { limit: limits.total });
    }
    let max_age = i64::try_from(limits.max_age.as_secs()).unwrap_or(i64::MAX);
    if queue.oldest_unix.is_some_and(|oldest| now_unix.saturating_sub(oldest) > max_age) {
        return Err(OfflineRefusal::QueueTooOld { hours: limits.max_age.as_secs() / 3600 });
    }
    Ok(())
}

/// Checks on the card read: chip or contactless, no online PIN, within its daily count.
pub(crate) fn check_card(limits: &OfflineLimits, entry: EntryMode, card_today: u32) -> Result<(), OfflineRefusal> {
    if !matches!(entry.method, EntryMethod::Chip | EntryMethod::Contactless) {
        return Err(OfflineRefusal::NotChip);
    }
    if entry.pin_entered {
        // The PIN block is under the PIK for the host to verify: offline cannot use it.
        return Err(OfflineRefusal::OnlinePin);
    }
    if card_today.saturating_add(1) > limits.per_card_per_day {
        return Err(OfflineRefusal::CardDailyLimit { limit: limits.per_card_per_day });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn cny(fen: u64) -> Amount {
        Amount::cny(fen).unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn each_limit_has_its_reason() {
        let l = OfflineLimits::defaults(Currency::CNY);
        let q = QueueStats { count: 2, total_minor: 10_000, oldest_unix: Some(1_000) };
        assert_eq!(check_amount(&l, cny(50_000), &q, 1_000), Ok(()));
        assert_eq!(
            check_amount(&l, cny(50_001), &q, 1_000),
            Err(OfflineRefusal::AmountOverLimit { limit: cny(50_000) })
        );
        let full = QueueStats { count: 100, ..q };
        assert_eq!(check_amount(&l, cny(1), &full, 1_000), Err(OfflineRefusal::CountOverLimit { limit: 100 }));
        let big = QueueStats { total_minor: 499_999, ..q };
        assert_eq!(check_amount(&l, cny(2), &big, 1_000), Err(OfflineRefusal::TotalOverLimit { limit: cny(500_000) }));
        assert_eq!(check_amount(&l, cny(1), &big, 1_000), Ok(()));
        let day = 24 * 3600;
        assert_eq!(check_amount(&l, cny(1), &q, 1_000 + day), Ok(()));
        assert_eq!(check_amount(&l, cny(1), &q, 1_001 + day), Err(OfflineRefusal::QueueTooOld { hours: 24 }));
        let off = OfflineLimits { enabled: false, ..l };
        assert_eq!(check_amount(&off, cny(1), &q, 0), Err(OfflineRefusal::Disabled));
    }

    #[test]
    fn card_checks() {
        let l = OfflineLimits::defaults(Currency::CNY);
        let chip = EntryMode { method: EntryMethod::Chip, pin_entered: false };
        assert_eq!(check_card(&l, chip, 2), Ok(()));
        assert_eq!(check_card(&l, chip, 3), Err(OfflineRefusal::CardDailyLimit { limit: 3 }));
        let pin = EntryMode { pin_entered: true, ..chip };
        assert_eq!(check_card(&l, pin, 0), Err(OfflineRefusal::OnlinePin));
        for m in [EntryMethod::Swipe, EntryMethod::Fallback, EntryMethod::Manual] {
            assert_eq!(check_card(&l, EntryMode { method: m, pin_entered: false }, 0), Err(OfflineRefusal::NotChip));
        }
        let tap = EntryMode { method: EntryMethod::Contactless, pin_entered: false };
        assert_eq!(check_card(&l, tap, 0), Ok(()));
    }
}
