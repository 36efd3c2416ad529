//! What the operator learns from a completed exchange: approved or declined, and why.

use crate::card::MaskedPan;
use crate::i18n::Bilingual;
use crate::ids::{TxnId, VoucherNo};
use crate::iso8583::{BatchNo, EntryMode, Stan, TxnType};
use crate::money::{Amount, Currency};
use crate::response_code::{OperatorAction, ResponseCode};

/// The outcome of a financial transaction the host answered (with a valid MAC where required).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnOutcome {
    /// Which transaction.
    pub txn: TxnType,
    /// True only for `00` with a valid MAC.
    pub approved: bool,
    /// Field 39.
    pub response_code: ResponseCode,
    /// What the operator should do next.
    pub action: OperatorAction,
    /// The response in Chinese, e.g. "51 可用余额不足".
    pub message_zh: String,
    /// The response in English, e.g. "51 insufficient funds".
    pub message_en: String,
    /// Field 11.
    pub stan: Stan,
    /// 60.2.
    pub batch: BatchNo,
    /// Slip number (none for inquiries).
    pub voucher: Option<VoucherNo>,
    /// Field 37.
    pub rrn: Option<String>,
    /// Field 38.
    pub auth_code: Option<String>,
    /// The amount requested.
    pub amount: Option<Amount>,
    /// The card, masked.
    pub masked_pan: MaskedPan,
    /// Field 22.
    pub entry_mode: EntryMode,
    /// The balance a balance inquiry returned (field 54).
    pub balance: Option<Amount>,
    /// Host date MMDD (field 13).
    pub host_date: Option<String>,
    /// Host time hhmmss (field 12).
    pub host_time: Option<String>,
    /// The row in the transaction table.
    pub txn_id: TxnId,
}

impl TxnOutcome {
    /// True when the cardholder may try the PIN again (`55`): call the same operation again.
    pub fn can_retry_pin(&self) -> bool {
        self.action == OperatorAction::ReenterPin
    }
}

impl Bilingual for TxnOutcome {
    fn zh(&self) -> String {
        format!("{}：{}，{}", self.txn.zh(), self.message_zh, self.action.zh())
    }
    fn en(&self) -> String {
        format!("{}: {}. {}", self.txn.en(), self.message_en, self.action.en())
    }
}

/// Which administrative exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminOp {
    /// 签到.
    SignIn,
    /// 签退.
    SignOff,
    /// 回响测试.
    Echo,
}

impl Bilingual for AdminOp {
    fn zh(&self) -> String {
        match self {
            AdminOp::SignIn => "签到",
            AdminOp::SignOff => "签退",
            AdminOp::Echo => "回响测试",
        }
        .into()
    }
    fn en(&self) -> String {
        match self {
            AdminOp::SignIn => "sign-in",
            AdminOp::SignOff => "sign-off",
            AdminOp::Echo => "echo test",
        }
        .into()
    }
}

/// The outcome of sign-in, sign-off or echo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminOutcome {
    /// Which exchange.
    pub op: AdminOp,
    /// True for `00` (for sign-in: and the keys are loaded and stored).
    pub approved: bool,
    /// Field 39.
    pub response_code: ResponseCode,
    /// What the operator should do next.
    pub action: OperatorAction,
    /// Field 11.
    pub stan: Stan,
    /// The batch in force afterwards (sign-in adopts the host's).
    pub batch: BatchNo,
}

impl Bilingual for AdminOutcome {
    fn zh(&self) -> String {
        format!("{}：{}", self.op.zh(), self.response_code.zh())
    }
    fn en(&self) -> String {
        format!("{}: {}", self.op.en(), self.response_code.en())
    }
}

/// The bytes as text if they are all ASCII digits.
fn digits(s: &[u8]) -> Option<&str> {
    s.iter().all(u8::is_ascii_digit).then(|| std::str::from_utf8(s).ok()).flatten()
}

/// Reads field 54: the UnionPay layout `AA TT CCC S NNNNNNNNNNNN` (account type, amount
/// type, currency, C/D, 12 digits), possibly repeated; or just 12 digits. A debit
/// (negative) balance has no `Amount` and reads as `None`.
pub(crate) fn parse_balance(field54: &str, default: Currency) -> Option<Amount> {
    let b = field54.as_bytes();
    if b.len() == 12 {
        return digits(b)?.parse().ok().and_then(|m| Amount::from_minor(m, default).ok());
    }
    let (head, amount) = (b.get(..8)?, b.get(8..20)?);
    let currency = digits(&head[4..7])?.parse().ok().and_then(Currency::from_numeric).unwrap_or(default);
    if head[7] != b'C' {
        return None;
    }
    Amount::from_minor(digits(amount)?.parse().ok()?, currency).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balance_layouts() {
        let cny = |m| Amount::cny(m).ok();
        assert_eq!(parse_balance("1002156C000000012345", Currency::CNY), cny(12_345));
        assert_eq!(parse_balance("000000000100", Currency::CNY), cny(100));
        assert_eq!(parse_balance("1002156D000000012345", Currency::CNY), None);
        assert_eq!(parse_balance("garbage", Currency::CNY), None);
        assert_eq!(parse_balance("1002156C00000001234X", Currency::CNY), None);
    }
}
