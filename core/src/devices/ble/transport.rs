//! Acknowledged frames over a [`BleLink`]: chunking to the MTU, stop-and-wait with
//! retransmission, duplicate suppression, NAK on damage, and disconnect notices.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;
use tokio::sync::{mpsc, oneshot, Mutex};
use tokio::task::JoinHandle;
use zeroize::{Zeroize, Zeroizing};

use super::frame::{Frame, FrameKind};
use super::link::{BleLink, LinkError, LinkEvent, LinkSecurity, ATT_OVERHEAD};
use super::reassembly::{Reassembler, Resync};
use crate::i18n::Bilingual;

/// Timing and retry parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransportConfig {
    /// How long to wait for the ACK of a frame before sending it again.
    pub ack_timeout: Duration,
    /// Retransmissions after the first send.
    pub retries: u8,
    /// How long a partial frame may wait for its next chunk before it is abandoned. Keep it
    /// below `ack_timeout`: a partial started by a damaged length must be dropped before the
    /// retransmission arrives, or the retransmission is swallowed into it.
    pub chunk_timeout: Duration,
}

impl Default for TransportConfig {
    fn default() -> Self {
        TransportConfig {
            ack_timeout: Duration::from_millis(300),
            retries: 3,
            chunk_timeout: Duration::from_millis(150),
        }
    }
}

/// Why a frame could not be sent or received.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum TransportError {
    /// The link is down.
    #[error("device disconnected")]
    Disconnected,
    /// No ACK after every retransmission.
    #[error("no acknowledgement from the device")]
    NoAck,
    /// Nothing arrived within the caller's timeout.
    #[error("timed out waiting for the device")]
    Timeout,
    /// The payload is larger than a frame can carry.
    #[error("frame too large")]
    TooLarge,
    /// The transport has shut down.
    #[error("transport closed")]
    Closed,
    /// The platform link failed.
    #[error("{0}")]
    Link(LinkError),
}

impl Bilingual for TransportError {
    fn zh(&self) -> String {
        match self {
            TransportError::Disconnected => "设备连接已断开".into(),
            TransportError::NoAck => "设备无应答，请检查设备".into(),
            TransportError::Timeout => "等待设备超时".into(),
            TransportError::TooLarge => "数据过长".into(),
            TransportError::Closed => "设备通道已关闭".into(),
            TransportError::Link(e) => e.zh(),
        }
    }
    fn en(&self) -> String {
        match self {
            TransportError::Disconnected => "The device disconnected".into(),
            TransportError::NoAck => "The device does not answer; check it".into(),
            TransportError::Timeout => "Timed out waiting for the device".into(),
            TransportError::TooLarge => "Data too large for the device".into(),
            TransportError::Closed => "The device channel is closed".into(),
            TransportError::Link(e) => e.en(),
        }
    }
}

/// What the pump delivers to the receiver side.
#[derive(Debug)]
enum Inbound {
    Frame(Frame),
    Disconnected,
}

type AckWaiters = Arc<std::sync::Mutex<HashMap<u8, oneshot::Sender<bool>>>>;

/// A framed, acknowledged channel to one device.
pub(crate) struct FrameTransport {
    link: Arc<dyn BleLink>,
    config: TransportConfig,
    next_seq: AtomicU8,
    write_lock: Arc<Mutex<()>>,
    send_lock: Mutex<()>,
    acks: AckWaiters,
    inbound: Mutex<mpsc::Receiver<Inbound>>,
    pump: JoinHandle<()>,
}

impl Drop for FrameTransport {
    fn drop(&mut self) {
        self.pump.abort();
    }
}

/// Writes a whole frame as MTU-sized chunks under the write lock, so ACKs never interleave with them.
/// The encoded bytes are wiped afterwards (frames carry key blocks, PIN blocks and tracks).
async fn write_frame(link: &dyn BleLink, lock: &Mutex<()>, frame: &Frame) -> Result<(), TransportError> {
    let bytes = Zeroizing::new(frame.encode().ok_or(TransportError::TooLarge)?);
    let chunk = link.mtu().saturating_sub(ATT_OVERHEAD).max(1);
    let _guard = lock.lock().await;
    for c in bytes.chunks(chunk) {
        link.write(c.to_vec()).await.map_err(|e| match e {
            LinkError::Disconnected => TransportError::Disconnected,
            other => TransportError::Link(other),
        })?;
    }
    Ok(())
}

impl FrameTransport {
    /// Starts the transport over `link`, reading the platform's events from `events`.
    pub fn start(link: Arc<dyn BleLink>, events: mpsc::Receiver<LinkEvent>, config: TransportConfig) -> FrameTransport {
        let (tx, rx) = mpsc::channel(64);
        let acks: AckWaiters = Arc::default();
        let write_lock = Arc::new(Mutex::new(()));
        let pump = tokio::spawn(pump(link.clone(), events, tx, acks.clone(), write_lock.clone(), config));
        FrameTransport {
            link,
            config,
            next_seq: AtomicU8::new(0),
            write_lock,
            send_lock: Mutex::new(()),
            acks,
            inbound: Mutex::new(rx),
            pump,
        }
    }

