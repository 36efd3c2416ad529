//! The acquirer simulator started in-process, for the JVM tests and the demo build: its
//! address, fault injection and the ledger facts the tests check against.

use std::sync::{Arc, Mutex};

use pos_acquirer_sim::{FaultMode, FaultPlan, RequestClass, SimConfig, SimHandle, Simulator};

use crate::error::PosError;
use crate::runtime::run;

/// A fault the simulated host injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SimFault {
    /// Processed (the effect happens), never answered: the terminal must reverse.
    DropResponse,
    /// Connection closed before processing: no effect.
    Close,
    /// Answered with a corrupted MAC.
    BadMac,
    /// Answered twice.
    SendTwice,
    /// Answered after `ms`.
    Delay { ms: u64 },
}

/// Which requests a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SimRequestClass {
    /// Every request.
    Any,
    /// 0100, 0200, 0220.
    Financial,
    /// 0400.
    Reversal,
    /// 0800, 0820.
    Network,
}

/// A transaction as the host's ledger holds it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HostTxn {
    /// "sale", "reversal:sale", ...
    pub kind: String,
    /// STAN of the request.
    pub stan: u32,
    /// Amount in fen.
    pub amount_minor: i64,
    /// Field 39 of the answer.
    pub response_code: String,
    /// "approved", "declined", "voided", "reversed", ...
    pub status: String,
    /// Whether the row is a reversal.
    pub is_reversal: bool,
}

/// A running acquirer simulator (stopped by `shutdown` or when dropped).
#[derive(uniffi::Object)]
pub struct AcquirerSimulator {
    handle: Mutex<Option<SimHandle>>,
    addr: String,
    ca_pem: String,
}

/// Starts the demo simulator (demo terminal, test deck, in-memory ledger) on 127.0.0.1, any port,
/// over TLS with a CA made for this run (pin it: `ca_pem`).
#[uniffi::export(async_runtime = "tokio")]
pub async fn start_acquirer_simulator() -> Result<Arc<AcquirerSimulator>, PosError> {
    start(None).await
}

/// Starts the demo simulator with its books kept in `dir` (`ledger.db`, and its TLS CA in
/// `ca.pem`/`ca-key.pem`, made at the first start): the emulator build's host, whose ledger
/// and pin outlive the app's process as a real acquirer's do. 127.0.0.1, any port.
#[uniffi::export(async_runtime = "tokio")]
pub async fn start_acquirer_simulator_in(dir: String) -> Result<Arc<AcquirerSimulator>, PosError> {
    start(Some(std::path::PathBuf::from(dir))).await
}

async fn start(dir: Option<std::path::PathBuf>) -> Result<Arc<AcquirerSimulator>, PosError> {
    run(async move {
        let mut config = SimConfig::demo().listening_on("127.0.0.1:0");
        // Tests and demos repeat round amounts and cards: monitoring would decline them.
        config.monitoring.round_amounts.enabled = false;
        config.monitoring.volume_spike.enabled = false;
        // And a tester's (or a benchmark's) long day pays with the same few deck cards.
        config.limits.daily_count_per_card = 1_000_000;
        if let Some(dir) = dir {
            std::fs::create_dir_all(&dir).map_err(|e| PosError::internal(&format!("{}: {e}", dir.display())))?;
            config.database = Some(dir.join("ledger.db").display().to_string());
            config.tls = pos_acquirer_sim::SimTls::Dir(dir);
        }
        let handle = Simulator::start(config).await.map_err(|e| PosError::internal(&e.to_string()))?;
        let addr = handle.addr().to_string();
        let ca_pem = handle.ca_pem().ok_or_else(|| PosError::internal("the simulator serves no TLS"))?.to_owned();
        Ok(Arc::new(AcquirerSimulator { handle: Mutex::new(Some(handle)), addr, ca_pem }))
    })
    .await
}

fn ledger_error(e: impl std::fmt::Display) -> PosError {
    PosError::internal(&format!("simulator ledger: {e}"))
}

