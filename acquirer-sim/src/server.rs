//! Starting the simulator and the handle tests and the demo drive it through.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use tracing::{info, warn};

use crate::admin_port;
use crate::clock::SimClock;
use crate::config::{Limits, SimConfig, Timeouts};
use crate::connection;
use crate::error::{LedgerError, SimError};
use crate::fault::FaultControl;
use crate::host::Host;
use crate::ledger::{Flag, Ledger};

/// State shared by the accept loop, connections and the admin port.
pub(crate) struct Shared {
    pub host: Arc<Host>,
    pub ledger: Arc<Ledger>,
    pub faults: Arc<FaultControl>,
    pub clock: Arc<SimClock>,
    pub timeouts: Timeouts,
    pub limits: Limits,
    pub stats: Stats,
    pub stop: watch::Sender<bool>,
}

/// Counters of the network side.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub accepted: AtomicU64,
    pub refused: AtomicU64,
    pub handshake_failed: AtomicU64,
    pub open: AtomicUsize,
    pub frames: AtomicU64,
    pub replies: AtomicU64,
}

/// A snapshot of the network counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SimStats {
    /// Connections accepted since start.
    pub accepted: u64,
    /// Connections closed at once because `limits.max_connections` were open.
    pub refused: u64,
    /// Connections whose TLS handshake failed or did not finish in time (nothing read from them).
    pub handshake_failed: u64,
    /// Connections open now.
    pub open: usize,
    /// Frames read.
    pub frames: u64,
    /// Answers sent.
    pub replies: u64,
}

/// The acquirer host simulator.
pub struct Simulator;

impl Simulator {
    /// Validates `config`, opens the ledger, binds the ports and starts serving.
    pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
        let valid = config.validate()?;
        let tls = crate::tls::setup(&config.tls)?;
        let ledger = Arc::new(Ledger::open(config.database.as_deref(), &valid.accounts, &valid.terminals)?);
        let clock = Arc::new(SimClock::system(config.utc_offset_minutes));
        let host = Host::new(
            valid.terminals,
            ledger.clone(),
            clock.clone(),
            config.limits,
            config.monitoring,
            config.seed,
            valid.tms,
        )
        .map_err(|e| SimError::Ledger(LedgerError::Corrupt(e.to_string())))?;
        let listener = TcpListener::bind(valid.listen).await.map_err(|e| bind_error(valid.listen, &e))?;
        let addr = listener.local_addr().map_err(|e| bind_error(valid.listen, &e))?;
        let admin = match valid.admin {
            Some(a) => {
                let l = TcpListener::bind(a).await.map_err(|e| bind_error(a, &e))?;
                let local = l.local_addr().map_err(|e| bind_error(a, &e))?;
                Some((l, local))
            }
            None => None,
        };
        let (stop, stopped) = watch::channel(false);
        let shared = Arc::new(Shared {
            host: Arc::new(host),
            ledger,
            faults: Arc::new(FaultControl::new(config.seed)),
            clock,
            timeouts: config.timeouts,
            limits: config.limits,
            stats: Stats::default(),
            stop,
        });
        let acceptor = tls.as_ref().map(|t| t.acceptor.clone());
        let memory = Arc::new(MemoryDial {
            addr: addr.to_string(),
            shared: shared.clone(),
            tls: acceptor.clone(),
            conns: Arc::default(),
            slots: Arc::new(Semaphore::new(shared.limits.max_connections)),
            next_peer: AtomicU64::new(0),
        });
        let mut tasks = vec![tokio::spawn(accept_loop(listener, acceptor, shared.clone(), stopped.clone()))];
        let admin_addr = admin.as_ref().map(|(_, a)| *a);
        if let Some((l, _)) = admin {
            tasks.push(tokio::spawn(admin_port::serve(l, shared.clone(), stopped)));
        }
        let (ca_pem, ca_path) = match tls {
            Some(t) => (Some(t.ca_pem), t.ca_path),
            None => (None, None),
        };
        match &ca_pem {
            Some(_) => info!(%addr, admin = ?admin_addr, ca = ?ca_path, "acquirer simulator listening (TLS)"),
            None => warn!(%addr, admin = ?admin_addr, "acquirer simulator listening on plain TCP (unencrypted)"),
        }
        Ok(SimHandle { addr, admin_addr, ca_pem, ca_path, shared, tasks, memory })
    }
}

fn bind_error(addr: SocketAddr, e: &std::io::Error) -> SimError {
    SimError::Bind { addr: addr.to_string(), reason: e.to_string(), in_use: e.kind() == std::io::ErrorKind::AddrInUse }
}

