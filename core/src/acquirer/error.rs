//! What can go wrong talking to the acquirer, and what each failure means for the payment.

use std::time::Duration;

use thiserror::Error;

use crate::i18n::Bilingual;
use crate::iso8583::{CodecError, Stan};
use crate::journal::ReversalCause;
use crate::response_code::ResponseCode;

/// Why no connection could be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectFailure {
    /// The host name did not resolve.
    Dns,
    /// The host actively refused (nothing listening).
    Refused,
    /// No route, network down, or any other socket error.
    Unreachable,
    /// The connect timeout passed (the TLS handshake included).
    TimedOut,
    /// TCP connected but the TLS handshake failed: nothing was sent.
    Tls(TlsFailure),
}

/// Why the TLS handshake with the acquirer failed. Nothing of a request was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsFailure {
    /// The host's certificate does not chain to the provisioned CA (or is not the pinned
    /// certificate): another host, or someone in the middle.
    NotProvisioned,
    /// The certificate is from the provisioned CA but for another name.
    WrongName,
    /// The certificate is expired or not yet valid (or the terminal's clock is wrong).
    Expired,
    /// The host did not answer TLS (a plain-TCP host, or the connection was cut in the handshake).
    NotTls,
    /// No trust anchor is provisioned (an empty pin): TLS cannot check the host.
    NoPin,
    /// The provisioned trust anchor cannot be used (no certificate in the PEM, or an unusable one),
    /// or the platform trust store is not available.
    BadPin,
    /// The server name for the certificate check is not a valid DNS name or IP address.
    BadServerName,
    /// Any other handshake failure (no common protocol or cipher suite, a TLS alert).
    Handshake,
}

/// Whether a failed request may have reached the host: decides whether it must be reversed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Certainly not sent: no reversal needed.
    NotSent,
    /// Perhaps received and acted on: a money-moving request must be reversed.
    MaybeReceived,
}

/// A failed exchange with the acquirer. None of these is ever an approval.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AcquirerError {
    /// No connection: refused, unreachable, unresolvable or too slow.
    #[error("cannot connect to the acquirer at {target}: {cause:?}")]
    ConnectFailed {
        /// The configured `host:port`.
        target: String,
        /// Why.
        cause: ConnectFailure,
    },
    /// No matching response within the response timeout.
    #[error("no response from the acquirer within {}s", waited.as_secs())]
    Timeout {
        /// The timeout that passed.
        waited: Duration,
    },
    /// The connection broke; `sent` says whether the request had been written.
    #[error("connection to the acquirer lost")]
    ConnectionLost {
        /// True once the request was (perhaps partly) written.
        sent: bool,
    },
    /// A frame above the size limit; `outgoing` for a request we refused to send.
    #[error("frame of {len} bytes exceeds the limit of {max}")]
    FrameTooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
        /// True when it was our own request.
        outgoing: bool,
    },
    /// The response could not be decoded.
    #[error("malformed response: {0}")]
    Malformed(#[source] CodecError),
    /// The response's MAC did not verify (or was missing on an approval): treated as no response.
    #[error("response MAC check failed")]
    MacFailed,
    /// The response does not answer the request (type, terminal or amount differ).
    #[error("response does not match the request: {reason}")]
    Unmatched {
        /// What differed (never card data).
        reason: String,
    },
    /// A request with the same terminal and STAN is already waiting for its response.
    #[error("STAN {stan} is already in flight")]
    DuplicateInFlight {
        /// The STAN.
        stan: Stan,
    },
}

impl ReversalCause {
    /// The cause of a failed exchange (here, with the acquirer's errors, so the journal word
    /// stays below the acquirer).
    pub fn of(error: &AcquirerError) -> ReversalCause {
        match error {
            AcquirerError::MacFailed => ReversalCause::BadMac,
            AcquirerError::Timeout { .. } | AcquirerError::ConnectionLost { .. } => ReversalCause::NoResponse,
            _ => ReversalCause::Unmatched,
        }
    }
}

impl AcquirerError {
    /// Whether the request may have reached the host (and so must be reversed if it moves money).
    pub fn delivery(&self) -> Delivery {
        match self {
            AcquirerError::ConnectFailed { .. }
            | AcquirerError::DuplicateInFlight { .. }
            | AcquirerError::ConnectionLost { sent: false }
            | AcquirerError::FrameTooLarge { outgoing: true, .. } => Delivery::NotSent,
            AcquirerError::Timeout { .. }
            | AcquirerError::ConnectionLost { sent: true }
            | AcquirerError::FrameTooLarge { outgoing: false, .. }
            | AcquirerError::Malformed(_)
            | AcquirerError::MacFailed
            | AcquirerError::Unmatched { .. } => Delivery::MaybeReceived,
        }
    }

