//! The Bluetooth LE link the shell implements (Android GATT), and the inbox it pushes the
//! peripheral's notifications and connection changes into.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use pos_core::devices::ble::{
    BleLink as CoreLink, LinkError, LinkEvent, LinkInbox as CoreInbox, LinkSecurity as CoreSecurity,
};
use tokio::sync::mpsc;

use crate::error::PosError;

/// Events queued between the platform's callback thread and the transport.
const INBOX_CAPACITY: usize = 4096;

/// Whether the shell's link is bonded and encrypted (LE Secure Connections).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LinkSecurity {
    /// Bonded (`BOND_BONDED`) and the connection is encrypted.
    Encrypted,
    /// Not bonded, or the peripheral refused an access for insufficient authentication/encryption.
    Unencrypted,
    /// The platform cannot tell; the core treats it as not encrypted.
    Unknown,
}

impl From<LinkSecurity> for CoreSecurity {
    fn from(s: LinkSecurity) -> Self {
        match s {
            LinkSecurity::Encrypted => CoreSecurity::Encrypted,
            LinkSecurity::Unencrypted => CoreSecurity::Unencrypted,
            LinkSecurity::Unknown => CoreSecurity::Unknown,
        }
    }
}

/// Writes to one peripheral's characteristic (a GATT write with response); implemented by the shell.
#[uniffi::export(foreign)]
#[async_trait]
pub trait BleLink: Send + Sync {
    /// Writes one chunk of at most `mtu() - 3` bytes and returns once the peripheral accepted
    /// it; throw `PosException.Device` (code `link_disconnected`) when not connected.
    async fn write(&self, chunk: Vec<u8>) -> Result<(), PosError>;
    /// The negotiated ATT MTU (23 before negotiation, up to 517).
    fn mtu(&self) -> u32;
    /// True while connected.
    fn is_connected(&self) -> bool;
    /// Whether the link is bonded and encrypted now; the core sends no key or PIN command
    /// unless this says `Encrypted`.
    fn link_security(&self) -> LinkSecurity;
}

/// Where the shell pushes what the peripheral sends (GATT notifications) and connection changes.
#[derive(Debug, uniffi::Object)]
pub struct LinkInbox {
    tx: CoreInbox,
    rx: Mutex<Option<mpsc::Receiver<LinkEvent>>>,
}

#[uniffi::export]
impl LinkInbox {
    /// A new inbox; hand it to one `connect_reader` or `connect_printer`.
    #[uniffi::constructor]
    pub fn new() -> Arc<LinkInbox> {
        let (tx, rx) = CoreInbox::channel(INBOX_CAPACITY);
        Arc::new(LinkInbox { tx, rx: Mutex::new(Some(rx)) })
    }

    /// A notification's bytes (from `onCharacteristicChanged`); false if the queue is full or closed.
    pub fn notification(&self, bytes: Vec<u8>) -> bool {
        self.tx.try_push(LinkEvent::Notification(bytes))
    }

    /// The link came up (again) with this MTU.
    pub fn connected(&self, mtu: u32) -> bool {
        self.tx.try_push(LinkEvent::Connected { mtu: mtu as usize })
    }

    /// The link went down.
    pub fn disconnected(&self) -> bool {
        self.tx.try_push(LinkEvent::Disconnected)
    }
}

impl LinkInbox {
    /// The receiving end, once: a second device cannot share an inbox.
    pub(crate) fn take_receiver(&self) -> Result<mpsc::Receiver<LinkEvent>, PosError> {
        self.rx.lock().map_err(|_| PosError::internal("inbox lock"))?.take().ok_or_else(|| {
            PosError::invalid("此蓝牙连接已被使用，请重新连接设备", "this link inbox is already in use: connect again")
        })
    }

    /// The sending end, for in-process peripherals (feature `simulators`).
    #[cfg(feature = "simulators")]
    pub(crate) fn sender(&self) -> CoreInbox {
        self.tx.clone()
    }
}

/// The shell's link as the core's [`CoreLink`].
pub(crate) struct ForeignLink(pub Arc<dyn BleLink>);

#[async_trait]
impl CoreLink for ForeignLink {
    async fn write(&self, chunk: Vec<u8>) -> Result<(), LinkError> {
        self.0.write(chunk).await.map_err(|e| match e {
            PosError::Device { code, .. } if code == "link_disconnected" => LinkError::Disconnected,
            other => LinkError::WriteFailed(other.en().to_string()),
        })
    }

    fn mtu(&self) -> usize {
        self.0.mtu() as usize
    }

    fn is_connected(&self) -> bool {
        self.0.is_connected()
    }

    fn link_security(&self) -> CoreSecurity {
        self.0.link_security().into()
    }
}
