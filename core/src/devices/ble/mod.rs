//! The BLE seam: [`BleLink`] moves bytes to and from a GATT characteristic (Android GATT,
//! btleplug, or the in-memory pair of feature `sim`); [`FrameTransport`] turns that into
//! acknowledged, CRC-checked frames.

#[cfg(feature = "ble")]
pub mod btleplug_link;
mod crc;
mod frame;
mod link;
#[cfg(any(test, feature = "sim"))]
mod memory;
mod reassembly;
mod transport;

pub use crc::crc16_ccitt;
pub use frame::{Frame, FrameKind};
pub use frame::{FRAME_OVERHEAD, MAX_PAYLOAD, SOF};
pub(crate) use link::ATT_OVERHEAD;
pub use link::{BleLink, LinkError, LinkEvent, LinkInbox, LinkSecurity};
#[cfg(any(test, feature = "sim"))]
pub use memory::{memory_pair, MemoryEndpoint, MemoryFaults};
pub use reassembly::Reassembler;
pub use reassembly::Resync;
pub use transport::TransportConfig;
pub(crate) use transport::{FrameTransport, TransportError};
