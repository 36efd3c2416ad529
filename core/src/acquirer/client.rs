//! The acquirer client: one persistent connection, several requests in flight, reconnect on demand.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;

use super::config::AcquirerConfig;
use super::connection::Connection;
use super::error::AcquirerError;
use super::framing::{declared_len, LENGTH_PREFIX};
use super::matching::{describe, MatchKey, Pending, RegisterError, Waiting};
use crate::crypto::{MacAlgorithm, SecretKey};
use crate::iso8583::{check_mac, unionpay, Frame, FrameLayout, MacCheck, Mti, Profile};

/// What the response's field 64 must satisfy.
#[derive(Debug, Clone, Copy)]
pub enum ResponseMac<'a> {
    /// Not MACed in this profile (sign-in, echo): not checked.
    NotExpected,
    /// A present MAC must verify; an approval (`00`) must carry one. Hosts commonly
    /// leave declines unMACed, and accepting an unauthenticated decline never moves money.
    RequiredIfApproved(&'a SecretKey, MacAlgorithm),
}

/// One request to send.
#[derive(Debug, Clone)]
pub(crate) struct Outbound<'a> {
    /// The whole frame, length prefix included (MACed already if the profile wants it).
    pub frame: &'a [u8],
    /// Its field 41 and 11.
    pub key: MatchKey,
    /// The response MTI expected (`0210` for a `0200`).
    pub response_mti: Mti,
    /// How to check the response MAC.
    pub mac: ResponseMac<'a>,
}

/// A matched, MAC-checked response.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The decoded frame.
    pub frame: Frame,
    /// What the MAC check found (`Absent` only where the policy allows it).
    pub mac: MacCheck,
}

/// A tokio client for the acquirer host.
pub(crate) struct AcquirerClient {
    pub(super) config: AcquirerConfig,
    profile: &'static Profile,
    conn: Mutex<Option<Arc<Connection>>>,
}

impl AcquirerClient {
    /// A client for the UnionPay profile; nothing connects until the first request.
    pub fn new(config: AcquirerConfig) -> AcquirerClient {
        AcquirerClient::with_profile(config, unionpay())
    }

    /// A client decoding responses under another profile.
    pub(crate) fn with_profile(config: AcquirerConfig, profile: &'static Profile) -> AcquirerClient {
        AcquirerClient { config, profile, conn: Mutex::new(None) }
    }

    /// Sends a request and waits for its matching, MAC-checked response.
    ///
    /// Every error means "not approved"; [`AcquirerError::delivery`] says whether
    /// the request may still have reached the host.
    pub async fn exchange(&self, out: Outbound<'_>) -> Result<Reply, AcquirerError> {
        self.exchange_within(out, self.config.response_timeout).await
    }

    /// As [`AcquirerClient::exchange`] with a response timeout for this request only.
    pub(crate) async fn exchange_within(&self, out: Outbound<'_>, timeout: Duration) -> Result<Reply, AcquirerError> {
        // Oversize, or a prefix that disagrees with the bytes (it would desynchronise the
        // stream): either way the frame is not sent.
        let body_len = declared_len(out.frame).unwrap_or(0);
        if body_len > self.config.max_frame || out.frame.len() != body_len + LENGTH_PREFIX {
            return Err(AcquirerError::FrameTooLarge {
                len: out.frame.len().saturating_sub(LENGTH_PREFIX),
                max: self.config.max_frame,
                outgoing: true,
            });
        }
        let (conn, rx) = self.register(&out).await?;
        let _guard = Forget { pending: &conn.pending, key: &out.key };
        conn.send(out.frame, self.config.read_timeout).await?;
        let received = match tokio::time::timeout(timeout, rx).await {
            Err(_) => {
                tracing::info!(stan = %out.key.stan, "no response within {}s", timeout.as_secs());
                return Err(AcquirerError::Timeout { waited: timeout });
            }
            Ok(Err(_)) => return Err(AcquirerError::ConnectionLost { sent: true }),
            Ok(Ok(delivery)) => delivery?,
        };
        let mac = self.check_mac(&out.mac, &received.bytes, &received.layout, &received.frame)?;
        Ok(Reply { frame: received.frame, mac })
    }

    /// Closes the connection (the next request reconnects).
    pub async fn disconnect(&self) {
        self.conn.lock().await.take();
    }

    /// Registers the request on a usable connection, connecting if there is none.
    async fn register(&self, out: &Outbound<'_>) -> Result<(Arc<Connection>, Waiting), AcquirerError> {
        let mut slot = self.conn.lock().await;
        // Two rounds at most: a connection that died since its last use is replaced once.
        for _ in 0..2 {
            let conn = match slot.as_ref().filter(|c| c.is_usable()) {
                Some(c) => Arc::clone(c),
                None => {
                    slot.take();
                    let c = Arc::new(Connection::open(&self.config, self.profile).await?);
                    *slot = Some(Arc::clone(&c));
                    c
                }
            };
            match conn.pending.register(out.key.clone(), out.response_mti) {
                Ok(rx) => return Ok((conn, rx)),
                Err(RegisterError::Duplicate) => return Err(AcquirerError::DuplicateInFlight { stan: out.key.stan }),
                Err(RegisterError::Closed) => {
                    slot.take();
                }
            }
        }
        Err(AcquirerError::ConnectionLost { sent: false })
    }

    fn check_mac(
        &self,
        policy: &ResponseMac<'_>,
        bytes: &[u8],
        layout: &FrameLayout,
        frame: &Frame,
    ) -> Result<MacCheck, AcquirerError> {
        let (key, algo, absent_ok) = match *policy {
            ResponseMac::NotExpected => return Ok(MacCheck::Absent),
            ResponseMac::RequiredIfApproved(k, a) => (k, a, frame.message.get(39) != Some(b"00".as_slice())),
        };
        match check_mac(bytes, layout, algo, key) {
            MacCheck::Valid => Ok(MacCheck::Valid),
            MacCheck::Absent if absent_ok => Ok(MacCheck::Absent),
            check => {
                tracing::warn!(response = %describe(&frame.message), ?check, "response MAC rejected");
                Err(AcquirerError::MacFailed)
            }
        }
    }
}

/// Unregisters a request however its wait ends (timeout, error, or the caller dropping the future).
struct Forget<'a> {
    pending: &'a Pending,
    key: &'a MatchKey,
}

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        self.pending.forget(self.key);
    }
}
