//! Every fixed text printed on a slip, Chinese and English, in one place.
//!
//! `scripts/gen-receipt-font.py` reads the string literals of this file to choose the
//! glyphs of the preview font, so Chinese text printed on slips belongs here.

use crate::iso8583::{EntryMethod, Reconciliation, TxnType};
use crate::vocab;

/// A bilingual caption, printed "中文 ENGLISH".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    /// Chinese.
    pub zh: &'static str,
    /// English (upper case, as slips print it).
    pub en: &'static str,
}

impl Label {
    /// "中文 ENGLISH".
    pub fn both(&self) -> String {
        format!("{} {}", self.zh, self.en)
    }
}

const fn l(zh: &'static str, en: &'static str) -> Label {
    Label { zh, en }
}

/// Slip title, printed large.
pub(crate) const TITLE: Label = l("POS签购单", "POS SALES SLIP");
/// Settlement slip title.
pub(crate) const SETTLEMENT_TITLE: Label = l("结算总计单", "SETTLEMENT SLIP");
/// The merchant's copy.
pub(crate) const MERCHANT_COPY: Label = l("商户存根", "MERCHANT COPY");
/// The cardholder's copy.
pub(crate) const CARDHOLDER_COPY: Label = l("持卡人存根", "CARDHOLDER COPY");
/// Merchant name.
pub(crate) const MERCHANT_NAME: Label = l("商户名称", "MERCHANT NAME");
/// Merchant ID.
pub(crate) const MERCHANT_NO: Label = l("商户编号", "MERCHANT NO.");
/// Terminal ID.
pub(crate) const TERMINAL_NO: Label = l("终端编号", "TERMINAL NO.");
/// Operator.
pub(crate) const OPERATOR_NO: Label = l("操作员号", "OPERATOR NO.");
/// Card number (masked).
pub(crate) const CARD_NO: Label = l("卡号", "CARD NO.");
/// How the card was read.
pub(crate) const ENTRY_MODE: Label = l("输入方式", "ENTRY MODE");
/// Transaction type.
pub(crate) const TRANS_TYPE: Label = l("交易类型", "TRANS TYPE");
/// Batch number.
pub(crate) const BATCH_NO: Label = l("批次号", "BATCH NO.");
/// Voucher number.
pub(crate) const VOUCHER_NO: Label = l("凭证号", "VOUCHER NO.");
/// Authorisation code.
pub(crate) const AUTH_NO: Label = l("授权码", "AUTH NO.");
/// Retrieval reference number.
pub(crate) const REF_NO: Label = l("参考号", "REF. NO.");
/// A transfer's payee account.
pub(crate) const PAYEE: Label = l("收款账号", "PAYEE A/C");
/// Date and time.
pub(crate) const DATE_TIME: Label = l("日期时间", "DATE/TIME");
/// Amount.
pub const AMOUNT: Label = l("金额", "AMOUNT");
/// Mark of a payment approved offline and stored for forwarding.
pub const OFFLINE: Label = l("离线", "OFFLINE");
/// Mark of a second print of a slip.
pub const REPRINT: Label = l("重打印", "REPRINT");
/// Signature line caption.
pub(crate) const SIGNATURE: Label = l("持卡人签名", "CARDHOLDER SIGNATURE");
/// The cardholder's acknowledgement under the signature.
pub(crate) const ACKNOWLEDGE: Label =
    l("本人确认以上交易，同意将其记入本卡账户", "I ACKNOWLEDGE SATISFACTORY RECEIPT OF RELATIVE GOODS/SERVICES");
