//! What a slip says: the [`Receipt`] of a transaction, built from its [`TxnOutcome`].
//!
//! The card is a [`MaskedPan`] and nothing else: there is no way to put a full card number
//! on a receipt. Free text (merchant name, operator) is scanned for card numbers as well.

use thiserror::Error;

use super::pan_scan::redact_pans;
use crate::card::MaskedPan;
use crate::clock::{CivilTime, Timestamp};
use crate::i18n::Bilingual;
use crate::ids::VoucherNo;
use crate::iso8583::{BatchNo, EntryMethod, MerchantId, TerminalId, TxnType};
use crate::money::Amount;
use crate::outcome::TxnOutcome;

/// Longest merchant name kept (two lines of an 80 mm slip).
const MAX_NAME_COLUMNS: usize = 96;
/// Longest operator ID kept.
const MAX_OPERATOR_CHARS: usize = 10;

/// Who is selling: printed at the top of every slip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerchantInfo {
    /// Merchant name, as registered with the acquirer.
    pub name: String,
    /// Field 42.
    pub mid: MerchantId,
    /// Field 41.
    pub tid: TerminalId,
    /// Lines the acquirer has printed under the title (terminal parameters, 91).
    pub header_lines: Vec<String>,
}

/// Which copy of a slip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CopyKind {
    /// 商户存根: kept by the merchant, signed by the cardholder when no PIN was entered.
    Merchant,
    /// 持卡人存根: handed to the cardholder.
    Cardholder,
}

/// How the cardholder was verified, which decides the signature block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verification {
    /// No PIN: the cardholder signs the merchant copy.
    Signature,
    /// Online PIN entered: no signature (密码验证 免签).
    PinVerified,
    /// Small contactless payment without PIN or signature (免密免签).
    NoCvm,
}

/// Everything a slip needs besides the transaction itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptContext {
    /// The merchant and terminal.
    pub merchant: MerchantInfo,
    /// The operator who ran the transaction, e.g. "01".
    pub operator: String,
    /// When the slip prints (its year completes the host's MMDD).
    pub printed_at: Timestamp,
    /// Approved offline and stored for forwarding: prints the 离线 OFFLINE mark.
    pub offline: bool,
    /// A second print: prints the 重打印 REPRINT mark.
    pub reprint: bool,
    /// Overrides the verification derived from the entry mode (e.g. [`Verification::NoCvm`]).
    pub verification: Option<Verification>,
}

/// Why a transaction has no slip.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReceiptError {
    /// Declined transactions print no slip.
    #[error("transaction not approved")]
    NotApproved,
    /// Inquiries move no money and print no slip.
    #[error("transaction has no amount")]
    NoAmount,
}

impl Bilingual for ReceiptError {
    fn zh(&self) -> String {
        match self {
            ReceiptError::NotApproved => "交易未成功，不打印签购单".into(),
            ReceiptError::NoAmount => "该交易无签购单".into(),
        }
    }
    fn en(&self) -> String {
        match self {
            ReceiptError::NotApproved => "The transaction was not approved: no slip".into(),
            ReceiptError::NoAmount => "This transaction has no slip".into(),
        }
    }
}

/// One copy of a transaction slip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub(crate) copy: CopyKind,
    pub(crate) merchant: MerchantInfo,
    pub(crate) operator: String,
    pub(crate) txn: TxnType,
    pub(crate) card: MaskedPan,
    pub(crate) entry: EntryMethod,
    pub(crate) verification: Verification,
    pub(crate) batch: BatchNo,
    pub(crate) voucher: Option<VoucherNo>,
    pub(crate) rrn: Option<String>,
    pub(crate) auth_code: Option<String>,
    pub(crate) when: CivilTime,
    pub(crate) amount: Amount,
    pub(crate) offline: bool,
    pub(crate) reprint: bool,
    /// A transfer's payee account, masked.
    pub(crate) payee: Option<String>,
}

