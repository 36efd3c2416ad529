//! How the acquirer client connects and how long it waits.

use std::time::Duration;

use crate::iso8583::profile::UNIONPAY_MAX_FRAME;

/// How the link to the acquirer is carried: TLS unless provisioning says otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// TLS 1.2/1.3 (rustls on ring); the host's certificate must chain to `trust`.
    Tls {
        /// What the host's certificate is checked against.
        trust: TlsTrust,
        /// The name the certificate must be valid for; the host part of `host` when `None`
        /// (an IP address is checked against the certificate's IP addresses).
        server_name: Option<String>,
    },
    /// Plain TCP: only where provisioning says so explicitly (a private APN). Anyone on the
    /// path can read and change the traffic; every connection logs a warning and front ends
    /// show "unencrypted link / 未加密链路".
    PlainTcp,
}

/// The trust anchor of a TLS link.
#[derive(Clone, PartialEq, Eq)]
pub enum TlsTrust {
    /// Certificates in PEM provisioned for this acquirer: its CA (the host's certificate must
    /// chain to it and be valid for the server name), or the host's certificate itself (an
    /// exact match is accepted). Nothing else is trusted.
    Pinned(String),
    /// The platform's trust store (Android, through rustls-platform-verifier; the app
    /// initialises it through `pos-ffi`). Not available on other platforms.
    Platform,
}

impl std::fmt::Debug for TlsTrust {
    /// The pin's size, not its text (a PEM blob would flood the logs).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TlsTrust::Pinned(pem) => write!(f, "Pinned({} bytes of PEM)", pem.len()),
            TlsTrust::Platform => f.write_str("Platform"),
        }
    }
}

impl Transport {
    /// TLS to a host whose CA (or certificate) is `ca_pem`, checked against the host's name.
    pub fn tls_pinned(ca_pem: impl Into<String>) -> Transport {
        Transport::Tls { trust: TlsTrust::Pinned(ca_pem.into()), server_name: None }
    }

    /// Whether the provisioned trust can be used, without connecting: a pin holds at least one
    /// readable certificate, the server name is valid, the platform store exists here.
    pub fn check(&self, host: &str) -> Result<(), super::TlsFailure> {
        match self {
            Transport::Tls { trust, server_name } => {
                super::tls::client_config(trust)?;
                super::tls::server_name(host, server_name.as_deref()).map(|_| ())
            }
            Transport::PlainTcp => Ok(()),
        }
    }

    /// Whether the link is encrypted (false only for [`Transport::PlainTcp`]).
    pub fn is_encrypted(&self) -> bool {
        matches!(self, Transport::Tls { .. })
    }
}

impl crate::i18n::Bilingual for Transport {
    /// What a front end shows about the link.
    fn zh(&self) -> String {
        match self {
            Transport::Tls { .. } => "加密链路（TLS）".into(),
            Transport::PlainTcp => "未加密链路".into(),
        }
    }
    fn en(&self) -> String {
        match self {
            Transport::Tls { .. } => "encrypted link (TLS)".into(),
            Transport::PlainTcp => "unencrypted link".into(),
        }
    }
}

/// Connection and timing parameters of the acquirer link (acquirer parameters on a real terminal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcquirerConfig {
    /// `host:port` of the acquirer front end; names are resolved on each connect.
    pub host: String,
    /// TLS (the default: with what trust) or, where provisioned so, plain TCP.
    pub transport: Transport,
    /// Longest wait for the connection (DNS and the TLS handshake included).
    pub connect_timeout: Duration,
    /// Longest wait for the response to a request (UnionPay terminals default to 60 s).
    pub response_timeout: Duration,
    /// Longest wait for the rest of a frame once its first byte arrived.
    pub read_timeout: Duration,
    /// Largest frame accepted or sent, after the 2-byte length.
    pub max_frame: usize,
    /// Where the bytes go: the network, or a simulation in tests.
    pub dialer: super::Dialer,
}

impl AcquirerConfig {
    /// Default response timeout: the common acquirer parameter.
    pub(crate) const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(60);
    /// Default connect timeout.
    pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
    /// Default read timeout within one frame.
    pub(crate) const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);

    /// Defaults for `host` over `transport`.
    pub fn new(host: impl Into<String>, transport: Transport) -> AcquirerConfig {
        AcquirerConfig {
            host: host.into(),
            transport,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            response_timeout: Self::DEFAULT_RESPONSE_TIMEOUT,
            read_timeout: Self::DEFAULT_READ_TIMEOUT,
            max_frame: UNIONPAY_MAX_FRAME,
            dialer: super::Dialer::tcp(),
        }
    }
}
