//! The terminal's field 48 totals of a batch, by the rule the host uses.

use crate::iso8583::{SettlementSide, SettlementTotals};
use crate::journal::{TxnRecord, TxnStatus};

/// How a journal row counts in the settlement totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    /// Debit or credit.
    pub side: SettlementSide,
    /// In the foreign section.
    pub foreign: bool,
    /// Minor units.
    pub amount: u64,
}

/// How `r` counts, or `None`: declined, failed, voided, cancelled and reversed rows,
/// and types that move no settled money, are in neither total.
pub fn counts_in(r: &TxnRecord) -> Option<Counted> {
    let side = r.txn_type.settlement_side()?;
    if r.status != TxnStatus::Approved || r.cancelled_by.is_some() || r.reversed_at.is_some() {
        return None;
    }
    let amount = r.amount?.minor();
    // The host decides by BIN too; a row without a card (none today) counts as domestic.
    let foreign = r.masked_pan.as_ref().is_some_and(|p| p.scheme().is_foreign());
    Some(Counted { side, foreign, amount })
}

/// Sums `rows` into field 48 (reconciliation code `0`). Counts stop at n3's 999, as the host's.
pub fn batch_totals<'a>(rows: impl IntoIterator<Item = &'a TxnRecord>) -> SettlementTotals {
    let mut t = SettlementTotals::ZERO;
    for r in rows {
        add_to_totals(&mut t, r);
    }
    t
}

/// Counts one journal row into `t` as [`batch_totals`] does (for totals taken row by row,
/// without holding the batch in memory).
pub fn add_to_totals(t: &mut SettlementTotals, r: &TxnRecord) {
    let Some(c) = counts_in(r) else { return };
    let s = if c.foreign { &mut t.foreign } else { &mut t.domestic };
    match c.side {
        SettlementSide::Debit => {
            s.debit_amount = s.debit_amount.saturating_add(c.amount);
            s.debit_count = s.debit_count.saturating_add(1).min(999);
        }
        SettlementSide::Credit => {
            s.credit_amount = s.credit_amount.saturating_add(c.amount);
            s.credit_count = s.credit_count.saturating_add(1).min(999);
        }
    }
}
