//! Integration tests of the acquirer simulator over real loopback TCP.

mod client;
mod terminal;

mod admin;
mod binary;
mod concurrency;
mod duplicates;
mod faults;
mod follow_ups;
mod in_memory;
mod ledger_checks;
mod monitoring;
mod newer_terminals;
mod response_codes;
mod restart;
mod reversals;
mod robustness;
mod settlement;
mod sign_in;
mod tls;
mod tms;
mod transactions;

use std::io::Write;
use std::sync::{Mutex, OnceLock};

use pos_acquirer_sim::{SimConfig, SimHandle, Simulator};

/// Every log line of the test process, for the "no card data in logs" check.
pub static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn init_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(|| Capture)
            .try_init();
    });
}

/// The demo configuration on an ephemeral port.
pub fn demo() -> SimConfig {
    SimConfig::demo().listening_on("127.0.0.1:0")
}

/// The demo configuration plus `n` load-test terminals, on an ephemeral port.
pub fn demo_fleet(n: u32) -> SimConfig {
    SimConfig::demo_fleet(n).listening_on("127.0.0.1:0")
}

/// Starts a simulator (logs captured).
pub async fn start(config: SimConfig) -> SimHandle {
    init_logs();
    Simulator::start(config).await.expect("simulator starts")
}

/// Asserts the ledger's invariants hold.
pub fn invariants(sim: &SimHandle) {
    if let Err(e) = sim.ledger().check_invariants() {
        panic!("{e}");
    }
}
