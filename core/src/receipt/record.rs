//! A slip rebuilt from its journal row, for reprints: the same content as the first print,
//! the card as the masked PAN stored with the row.

use super::model::{
    clean_merchant, clean_operator, when, CopyKind, Receipt, ReceiptContext, ReceiptError, Verification,
};
use crate::clock::{CivilTime, Timestamp};
use crate::iso8583::TxnType;
use crate::journal::{TxnRecord, TxnStatus};

impl Receipt {
    /// The slip of a stored approved transaction, for one copy (`ctx.reprint` marks it 重打印).
    pub(crate) fn from_record(r: &TxnRecord, ctx: &ReceiptContext, copy: CopyKind) -> Result<Receipt, ReceiptError> {
        if r.status != TxnStatus::Approved {
            return Err(ReceiptError::NotApproved);
        }
        let (amount, card, entry) = match (r.txn_type, r.amount, &r.masked_pan, r.entry_mode) {
            (TxnType::BalanceInquiry, ..) => return Err(ReceiptError::NoAmount),
            (_, Some(a), Some(card), Some(entry)) => (a, card.clone(), entry),
            _ => return Err(ReceiptError::NoAmount),
        };
        let derived = if entry.pin_entered { Verification::PinVerified } else { Verification::Signature };
        // The year (and, without host fields, the time) comes from when the row was made, not
        // from the reprint: a slip reprinted next year keeps its date.
        let made = CivilTime::parse_local(&r.created_at).map(|c| Timestamp::from_civil(c, 0)).unwrap_or(ctx.printed_at);
        Ok(Receipt {
            copy,
            merchant: clean_merchant(&ctx.merchant),
            operator: clean_operator(&ctx.operator),
            txn: r.txn_type,
            card,
            entry: entry.method,
            verification: ctx.verification.unwrap_or(derived),
            batch: r.numbers.batch,
            voucher: r.numbers.voucher,
            rrn: r.rrn.as_deref().map(|s| s.chars().filter(char::is_ascii_graphic).take(12).collect()),
            auth_code: r.auth_code.as_deref().map(|s| s.chars().filter(char::is_ascii_graphic).take(6).collect()),
            // An offline sale's host date and time are those of its upload, hours later: its
            // slip keeps the time of the sale.
            when: match r.txn_type {
                TxnType::OfflineSale => when(None, None, made),
                _ => when(r.host_date.as_deref(), r.host_time.as_deref(), made),
            },
            amount,
            offline: ctx.offline || r.txn_type == TxnType::OfflineSale,
            reprint: ctx.reprint,
            // Masked when journaled; masked again so a row from elsewhere never prints digits.
            payee: r.payee.as_deref().map(crate::redact::mask_pan_digits),
        })
    }

    /// Both copies of a stored transaction, merchant first.
    pub(crate) fn copies_of_record(r: &TxnRecord, ctx: &ReceiptContext) -> Result<[Receipt; 2], ReceiptError> {
        Ok([Receipt::from_record(r, ctx, CopyKind::Merchant)?, Receipt::from_record(r, ctx, CopyKind::Cardholder)?])
    }
}