impl AcquirerSimulator {
    fn with<T>(&self, f: impl FnOnce(&SimHandle) -> Result<T, PosError>) -> Result<T, PosError> {
        let guard = self.handle.lock().map_err(|_| PosError::internal("simulator lock"))?;
        match guard.as_ref() {
            Some(h) => f(h),
            None => Err(PosError::internal("the simulator is stopped")),
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl AcquirerSimulator {
    /// The `host:port` to put in the terminal settings.
    pub fn address(&self) -> String {
        self.addr.clone()
    }

    /// The CA certificate (PEM) of its TLS port, for the settings' `acquirer_ca_pem`.
    pub fn ca_pem(&self) -> String {
        self.ca_pem.clone()
    }

    /// Injects `fault` into the next `count` requests of `class` from terminal `tid`.
    pub fn inject_fault(
        &self,
        tid: String,
        fault: SimFault,
        count: u32,
        class: SimRequestClass,
    ) -> Result<(), PosError> {
        let mode = match fault {
            SimFault::DropResponse => FaultMode::DropResponse,
            SimFault::Close => FaultMode::Close,
            SimFault::BadMac => FaultMode::BadMac,
            SimFault::SendTwice => FaultMode::SendTwice,
            SimFault::Delay { ms } => FaultMode::Delay { ms },
        };
        let class = match class {
            SimRequestClass::Any => RequestClass::Any,
            SimRequestClass::Financial => RequestClass::Financial,
            SimRequestClass::Reversal => RequestClass::Reversal,
            SimRequestClass::Network => RequestClass::Network,
        };
        self.with(|h| {
            h.faults().set(&tid, FaultPlan::times(mode, count).on(class));
            Ok(())
        })
    }

    /// Clears every fault.
    pub fn clear_faults(&self) -> Result<(), PosError> {
        self.with(|h| {
            h.faults().clear_all();
            Ok(())
        })
    }

    /// The available balance (fen) of a deck card at the issuer.
    pub fn available_minor(&self, card_id: String) -> Result<i64, PosError> {
        let card =
            pos_core::deck::find(&card_id).ok_or_else(|| PosError::invalid("没有这张测试卡", "no such test card"))?;
        self.with(|h| h.ledger().available(card.pan).map_err(ledger_error))
    }

    /// The host's rows for terminal `tid`, oldest first.
    pub fn host_txns(&self, tid: String) -> Result<Vec<HostTxn>, PosError> {
        self.with(|h| {
            let rows = h.ledger().transactions_for(&tid).map_err(ledger_error)?;
            Ok(rows
                .iter()
                .map(|r| HostTxn {
                    kind: r.kind.as_db(),
                    stan: r.stan,
                    amount_minor: i64::try_from(r.amount).unwrap_or(i64::MAX),
                    response_code: r.response_code.clone(),
                    status: r.status.as_db().to_string(),
                    is_reversal: r.kind.is_reversal(),
                })
                .collect())
        })
    }

    /// Checks the ledger's invariants (balances equal what the rows imply).
    pub fn check_invariants(&self) -> Result<(), PosError> {
        self.with(|h| h.ledger().check_invariants().map_err(ledger_error))
    }

    /// Whether terminal `tid` has a session at the host.
    pub fn is_signed_in(&self, tid: String) -> bool {
        self.with(|h| Ok(h.is_signed_in(&tid))).unwrap_or(false)
    }

    /// The help desk's unlock code for a tampered reader's challenge.
    pub fn unlock_code(&self, tid: String, challenge: String) -> Option<String> {
        self.with(|h| Ok(h.unlock_code(&tid, &challenge))).ok().flatten()
    }

    /// The help desk's reset code (clears an unlock lockout) for a reader's challenge.
    pub fn reset_code(&self, tid: String, challenge: String) -> Option<String> {
        self.with(|h| Ok(h.reset_code(&tid, &challenge))).ok().flatten()
    }

    /// Stops the simulator.
    pub async fn shutdown(&self) {
        let handle = self.handle.lock().ok().and_then(|mut h| h.take());
        if let Some(h) = handle {
            let _ = run(async move {
                h.shutdown().await;
                Ok(())
            })
            .await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_simulator_in_a_folder_keeps_its_pin_and_books_across_restarts() {
        let dir = std::env::temp_dir().join(format!("pos-sim-in-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let at = dir.display().to_string();
        let rt = crate::runtime::runtime();
        let first = rt.block_on(start_acquirer_simulator_in(at.clone())).unwrap();
        assert!(rt.block_on(start_acquirer_simulator_in(at.clone())).is_err(), "one host on its books at a time");
        let pin = first.ca_pem();
        let funds = first.available_minor("debit".into()).unwrap();
        rt.block_on(first.shutdown());
        let again = rt.block_on(start_acquirer_simulator_in(at)).unwrap();
        assert_eq!(again.ca_pem(), pin, "the terminal's pin still holds");
        assert_eq!(again.available_minor("debit".into()).unwrap(), funds);
        assert!(dir.join("ledger.db").is_file() && dir.join("ca.pem").is_file());
        rt.block_on(again.shutdown());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
