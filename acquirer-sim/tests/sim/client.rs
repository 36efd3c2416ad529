//! A raw test client: connect, send a frame, read a frame with a timeout.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

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
    pub stream: TcpStream,
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> Client {
        Client { stream: TcpStream::connect(addr).await.expect("connect to the simulator") }
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
