//! pos-core: all payment logic of the mobile POS, free of platform code.
//!
//! The shell (Android, CLI) drives this crate; platform capabilities come in
//! through traits (`crypto::KeyVault`, later `BleLink` and a clock).

pub mod acquirer;
pub mod card;
pub mod clock;
pub mod crypto;
pub mod deck;
pub mod devices;
pub mod error;
pub mod i18n;
pub mod ids;
pub mod iso8583;
pub mod journal;
pub mod money;
pub mod offline;
pub mod outcome;
pub mod provision;
pub mod provisioning;
pub mod reader;
pub mod receipt;
pub mod redact;
pub mod report;
pub mod response_code;
pub mod reversal;
pub mod risk;
pub mod rng;
pub mod settlement;
pub mod store;
pub mod sync;
pub mod tamper;
pub mod terminal;
pub mod tms;
pub mod vocab;

pub use error::{Error, ErrorCode};
pub use i18n::Bilingual;
pub use money::{Amount, Currency};
