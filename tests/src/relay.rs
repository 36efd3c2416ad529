//! A recording TCP relay between a terminal and the acquirer.
//!
//! It accepts on loopback, connects upstream for every accepted connection and forwards
//! whole frames (2-byte big-endian length + that many bytes) in both directions, keeping a
//! copy of each with its direction. Frames are recorded before they are forwarded, so once
//! the terminal has its answer, both the request and the answer are in the record.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// Frames kept at most; later ones are still forwarded (a runaway test cannot eat memory).
pub const MAX_RECORDED: usize = 4096;

/// Which way a frame crossed the relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Terminal to acquirer.
    ToHost,
    /// Acquirer to terminal.
    ToTerminal,
}

/// One frame as it crossed the relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// Index of the accepted connection it travelled on (0 for the first).
    pub connection: usize,
    /// Which way it went.
    pub direction: Direction,
    /// The whole frame, 2-byte length prefix included.
    pub bytes: Vec<u8>,
}

type Log = Arc<Mutex<Vec<Recorded>>>;

/// A man in the middle: sees each whole frame (prefix included) and returns what to forward
/// instead (`None` drops it). The record keeps the frame as it arrived.
pub type Tamper = Arc<dyn Fn(Direction, Vec<u8>) -> Option<Vec<u8>> + Send + Sync>;

/// A running relay; dropping it stops accepting and closes its connections.
pub struct Relay {
    addr: SocketAddr,
    log: Log,
    accept: JoinHandle<()>,
}

impl Relay {
    /// Listens on 127.0.0.1:0 and relays every connection to `upstream`. Frames whose
    /// length prefix exceeds `max_frame` close that connection instead of being buffered.
    pub async fn start(upstream: SocketAddr, max_frame: usize) -> io::Result<Relay> {
        Relay::start_tampering(upstream, max_frame, Arc::new(|_, f| Some(f))).await
    }

    /// As [`Relay::start`], passing every frame through `tamper` before forwarding it.
    pub async fn start_tampering(upstream: SocketAddr, max_frame: usize, tamper: Tamper) -> io::Result<Relay> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let log = Log::default();
        let accept = tokio::spawn(accept_loop(listener, upstream, max_frame, log.clone(), tamper));
        Ok(Relay { addr, log, accept })
    }

    /// The address terminals connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A copy of every frame recorded so far, in the order the relay read them.
    pub fn frames(&self) -> Vec<Recorded> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        // The accept task owns the connections' JoinSet: aborting it drops (and aborts) them too.
        self.accept.abort();
    }
}

async fn accept_loop(listener: TcpListener, upstream: SocketAddr, max_frame: usize, log: Log, tamper: Tamper) {
    let mut connections = JoinSet::new();
    let mut next_id = 0;
    while let Ok((terminal, _)) = listener.accept().await {
        connections.spawn(relay_connection(terminal, upstream, next_id, max_frame, log.clone(), tamper.clone()));
        next_id += 1;
        // Reap finished connections so a long session does not accumulate handles.
        while connections.try_join_next().is_some() {}
    }
}

/// Connects upstream and pumps both directions until either side closes.
async fn relay_connection(
    terminal: TcpStream,
    upstream: SocketAddr,
    id: usize,
    max_frame: usize,
    log: Log,
    tamper: Tamper,
) {
    let Ok(host) = TcpStream::connect(upstream).await else {
        // The terminal sees its connection closed, as it would with an unreachable host.
        return;
    };
    let _ = (terminal.set_nodelay(true), host.set_nodelay(true));
    let (from_terminal, to_terminal) = terminal.into_split();
    let (from_host, to_host) = host.into_split();
    let pipe = |direction| Pipe { connection: id, direction, max_frame, log: log.clone(), tamper: tamper.clone() };
    tokio::join!(
        pipe(Direction::ToHost).pump(from_terminal, to_host),
        pipe(Direction::ToTerminal).pump(from_host, to_terminal)
    );
}

/// One direction of one connection.
struct Pipe {
    connection: usize,
    direction: Direction,
    max_frame: usize,
    log: Log,
    tamper: Tamper,
}

impl Pipe {
    /// Forwards frames until EOF, an error or an oversized frame, then half-closes the
    /// other side so the peer sees the end too.
    async fn pump(self, mut from: OwnedReadHalf, mut to: OwnedWriteHalf) {
        while let Some(frame) = self.read_frame(&mut from).await {
            self.record(&frame);
            let Some(frame) = (self.tamper)(self.direction, frame) else { continue };
            if to.write_all(&frame).await.is_err() {
                break;
            }
        }
        let _ = to.shutdown().await;
    }

    /// The next whole frame with its prefix, or `None` at EOF, on error or when too long.
    async fn read_frame(&self, from: &mut OwnedReadHalf) -> Option<Vec<u8>> {
        let mut prefix = [0u8; 2];
        from.read_exact(&mut prefix).await.ok()?;
        let len = usize::from(u16::from_be_bytes(prefix));
        if len > self.max_frame {
            return None;
        }
        let mut frame = vec![0u8; 2 + len];
        frame[..2].copy_from_slice(&prefix);
        from.read_exact(&mut frame[2..]).await.ok()?;
        Some(frame)
    }

    fn record(&self, frame: &[u8]) {
        let mut log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        if log.len() < MAX_RECORDED {
            log.push(Recorded { connection: self.connection, direction: self.direction, bytes: frame.to_vec() });
        }
    }
}
