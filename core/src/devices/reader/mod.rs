//! The card reader protocol over BLE (docs/reader-protocol.md): the phone's client, a
//! simulated reader device, and the messages between them.

mod client;
pub mod codes;
mod device;
mod events;
pub mod link_key;
mod messages;
mod payload;

#[cfg(test)]
mod tests;

pub use client::BleCardReader;
pub use device::SimulatedReader;
pub use events::{CardMethod, EventLog, ReaderEvent, ReaderObserver};
pub use payload::{Payload, PayloadWriter};
