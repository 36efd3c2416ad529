//! What a settlement achieved, and the progress of its batch upload.

use serde::Serialize;

use crate::i18n::Bilingual;
use crate::iso8583::{BatchNo, Reconciliation, SettlementTotals};
use crate::receipt::SettlementSlip;

/// Shown when a settlement finds the previous batch upload unfinished and goes on with it.
pub const RESUME_NOTICE: (&str, &str) = ("前次批上送未完成，继续上送", "previous batch upload incomplete, continuing");

/// Progress of a batch upload, after each recorded group of acknowledged messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UploadProgress {
    /// Messages acknowledged.
    pub acked: u32,
    /// Messages in the upload (records, chip items and the end message).
    pub total: u32,
    /// Whether this upload was resumed from an earlier run.
    pub resumed: bool,
}

/// A settled batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementOutcome {
    /// The batch closed.
    pub batch: BatchNo,
    /// The batch now open.
    pub next_batch: BatchNo,
    /// The terminal's totals as sent.
    pub totals: SettlementTotals,
    /// The host's verdict (balanced, or unbalanced then uploaded).
    pub reconciliation: Reconciliation,
    /// Upload messages sent in this run (0 when balanced).
    pub uploaded: u32,
    /// Whether an interrupted upload was resumed.
    pub resumed: bool,
    /// Transactions the upload carried.
    pub upload_count: u32,
    /// Signed in again after closing (the profile asks for it).
    pub signed_in_again: bool,
    /// The slip to print.
    pub slip: SettlementSlip,
}

impl Bilingual for SettlementOutcome {
    fn zh(&self) -> String {
        let verdict = match self.reconciliation {
            Reconciliation::Balanced => "对账平".to_string(),
            _ => format!("对账不平，已批上送{}笔", self.upload_count),
        };
        format!("结算完成：批次{} {verdict}，新批次{}", self.batch, self.next_batch)
    }
    fn en(&self) -> String {
        let verdict = match self.reconciliation {
            Reconciliation::Balanced => "totals equal".to_string(),
            _ => format!("totals differed, {} transaction(s) uploaded", self.upload_count),
        };
        format!("Settled: batch {} {verdict}; new batch {}", self.batch, self.next_batch)
    }
}
