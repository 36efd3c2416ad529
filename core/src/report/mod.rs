//! Merchant records: the daily summary (text, JSON, CSV), history dates and their errors.
//!
//! History paging and the retention policy live with the journal (`crate::store`); the
//! terminal exposes them, with reprints, in `Terminal::history`, `Terminal::reprint` and
//! `Terminal::apply_retention`.

mod day;
mod error;
mod render;
mod summary;

/// Re-exported from `clock`, where it moved so the journal need not depend on the reports.
pub use crate::clock::Day;
pub use error::ReportError;
pub use render::{major, ReportFormat};
pub use summary::{DailySummary, Figure};
