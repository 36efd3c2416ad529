//! What the operator learns from a transaction: approved or declined, why, and its numbers.

use pos_core::iso8583::{EntryMethod, TxnType};
use pos_core::terminal::{AdminOp as CoreAdminOp, AdminOutcome as CoreAdmin, TxnOutcome as CoreOutcome};
use pos_core::Bilingual;
use pos_core::OperatorAction as CoreAction;

use crate::money::Money;

/// The financial transaction types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum TxnKind {
    /// 余额查询.
    BalanceInquiry,
    /// 预授权.
    PreAuth,
    /// 预授权撤销.
    PreAuthCancel,
    /// 预授权完成.
    PreAuthCompletion,
    /// 完成撤销.
    CompletionCancel,
    /// 消费.
    Sale,
    /// 消费撤销.
    Void,
    /// 退货.
    Refund,
    /// 离线消费 (approved by the terminal, uploaded later).
    OfflineSale,
    /// 转账 (card to account, online only).
    Transfer,
}

impl From<TxnType> for TxnKind {
    fn from(t: TxnType) -> Self {
        match t {
            TxnType::BalanceInquiry => TxnKind::BalanceInquiry,
            TxnType::PreAuth => TxnKind::PreAuth,
            TxnType::PreAuthCancel => TxnKind::PreAuthCancel,
            TxnType::PreAuthCompletion => TxnKind::PreAuthCompletion,
            TxnType::CompletionCancel => TxnKind::CompletionCancel,
            TxnType::Sale => TxnKind::Sale,
            TxnType::Void => TxnKind::Void,
            TxnType::Refund => TxnKind::Refund,
            TxnType::OfflineSale => TxnKind::OfflineSale,
            TxnType::Transfer => TxnKind::Transfer,
        }
    }
}

impl From<TxnKind> for TxnType {
    fn from(k: TxnKind) -> Self {
        match k {
            TxnKind::BalanceInquiry => TxnType::BalanceInquiry,
            TxnKind::PreAuth => TxnType::PreAuth,
            TxnKind::PreAuthCancel => TxnType::PreAuthCancel,
            TxnKind::PreAuthCompletion => TxnType::PreAuthCompletion,
            TxnKind::CompletionCancel => TxnType::CompletionCancel,
            TxnKind::Sale => TxnType::Sale,
            TxnKind::Void => TxnType::Void,
            TxnKind::Refund => TxnType::Refund,
            TxnKind::OfflineSale => TxnType::OfflineSale,
            TxnKind::Transfer => TxnType::Transfer,
        }
    }
}

/// What the operator should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum OperatorAction {
    /// It went through.
    Approved,
    /// Declined: another card or payment method.
    Decline,
    /// Keep the card.
    RetainCard,
    /// A transient problem: try again later.
    Retry,
    /// Sign in again.
    SignInAgain,
    /// Call the acquirer.
    CallAcquirer,
    /// The cardholder should call the issuing bank.
    CallIssuer,
    /// Ask for the PIN again.
    ReenterPin,
    /// Enter the amount again.
    ReenterAmount,
}

impl From<CoreAction> for OperatorAction {
    fn from(a: CoreAction) -> Self {
        match a {
            CoreAction::Approved => OperatorAction::Approved,
            CoreAction::Decline => OperatorAction::Decline,
            CoreAction::RetainCard => OperatorAction::RetainCard,
            CoreAction::Retry => OperatorAction::Retry,
            CoreAction::SignInAgain => OperatorAction::SignInAgain,
            CoreAction::CallAcquirer => OperatorAction::CallAcquirer,
            CoreAction::CallIssuer => OperatorAction::CallIssuer,
            CoreAction::ReenterPin => OperatorAction::ReenterPin,
            CoreAction::ReenterAmount => OperatorAction::ReenterAmount,
        }
    }
}

/// How the card was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CardEntry {
    /// Key-entered.
    Manual,
    /// Magnetic stripe.
    Swipe,
    /// Contact chip.
    Chip,
    /// Contactless.
    Contactless,
    /// Stripe after a chip failure.
    Fallback,
}

impl From<EntryMethod> for CardEntry {
    fn from(m: EntryMethod) -> Self {
        match m {
            EntryMethod::Manual => CardEntry::Manual,
            EntryMethod::Swipe => CardEntry::Swipe,
            EntryMethod::Chip => CardEntry::Chip,
            EntryMethod::Contactless => CardEntry::Contactless,
            EntryMethod::Fallback => CardEntry::Fallback,
        }
    }
}

