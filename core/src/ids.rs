//! Plain identifiers shared by the journal, reversals, receipts and the facade.
//!
//! They sit below `store` so that modules naming a transaction or a slip number need not
//! depend on the database (the store re-exports them for existing callers).

use std::fmt;

use serde::{Deserialize, Serialize};

/// The row id of a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct TxnId(pub i64);

impl fmt::Display for TxnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// 凭证号: numbers the slips of this terminal, wrapping after 999999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct VoucherNo(u32);

impl VoucherNo {
    /// The first voucher of a fresh terminal.
    pub const FIRST: VoucherNo = VoucherNo(1);

    /// A voucher number in 1..=999999.
    pub fn new(v: u32) -> Option<VoucherNo> {
        (1..=999_999).contains(&v).then_some(VoucherNo(v))
    }

    /// The number.
    pub fn value(&self) -> u32 {
        self.0
    }

    /// The next number; 999999 wraps to 000001.
    pub fn next(&self) -> VoucherNo {
        if self.0 >= 999_999 {
            VoucherNo(1)
        } else {
            VoucherNo(self.0 + 1)
        }
    }
}

impl fmt::Display for VoucherNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}
