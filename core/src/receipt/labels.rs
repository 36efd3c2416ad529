//! Every fixed text printed on a slip, Chinese and English, in one place.
//!
//! `scripts/gen-receipt-font.py` reads the string literals of this file to choose the
//! glyphs of the preview font, so Chinese text printed on slips belongs here.

use crate::iso8583::{EntryMethod, Reconciliation, TxnType};

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
pub const TITLE: Label = l("POS签购单", "POS SALES SLIP");
/// Settlement slip title.
pub const SETTLEMENT_TITLE: Label = l("结算总计单", "SETTLEMENT SLIP");
/// The merchant's copy.
pub const MERCHANT_COPY: Label = l("商户存根", "MERCHANT COPY");
/// The cardholder's copy.
pub const CARDHOLDER_COPY: Label = l("持卡人存根", "CARDHOLDER COPY");
/// Merchant name.
pub const MERCHANT_NAME: Label = l("商户名称", "MERCHANT NAME");
/// Merchant ID.
pub const MERCHANT_NO: Label = l("商户编号", "MERCHANT NO.");
/// Terminal ID.
pub const TERMINAL_NO: Label = l("终端编号", "TERMINAL NO.");
/// Operator.
pub const OPERATOR_NO: Label = l("操作员号", "OPERATOR NO.");
/// Card number (masked).
pub const CARD_NO: Label = l("卡号", "CARD NO.");
/// How the card was read.
pub const ENTRY_MODE: Label = l("输入方式", "ENTRY MODE");
/// Transaction type.
pub const TRANS_TYPE: Label = l("交易类型", "TRANS TYPE");
/// Batch number.
pub const BATCH_NO: Label = l("批次号", "BATCH NO.");
/// Voucher number.
pub const VOUCHER_NO: Label = l("凭证号", "VOUCHER NO.");
/// Authorisation code.
pub const AUTH_NO: Label = l("授权码", "AUTH NO.");
/// Retrieval reference number.
pub const REF_NO: Label = l("参考号", "REF. NO.");
/// Date and time.
pub const DATE_TIME: Label = l("日期时间", "DATE/TIME");
/// Amount.
pub const AMOUNT: Label = l("金额", "AMOUNT");
/// Mark of a payment approved offline and stored for forwarding.
pub const OFFLINE: Label = l("离线", "OFFLINE");
/// Mark of a second print of a slip.
pub const REPRINT: Label = l("重打印", "REPRINT");
/// Signature line caption.
pub const SIGNATURE: Label = l("持卡人签名", "CARDHOLDER SIGNATURE");
/// The cardholder's acknowledgement under the signature.
pub const ACKNOWLEDGE: Label =
    l("本人确认以上交易，同意将其记入本卡账户", "I ACKNOWLEDGE SATISFACTORY RECEIPT OF RELATIVE GOODS/SERVICES");
/// Instead of a signature: the PIN was verified.
pub const PIN_VERIFIED: Label = l("密码验证 免签", "PIN VERIFIED, NO SIGNATURE REQUIRED");
/// Instead of a signature: a small contactless payment without PIN or signature.
pub const NO_CVM: Label = l("免密免签", "NO PIN, NO SIGNATURE REQUIRED");
/// Footer of the cardholder copy.
pub const KEEP_SLIP: Label = l("请妥善保管", "PLEASE KEEP THIS SLIP");
/// Settlement table: type column.
pub const COL_TYPE: Label = l("类型", "TYPE");
/// Settlement table: count column.
pub const COL_COUNT: Label = l("笔数", "COUNT");
/// Settlement table: amount column.
pub const COL_AMOUNT: Label = l("金额", "AMOUNT");
/// Settlement: debits (sales, completions).
pub const DEBIT: Label = l("借记", "DEBIT");
/// Settlement: credits (refunds).
pub const CREDIT: Label = l("贷记", "CREDIT");
/// Settlement: debits less credits.
pub const NET: Label = l("净额", "NET");
/// Settlement section: domestic cards.
pub const DOMESTIC: Label = l("内卡", "DOMESTIC CARDS");
/// Settlement section: foreign cards.
pub const FOREIGN: Label = l("外卡", "FOREIGN CARDS");
/// Settlement: reconciliation result.
pub const RESULT: Label = l("对账结果", "RECONCILIATION");

/// How a slip names a transaction type (shorter than the profile's names).
pub fn txn_type(t: TxnType) -> Label {
    match t {
        TxnType::BalanceInquiry => l("余额查询", "BALANCE"),
        TxnType::PreAuth => l("预授权", "PRE-AUTH"),
        TxnType::PreAuthCancel => l("预授权撤销", "PRE-AUTH VOID"),
        TxnType::PreAuthCompletion => l("预授权完成", "AUTH COMPLETE"),
        TxnType::CompletionCancel => l("完成撤销", "COMPLETE VOID"),
        TxnType::Sale => l("消费", "SALE"),
        TxnType::Void => l("消费撤销", "VOID"),
        TxnType::Refund => l("退货", "REFUND"),
        TxnType::OfflineSale => l("离线消费", "OFFLINE SALE"),
    }
}

/// How a slip names an entry method.
pub fn entry_method(m: EntryMethod) -> Label {
    match m {
        EntryMethod::Manual => l("手输", "MANUAL"),
        EntryMethod::Swipe => l("刷卡", "SWIPE"),
        EntryMethod::Chip => l("插卡", "CHIP"),
        EntryMethod::Contactless => l("挥卡", "CONTACTLESS"),
        EntryMethod::Fallback => l("降级刷卡", "FALLBACK"),
    }
}

/// How a settlement slip names the reconciliation result.
pub fn reconciliation(r: Reconciliation) -> Label {
    match r {
        Reconciliation::NotReconciled => l("未对账", "NOT RECONCILED"),
        Reconciliation::Balanced => l("对账平", "BALANCED"),
        Reconciliation::Unbalanced => l("对账不平", "UNBALANCED"),
        Reconciliation::Error => l("对账出错", "ERROR"),
    }
}
