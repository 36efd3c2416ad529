//! Settlement (结算) as the shell sees it: the totals, the host's verdict, the batch upload's
//! progress and the settlement slip.

use pos_core::iso8583::{Reconciliation as CoreRecon, Totals};
use pos_core::Bilingual;
use pos_core::SettlementOutcome;

/// The host's verdict on one section of the totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Reconciliation {
    /// Not reconciled (what the terminal sends).
    NotReconciled,
    /// 对账平: totals equal.
    Balanced,
    /// 对账不平: totals differed, the batch was uploaded.
    Unbalanced,
    /// The host failed to reconcile.
    Error,
}

impl From<CoreRecon> for Reconciliation {
    fn from(r: CoreRecon) -> Self {
        match r {
            CoreRecon::NotReconciled => Reconciliation::NotReconciled,
            CoreRecon::Balanced => Reconciliation::Balanced,
            CoreRecon::Unbalanced => Reconciliation::Unbalanced,
            CoreRecon::Error => Reconciliation::Error,
        }
    }
}

/// Counts and amounts (minor units) of one section (domestic or foreign cards).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct SectionTotals {
    /// Sales and completions.
    pub debit_count: u32,
    /// Their sum.
    pub debit_minor: i64,
    /// Refunds.
    pub credit_count: u32,
    /// Their sum.
    pub credit_minor: i64,
    /// The host's verdict for this section.
    pub reconciliation: Reconciliation,
}

impl From<&Totals> for SectionTotals {
    fn from(t: &Totals) -> Self {
        SectionTotals {
            debit_count: u32::from(t.debit_count),
            debit_minor: i64::try_from(t.debit_amount).unwrap_or(i64::MAX),
            credit_count: u32::from(t.credit_count),
            credit_minor: i64::try_from(t.credit_amount).unwrap_or(i64::MAX),
            reconciliation: t.reconciliation.into(),
        }
    }
}

/// A settled batch.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SettlementResult {
    /// The batch closed.
    pub batch: u32,
    /// The batch now open.
    pub next_batch: u32,
    /// Domestic (UnionPay) totals as sent.
    pub domestic: SectionTotals,
    /// Foreign card totals as sent.
    pub foreign: SectionTotals,
    /// The host's verdict: balanced, or unbalanced and then uploaded.
    pub reconciliation: Reconciliation,
    /// Upload messages sent in this run.
    pub uploaded: u32,
    /// An interrupted upload was resumed.
    pub resumed: bool,
    /// Transactions the batch upload carried.
    pub upload_count: u32,
    /// Signed in again after closing.
    pub signed_in_again: bool,
    /// Chinese summary ("结算完成：批次… 对账平").
    pub summary_zh: String,
    /// English summary.
    pub summary_en: String,
}

impl From<&SettlementOutcome> for SettlementResult {
    fn from(o: &SettlementOutcome) -> Self {
        SettlementResult {
            batch: o.batch.value(),
            next_batch: o.next_batch.value(),
            domestic: (&o.totals.domestic).into(),
            foreign: (&o.totals.foreign).into(),
            reconciliation: o.reconciliation.into(),
            uploaded: o.uploaded,
            resumed: o.resumed,
            upload_count: o.upload_count,
            signed_in_again: o.signed_in_again,
            summary_zh: o.zh(),
            summary_en: o.en(),
        }
    }
}

/// Batch upload progress while settling.
#[uniffi::export(foreign)]
pub trait SettlementObserver: Send + Sync {
    /// After each acknowledged upload message (`acked` of `total`; `resumed` after an interruption).
    fn on_upload_progress(&self, acked: u32, total: u32, resumed: bool);
}
