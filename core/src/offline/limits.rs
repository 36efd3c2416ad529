//! The merchant's limits on offline approval, and the queue figures they are checked against.

use std::time::Duration;

use crate::money::{Amount, Currency};

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
        let amount = |major: u64| {
            let scale = 10u64.pow(u32::from(currency.exponent));
            // Fixed values far inside the 12-digit range of field 4.
            Amount::from_minor(major * scale, currency).unwrap_or_else(|_| unreachable!("limit fits field 4"))
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
