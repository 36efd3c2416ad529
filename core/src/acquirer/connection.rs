//! One TCP connection to the acquirer: a writer shared by requests and a reader task
//! that routes every incoming frame to the request waiting for it.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use super::config::AcquirerConfig;
use super::error::{AcquirerError, ConnectFailure};
use super::framing::{read_frame, write_frame, FramingError};
use super::matching::{Pending, Received};
use crate::iso8583::{Frame, Profile};

/// A live connection; dropping it stops its reader task and closes the socket.
pub(crate) struct Connection {
    writer: Mutex<OwnedWriteHalf>,
    pub pending: Pending,
    reader: JoinHandle<()>,
}

impl Connection {
    /// Resolves and connects within the connect timeout, then starts the reader task.
    pub async fn open(config: &AcquirerConfig, profile: &'static Profile) -> Result<Connection, AcquirerError> {
        let failed = |cause| AcquirerError::ConnectFailed { target: config.host.clone(), cause };
        let stream = tokio::time::timeout(config.connect_timeout, connect(&config.host))
            .await
            .map_err(|_| failed(ConnectFailure::TimedOut))?
            .map_err(failed)?;
        // Requests are small and latency matters more than packet count.
        let _ = stream.set_nodelay(true);
        let (mut rd, wr) = stream.into_split();
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
    pub fn is_usable(&self) -> bool {
        !self.pending.is_closed() && !self.reader.is_finished()
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.reader.abort();
        self.pending.close(&AcquirerError::ConnectionLost { sent: true });
    }
}

async fn connect(host: &str) -> Result<TcpStream, ConnectFailure> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host(host).await.map_err(|_| ConnectFailure::Dns)?.collect();
    let mut failure = ConnectFailure::Dns;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(s) => return Ok(s),
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => failure = ConnectFailure::Refused,
            Err(_) => failure = ConnectFailure::Unreachable,
        }
    }
    Err(failure)
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
        FramingError::Truncated | FramingError::Stalled | FramingError::Io(_) => {
            AcquirerError::ConnectionLost { sent: true }
        }
    }
}
