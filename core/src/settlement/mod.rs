//! End of day (日终处理): the terminal's totals, the batch upload plan, the day-end guard.
//!
//! Pure domain; the exchanges live in `terminal/settlement.rs` and the persistence in
//! `store/settlement.rs`. Their errors (`SettlementError`, `DayEndError`) wrap `TerminalError`,
//! so they live in `terminal` too. The totals follow the same rule as the acquirer simulator's
//! ([`TxnType::settlement_side`](crate::iso8583::TxnType::settlement_side),
//! [`CardScheme::is_foreign`](crate::card::CardScheme::is_foreign)).

mod guard;
mod outcome;
mod plan;
mod totals;

pub use guard::{DayEndOp, DayEndRefusal};
pub use outcome::{SettlementOutcome, UploadProgress, RESUME_NOTICE};
pub use plan::plan_upload;
pub use totals::{add_to_totals, batch_totals, counts_in, Counted};
