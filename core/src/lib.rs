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

// Every type the public API hands out can be named by its users (re-exported below); the test
// builds widen the API (feature testkit), so the check runs on the product build.
#![cfg_attr(not(any(test, feature = "testkit")), warn(unnameable_types))]
pub(crate) mod acquirer;
pub mod card;
pub(crate) mod clock;
pub mod crypto;
#[cfg(any(test, feature = "sim"))]
pub mod deck;
pub mod devices;
pub(crate) mod error;
pub(crate) mod i18n;
pub(crate) mod ids;
pub mod iso8583;
pub(crate) mod journal;
pub(crate) mod money;
pub(crate) mod offline;
pub(crate) mod outcome;
#[cfg(any(test, feature = "sim"))]
pub mod provision;
pub(crate) mod provisioning;
pub(crate) mod reader;
pub(crate) mod receipt;
pub(crate) mod redact;
pub(crate) mod report;
pub(crate) mod response_code;
pub(crate) mod reversal;
pub(crate) mod risk;
#[cfg(any(test, feature = "sim"))]
pub mod rng;
pub(crate) mod settlement;
/// The journal on SQLite: public only to tests and benches (feature `testkit`); front ends read
/// through [`Terminal`](terminal::Terminal).
#[cfg(feature = "testkit")]
pub mod store;
#[cfg(not(feature = "testkit"))]
pub(crate) mod store;
pub(crate) mod sync;
pub(crate) mod tamper;
pub mod terminal;
pub mod tms;
pub mod vocab;

pub use acquirer::{
    AcquirerConfig, AcquirerError, AcquirerStream, ConnectFailure, Delivery, Dial, Dialer, TlsFailure, TlsTrust,
    Transport,
};
pub use clock::{CivilTime, Clock, ManualClock, SystemClock, Timestamp, CHINA_UTC_OFFSET_SECS};
pub use error::{Detail, Error, ErrorCode};
pub use i18n::{Bilingual, Lang};
pub use ids::{TxnId, VoucherNo};
pub use journal::{
    scheme_key, scheme_of, type_name, type_of, HistoryStatus, OriginalRefs, QueueEntry, ReversalCause, ReversalRecord,
    ReversalState, TxnNumbers, TxnRecord, TxnStatus, UploadState,
};
pub use money::{Amount, Currency, MoneyError, MAX_MINOR};
pub use offline::{OfflineLimits, OfflinePreference, OfflineRefusal, QueueStats};
#[cfg(any(test, feature = "sim"))]
pub use provisioning::device_secret;
pub use provisioning::{ProvisionError, Provisioning};
pub use reader::{
    CardRead, CardReader, CardRequest, ChipParamsHeld, DataAuthentication, DeviceInfo, ReaderError, ReaderKeyAck,
};
#[cfg(any(test, feature = "sim"))]
pub use reader::{KeyMemory, SoftwareReader, UnknownTestCard};
pub use receipt::{
    print_slips, unmasked_pans, CardTotals, CopyKind, MerchantInfo, Receipt, ReceiptContext, ReceiptError,
    SettlementSlip, SlipNotPrinted, Verification,
};
pub use redact::{mask_pan_digits, mask_track};
pub use report::{major, DailySummary, Day, Figure, ReportError, ReportFormat};
pub use response_code::{OperatorAction, ResponseCode, ResponseInfo, RESPONSE_CODES};
pub use reversal::ReversalPolicy;
/// The risk engine on a store: for the benches (feature `testkit`); the terminal runs it itself.
#[cfg(feature = "testkit")]
pub use risk::{evaluate, RiskRequest};
pub use risk::{
    AuditId, AuditRecord, ClockTime, Evaluation, Fired, FiredRule, PolicyError, RiskPolicy, RiskReport, Rule,
    RuleCount, RuleParams, Verdict,
};
pub use settlement::{
    batch_totals, counts_in, Counted, DayEndOp, DayEndRefusal, SettlementOutcome, UploadProgress, RESUME_NOTICE,
};
pub use store::{HistoryFilter, Purged, RetentionPolicy, Salvage, SalvagedRow};
pub use sync::SyncPolicy;
pub use tamper::{reset_code, unlock_code, UnlockAttempts, UnlockError};
