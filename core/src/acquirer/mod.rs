//! The acquirer client: 2-byte length framing over TLS (or, where provisioned, plain TCP), responses matched to requests
//! by terminal ID and STAN, timeouts, MAC checking, reconnection.
//!
//! Nothing here interprets a response as approved: a failure of any kind is an
//! [`AcquirerError`] whose [`Delivery`] tells the caller whether to reverse.

mod client;
mod config;
mod connection;
mod dialer;
mod error;
pub mod framing;
mod matching;
mod tls;

#[cfg(test)]
mod tests;

pub use client::Reply;
pub(crate) use client::{AcquirerClient, Outbound, ResponseMac};
pub use config::AcquirerConfig;
pub use config::{TlsTrust, Transport};
pub use dialer::{AcquirerStream, Dial, Dialer};
pub use error::{AcquirerError, ConnectFailure, Delivery, TlsFailure};
pub(crate) use matching::MatchKey;
