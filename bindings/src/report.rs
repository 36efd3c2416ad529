//! The day's report (交易汇总) as the core computes it from the journal.

use pos_core::{DailySummary, Figure};

/// A count and its sum in minor units.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReportFigure {
    /// What is counted: a type (`sale`, `void`, ...) or a card scheme.
    pub name: String,
    /// Transactions.
    pub count: u64,
    /// Their sum, minor units.
    pub amount_minor: i64,
}

fn figure(name: &str, f: &Figure) -> ReportFigure {
    ReportFigure {
        name: name.to_string(),
        count: f.count,
        amount_minor: i64::try_from(f.amount_minor).unwrap_or(i64::MAX),
    }
}

/// One local day's summary of the journal.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DailyReport {
    /// The day, `YYYY-MM-DD`.
    pub day: String,
    /// Currency of the amounts.
    pub currency: String,
    /// Every journal row of the day.
    pub transactions: u64,
    /// Approved and not reversed.
    pub approved: ReportFigure,
    /// Approved by type.
    pub by_type: Vec<ReportFigure>,
    /// Approved by card scheme.
    pub by_scheme: Vec<ReportFigure>,
    /// Approved offline.
    pub offline: ReportFigure,
    /// Approved, then voided or cancelled.
    pub voided: ReportFigure,
    /// Reversed at the host.
    pub reversed: ReportFigure,
    /// Declined.
    pub declined: ReportFigure,
    /// No usable answer.
    pub failed: u64,
    /// The report as the core prints it (text).
    pub text: String,
}

impl From<&DailySummary> for DailyReport {
    fn from(s: &DailySummary) -> Self {
        DailyReport {
            day: s.day.to_string(),
            currency: s.currency.clone(),
            transactions: s.transactions,
            approved: figure("approved", &s.approved),
            by_type: s.by_type.iter().map(|(k, f)| figure(k, f)).collect(),
            by_scheme: s.by_scheme.iter().map(|(k, f)| figure(k, f)).collect(),
            offline: figure("offline", &s.offline),
            voided: figure("voided", &s.voided),
            reversed: figure("reversed", &s.reversed),
            declined: figure("declined", &s.declined),
            failed: s.failed,
            text: s.to_text(),
        }
    }
}
