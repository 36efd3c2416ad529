//! One connection to the acquirer (TLS, or plain TCP where provisioned): a writer shared by
//! requests and a reader task that routes every incoming frame to the request waiting for it.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, WriteHalf};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use super::config::{AcquirerConfig, Transport};
use super::error::{AcquirerError, ConnectFailure};
use super::framing::{read_frame, write_frame, FramingError};
use super::matching::{Pending, Received};
use super::tls;
use crate::iso8583::{Frame, Profile};

/// The byte stream under the framing: a TLS session or, where provisioned, the bare socket.
pub(crate) trait Link: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Link for T {}

/// A live connection; dropping it stops its reader task and closes the socket.
pub(crate) struct Connection {
    writer: Mutex<WriteHalf<Box<dyn Link>>>,
    pub pending: Pending,
    reader: JoinHandle<()>,
}

impl Connection {
    /// Resolves, connects and (over TLS) completes the handshake within the connect timeout,
    /// then starts the reader task. Nothing is written before the host's certificate passed.
    pub async fn open(config: &AcquirerConfig, profile: &'static Profile) -> Result<Connection, AcquirerError> {
        let failed = |cause| AcquirerError::ConnectFailed { target: config.host.clone(), cause };
        let stream = tokio::time::timeout(config.connect_timeout, establish(config))
            .await
            .map_err(|_| failed(ConnectFailure::TimedOut))?
            .map_err(failed)?;
        let (mut rd, wr) = tokio::io::split(stream);
        let pending = Pending::default();
        let routes = pending.clone();
        let (max, read_timeout) = (config.max_frame, config.read_timeout);
        let reader = tokio::spawn(async move {
            let error = loop {
                match read_frame(&mut rd, max, read_timeout).await {
                    Ok(Some(bytes)) => route(profile, &routes, bytes),
                    Ok(None) => break AcquirerError::ConnectionLost { sent: true },
                    Err(e) => break framing_error(e),
                }
            };
            tracing::debug!(%error, "acquirer connection closed");
            routes.close(&error);
        });
        Ok(Connection { writer: Mutex::new(wr), pending, reader })
    }

    /// Writes one frame; concurrent requests are serialised so frames never interleave.
    pub async fn send(&self, frame: &[u8], timeout: Duration) -> Result<(), AcquirerError> {
        let mut w = self.writer.lock().await;
        match tokio::time::timeout(timeout, write_frame(&mut *w, frame)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "write to acquirer failed");
                // Some bytes may have left: the host could have the request.
                self.pending.close(&AcquirerError::ConnectionLost { sent: true });
                Err(AcquirerError::ConnectionLost { sent: true })
            }
            Err(_) => {
                self.pending.close(&AcquirerError::ConnectionLost { sent: true });
                Err(AcquirerError::ConnectionLost { sent: true })
            }
        }
    }

    /// False once the reader saw the connection end (or a write failed).
    pub(crate) fn is_usable(&self) -> bool {
        !self.pending.is_closed() && !self.reader.is_finished()
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.reader.abort();
        self.pending.close(&AcquirerError::ConnectionLost { sent: true });
    }
}

/// The stream (the network unless a simulation was plugged in) and, over TLS, the handshake.
async fn establish(config: &AcquirerConfig) -> Result<Box<dyn Link>, ConnectFailure> {
    match &config.transport {
        Transport::Tls { trust, server_name } => {
            // The network first (an unreachable host is reported as such), then the pin and the
            // name: a bad one fails before the handshake starts, and nothing is ever written.
            let stream = config.dialer.dial(&config.host).await?;
            let tls_config = tls::client_config(trust).map_err(ConnectFailure::Tls)?;
            let name = tls::server_name(&config.host, server_name.as_deref()).map_err(ConnectFailure::Tls)?;
            let stream = tls::handshake(tls_config, name, stream).await.map_err(ConnectFailure::Tls)?;
            Ok(Box::new(stream))
        }
        Transport::PlainTcp => {
            let stream = config.dialer.dial(&config.host).await?;
            tracing::warn!(host = %config.host, "acquirer link is plain TCP (unencrypted), as provisioned");
            Ok(Box::new(stream))
        }
    }
}

fn route(profile: &Profile, pending: &Pending, bytes: Vec<u8>) {
    match Frame::decode_with_layout(profile, &bytes) {
        Ok((frame, layout)) => pending.deliver(Received { bytes, frame, layout }),
        Err(e) => pending.deliver_undecodable(AcquirerError::Malformed(e)),
    }
}

fn framing_error(e: FramingError) -> AcquirerError {
    match e {
        FramingError::TooLarge { len, max } => AcquirerError::FrameTooLarge { len, max, outgoing: false },
        FramingError::Truncated | FramingError::Stalled => AcquirerError::ConnectionLost { sent: true },
        FramingError::Io(e) => {
            // The operator sees "connection lost"; the socket's own words go to the log.
            tracing::warn!(error = %e, "acquirer link: socket error while reading a frame");
            AcquirerError::ConnectionLost { sent: true }
        }
    }
}
