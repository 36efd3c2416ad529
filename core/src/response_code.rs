//! Field 39 response codes of the UnionPay profile, as data.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::i18n::Bilingual;

/// What the operator should do after a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperatorAction {
    /// The transaction went through.
    Approved,
    /// Declined: tell the customer, try another card or payment method.
    Decline,
    /// Keep the card: it is reported lost, stolen or to be picked up.
    RetainCard,
    /// A transient problem: try again later.
    Retry,
    /// Keys or batch out of step: sign in again.
    SignInAgain,
    /// The terminal or merchant is not set up: call the acquirer.
    CallAcquirer,
    /// Ask the cardholder to contact the issuing bank.
    CallIssuer,
    /// Ask the cardholder to enter the PIN again.
    ReenterPin,
    /// Enter the amount again.
    ReenterAmount,
}

impl Bilingual for OperatorAction {
    fn zh(&self) -> String {
        match self {
            OperatorAction::Approved => "交易成功",
            OperatorAction::Decline => "交易被拒，请改用其他卡或支付方式",
            OperatorAction::RetainCard => "请没收此卡",
            OperatorAction::Retry => "请稍后重试",
            OperatorAction::SignInAgain => "请重新签到",
            OperatorAction::CallAcquirer => "请联系收单机构",
            OperatorAction::CallIssuer => "请持卡人与发卡银行联系",
            OperatorAction::ReenterPin => "请持卡人重新输入密码",
            OperatorAction::ReenterAmount => "请重新输入金额",
        }
        .into()
    }
    fn en(&self) -> String {
        match self {
            OperatorAction::Approved => "Approved",
            OperatorAction::Decline => "Declined: use another card or payment method",
            OperatorAction::RetainCard => "Retain the card",
            OperatorAction::Retry => "Try again later",
            OperatorAction::SignInAgain => "Sign in again",
            OperatorAction::CallAcquirer => "Call the acquirer",
            OperatorAction::CallIssuer => "Cardholder should call the issuing bank",
            OperatorAction::ReenterPin => "Ask the cardholder to enter the PIN again",
            OperatorAction::ReenterAmount => "Enter the amount again",
        }
        .into()
    }
}

/// One row of the response code table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseInfo {
    /// The two characters of field 39.
    pub code: &'static str,
    /// Chinese text as on bank terminals.
    pub zh: &'static str,
    /// English text.
    pub en: &'static str,
    /// What the operator should do.
    pub action: OperatorAction,
}

use OperatorAction as A;

/// The profile's response code table (vectors/unionpay-profile.md).
pub const RESPONSE_CODES: &[ResponseInfo] = &[
    row("00", "承兑或交易成功", "approved", A::Approved),
    row("01", "请持卡人与发卡银行联系", "refer to card issuer", A::CallIssuer),
    row("03", "无效商户", "invalid merchant", A::CallAcquirer),
    row("04", "没收卡", "pick up card", A::RetainCard),
    row("05", "不予承兑", "do not honour", A::CallIssuer),
    row("06", "出错", "error", A::Retry),
    row("07", "特殊条件下没收卡", "pick up card, special condition", A::RetainCard),
    row("12", "无效交易", "invalid transaction", A::Decline),
    row("13", "无效金额", "invalid amount", A::ReenterAmount),
    row("14", "无效卡号", "invalid card number", A::Decline),
    row("22", "故障怀疑", "suspected malfunction", A::SignInAgain),
    row("25", "找不到原始交易", "original not found", A::Decline),
    row("30", "格式错误", "format error", A::Decline),
    row("34", "有作弊嫌疑", "suspected fraud", A::Decline),
    row("40", "请求的功能尚不支持", "function not supported", A::Decline),
    row("41", "挂失卡", "lost card", A::RetainCard),
    row("43", "被窃卡", "stolen card", A::RetainCard),
    row("51", "可用余额不足", "insufficient funds", A::Decline),
    row("54", "该卡已过期", "expired card", A::Decline),
    row("55", "密码错", "incorrect PIN", A::ReenterPin),
    row("57", "不允许持卡人进行的交易", "not permitted to cardholder", A::Decline),
    row("58", "不允许终端进行的交易", "not permitted at terminal", A::Decline),
    row("59", "卡片校验错", "card check failed", A::Decline),
    row("61", "超出金额限制", "exceeds amount limit", A::Decline),
    row("62", "受限制的卡", "restricted card", A::Decline),
    row("64", "原始金额错误", "amount differs from original", A::Decline),
    row("65", "超出消费次数限制", "exceeds frequency limit", A::Decline),
    row("68", "交易超时", "response received too late", A::Retry),
    row("75", "密码错误次数超限", "PIN tries exceeded", A::Decline),
    row("77", "批次号不符", "batch out of step", A::SignInAgain),
    row("90", "日期切换正在处理", "cut-off in progress", A::Retry),
    row("91", "发卡方状态不正常", "issuer inoperative", A::Retry),
    row("94", "重复交易", "duplicate transmission", A::Decline),
    row("96", "交换中心异常", "system malfunction", A::Retry),
    row("97", "终端未登记", "terminal not registered", A::CallAcquirer),
    row("98", "发卡方超时", "issuer timeout", A::Retry),
    row("99", "PIN格式错", "PIN format error", A::SignInAgain),
    row("A0", "MAC校验错", "MAC failure", A::SignInAgain),
];

