//! pos-ffi: the product's API for the Android shell, exported with uniffi proc-macros.
//!
//! A thin layer over `pos-core` in the style of mozilla application-services and
//! matrix-rust-sdk's bindings: records and enums mirror the core's outcomes, one public
//! error enum ([`PosError`]) carries the operator's Chinese and English text, the long
//! operations are async exports run on one tokio runtime, and observers are foreign traits
//! whose subscriptions return a cancellable [`TaskHandle`]. Platform capabilities
//! ([`BleLink`], [`KeyVault`], [`Clock`]) are foreign traits the shell implements.
//!
//! The default build is the device build: product functions only, no simulator linked.
//! Feature `simulators` (the emulator flavor and the JVM tests) adds the in-process acquirer
//! simulator, the simulated reader and printer, the test deck and the demo terminal
//! (`demo_settings`, `install_demo_provisioning`); it turns on `pos-core/sim`.

#[cfg(target_os = "android")]
mod android_trust;
mod clock;
mod day_end;
mod error;
mod history;
mod link;
mod money;
mod observers;
mod original;
mod outcome;
mod params;
mod printer;
mod progress;
mod provisioning;
mod queue;
mod reader;
mod report;
mod reprint;
mod runtime;
mod settings;
mod settlement;
#[cfg(feature = "simulators")]
mod simulated;
#[cfg(feature = "simulators")]
mod simulator;
mod sync;
mod task;
mod terminal;
mod vault;
mod vocab;

pub use clock::{Clock, ClockReading};
pub use day_end::{day_end_operation_label, DayEndBlocker, DayEndBlockerKind, DayEndOperation};
pub use error::{PosError, SlipCopy};
pub use history::{CardScheme, HistoryEntry, HistoryPage, HistoryQuery, HistoryRow, HistoryStatus, TxnStatus};
pub use link::{BleLink, LinkInbox, LinkSecurity};
pub use money::{parse_amount, Money};
pub use observers::{
    ConnectivityObserver, ForwardingObserver, PaymentProgressObserver, ReaderEventObserver, SyncObserver,
    TamperObserver,
};
pub use original::OriginalRef;
pub use outcome::{AdminOp, AdminOutcome, CardEntry, OperatorAction, TxnKind, TxnOutcome};
pub use printer::{connect_printer, PrinterState, ReceiptPrinter, ReceiptResult};
pub use progress::PaymentStage;
#[cfg(feature = "simulators")]
pub use provisioning::install_demo_provisioning;
pub use provisioning::{install_provisioning, provisioned_settings, provisioning_info, ProvisioningInfo};
pub use queue::{QueueItem, QueueSummary, UploadState};
pub use reader::{connect_reader, CardMethod, CardReaderHandle, DeviceInfo, ReaderEvent};
pub use report::{DailyReport, ReportFigure};
pub use reprint::{ReprintPreview, ReprintResult};
#[cfg(feature = "simulators")]
pub use settings::demo_settings;
pub use settings::{
    default_risk_policy, MacAlgorithmSetting, OfflinePreference, OfflineSettings, PaperWidth, TerminalSettings,
};
pub use settlement::{Reconciliation, SectionTotals, SettlementObserver, SettlementResult};
#[cfg(feature = "simulators")]
pub use simulated::{
    start_printer_peripheral, start_reader_peripheral, start_simulated_devices, PrinterPeripheral, ReaderPeripheral,
    SimulatedDevices, TestCard,
};
#[cfg(feature = "simulators")]
pub use simulator::{start_acquirer_simulator, AcquirerSimulator, HostTxn, SimFault, SimRequestClass};
pub use sync::{AttentionItem, AttentionKind, ForwardingResult, SyncEvent, SyncReport, SyncStop, SyncStopKind};
pub use task::TaskHandle;
pub use terminal::Terminal;
pub use vault::KeyVault;
pub use vocab::{card_scheme_label, history_status_label, txn_kind_label, upload_state_label, Label};

uniffi::setup_scaffolding!();

/// Does nothing: the cost of one call across the boundary (benchmarks).
#[uniffi::export]
pub fn noop() {}

/// The version of the core library, for the about screen and bug reports.
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