    /// True when no answer came at all (no connection, none in time, the link broke): the
    /// only failures after which a payment may fall back to offline approval. An answer that
    /// came but cannot be trusted (bad MAC, malformed, not ours) is not one of them.
    pub(crate) fn is_no_answer(&self) -> bool {
        matches!(
            self,
            AcquirerError::ConnectFailed { .. } | AcquirerError::Timeout { .. } | AcquirerError::ConnectionLost { .. }
        )
    }

    /// True when the request may have reached the host.
    pub fn may_have_reached_host(&self) -> bool {
        self.delivery() == Delivery::MaybeReceived
    }

    /// The field 39 reason a reversal of this failure carries: `A0` MAC, `98` no response, `06` other.
    pub fn reversal_reason(&self) -> ResponseCode {
        let code: &[u8; 2] = match self {
            AcquirerError::MacFailed => b"A0",
            AcquirerError::Timeout { .. } | AcquirerError::ConnectionLost { .. } => b"98",
            _ => b"06",
        };
        ResponseCode::from_bytes(code).unwrap_or(ResponseCode::APPROVED)
    }
}

impl Bilingual for TlsFailure {
    fn zh(&self) -> String {
        match self {
            TlsFailure::NotProvisioned => "收单主机证书与配置不符：未连接，未发送任何数据".into(),
            TlsFailure::WrongName => "收单主机证书的主机名与配置不符：未连接，未发送任何数据".into(),
            TlsFailure::Expired => "收单主机证书已过期或尚未生效（请检查终端时间）：未连接，未发送任何数据".into(),
            TlsFailure::NotTls => "收单主机未以TLS应答（明文主机？）：未连接，未发送任何数据".into(),
            TlsFailure::NoPin => "未配置收单主机CA证书，无法校验主机：未连接，未发送任何数据".into(),
            TlsFailure::BadPin => "配置的收单主机CA证书无法使用：未连接，未发送任何数据".into(),
            TlsFailure::BadServerName => "配置的收单主机名无效，无法校验证书：未连接，未发送任何数据".into(),
            TlsFailure::Handshake => "与收单主机的TLS握手失败：未连接，未发送任何数据".into(),
        }
    }

    fn en(&self) -> String {
        match self {
            TlsFailure::NotProvisioned => {
                "The acquirer's certificate is not the one provisioned: not connected, nothing sent".into()
            }
            TlsFailure::WrongName => {
                "The acquirer's certificate is for another host name: not connected, nothing sent".into()
            }
            TlsFailure::Expired => {
                "The acquirer's certificate is expired or not yet valid (check the terminal's clock): \
                 not connected, nothing sent"
                    .into()
            }
            TlsFailure::NotTls => {
                "The acquirer did not answer TLS (a plain-TCP host?): not connected, nothing sent".into()
            }
            TlsFailure::NoPin => {
                "No CA certificate is provisioned for the acquirer, so it cannot be checked: not connected, nothing sent"
                    .into()
            }
            TlsFailure::BadPin => {
                "The provisioned acquirer CA certificate cannot be used: not connected, nothing sent".into()
            }
            TlsFailure::BadServerName => {
                "The provisioned acquirer host name is not valid for a certificate check: not connected, nothing sent"
                    .into()
            }
            TlsFailure::Handshake => "The TLS handshake with the acquirer failed: not connected, nothing sent".into(),
        }
    }
}

impl Bilingual for AcquirerError {
    fn zh(&self) -> String {
        match self {
            AcquirerError::ConnectFailed { cause: ConnectFailure::Tls(t), .. } => t.zh(),
            AcquirerError::ConnectFailed { cause: ConnectFailure::Dns, .. } => {
                "无法解析收单主机地址，请检查网络设置".into()
            }
            AcquirerError::ConnectFailed { cause: ConnectFailure::TimedOut, .. } => {
                "连接收单主机超时，请检查网络".into()
            }
            AcquirerError::ConnectFailed { .. } => "无法连接收单主机，请检查网络".into(),
            AcquirerError::Timeout { .. } => "交易超时，未收到主机应答".into(),
            AcquirerError::ConnectionLost { .. } => "与收单主机的连接中断".into(),
            AcquirerError::FrameTooLarge { outgoing: true, .. } => "请求报文过长，未发送".into(),
            AcquirerError::FrameTooLarge { .. } => "主机应答报文过长".into(),
            AcquirerError::Malformed(e) => format!("主机应答格式错误：{}", e.zh()),
            AcquirerError::MacFailed => "主机应答MAC校验错".into(),
            AcquirerError::Unmatched { .. } => "主机应答与请求不符".into(),
            AcquirerError::DuplicateInFlight { stan } => format!("流水号{stan}的交易正在处理中"),
        }
    }

