//! A raw test client: connect (over TLS pinned to the simulator's CA, or plain), send a frame,
//! read a frame with a timeout.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use pos_acquirer_sim::SimHandle;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// The byte stream: a TLS session or a plain socket.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// What a read found.
#[derive(Debug, PartialEq, Eq)]
pub enum Recv {
    Frame(Vec<u8>),
    Timeout,
    Closed,
}

impl Recv {
    pub fn frame(self) -> Vec<u8> {
        match self {
            Recv::Frame(f) => f,
            other => panic!("expected a frame, got {other:?}"),
        }
    }
}

pub struct Client {
    pub stream: Box<dyn Io>,
}

impl Client {
    /// Plain TCP.
    pub async fn connect(addr: SocketAddr) -> Client {
        Client { stream: Box::new(TcpStream::connect(addr).await.expect("connect to the simulator")) }
    }

    /// However `sim` serves: TLS pinned to its CA, or plain.
    pub async fn to(sim: &SimHandle) -> Client {
        match sim.ca_pem() {
            Some(ca) => Client::connect_tls(sim.addr(), ca).await,
            None => Client::connect(sim.addr()).await,
        }
    }

    /// TLS trusting `ca_pem` only. A connection the server closes before the handshake
    /// completes (the connection limit) reads as closed.
    pub async fn connect_tls(addr: SocketAddr, ca_pem: &str) -> Client {
        let tcp = TcpStream::connect(addr).await.expect("connect to the simulator");
        match tls_connector(ca_pem).connect(ServerName::try_from("127.0.0.1").unwrap(), tcp).await {
            Ok(s) => Client { stream: Box::new(s) },
            Err(_) => Client { stream: Box::new(tokio::io::join(tokio::io::empty(), tokio::io::sink())) },
        }
    }

    pub async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("send");
    }

    /// Reads one length-prefixed frame (prefix included).
    pub async fn recv(&mut self, wait: Duration) -> Recv {
        let read = async {
            let mut len = [0u8; 2];
            if self.stream.read_exact(&mut len).await.is_err() {
                return Recv::Closed;
            }
            let n = usize::from(u16::from_be_bytes(len));
            let mut buf = vec![0u8; 2 + n];
            buf[..2].copy_from_slice(&len);
            match self.stream.read_exact(&mut buf[2..]).await {
                Ok(_) => Recv::Frame(buf),
                Err(_) => Recv::Closed,
            }
        };
        tokio::time::timeout(wait, read).await.unwrap_or(Recv::Timeout)
    }

    pub async fn exchange(&mut self, bytes: &[u8]) -> Vec<u8> {
        self.send(bytes).await;
        self.recv(Duration::from_secs(10)).await.frame()
    }

    /// True when the server has closed the connection (EOF within `wait`).
    pub async fn is_closed(&mut self, wait: Duration) -> bool {
        let mut b = [0u8; 1];
        matches!(tokio::time::timeout(wait, self.stream.read(&mut b)).await, Ok(Ok(0)) | Ok(Err(_)))
    }
}

/// A TLS client trusting `ca_pem` only (ring).
pub fn tls_connector(ca_pem: &str) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(c.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}
