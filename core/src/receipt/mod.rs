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

pub use model::Verification;
pub use model::{CopyKind, MerchantInfo, Receipt, ReceiptContext, ReceiptError};
pub use pan_scan::unmasked_pans;
pub use print::print_slips;
pub use print::SlipNotPrinted;
pub use settlement::CardTotals;
pub use settlement::SettlementSlip;

#[cfg(test)]
mod tests;
