//! How the operator names the original of a void, refund, completion or cancel.

use pos_core::iso8583::Stan;
use pos_core::terminal::OriginalRef as CoreRef;
use pos_core::VoucherNo;

use crate::error::PosError;

/// The original transaction a follow-up refers to.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum OriginalRef {
    /// A slip number of this terminal (凭证号).
    Voucher { voucher: u32 },
    /// A STAN of this terminal in the current batch (流水号).
    Stan { stan: u32 },
    /// Another terminal's or day's transaction: its reference number and date MMDD (refunds).
    Host { rrn: String, date: String },
    /// A pre-auth by its authorization code and date MMDD.
    Auth { auth_code: String, date: String },
}

impl TryFrom<OriginalRef> for CoreRef {
    type Error = PosError;

    fn try_from(r: OriginalRef) -> Result<Self, PosError> {
        Ok(match r {
            OriginalRef::Voucher { voucher } => CoreRef::Voucher(
                VoucherNo::new(voucher)
                    .ok_or_else(|| PosError::invalid("凭证号应为 1-999999", "the voucher number must be 1-999999"))?,
            ),
            OriginalRef::Stan { stan } => CoreRef::Stan(
                Stan::new(stan).ok_or_else(|| PosError::invalid("流水号应为 1-999999", "the STAN must be 1-999999"))?,
            ),
            OriginalRef::Host { rrn, date } => CoreRef::Host { rrn, date },
            OriginalRef::Auth { auth_code, date } => CoreRef::Auth { auth_code, date },
        })
    }
}