    fn en(&self) -> String {
        match self {
            AcquirerError::ConnectFailed { cause: ConnectFailure::Tls(t), .. } => t.en(),
            AcquirerError::ConnectFailed { cause: ConnectFailure::Dns, .. } => {
                "Cannot resolve the acquirer host: check the network settings".into()
            }
            AcquirerError::ConnectFailed { cause: ConnectFailure::TimedOut, .. } => {
                "Connecting to the acquirer timed out: check the network".into()
            }
            AcquirerError::ConnectFailed { .. } => "Cannot connect to the acquirer: check the network".into(),
            AcquirerError::Timeout { .. } => "Timed out: no response from the host".into(),
            AcquirerError::ConnectionLost { .. } => "Connection to the acquirer lost".into(),
            AcquirerError::FrameTooLarge { outgoing: true, .. } => "Request too large, not sent".into(),
            AcquirerError::FrameTooLarge { .. } => "Host response too large".into(),
            AcquirerError::Malformed(e) => format!("Malformed host response: {e}"),
            AcquirerError::MacFailed => "Host response failed the MAC check".into(),
            AcquirerError::Unmatched { reason } => format!("Host response does not match the request ({reason})"),
            AcquirerError::DuplicateInFlight { stan } => format!("Transaction with STAN {stan} already in progress"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unsent_failures_need_no_reversal() {
        let not_sent = [
            AcquirerError::ConnectFailed { target: "h:1".into(), cause: ConnectFailure::Refused },
            AcquirerError::ConnectFailed { target: "h:1".into(), cause: ConnectFailure::Tls(TlsFailure::NotTls) },
            AcquirerError::ConnectionLost { sent: false },
            AcquirerError::FrameTooLarge { len: 5000, max: 4096, outgoing: true },
        ];
        for e in not_sent {
            assert_eq!(e.delivery(), Delivery::NotSent, "{e:?}");
        }
        let maybe = [
            AcquirerError::Timeout { waited: Duration::from_secs(60) },
            AcquirerError::ConnectionLost { sent: true },
            AcquirerError::MacFailed,
            AcquirerError::Malformed(CodecError::MissingField(39)),
            AcquirerError::Unmatched { reason: "amount".into() },
        ];
        for e in maybe {
            assert!(e.may_have_reached_host(), "{e:?}");
        }
    }

    #[test]
    fn reversal_reasons_follow_the_profile() {
        assert_eq!(AcquirerError::MacFailed.reversal_reason().as_str(), "A0");
        assert_eq!(AcquirerError::Timeout { waited: Duration::from_secs(1) }.reversal_reason().as_str(), "98");
        assert_eq!(AcquirerError::Malformed(CodecError::MissingField(11)).reversal_reason().as_str(), "06");
    }

    #[test]
    fn texts_in_both_languages() {
        let e = AcquirerError::Timeout { waited: Duration::from_secs(60) };
        assert!(e.zh().contains("超时") && e.en().contains("Timed out"));
        let e = AcquirerError::ConnectFailed { target: "x:1".into(), cause: ConnectFailure::Dns };
        assert!(e.zh().contains("解析") && e.en().contains("resolve"));
        let e = AcquirerError::ConnectFailed {
            target: "x:1".into(),
            cause: ConnectFailure::Tls(TlsFailure::NotProvisioned),
        };
        assert!(e.zh().contains("证书与配置不符") && e.en().contains("not the one provisioned"), "{}", e.both());
        assert!(e.zh().contains("未发送") && e.en().contains("nothing sent"));
        assert!(!e.may_have_reached_host(), "a refused handshake sent nothing");
    }
}

#[cfg(test)]
mod reversal_cause_tests {
    use super::*;

    #[test]
    fn exchange_failures_map_to_the_profile_reasons() {
        assert_eq!(ReversalCause::of(&AcquirerError::MacFailed).reason().as_str(), "A0");
        let t = AcquirerError::Timeout { waited: Duration::from_secs(1) };
        assert_eq!(ReversalCause::of(&t).reason().as_str(), "98");
    }
}