/// Instead of a signature: the PIN was verified.
pub(crate) const PIN_VERIFIED: Label = l("密码验证 免签", "PIN VERIFIED, NO SIGNATURE REQUIRED");
/// Instead of a signature: a small contactless payment without PIN or signature.
pub(crate) const NO_CVM: Label = l("免密免签", "NO PIN, NO SIGNATURE REQUIRED");
/// Footer of the cardholder copy.
pub(crate) const KEEP_SLIP: Label = l("请妥善保管", "PLEASE KEEP THIS SLIP");
/// Settlement table: type column.
pub(crate) const COL_TYPE: Label = l("类型", "TYPE");
/// Settlement table: count column.
pub(crate) const COL_COUNT: Label = l("笔数", "COUNT");
/// Settlement table: amount column.
pub(crate) const COL_AMOUNT: Label = l("金额", "AMOUNT");
/// Settlement: debits (sales, completions).
pub const DEBIT: Label = l("借记", "DEBIT");
/// Settlement: credits (refunds).
pub const CREDIT: Label = l("贷记", "CREDIT");
/// Settlement: debits less credits.
pub(crate) const NET: Label = l("净额", "NET");
/// Settlement section: domestic cards.
pub(crate) const DOMESTIC: Label = l("内卡", "DOMESTIC CARDS");
/// Settlement section: foreign cards.
pub(crate) const FOREIGN: Label = l("外卡", "FOREIGN CARDS");
/// Settlement: reconciliation result.
pub(crate) const RESULT: Label = l("对账结果", "RECONCILIATION");

/// How a slip names a transaction type: the vocabulary's Chinese, the slip's short English.
pub fn txn_type(t: TxnType) -> Label {
    match t {
        TxnType::BalanceInquiry => l(vocab::txn_type(TxnType::BalanceInquiry).zh, "BALANCE"),
        TxnType::PreAuth => l(vocab::txn_type(TxnType::PreAuth).zh, "PRE-AUTH"),
        TxnType::PreAuthCancel => l(vocab::txn_type(TxnType::PreAuthCancel).zh, "PRE-AUTH VOID"),
        TxnType::PreAuthCompletion => l(vocab::txn_type(TxnType::PreAuthCompletion).zh, "AUTH COMPLETE"),
        TxnType::CompletionCancel => l(vocab::txn_type(TxnType::CompletionCancel).zh, "COMPLETE VOID"),
        TxnType::Sale => l(vocab::txn_type(TxnType::Sale).zh, "SALE"),
        TxnType::Void => l(vocab::txn_type(TxnType::Void).zh, "VOID"),
        TxnType::Refund => l(vocab::txn_type(TxnType::Refund).zh, "REFUND"),
        TxnType::OfflineSale => l(vocab::txn_type(TxnType::OfflineSale).zh, "OFFLINE SALE"),
        TxnType::Transfer => l(vocab::txn_type(TxnType::Transfer).zh, "TRANSFER"),
    }
}

/// How a slip names an entry method.
pub(crate) fn entry_method(m: EntryMethod) -> Label {
    match m {
        EntryMethod::Manual => l(vocab::entry_method(EntryMethod::Manual).zh, "MANUAL"),
        EntryMethod::Swipe => l(vocab::entry_method(EntryMethod::Swipe).zh, "SWIPE"),
        EntryMethod::Chip => l(vocab::entry_method(EntryMethod::Chip).zh, "CHIP"),
        EntryMethod::Contactless => l(vocab::entry_method(EntryMethod::Contactless).zh, "CONTACTLESS"),
        EntryMethod::Fallback => l(vocab::entry_method(EntryMethod::Fallback).zh, "FALLBACK"),
    }
}

/// How a settlement slip names the reconciliation result.
pub fn reconciliation(r: Reconciliation) -> Label {
    match r {
        Reconciliation::NotReconciled => l(vocab::reconciliation(Reconciliation::NotReconciled).zh, "NOT RECONCILED"),
        Reconciliation::Balanced => l(vocab::reconciliation(Reconciliation::Balanced).zh, "BALANCED"),
        Reconciliation::Unbalanced => l(vocab::reconciliation(Reconciliation::Unbalanced).zh, "UNBALANCED"),
        Reconciliation::Error => l(vocab::reconciliation(Reconciliation::Error).zh, "ERROR"),
    }
}