/// The outcome of a financial transaction the host (or, offline, the terminal) answered.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TxnOutcome {
    /// The journal row; names the transaction for receipts, cancel and history.
    pub txn_id: i64,
    /// Which transaction.
    pub kind: TxnKind,
    /// Approved (online `00` with a valid MAC, or approved offline).
    pub approved: bool,
    /// Approved offline by the terminal and stored for upload.
    pub offline: bool,
    /// Field 39 (`Y1` offline).
    pub response_code: String,
    /// What to do next.
    pub action: OperatorAction,
    /// The response in Chinese, e.g. "51 可用余额不足".
    pub message_zh: String,
    /// The response in English, e.g. "51 insufficient funds".
    pub message_en: String,
    /// One line for the result screen, Chinese (type, response, next step).
    pub summary_zh: String,
    /// One line for the result screen, English.
    pub summary_en: String,
    /// Field 11.
    pub stan: u32,
    /// Batch.
    pub batch: u32,
    /// Slip number.
    pub voucher: Option<u32>,
    /// Field 37.
    pub rrn: Option<String>,
    /// Field 38.
    pub auth_code: Option<String>,
    /// The amount requested.
    pub amount: Option<Money>,
    /// The card, first 6 and last 4.
    pub masked_pan: String,
    /// How the card was read.
    pub entry: CardEntry,
    /// The cardholder entered a PIN.
    pub pin_entered: bool,
    /// A balance inquiry's answer.
    pub balance: Option<Money>,
    /// Host date MMDD.
    pub host_date: Option<String>,
    /// Host time hhmmss.
    pub host_time: Option<String>,
    /// `55`: the same operation may be run again for another PIN try.
    pub can_retry_pin: bool,
}

impl From<&CoreOutcome> for TxnOutcome {
    fn from(o: &CoreOutcome) -> Self {
        TxnOutcome {
            txn_id: o.txn_id.0,
            kind: o.txn.into(),
            approved: o.approved,
            offline: o.txn == TxnType::OfflineSale,
            response_code: o.response_code.as_str().to_string(),
            action: o.action.into(),
            message_zh: o.message_zh.clone(),
            message_en: o.message_en.clone(),
            summary_zh: o.zh(),
            summary_en: o.en(),
            stan: o.stan.value(),
            batch: o.batch.value(),
            voucher: o.voucher.map(|v| v.value()),
            rrn: o.rrn.clone(),
            auth_code: o.auth_code.clone(),
            amount: o.amount.map(Money::from),
            masked_pan: o.masked_pan.as_str().to_string(),
            entry: o.entry_mode.method.into(),
            pin_entered: o.entry_mode.pin_entered,
            balance: o.balance.map(Money::from),
            host_date: o.host_date.clone(),
            host_time: o.host_time.clone(),
            can_retry_pin: o.can_retry_pin(),
        }
    }
}

/// Which administrative exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AdminOp {
    /// 签到.
    SignIn,
    /// 签退.
    SignOff,
    /// 回响测试.
    Echo,
}

/// The outcome of sign-in, sign-off or echo.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AdminOutcome {
    /// Which exchange.
    pub op: AdminOp,
    /// `00` (for sign-in: keys loaded and stored).
    pub approved: bool,
    /// Field 39.
    pub response_code: String,
    /// What to do next.
    pub action: OperatorAction,
    /// Chinese text.
    pub message_zh: String,
    /// English text.
    pub message_en: String,
    /// Field 11.
    pub stan: u32,
    /// The batch in force afterwards.
    pub batch: u32,
}

impl From<&CoreAdmin> for AdminOutcome {
    fn from(o: &CoreAdmin) -> Self {
        AdminOutcome {
            op: match o.op {
                CoreAdminOp::SignIn => AdminOp::SignIn,
                CoreAdminOp::SignOff => AdminOp::SignOff,
                CoreAdminOp::Echo => AdminOp::Echo,
            },
            approved: o.approved,
            response_code: o.response_code.as_str().to_string(),
            action: o.action.into(),
            message_zh: o.zh(),
            message_en: o.en(),
            stan: o.stan.value(),
            batch: o.batch.value(),
        }
    }
}
