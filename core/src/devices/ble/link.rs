//! The byte-level link to one BLE peripheral, implemented by the platform.
//!
//! Outbound bytes go through [`BleLink::write`] (a GATT write to the peripheral's
//! characteristic); inbound notifications and connection changes are pushed by the
//! platform into a [`LinkInbox`], so the same protocol code runs over Android GATT,
//! btleplug and the in-memory link of the simulated devices.

use async_trait::async_trait;
use thiserror::Error;
use tokio::sync::mpsc;

use crate::i18n::Bilingual;

/// ATT header bytes a write loses from the MTU.
pub(crate) const ATT_OVERHEAD: usize = 3;

/// Why the link could not carry bytes.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LinkError {
    /// Not connected (never, or the peripheral went away).
    #[error("device disconnected")]
    Disconnected,
    /// The platform refused the write (GATT error status).
    #[error("write failed: {0}")]
    WriteFailed(String),
}

impl Bilingual for LinkError {
    fn zh(&self) -> String {
        match self {
            LinkError::Disconnected => "蓝牙设备已断开，请检查设备电源和距离".into(),
            LinkError::WriteFailed(_) => "蓝牙写入失败，请重试".into(),
        }
    }
    fn en(&self) -> String {
        match self {
            LinkError::Disconnected => "Bluetooth device disconnected; check its power and distance".into(),
            LinkError::WriteFailed(_) => "Bluetooth write failed; try again".into(),
        }
    }
}

/// What the platform reports about the link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkEvent {
    /// A notification's bytes from the peripheral.
    Notification(Vec<u8>),
    /// The link came up (again), with the negotiated MTU.
    Connected {
        /// ATT MTU.
        mtu: usize,
    },
    /// The link went down.
    Disconnected,
}

/// Where the platform pushes [`LinkEvent`]s; cheap to clone.
#[derive(Debug, Clone)]
pub struct LinkInbox(mpsc::Sender<LinkEvent>);

impl LinkInbox {
    /// A new inbox and the receiving end the transport reads; `capacity` bounds queued events.
    pub fn channel(capacity: usize) -> (LinkInbox, mpsc::Receiver<LinkEvent>) {
        let (tx, rx) = mpsc::channel(capacity);
        (LinkInbox(tx), rx)
    }

    /// Delivers an event; false when the transport is gone.
    pub async fn push(&self, e: LinkEvent) -> bool {
        self.0.send(e).await.is_ok()
    }

    /// Delivers without waiting (from a platform callback thread); false when full or gone.
    pub fn try_push(&self, e: LinkEvent) -> bool {
        self.0.try_send(e).is_ok()
    }
}

/// Whether the platform's link to the peripheral is bonded and encrypted (LE Secure Connections).
///
/// The reader protocol sends no key or PIN command unless the link says [`LinkSecurity::Encrypted`]:
/// an unknown state counts as not encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkSecurity {
    /// Bonded, and the connection is encrypted with the bond's key.
    Encrypted,
    /// Not bonded, or the connection is not encrypted (yet).
    Unencrypted,
    /// The platform cannot tell (treated as not encrypted for key and PIN commands).
    Unknown,
}

impl LinkSecurity {
    /// True only for a bonded, encrypted link.
    pub fn is_encrypted(self) -> bool {
        self == LinkSecurity::Encrypted
    }
}

/// Writes to one peripheral's characteristic; implemented by the platform.
#[async_trait]
pub trait BleLink: Send + Sync {
    /// Writes one chunk of at most `mtu() - ATT_OVERHEAD` bytes, with response (flow control).
    async fn write(&self, chunk: Vec<u8>) -> Result<(), LinkError>;
    /// The negotiated ATT MTU (23 before negotiation, up to 517).
    fn mtu(&self) -> usize;
    /// True while connected.
    fn is_connected(&self) -> bool;
    /// Whether the link is bonded and encrypted now. No default: a platform that cannot tell
    /// says [`LinkSecurity::Unknown`], and the reader protocol then refuses key and PIN commands.
    fn link_security(&self) -> LinkSecurity;
}
