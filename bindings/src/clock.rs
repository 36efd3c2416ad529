//! The clock the shell may supply (the phone's time and zone); the system clock at UTC+8 otherwise.

use std::sync::Arc;

use pos_core::{Clock as CoreClock, Timestamp};

/// An instant and the local UTC offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ClockReading {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    pub unix_millis: i64,
    /// Offset of local time from UTC, in seconds (28800 in China).
    pub utc_offset_secs: i32,
}

/// Where the terminal reads the time (dates in messages, offline limits, receipts).
#[uniffi::export(foreign)]
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> ClockReading;
}

/// The shell's clock as the core's.
pub(crate) struct ForeignClock(pub Arc<dyn Clock>);

impl CoreClock for ForeignClock {
    fn now(&self) -> Timestamp {
        let r = self.0.now();
        Timestamp::new(r.unix_millis.div_euclid(1000), r.utc_offset_secs)
    }
}
