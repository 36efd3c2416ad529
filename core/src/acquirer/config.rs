//! How the acquirer client connects and how long it waits.

use std::time::Duration;

use crate::iso8583::profile::UNIONPAY_MAX_FRAME;

/// Connection and timing parameters of the acquirer link (acquirer parameters on a real terminal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcquirerConfig {
    /// `host:port` of the acquirer front end; names are resolved on each connect.
    pub host: String,
    /// Longest wait for the TCP connection (DNS included).
    pub connect_timeout: Duration,
    /// Longest wait for the response to a request (UnionPay terminals default to 60 s).
    pub response_timeout: Duration,
    /// Longest wait for the rest of a frame once its first byte arrived.
    pub read_timeout: Duration,
    /// Largest frame accepted or sent, after the 2-byte length.
    pub max_frame: usize,
}

impl AcquirerConfig {
    /// Default response timeout: the common acquirer parameter.
    pub const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(60);
    /// Default connect timeout.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
    /// Default read timeout within one frame.
    pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);

    /// Defaults for `host`.
    pub fn new(host: impl Into<String>) -> AcquirerConfig {
        AcquirerConfig {
            host: host.into(),
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            response_timeout: Self::DEFAULT_RESPONSE_TIMEOUT,
            read_timeout: Self::DEFAULT_READ_TIMEOUT,
            max_frame: UNIONPAY_MAX_FRAME,
        }
    }
}
