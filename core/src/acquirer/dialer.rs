//! Where the acquirer link's bytes go: the network by default, or a simulation that runs the
//! acquirer in the same process (tests on simulated time, deterministic simulation). TLS and
//! the framing run over whatever stream the dialer gives, so a simulated link exercises the
//! same handshake, pinning and framing as the network.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use async_trait::async_trait;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::error::ConnectFailure;

/// A byte stream to the acquirer.
pub trait AcquirerStream: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> AcquirerStream for T {}

/// Opens byte streams to an acquirer (implemented by simulations; the network needs none).
#[async_trait]
pub trait Dial: Send + Sync {
    /// A new stream to `host` (`host:port`).
    async fn dial(&self, host: &str) -> Result<Box<dyn AcquirerStream>, ConnectFailure>;
}

/// How the terminal reaches its acquirer: TCP unless a simulation was plugged in.
#[derive(Clone, Default)]
pub struct Dialer(Option<Arc<dyn Dial>>);

impl Dialer {
    /// The network (TCP), the default.
    pub fn tcp() -> Dialer {
        Dialer(None)
    }

    /// Streams from `dial` instead of the network.
    pub fn custom(dial: Arc<dyn Dial>) -> Dialer {
        Dialer(Some(dial))
    }

    /// Whether this is the network.
    pub(crate) fn is_tcp(&self) -> bool {
        self.0.is_none()
    }

    /// A new stream to `host`.
    pub(crate) async fn dial(&self, host: &str) -> Result<Box<dyn AcquirerStream>, ConnectFailure> {
        match &self.0 {
            None => Ok(Box::new(connect(host).await?)),
            Some(d) => d.dial(host).await,
        }
    }
}

impl PartialEq for Dialer {
    /// The same network, or the same simulation.
    fn eq(&self, other: &Dialer) -> bool {
        match (&self.0, &other.0) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl Eq for Dialer {}

impl std::fmt::Debug for Dialer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.is_tcp() { "Dialer(tcp)" } else { "Dialer(custom)" })
    }
}

/// Resolves `host` and connects to the first address that answers.
async fn connect(host: &str) -> Result<TcpStream, ConnectFailure> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host(host).await.map_err(|_| ConnectFailure::Dns)?.collect();
    let mut failure = ConnectFailure::Dns;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(s) => {
                // Requests are small and latency matters more than packet count.
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => failure = ConnectFailure::Refused,
            Err(_) => failure = ConnectFailure::Unreachable,
        }
    }
    Err(failure)
}
