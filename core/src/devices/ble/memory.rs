//! An in-memory BLE link between two endpoints, with seeded faults, for the simulated devices and tests.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::mpsc;

use super::link::{BleLink, LinkError, LinkEvent, LinkInbox, LinkSecurity, ATT_OVERHEAD};

/// Faults the link injects on every write, deterministically from `seed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MemoryFaults {
    /// Seed of the fault generator.
    pub seed: u64,
    /// Per-mille chance a chunk is lost.
    pub drop_per_mille: u16,
    /// Per-mille chance a chunk is delivered twice.
    pub duplicate_per_mille: u16,
    /// Per-mille chance one byte of a chunk is flipped.
    pub corrupt_per_mille: u16,
    /// Disconnect both ends after this many writes in total (0 = never).
    pub disconnect_after_writes: usize,
}

struct Shared {
    connected: AtomicBool,
    writes: AtomicUsize,
    seed: u64,
    rolls: AtomicU64,
    faults: MemoryFaults,
    mtu: usize,
}

impl Shared {
    /// The next fault die: SplitMix64 from the seed, its position an atomic counter so both
    /// ends can roll without a lock.
    fn next(&self) -> u64 {
        crate::rng::SplitMix64::nth(self.seed, self.rolls.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn roll(&self, per_mille: u16) -> bool {
        per_mille > 0 && self.next() % 1000 < u64::from(per_mille)
    }
}

/// One end of an in-memory link: writes arrive as notifications at the other end's inbox.
///
/// It reports itself bonded and encrypted (an in-process link has no air to listen to) unless
/// a test says otherwise with [`MemoryEndpoint::set_link_security`].
pub struct MemoryEndpoint {
    shared: Arc<Shared>,
    peer: LinkInbox,
    own: LinkInbox,
    security: AtomicU8,
}

fn security_code(s: LinkSecurity) -> u8 {
    match s {
        LinkSecurity::Encrypted => 0,
        LinkSecurity::Unencrypted => 1,
        LinkSecurity::Unknown => 2,
    }
}

/// Two connected endpoints and their inbound event receivers.
pub fn memory_pair(
    mtu: usize,
    faults: MemoryFaults,
) -> ((MemoryEndpoint, mpsc::Receiver<LinkEvent>), (MemoryEndpoint, mpsc::Receiver<LinkEvent>)) {
    let shared = Arc::new(Shared {
        connected: AtomicBool::new(true),
        writes: AtomicUsize::new(0),
        seed: faults.seed,
        rolls: AtomicU64::new(0),
        faults,
        mtu: mtu.clamp(23, 517),
    });
    let (a_in, a_rx) = LinkInbox::channel(1024);
    let (b_in, b_rx) = LinkInbox::channel(1024);
    let encrypted = || AtomicU8::new(security_code(LinkSecurity::Encrypted));
    let a = MemoryEndpoint { shared: shared.clone(), peer: b_in.clone(), own: a_in.clone(), security: encrypted() };
    let b = MemoryEndpoint { shared, peer: a_in, own: b_in, security: encrypted() };
    ((a, a_rx), (b, b_rx))
}

impl MemoryEndpoint {
    /// What this end reports from [`BleLink::link_security`] (a test's unbonded link, say).
    pub fn set_link_security(&self, security: LinkSecurity) {
        self.security.store(security_code(security), Ordering::SeqCst);
    }

    /// Drops the link, as when the reader is switched off or walks out of range.
    pub async fn disconnect(&self) {
        if self.shared.connected.swap(false, Ordering::SeqCst) {
            self.own.push(LinkEvent::Disconnected).await;
            self.peer.push(LinkEvent::Disconnected).await;
        }
    }

    /// Brings the link back up.
    pub async fn reconnect(&self) {
        if !self.shared.connected.swap(true, Ordering::SeqCst) {
            let mtu = self.shared.mtu;
            self.own.push(LinkEvent::Connected { mtu }).await;
            self.peer.push(LinkEvent::Connected { mtu }).await;
        }
    }
}

#[async_trait]
impl BleLink for MemoryEndpoint {
    async fn write(&self, mut chunk: Vec<u8>) -> Result<(), LinkError> {
        if !self.shared.connected.load(Ordering::SeqCst) {
            return Err(LinkError::Disconnected);
        }
        if chunk.len() > self.shared.mtu - ATT_OVERHEAD {
            return Err(LinkError::WriteFailed(format!("{} bytes exceed the MTU", chunk.len())));
        }
        let n = self.shared.writes.fetch_add(1, Ordering::SeqCst) + 1;
        let f = self.shared.faults;
        if f.disconnect_after_writes > 0 && n >= f.disconnect_after_writes {
            self.disconnect().await;
            return Err(LinkError::Disconnected);
        }
        if self.shared.roll(f.drop_per_mille) {
            return Ok(());
        }
        if !chunk.is_empty() && self.shared.roll(f.corrupt_per_mille) {
            let i = (self.shared.next() as usize) % chunk.len();
            chunk[i] ^= 0x5A;
        }
        if self.shared.roll(f.duplicate_per_mille) {
            self.peer.push(LinkEvent::Notification(chunk.clone())).await;
        }
        if self.peer.push(LinkEvent::Notification(chunk)).await {
            Ok(())
        } else {
            Err(LinkError::Disconnected)
        }
    }

    fn mtu(&self) -> usize {
        self.shared.mtu
    }

    fn is_connected(&self) -> bool {
        self.shared.connected.load(Ordering::SeqCst)
    }

    fn link_security(&self) -> LinkSecurity {
        match self.security.load(Ordering::SeqCst) {
            0 => LinkSecurity::Encrypted,
            1 => LinkSecurity::Unencrypted,
            _ => LinkSecurity::Unknown,
        }
    }
}
