//! The merchant risk engine: a versioned policy of rules evaluated before every payment.
//!
//! Acquirers shut down merchants whose trading looks abnormal (风控). The terminal checks
//! each payment against the same kind of patterns after the card is read (its keyed
//! fingerprint known) and before anything is charged, so the operator can stop or confirm
//! it. History comes from the journal through indexed queries; every evaluation is audited.

pub(crate) mod audit;
pub(crate) mod calendar;
mod engine;
mod error;
mod history;
mod policy;
mod report;
pub mod rules;
mod state;
mod verdict;

pub(crate) use audit::AuditDecision;
pub use audit::AuditId;
pub use audit::{AuditRecord, FiredRule};
pub use engine::{evaluate, RiskRequest};
pub use error::PolicyError;
pub(crate) use error::RiskError;
#[cfg(test)]
pub(crate) use history::Facts;
pub use policy::{RiskPolicy, Rule};
pub use report::{RiskReport, RuleCount};
pub use rules::{ClockTime, RuleParams};
pub(crate) use state::RiskState;
pub use verdict::{Evaluation, Fired, Verdict};

#[cfg(test)]
mod tests;
