//! Sync: forwarding what the terminal owes the host once it can reach it. Pending
//! reversals go first, then the payments stored offline, in order, as 0220 advices.
//!
//! A sync runs on connectivity return, on a timer and on demand
//! ([`crate::terminal::Terminal::sync`]); the UI follows it through [`SyncEvent`]s. A
//! resent advice is a repeat (same terminal, batch and STAN, same bytes), which the host
//! answers without a second effect, so an upload interrupted at any point is simply sent again.

mod backoff;
mod event;
mod join;
mod policy;
mod report;

pub(crate) use backoff::Backoff;
pub use event::SyncEvent;
pub(crate) use join::run_window;
pub use policy::SyncPolicy;
pub use report::{SyncReport, SyncStop};
