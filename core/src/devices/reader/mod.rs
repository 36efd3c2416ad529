//! The card reader protocol over BLE (docs/reader-protocol.md): the phone's client, the
//! messages between it and the reader, and (feature `sim`) a simulated reader device.

mod client;
pub mod codes;
#[cfg(any(test, feature = "sim"))]
mod device;
mod events;
/// The protocol's decoders on hostile bytes, for the fuzz targets.
#[cfg(feature = "testkit")]
pub mod fuzzing;
pub(crate) mod link_key;
mod messages;
mod payload;

#[cfg(test)]
mod tests;

pub use client::BleCardReader;
#[cfg(any(test, feature = "sim"))]
pub use device::SimulatedReader;
pub use events::EventLog;
pub use events::{CardMethod, ReaderEvent, ReaderObserver};
pub use payload::{Payload, PayloadWriter};