/// Control of a running simulator. Dropping it stops the server too (without waiting).
pub struct SimHandle {
    addr: SocketAddr,
    admin_addr: Option<SocketAddr>,
    ca_pem: Option<String>,
    ca_path: Option<PathBuf>,
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
    memory: Arc<MemoryDial>,
}

impl SimHandle {
    /// The ISO 8583 address actually bound (the real port when configured with port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The PEM of the CA certificate terminals pin; `None` when serving plain TCP.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The file holding the CA certificate, when the CA is kept in a folder.
    pub fn ca_path(&self) -> Option<&Path> {
        self.ca_path.as_deref()
    }

    /// The admin port's address, when configured.
    pub fn admin_addr(&self) -> Option<SocketAddr> {
        self.admin_addr
    }

    /// The ledger, for balances, rows and the invariant check.
    pub fn ledger(&self) -> &Ledger {
        &self.shared.ledger
    }

    /// The fault switchboard.
    pub fn faults(&self) -> &FaultControl {
        &self.shared.faults
    }

    /// Serves new terminal-management content from now on (the acquirer published new keys,
    /// parameters or a new blacklist); refused, nothing changed, when it does not validate.
    pub fn set_tms(&self, tms: crate::config::TmsConfig) -> Result<(), crate::error::ConfigError> {
        let content = crate::config::validate_tms(&tms)?;
        self.shared.host.set_tms(content);
        Ok(())
    }

    /// The host's clock (tests pin and advance it).
    pub fn clock(&self) -> &SimClock {
        &self.shared.clock
    }

    /// Every monitoring flag raised so far.
    pub fn flags(&self) -> Result<Vec<Flag>, LedgerError> {
        self.shared.ledger.flags()
    }

    /// The host's current batch for terminal `tid`.
    pub fn current_batch(&self, tid: &str) -> Result<Option<u32>, LedgerError> {
        self.shared.ledger.current_batch(tid)
    }

    /// The help desk's 12-digit code for a reader's tamper unlock challenge (`None`: unknown terminal).
    pub fn unlock_code(&self, tid: &str, challenge: &str) -> Option<String> {
        self.shared.host.unlock_code(tid, challenge)
    }

    /// The help desk's reset code, clearing a reader's unlock lockout (`None`: unknown terminal).
    pub fn reset_code(&self, tid: &str, challenge: &str) -> Option<String> {
        self.shared.host.reset_code(tid, challenge)
    }

    /// Whether `tid` holds working keys from a sign-in.
    pub fn is_signed_in(&self, tid: &str) -> bool {
        self.shared.host.is_signed_in(tid)
    }

    /// Network counters.
    pub fn stats(&self) -> SimStats {
        let s = &self.shared.stats;
        SimStats {
            accepted: s.accepted.load(Ordering::SeqCst),
            refused: s.refused.load(Ordering::SeqCst),
            handshake_failed: s.handshake_failed.load(Ordering::SeqCst),
            open: s.open.load(Ordering::SeqCst),
            frames: s.frames.load(Ordering::SeqCst),
            replies: s.replies.load(Ordering::SeqCst),
        }
    }

    /// Stops accepting, closes every connection and waits for the tasks to end.
    pub async fn shutdown(mut self) {
        let _ = self.shared.stop.send(true);
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
        // The in-memory connections see the stop too; wait for them as the accept loop does.
        let mut memory = self.memory.conns.lock().map(|mut c| std::mem::take(&mut *c)).unwrap_or_default();
        let drain = async { while memory.join_next().await.is_some() {} };
        if tokio::time::timeout(Duration::from_secs(5), drain).await.is_err() {
            memory.abort_all();
            while memory.join_next().await.is_some() {}
        }
        info!(addr = %self.addr, "acquirer simulator stopped");
    }

    /// A dialer that reaches this simulator over in-memory links instead of the network, for
    /// terminals in the same process (`TerminalConfig::dialer`): tests on tokio's paused clock
    /// and deterministic simulations. TLS and the host's answers are the same as over TCP.
    pub fn dialer(&self) -> pos_core::Dialer {
        pos_core::Dialer::custom(self.memory.clone())
    }

    /// The in-memory link itself, for a simulation that puts its own network in between
    /// (partitions, resets, a simulator restarted behind the same terminals).
    pub fn memory_dial(&self) -> Arc<dyn pos_core::Dial> {
        self.memory.clone()
    }

    /// Resolves when the simulator has been asked to stop (the admin `shutdown` command).
    pub async fn stopped(&self) {
        stop_requested(&mut self.shared.stop.subscribe()).await;
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        let _ = self.shared.stop.send(true);
    }
}

