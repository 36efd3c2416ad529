//! The acquirer client: 2-byte length framing over TCP, responses matched to requests
//! by terminal ID and STAN, timeouts, MAC checking, reconnection.
//!
//! Nothing here interprets a response as approved: a failure of any kind is an
//! [`AcquirerError`] whose [`Delivery`] tells the caller whether to reverse.

mod client;
mod config;
mod connection;
mod error;
pub mod framing;
mod matching;

#[cfg(test)]
mod tests;

pub use client::{AcquirerClient, Outbound, Reply, ResponseMac};
pub use config::AcquirerConfig;
pub use error::{AcquirerError, ConnectFailure, Delivery};
pub use matching::MatchKey;
