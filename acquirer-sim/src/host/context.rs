//! What one request's rules run against: the ledger transaction, the terminal, the time.

use pos_core::card::CardScheme;
use rusqlite::Connection;

use super::{Host, Session};
use crate::clock::LocalTime;
use crate::config::{Limits, MonitoringConfig, TerminalProfile};
use crate::error::LedgerError;
use crate::ledger::txns;
use crate::rng::SplitMix64;

/// The context of one authenticated request.
pub(crate) struct Ctx<'a> {
    /// The open SQLite transaction.
    pub db: &'a Connection,
    pub host: &'a Host,
    pub term: &'a TerminalProfile,
    pub session: &'a Session,
    pub now_ms: i64,
    pub local: LocalTime,
    /// Answer a settlement as not balanced whatever the totals (fault injection).
    pub unbalanced: bool,
}

impl Ctx<'_> {
    /// Local time of another instant, on this host's clock and time zone.
    pub(crate) fn local_at(&self, unix_ms: i64) -> LocalTime {
        self.host.clock.local_at(unix_ms)
    }

    pub(crate) fn limits(&self) -> &Limits {
        &self.host.limits
    }

    pub(crate) fn monitoring(&self) -> &MonitoringConfig {
        &self.host.monitoring
    }

    /// A fresh retrieval reference number: 12 digits, unique at this host.
    pub(crate) fn next_rrn(&self) -> Result<String, LedgerError> {
        Ok(format!("{:012}", txns::next_counter(self.db, "rrn")? % 1_000_000_000_000))
    }

    /// A fresh 6-digit authorization code: the next of the seeded sequence, whose position the
    /// ledger keeps (committed with the answer), so a restarted host continues instead of repeating.
    pub(crate) fn auth_code(&self) -> Result<String, LedgerError> {
        let n = txns::next_counter(self.db, "auth_code")?;
        let n = u64::try_from(n).map_err(|_| LedgerError::Corrupt(format!("auth code counter {n}")))?;
        Ok(format!("{:06}", SplitMix64::nth(self.host.codes_seed, n) % 1_000_000))
    }

    /// The local day, key of per-day limits.
    pub(crate) fn today(&self) -> i64 {
        self.local.date_key()
    }
}

/// Foreign cards are settled in field 48's second section.
pub(crate) fn is_foreign(pan: &str) -> bool {
    CardScheme::from_bin(pan).is_foreign()
}