async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    let slots = Arc::new(Semaphore::new(shared.limits.max_connections));
    let conn_stop = stop.clone();
    loop {
        tokio::select! {
            _ = stop_requested(&mut stop) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => match slots.clone().try_acquire_owned() {
                    Ok(slot) => {
                        shared.stats.accepted.fetch_add(1, Ordering::SeqCst);
                        let _ = stream.set_nodelay(true);
                        spawn_connection(&mut conns, stream, peer, tls.clone(), shared.clone(), conn_stop.clone(), slot);
                    }
                    Err(_) => {
                        shared.stats.refused.fetch_add(1, Ordering::SeqCst);
                        warn!(%peer, "connection limit reached; closing");
                    }
                },
                Err(e) => {
                    // Out of descriptors and the like: back off instead of spinning.
                    warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    drop(listener);
    let drain = async { while conns.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(5), drain).await.is_err() {
        conns.abort_all();
        // Wait for the aborted ones too: a shut-down simulator holds no ledger (nor its lock).
        while conns.join_next().await.is_some() {}
    }
}

/// Serves one accepted stream (a socket, or an in-memory link) on `conns`: over TLS when the
/// simulator serves TLS, the handshake bounded by the frame timeout.
fn spawn_connection<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static>(
    conns: &mut JoinSet<()>,
    stream: S,
    peer: SocketAddr,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    conn_stop: watch::Receiver<bool>,
    slot: OwnedSemaphorePermit,
) {
    match tls {
        None => {
            conns.spawn(connection::serve(stream, peer, shared, conn_stop, slot));
        }
        Some(acceptor) => {
            conns.spawn(async move {
                // The handshake gets the frame timeout: a peer cannot hold a slot by stalling it.
                let limit = Duration::from_millis(shared.timeouts.frame_read_ms);
                match tokio::time::timeout(limit, acceptor.accept(stream)).await {
                    Ok(Ok(tls)) => connection::serve(tls, peer, shared, conn_stop, slot).await,
                    Ok(Err(e)) => {
                        shared.stats.handshake_failed.fetch_add(1, Ordering::SeqCst);
                        info!(%peer, error = %e, "TLS handshake failed; closing");
                    }
                    Err(_) => {
                        shared.stats.handshake_failed.fetch_add(1, Ordering::SeqCst);
                        info!(%peer, "TLS handshake not finished in time; closing");
                    }
                }
            });
        }
    }
}

/// Terminals in the same process reach the simulator over in-memory links (a
/// `tokio::io::duplex` pair per connection): no socket, so tests can run on tokio's paused
/// clock. The same connection limit, TLS and serving as the network; a stopped simulator
/// refuses new links, and so does any address but the simulator's own (a test that points the
/// terminal at a dead host sees it refused, as on the network).
struct MemoryDial {
    /// The simulator's listening address, `host:port`.
    addr: String,
    shared: Arc<Shared>,
    tls: Option<TlsAcceptor>,
    conns: Arc<std::sync::Mutex<JoinSet<()>>>,
    slots: Arc<Semaphore>,
    next_peer: AtomicU64,
}

/// Bytes buffered each way on an in-memory link (a few frames).
const MEMORY_LINK_BUFFER: usize = 64 * 1024;

#[async_trait::async_trait]
impl pos_core::Dial for MemoryDial {
    async fn dial(&self, host: &str) -> Result<Box<dyn pos_core::AcquirerStream>, pos_core::ConnectFailure> {
        if *self.shared.stop.borrow() || host != self.addr {
            return Err(pos_core::ConnectFailure::Refused);
        }
        let Ok(slot) = self.slots.clone().try_acquire_owned() else {
            self.shared.stats.refused.fetch_add(1, Ordering::SeqCst);
            return Err(pos_core::ConnectFailure::Refused);
        };
        self.shared.stats.accepted.fetch_add(1, Ordering::SeqCst);
        let (terminal_side, host_side) = tokio::io::duplex(MEMORY_LINK_BUFFER);
        // A made-up peer address, only for the logs.
        let n = self.next_peer.fetch_add(1, Ordering::SeqCst);
        let peer = SocketAddr::from(([0, 0, 0, 0], u16::try_from(n % 65_535 + 1).unwrap_or(1)));
        let stop = self.shared.stop.subscribe();
        let mut conns = self.conns.lock().map_err(|_| pos_core::ConnectFailure::Refused)?;
        spawn_connection(&mut conns, host_side, peer, self.tls.clone(), self.shared.clone(), stop, slot);
        Ok(Box::new(terminal_side))
    }
}

/// Resolves once a stop has been requested (the guard of the watch is not held across awaits).
pub(crate) async fn stop_requested(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
}