    /// Whether the platform's link is bonded and encrypted now.
    pub fn link_security(&self) -> LinkSecurity {
        self.link.link_security()
    }

    /// Sends `kind`/`cmd`/`payload` and waits for its ACK, retransmitting as configured. The
    /// payload is wiped once the frame is acknowledged or given up.
    pub async fn send(&self, kind: FrameKind, cmd: u8, payload: Vec<u8>) -> Result<(), TransportError> {
        let _one_at_a_time = self.send_lock.lock().await;
        let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
        let mut frame = Frame::new(seq, kind, cmd, payload);
        let sent = self.send_frame(&frame).await;
        frame.payload.zeroize();
        sent
    }

    async fn send_frame(&self, frame: &Frame) -> Result<(), TransportError> {
        let seq = frame.seq;
        for _attempt in 0..=self.config.retries {
            let (tx, rx) = oneshot::channel();
            if let Ok(mut w) = self.acks.lock() {
                w.insert(seq, tx);
            }
            write_frame(self.link.as_ref(), &self.write_lock, frame).await?;
            match tokio::time::timeout(self.config.ack_timeout, rx).await {
                Ok(Ok(true)) => return Ok(()),
                // A NAK: the frame arrived damaged, send it again at once.
                Ok(Ok(false)) => continue,
                // The pump dropped the waiter: the link went down.
                Ok(Err(_)) => return Err(TransportError::Disconnected),
                Err(_) => {
                    if !self.link.is_connected() {
                        return Err(TransportError::Disconnected);
                    }
                }
            }
        }
        if let Ok(mut w) = self.acks.lock() {
            w.remove(&seq);
        }
        Err(TransportError::NoAck)
    }

    /// The next request, response or event from the device, waiting at most `timeout`.
    pub async fn recv(&self, timeout: Duration) -> Result<Frame, TransportError> {
        let mut rx = self.inbound.lock().await;
        match tokio::time::timeout(timeout, rx.recv()).await {
            Err(_) => Err(TransportError::Timeout),
            Ok(None) => Err(TransportError::Closed),
            Ok(Some(Inbound::Disconnected)) => Err(TransportError::Disconnected),
            Ok(Some(Inbound::Frame(f))) => Ok(f),
        }
    }
}

async fn pump(
    link: Arc<dyn BleLink>,
    mut events: mpsc::Receiver<LinkEvent>,
    out: mpsc::Sender<Inbound>,
    acks: AckWaiters,
    write_lock: Arc<Mutex<()>>,
    config: TransportConfig,
) {
    let mut reasm = Reassembler::new();
    let mut last_delivered: Option<u8> = None;
    loop {
        let event = if reasm.has_partial() {
            match tokio::time::timeout(config.chunk_timeout, events.recv()).await {
                Ok(e) => e,
                Err(_) => {
                    if let Some(r) = reasm.abandon_partial() {
                        tracing::debug!(?r, "abandoned a partial frame");
                    }
                    continue;
                }
            }
        } else {
            events.recv().await
        };
        let Some(event) = event else { return };
        match event {
            LinkEvent::Notification(mut bytes) => {
                let items = reasm.push(&bytes);
                bytes.zeroize();
                for item in items {
                    match item {
                        Ok(f) if matches!(f.kind, FrameKind::Ack | FrameKind::Nak) => {
                            let waiter = acks.lock().ok().and_then(|mut w| w.remove(&f.seq));
                            if let Some(w) = waiter {
                                let _ = w.send(f.kind == FrameKind::Ack);
                            }
                        }
                        Ok(f) => {
                            let _ = write_frame(link.as_ref(), &write_lock, &Frame::ack(f.seq)).await;
                            // A retransmission of what we already delivered: acknowledged again, not delivered twice.
                            if last_delivered == Some(f.seq) {
                                continue;
                            }
                            last_delivered = Some(f.seq);
                            if out.send(Inbound::Frame(f)).await.is_err() {
                                return;
                            }
                        }
                        Err(Resync::Damaged(seq)) => {
                            let _ = write_frame(link.as_ref(), &write_lock, &Frame::nak(seq)).await;
                        }
                        Err(r) => tracing::trace!(?r, "resynchronised"),
                    }
                }
            }
            LinkEvent::Disconnected => {
                reasm.abandon_partial();
                last_delivered = None;
                // Dropping the waiters tells senders the link is gone.
                if let Ok(mut w) = acks.lock() {
                    w.clear();
                }
                if out.send(Inbound::Disconnected).await.is_err() {
                    return;
                }
            }
            LinkEvent::Connected { .. } => {
                reasm.abandon_partial();
                last_delivered = None;
            }
        }
    }
}

#[cfg(test)]
mod tests;
