//! Helpers shared by the workspace's tests. It does not depend on pos-core, so every crate,
//! pos-core included (as a dev-dependency), can use it.
//!
//! - [`TempDir`]: a fresh directory removed on drop (on the `tempfile` crate).
//! - [`SplitMix64`]: a small seeded generator, the same sequence on every run.
//! - [`bcd`]: packed BCD as the ISO 8583 profile writes it, to build expected bytes.
//! - [`wait_until`] / [`wait_until_async`]: bounded polling for a condition.
//! - [`bare_db`] / [`bare_commit`]: the bare durable SQLite commit the benchmarks compare with.

mod bare;
pub mod bcd;
mod rng;
mod temp;
mod wait;

pub use bare::{bare_commit, bare_db};
pub use rng::SplitMix64;
pub use temp::TempDir;
pub use wait::{wait_until, wait_until_async};
