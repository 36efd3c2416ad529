//! A UnionPay acquirer host simulator: a tokio TLS (or plain TCP) server speaking the pos-core ISO 8583
//! profile, a SQLite ledger of cards and transactions, monitoring rules and run-time
//! fault injection. Tests start it in-process with [`Simulator::start`]; the
//! `pos-acquirer-sim` binary runs it standalone.
//!
//! ```no_run
//! # async fn demo() -> Result<(), pos_acquirer_sim::SimError> {
//! use pos_acquirer_sim::{SimConfig, Simulator};
//! let sim = Simulator::start(SimConfig::demo().listening_on("127.0.0.1:0")).await?;
//! println!("acquirer at {}, CA {:?}", sim.addr(), sim.ca_pem());
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

#![warn(missing_docs)]
// A hostile or broken terminal gets a response code or a closed connection, never a crash.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

mod admin_port;
pub mod clock;
pub mod config;
mod connection;
pub mod error;
pub mod fault;
mod host;
pub mod ledger;
mod rng;
mod server;
pub mod tls;
mod wire;

pub use clock::{LocalTime, SimClock};
pub use config::{
    test_ca_key, AccountConfig, Limits, MonitoringConfig, ParamsConfig, RoundAmountRule, SimConfig, SimTls, SpikeRule,
    TerminalConfig, Timeouts, TmsConfig,
};
pub use error::{ConfigError, LedgerError, SimError};
pub use fault::{FaultControl, FaultMode, FaultPlan, RequestClass};
pub use ledger::{BatchState, Flag, Hold, Ledger, RowKind, SettlementRecord, TxnRow, TxnStatus, UploadRecord};
pub use server::{SimHandle, SimStats, Simulator};
