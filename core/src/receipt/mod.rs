//! Receipts (签购单): the slip model, its bilingual layout on 58 and 80 mm paper, settlement
//! slips, and the card-number scan every printed text passes.

mod labels;
mod layout;
mod model;
mod pan_scan;
mod print;
mod record;
mod settlement;
mod slip;

pub use labels::{txn_type as txn_label, Label};
pub use model::Verification;
pub use model::{CopyKind, MerchantInfo, Receipt, ReceiptContext, ReceiptError};
pub use pan_scan::redact_pans;
pub use pan_scan::unmasked_pans;
pub use print::print_slips;
pub(crate) use print::SlipNotPrinted;
pub(crate) use settlement::CardTotals;
pub use settlement::SettlementSlip;

#[cfg(test)]
mod tests;