const fn row(code: &'static str, zh: &'static str, en: &'static str, action: OperatorAction) -> ResponseInfo {
    ResponseInfo { code, zh, en, action }
}

/// A field 39 value; unknown codes are kept, never dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ResponseCode([u8; 2]);

impl ResponseCode {
    /// `00`.
    pub const APPROVED: ResponseCode = ResponseCode(*b"00");

    /// Builds from the two bytes of field 39; anything but two printable ASCII chars fails.
    pub fn from_bytes(b: &[u8]) -> Option<ResponseCode> {
        match b {
            [x, y] if x.is_ascii_graphic() && y.is_ascii_graphic() => Some(ResponseCode([*x, *y])),
            _ => None,
        }
    }

    /// Parses `"05"`, `"A0"`.
    pub fn parse(s: &str) -> Option<ResponseCode> {
        Self::from_bytes(s.as_bytes())
    }

    /// The two characters.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// The two bytes for field 39.
    pub fn bytes(&self) -> [u8; 2] {
        self.0
    }

    /// True for `00`.
    pub fn is_approved(&self) -> bool {
        *self == Self::APPROVED
    }

    /// The table row, if the code is in the profile.
    pub fn info(&self) -> Option<&'static ResponseInfo> {
        RESPONSE_CODES.iter().find(|r| r.code.as_bytes() == self.0)
    }

    /// What the operator should do; unknown codes are declines.
    pub fn action(&self) -> OperatorAction {
        self.info().map(|r| r.action).unwrap_or(OperatorAction::Decline)
    }
}

impl fmt::Display for ResponseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for ResponseCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ResponseCode::parse(&s).ok_or_else(|| format!("not a response code: {s:?}"))
    }
}

impl From<ResponseCode> for String {
    fn from(c: ResponseCode) -> String {
        c.as_str().to_string()
    }
}

impl Bilingual for ResponseCode {
    fn zh(&self) -> String {
        match self.info() {
            Some(r) => format!("{} {}", r.code, r.zh),
            None => format!("{} 未知应答码", self.as_str()),
        }
    }
    fn en(&self) -> String {
        match self.info() {
            Some(r) => format!("{} {}", r.code, r.en),
            None => format!("{} unknown response code", self.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_complete_and_unique() {
        assert_eq!(RESPONSE_CODES.len(), 38);
        let mut codes: Vec<_> = RESPONSE_CODES.iter().map(|r| r.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), RESPONSE_CODES.len());
    }

    #[test]
    fn table_matches_profile_vectors() {
        // Every row of the profile's table, parsed from the copied vectors file.
        let profile = include_str!("../tests/vectors/unionpay-profile.md");
        let section = profile.split("## Response codes").nth(1).expect("section present");
        let mut seen = 0;
        for line in section.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| code")) {
            let cols: Vec<&str> = line.split('|').map(str::trim).collect();
            let code = ResponseCode::parse(cols[1]).expect("code");
            let info = code.info().unwrap_or_else(|| panic!("missing {}", cols[1]));
            assert_eq!(info.zh, cols[2]);
            assert_eq!(info.en, cols[3]);
            seen += 1;
        }
        assert_eq!(seen, RESPONSE_CODES.len());
    }

    #[test]
    fn actions_and_text() {
        let c = ResponseCode::parse("43").unwrap();
        assert_eq!(c.action(), OperatorAction::RetainCard);
        assert_eq!(c.zh(), "43 被窃卡");
        assert_eq!(c.en(), "43 stolen card");
        assert_eq!(ResponseCode::parse("A0").unwrap().action(), OperatorAction::SignInAgain);
        assert_eq!(ResponseCode::parse("77").unwrap().action(), OperatorAction::SignInAgain);
        let unknown = ResponseCode::parse("Z9").unwrap();
        assert_eq!(unknown.action(), OperatorAction::Decline);
        assert!(unknown.en().contains("unknown"));
        assert!(ResponseCode::from_bytes(b"0").is_none());
        assert!(ResponseCode::from_bytes(b"0\x00").is_none());
    }
}
