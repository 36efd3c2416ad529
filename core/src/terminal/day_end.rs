//! The day-end guard on the operations that end the terminal's working state: sign-off,
//! switching device, factory reset and decommission wait until the batch is settled and
//! nothing is owed to the host, so no payment is lost or left unreconciled.

use crate::error::DayEndError;
use crate::error::Error;
use crate::settlement::{DayEndOp, DayEndRefusal};

use super::Terminal;
use crate::outcome::AdminOutcome;

/// The settings key marking a decommissioned terminal.
const DECOMMISSIONED_SETTING: &str = "terminal.decommissioned";

impl Terminal {
    /// What stands in the way of a day-end operation, in the order to deal with it.
    pub fn day_end_blockers(&self) -> Result<Vec<DayEndRefusal>, Error> {
        Ok(self.blockers()?)
    }

    fn blockers(&self) -> Result<Vec<DayEndRefusal>, DayEndError> {
        let mut out = Vec::new();
        let due = self.db(|s| s.due_reversal_count())?;
        if due > 0 {
            out.push(DayEndRefusal::ReversalPending { count: due });
        }
        let doubt = self.db(|s| s.due_repeat_count())?;
        if doubt > 0 {
            out.push(DayEndRefusal::RefundInDoubt { count: doubt });
        }
        let stored = self.db(|s| s.queue_stats())?.count;
        if stored > 0 {
            out.push(DayEndRefusal::PaymentsStored { count: stored });
        }
        if self.db(|s| s.open_settlement())?.is_some() {
            out.push(DayEndRefusal::UploadUnfinished);
        } else {
            let unsettled = self.db(|s| s.unsettled_count())?;
            if unsettled > 0 {
                out.push(DayEndRefusal::BatchUnsettled { count: unsettled });
            }
        }
        Ok(out)
    }

    fn guard(&self, op: DayEndOp) -> Result<(), DayEndError> {
        self.owner(match op {
            DayEndOp::SignOff => "sign off",
            DayEndOp::SwitchDevice => "switch device",
            DayEndOp::FactoryReset => "reset the terminal",
            DayEndOp::Decommission => "decommission the terminal",
            DayEndOp::Reprovision => "change the provisioning",
        })?;
        let reasons = self.blockers()?;
        if reasons.is_empty() {
            Ok(())
        } else {
            tracing::info!(op = ?op, reasons = ?reasons, "day-end operation refused");
            Err(DayEndError::Refused { op, reasons })
        }
    }

    /// Sign-off (签退, 0820 002), refused while anything is unsettled or owed: the only
    /// sign-off there is, so no front end can end the keys with a payment still owed.
    pub async fn sign_off(&self) -> Result<AdminOutcome, Error> {
        self.guard(DayEndOp::SignOff)?;
        Ok(self.sign_off_unguarded().await?)
    }

    /// Prepares the move to another phone: signs off and drops the session here.
    pub async fn switch_device(&self) -> Result<(), Error> {
        self.guard(DayEndOp::SwitchDevice)?;
        self.leave(DayEndOp::SwitchDevice).await.map_err(Error::from)
    }

    /// Erases the terminal's records and session (the data directory stays usable).
    pub async fn factory_reset(&self) -> Result<(), Error> {
        self.guard(DayEndOp::FactoryReset)?;
        self.leave(DayEndOp::FactoryReset).await?;
        self.db(|s| s.erase_records())?;
        Ok(())
    }

    /// Takes the terminal out of service: signs off, erases the records, marks it decommissioned.
    pub async fn decommission(&self) -> Result<(), Error> {
        self.guard(DayEndOp::Decommission)?;
        self.leave(DayEndOp::Decommission).await?;
        self.db(|s| s.erase_records())?;
        self.db(|s| s.set_setting(DECOMMISSIONED_SETTING, &self.clock.now().to_string()))?;
        Ok(())
    }

    /// Whether the terminal was decommissioned.
    pub fn is_decommissioned(&self) -> Result<bool, Error> {
        Ok(self.db(|s| s.setting(DECOMMISSIONED_SETTING))?.is_some())
    }

    /// Best-effort sign-off: the session is dropped even when the host cannot be told.
    async fn leave(&self, op: DayEndOp) -> Result<(), DayEndError> {
        if self.session().is_ok() {
            if let Err(e) = self.sign_off_unguarded().await {
                tracing::warn!(op = ?op, error = %e, "sign-off failed; session dropped anyway");
            }
        }
        self.db(|s| s.clear_session())?;
        Ok(())
    }
}
