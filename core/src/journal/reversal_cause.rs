//! Why a reversal became due, and the field 39 reason it carries (stored with the reversal).

use serde::Serialize;

use crate::i18n::Bilingual;
use crate::response_code::ResponseCode;

/// Why a reversal is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReversalCause {
    /// No answer in time, or the connection broke after the request was written.
    NoResponse,
    /// The answer's MAC did not verify.
    BadMac,
    /// An answer that does not match the request or cannot be read.
    Unmatched,
    /// A decline without a MAC: not trusted to prove the host did nothing.
    UnsignedAnswer,
    /// The app stopped between sending the request and recording the answer.
    Interrupted,
    /// The operator cancelled an approval whose receipt could not be printed.
    CancelledUnprinted,
}

impl ReversalCause {
    /// Every cause.
    pub(crate) const ALL: [ReversalCause; 6] = [
        ReversalCause::NoResponse,
        ReversalCause::BadMac,
        ReversalCause::Unmatched,
        ReversalCause::UnsignedAnswer,
        ReversalCause::Interrupted,
        ReversalCause::CancelledUnprinted,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReversalCause::NoResponse => "no_response",
            ReversalCause::BadMac => "bad_mac",
            ReversalCause::Unmatched => "unmatched",
            ReversalCause::UnsignedAnswer => "unsigned_answer",
            ReversalCause::Interrupted => "interrupted",
            ReversalCause::CancelledUnprinted => "cancelled_unprinted",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<ReversalCause> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Field 39 of the 0400 (profile: `98` no response, `A0` MAC, `06` other).
    pub fn reason(self) -> ResponseCode {
        let code: &[u8; 2] = match self {
            ReversalCause::NoResponse | ReversalCause::Interrupted => b"98",
            ReversalCause::BadMac | ReversalCause::UnsignedAnswer => b"A0",
            ReversalCause::Unmatched | ReversalCause::CancelledUnprinted => b"06",
        };
        ResponseCode::from_bytes(code).unwrap_or(ResponseCode::APPROVED)
    }
}

impl Bilingual for ReversalCause {
    fn zh(&self) -> String {
        match self {
            ReversalCause::NoResponse => "未收到主机应答",
            ReversalCause::BadMac => "主机应答MAC校验错",
            ReversalCause::Unmatched => "主机应答与请求不符",
            ReversalCause::UnsignedAnswer => "主机应答未签名",
            ReversalCause::Interrupted => "应用在交易过程中中断",
            ReversalCause::CancelledUnprinted => "签购单无法打印，操作员取消交易",
        }
        .into()
    }
    fn en(&self) -> String {
        match self {
            ReversalCause::NoResponse => "no answer from the host",
            ReversalCause::BadMac => "the host's answer failed the MAC check",
            ReversalCause::Unmatched => "the host's answer did not match the request",
            ReversalCause::UnsignedAnswer => "the host's answer was not signed",
            ReversalCause::Interrupted => "the app stopped during the transaction",
            ReversalCause::CancelledUnprinted => "the receipt could not be printed and the operator cancelled",
        }
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_reasons_follow_the_profile() {
        for c in ReversalCause::ALL {
            assert_eq!(ReversalCause::parse(c.as_str()), Some(c));
            assert!(!c.zh().is_empty() && !c.en().is_empty());
        }
        assert_eq!(ReversalCause::BadMac.reason().as_str(), "A0");
        assert_eq!(ReversalCause::NoResponse.reason().as_str(), "98");
        assert_eq!(ReversalCause::Interrupted.reason().as_str(), "98");
        assert_eq!(ReversalCause::CancelledUnprinted.reason().as_str(), "06");
    }
}
