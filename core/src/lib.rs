//! pos-core: all payment logic of the mobile POS, free of platform code.
//!
//! The shells (the Android app through pos-ffi, the CLI, the demo) drive it through
//! [`terminal::Terminal`], the only door: the journal (`store`) is crate-private. Platform
//! capabilities come in through traits (`crypto::KeyVault`, `reader::CardReader`,
//! `devices::ble::BleLink`, `devices::printer::Printer`, `clock::Clock`). The layers and the
//! public API are in docs/architecture.md.
//!
//! Feature `testkit` (tests and benches only) makes `store` public and adds `Terminal::store()`.
//!
//! Feature `sim` adds what only simulates: the test card deck (`deck`), the demo terminal
//! (`provision`, `TerminalConfig::demo*`, `Provisioning::demo`), the software reader, the
//! simulated reader device, the in-memory BLE pair, the simulated printer and the seeded RNG
//! (`rng`). The device build leaves it off; simulators, the CLI, the demo and tests turn it on.

pub mod acquirer;
pub mod card;
pub mod clock;
pub mod crypto;
#[cfg(any(test, feature = "sim"))]
pub mod deck;
pub mod devices;
pub mod error;
pub mod i18n;
pub(crate) mod ids;
pub mod iso8583;
pub mod journal;
pub mod money;
pub mod offline;
pub(crate) mod outcome;
#[cfg(any(test, feature = "sim"))]
pub mod provision;
pub mod provisioning;
pub mod reader;
pub mod receipt;
pub mod redact;
pub mod report;
pub mod response_code;
pub(crate) mod reversal;
pub mod risk;
#[cfg(any(test, feature = "sim"))]
pub mod rng;
pub mod settlement;
/// The journal on SQLite: public only to tests and benches (feature `testkit`); front ends read
/// through [`Terminal`](terminal::Terminal).
#[cfg(feature = "testkit")]
pub mod store;
#[cfg(not(feature = "testkit"))]
pub(crate) mod store;
pub(crate) mod sync;
pub mod tamper;
pub mod terminal;
pub mod tms;
pub mod vocab;

pub use error::{Error, ErrorCode};
pub use i18n::Bilingual;
pub use ids::{TxnId, VoucherNo};
pub use money::{Amount, Currency};
pub use store::{HistoryFilter, Purged, RetentionPolicy};
