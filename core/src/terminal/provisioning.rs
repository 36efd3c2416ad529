//! Installing a terminal's provisioning (identity, keys, acquirer) in its data directory.

use crate::error::Error;
use std::path::Path;
use std::sync::Arc;

use crate::crypto::KeyVault;
use crate::error::DayEndError;
use crate::provisioning::Provisioning;
use crate::settlement::DayEndOp;
use crate::store::Store;

use super::{owner, SystemClock, Terminal, TerminalConfig, TerminalError};

impl Terminal {
    /// Seals `provisioning` into the terminal directory `data_dir` (created if absent).
    ///
    /// Refused with [`Error::InUse`] while a terminal runs on the directory (close it
    /// first: a running terminal would keep signing with the old keys), and with the
    /// day-end reasons while the directory holds business the host must see under the
    /// current identity and keys (reversals owed, stored payments, an unsettled batch). The
    /// reader's working keys are dropped with the old TMK: the next sign-in loads new ones;
    /// a new TID also drops the old session when the terminal next opens.
    pub fn provision(
        data_dir: impl AsRef<Path>,
        vault: Arc<dyn KeyVault>,
        provisioning: &Provisioning,
    ) -> Result<(), Error> {
        provisioning.validate().map_err(TerminalError::from)?;
        let dir = data_dir.as_ref();
        crate::store::create_private_dir(dir)?;
        // Held while checking and sealing: no terminal can open in between.
        let _lock = owner::DirLock::acquire(dir)?;
        // A terminal that had a database (even one since lost: refused, not provisioned afresh).
        if crate::store::had_database(&dir.join(Store::FILE_NAME)) {
            let store = Store::open_read_only(dir.join(Store::FILE_NAME), vault.clone())?;
            // A read-only view that only counts what is owed: it never dials (no host needed).
            let config = TerminalConfig::from_provisioning(provisioning, "127.0.0.1:9")?;
            let view = Terminal::assemble(
                config,
                store,
                Arc::new(owner::NoReader),
                Arc::new(SystemClock::default()),
                owner::Access::ReadOnly,
            );
            let reasons = view.day_end_blockers()?;
            if !reasons.is_empty() {
                tracing::info!(reasons = ?reasons, "provisioning refused: business owed");
                return Err(DayEndError::Refused { op: DayEndOp::Reprovision, reasons }.into());
            }
        }
        provisioning.seal(dir, vault.as_ref()).map_err(TerminalError::from)?;
        tracing::info!(tid = %provisioning.tid, demo = provisioning.demo, "terminal provisioned");
        Ok(())
    }
}
