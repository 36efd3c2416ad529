//! Helpers shared by the workspace's tests. It does not depend on pos-core, so every crate,
//! pos-core included (as a dev-dependency), can use it.
//!
//! - [`TempDir`]: a fresh directory removed on drop (on the `tempfile` crate).
//! - [`SplitMix64`]: a small seeded generator, the same sequence on every run.
//! - [`bcd`]: packed BCD as the ISO 8583 profile writes it, to build expected bytes.
//! - [`wait_until`] / [`wait_until_async`]: bounded polling for a condition.

pub mod bcd;
mod rng;
mod temp;
mod wait;

pub use rng::SplitMix64;
pub use temp::TempDir;
pub use wait::{wait_until, wait_until_async};