impl Receipt {
    /// The slip of an approved transaction, for one copy.
    pub(crate) fn from_outcome(o: &TxnOutcome, ctx: &ReceiptContext, copy: CopyKind) -> Result<Receipt, ReceiptError> {
        if !o.approved {
            return Err(ReceiptError::NotApproved);
        }
        let amount = match (o.txn, o.amount) {
            (TxnType::BalanceInquiry, _) | (_, None) => return Err(ReceiptError::NoAmount),
            (_, Some(a)) => a,
        };
        let derived = if o.entry_mode.pin_entered { Verification::PinVerified } else { Verification::Signature };
        Ok(Receipt {
            copy,
            merchant: clean_merchant(&ctx.merchant),
            operator: clean_operator(&ctx.operator),
            txn: o.txn,
            card: o.masked_pan.clone(),
            entry: o.entry_mode.method,
            verification: ctx.verification.unwrap_or(derived),
            batch: o.batch,
            voucher: o.voucher,
            rrn: o.rrn.as_deref().map(|s| host_text(s, 12)),
            auth_code: o.auth_code.as_deref().map(|s| host_text(s, 6)),
            when: when(o.host_date.as_deref(), o.host_time.as_deref(), ctx.printed_at),
            amount,
            offline: ctx.offline || o.txn == TxnType::OfflineSale,
            reprint: ctx.reprint,
            payee: None,
        })
    }

    /// Both copies, merchant first (the order they print in).
    pub fn copies(o: &TxnOutcome, ctx: &ReceiptContext) -> Result<[Receipt; 2], ReceiptError> {
        Ok([Receipt::from_outcome(o, ctx, CopyKind::Merchant)?, Receipt::from_outcome(o, ctx, CopyKind::Cardholder)?])
    }

    /// Which copy this is.
    pub fn copy(&self) -> CopyKind {
        self.copy
    }

    /// The card as printed.
    pub fn card(&self) -> &MaskedPan {
        &self.card
    }

    /// The same slip marked as a reprint.
    pub fn as_reprint(&self) -> Receipt {
        Receipt { reprint: true, ..self.clone() }
    }
}

/// The merchant with a bounded name that cannot carry a card number.
pub(crate) fn clean_merchant(m: &MerchantInfo) -> MerchantInfo {
    let bounded = |text: &str| {
        let mut out = String::new();
        let mut cols = 0;
        for c in redact_pans(text.trim()).chars().filter(|c| !c.is_control()) {
            cols += crate::devices::printer::char_columns(c);
            if cols > MAX_NAME_COLUMNS {
                break;
            }
            out.push(c);
        }
        out
    };
    let header_lines = m.header_lines.iter().take(4).map(|l| bounded(l)).filter(|l| !l.is_empty()).collect();
    MerchantInfo { name: bounded(&m.name), header_lines, ..m.clone() }
}

/// The operator ID: printable ASCII, bounded.
pub(crate) fn clean_operator(op: &str) -> String {
    let op: String = op.chars().filter(char::is_ascii_graphic).take(MAX_OPERATOR_CHARS).collect();
    redact_pans(&op)
}

/// Host-supplied text (RRN, auth code): printable ASCII only, at most `max` characters.
fn host_text(s: &str, max: usize) -> String {
    s.chars().filter(char::is_ascii_graphic).take(max).collect()
}

/// Two ASCII digits at `i` as a number.
fn two(s: &str, i: usize) -> Option<u8> {
    s.get(i..i + 2).filter(|d| d.bytes().all(|b| b.is_ascii_digit()))?.parse().ok()
}

/// The transaction's local time: the host's MMDD and hhmmss when present and valid, in the
/// year of `printed_at` (the previous year for a December slip printed in January).
pub(crate) fn when(host_date: Option<&str>, host_time: Option<&str>, printed_at: Timestamp) -> CivilTime {
    let now = printed_at.civil();
    let date = host_date.filter(|d| d.len() == 4).and_then(|d| Some((two(d, 0)?, two(d, 2)?)));
    let time = host_time.filter(|t| t.len() == 6).and_then(|t| Some((two(t, 0)?, two(t, 2)?, two(t, 4)?)));
    match (date, time) {
        (Some((month, day)), Some((hour, minute, second)))
            if (1..=12).contains(&month) && (1..=31).contains(&day) && hour < 24 && minute < 60 && second < 60 =>
        {
            let year = if month == 12 && now.month == 1 { now.year - 1 } else { now.year };
            CivilTime { year, month, day, hour, minute, second }
        }
        _ => now,
    }
}
