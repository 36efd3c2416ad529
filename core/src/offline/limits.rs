//! The merchant's limits on offline approval, and the queue figures they are checked against.

use std::time::Duration;

use crate::money::{Amount, Currency, MAX_MINOR};

/// Offline approval limits (merchant parameters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfflineLimits {
    /// Offline approval is switched on for this merchant.
    pub enabled: bool,
    /// Largest single offline payment.
    pub per_payment: Amount,
    /// Largest total of payments waiting for upload, this one included.
    pub total: Amount,
    /// Most payments waiting for upload, this one included.
    pub count: u32,
    /// No new offline payment while the oldest waiting one is older than this.
    pub max_age: Duration,
    /// Most offline payments per card per (local) day.
    pub per_card_per_day: u32,
    /// A waiting payment older than this is not uploaded any more: the acquirer's deadline.
    pub upload_deadline: Duration,
}

impl OfflineLimits {
    /// Conservative defaults in `currency`: 500.00 per payment, 5,000.00 and 100 payments
    /// waiting, 24 h, 3 per card per day, 7 days to upload.
    pub fn defaults(currency: Currency) -> OfflineLimits {
        let scale = 10u64.checked_pow(u32::from(currency.exponent)).unwrap_or(u64::MAX);
        // Far inside field 4 for every real currency; capped (not a panic) for any other.
        let amount = |major: u64| {
            Amount::from_minor(major.saturating_mul(scale).min(MAX_MINOR), currency)
                .unwrap_or_else(|_| Amount::zero(currency))
        };
        OfflineLimits {
            enabled: true,
            per_payment: amount(500),
            total: amount(5_000),
            count: 100,
            max_age: Duration::from_secs(24 * 3600),
            per_card_per_day: 3,
            upload_deadline: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// What is waiting for upload (stored or being uploaded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueStats {
    /// How many.
    pub count: u32,
    /// Their total in minor units.
    pub total_minor: u64,
    /// When the oldest was stored (Unix seconds).
    pub oldest_unix: Option<i64>,
}
