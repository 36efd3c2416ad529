//! One terminal connection (a TLS session or a plain socket): a reader that spawns a task per frame (so several requests
//! can be in flight and are answered as they complete) and a writer that sends answers.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use pos_core::iso8583::unionpay;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, WriteHalf};
use tokio::sync::{mpsc, watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tracing::{debug, error, info, warn};

use crate::fault::FaultMode;
use crate::host::{Inbound, Reply};
use crate::server::Shared;
use crate::wire::{read_frame, ReadOutcome};

/// What the writer is asked to do.
enum Outgoing {
    Frame(Vec<u8>),
    Close,
}

/// Serves a connection until the peer leaves, a timeout or limit hits, a fault closes it, or shutdown.
pub(crate) async fn serve<S: AsyncRead + AsyncWrite + Send + 'static>(
    stream: S,
    peer: SocketAddr,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) {
    shared.stats.open.fetch_add(1, Ordering::SeqCst);
    let t = shared.timeouts;
    let (idle, frame_timeout) = (Duration::from_millis(t.idle_ms), Duration::from_millis(t.frame_read_ms));
    let (mut rd, wr) = tokio::io::split(stream);
    let (tx, rx) = mpsc::channel::<Outgoing>(shared.limits.max_in_flight.saturating_mul(2).max(4));
    let (closed_tx, mut closed) = watch::channel(false);
    let mut writer = tokio::spawn(write_loop(wr, rx, closed_tx, frame_timeout));
    let in_flight = Arc::new(Semaphore::new(shared.limits.max_in_flight));
    let mut tasks = JoinSet::new();
    let max = unionpay().max_frame;
    let peer_left = loop {
        let permit = tokio::select! {
            p = in_flight.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break false },
            _ = crate::server::stop_requested(&mut shutdown) => break false,
            _ = closed.changed() => break false,
        };
        let outcome = tokio::select! {
            o = read_frame(&mut rd, max, idle, frame_timeout) => o,
            _ = crate::server::stop_requested(&mut shutdown) => break false,
            _ = closed.changed() => break false,
        };
        match outcome {
            ReadOutcome::Frame(bytes) => {
                shared.stats.frames.fetch_add(1, Ordering::SeqCst);
                tasks.spawn(process(bytes, shared.clone(), tx.clone(), permit));
            }
            ReadOutcome::Heartbeat => {}
            ReadOutcome::Closed => break true,
            ReadOutcome::Idle => {
                info!(%peer, "closing an idle connection");
                break false;
            }
            ReadOutcome::Stalled => {
                warn!(%peer, "frame not completed in time; closing");
                break false;
            }
            ReadOutcome::TooLarge(n) => {
                warn!(%peer, len = n, "frame above the profile maximum; closing");
                break false;
            }
            ReadOutcome::Failed(e) => {
                debug!(%peer, error = %e, "connection failed");
                break false;
            }
        }
        while tasks.try_join_next().is_some() {}
    };
    if peer_left {
        // The peer may still read: let in-flight answers go out, unless shutdown comes first.
        tokio::select! {
            _ = async { while tasks.join_next().await.is_some() {} } => {}
            _ = crate::server::stop_requested(&mut shutdown) => tasks.abort_all(),
        }
        drop(tx);
        if tokio::time::timeout(frame_timeout, &mut writer).await.is_err() {
            writer.abort();
        }
    } else {
        tasks.abort_all();
        drop(tx);
        writer.abort();
    }
    while tasks.join_next().await.is_some() {}
    shared.stats.open.fetch_sub(1, Ordering::SeqCst);
    debug!(%peer, "connection closed");
}

/// Decides one frame and sends its answer as the fault plan (if any) says.
async fn process(bytes: Vec<u8>, shared: Arc<Shared>, tx: mpsc::Sender<Outgoing>, _permit: OwnedSemaphorePermit) {
    let inbound = match Inbound::decode(bytes) {
        Ok(i) => i,
        Err(e) => {
            // Not even the identifying fields are readable: a broken or hostile peer.
            warn!(error = %e, "undecodable frame; closing the connection");
            let _ = tx.send(Outgoing::Close).await;
            return;
        }
    };
    let fault = inbound.tid().and_then(|tid| shared.faults.take(tid, inbound.class()));
    if let Some(mode) = fault {
        info!(tid = inbound.tid().unwrap_or_default(), ?mode, "fault injected");
    }
    if fault == Some(FaultMode::Close) {
        let _ = tx.send(Outgoing::Close).await;
        return;
    }
    let host = shared.host.clone();
    let unbalanced = fault == Some(FaultMode::Unbalanced);
    let reply = match tokio::task::spawn_blocking(move || host.handle(&inbound, unbalanced)).await {
        Ok(Some(reply)) => reply,
        Ok(None) => return,
        Err(e) => {
            error!(error = %e, "request processing failed; closing the connection");
            let _ = tx.send(Outgoing::Close).await;
            return;
        }
    };
    let send = |r: Reply| {
        let tx = tx.clone();
        let shared = shared.clone();
        async move {
            if tx.send(Outgoing::Frame(r.bytes)).await.is_ok() {
                shared.stats.replies.fetch_add(1, Ordering::SeqCst);
            }
        }
    };
    match fault {
        None | Some(FaultMode::Close) | Some(FaultMode::Unbalanced) => send(reply).await,
        Some(FaultMode::Delay { ms }) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            send(reply).await;
        }
        Some(FaultMode::Late) => {
            tokio::time::sleep(Duration::from_millis(shared.timeouts.late_ms)).await;
            send(reply).await;
        }
        Some(FaultMode::DropResponse) => {}
        Some(FaultMode::BadMac) => send(corrupt_mac(reply)).await,
        Some(FaultMode::SendTwice) => {
            send(reply.clone()).await;
            send(reply).await;
        }
    }
}

/// Flips a bit of field 64 (the last 8 bytes of a signed answer).
fn corrupt_mac(mut reply: Reply) -> Reply {
    if reply.signed {
        if let Some(last) = reply.bytes.last_mut() {
            *last ^= 0x01;
        }
    }
    reply
}

async fn write_loop<S: AsyncRead + AsyncWrite>(
    mut wr: WriteHalf<S>,
    mut rx: mpsc::Receiver<Outgoing>,
    closed: watch::Sender<bool>,
    limit: Duration,
) {
    while let Some(out) = rx.recv().await {
        match out {
            Outgoing::Frame(bytes) => match tokio::time::timeout(limit, wr.write_all(&bytes)).await {
                Ok(Ok(())) => {}
                // A peer that stopped reading (timeout) or went away: stop writing.
                _ => break,
            },
            Outgoing::Close => break,
        }
    }
    let _ = wr.shutdown().await;
    let _ = closed.send(true);
}
