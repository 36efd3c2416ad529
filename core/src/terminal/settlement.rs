//! Settlement (0500/0510) and the batch upload (0320/0330), resumed after any interruption.
//!
//! Owed reversals and stored offline payments go first: the host must see the batch as the
//! terminal does before totals are compared. `77` (batch out of step) signs in again, which
//! brings the host's batch number, and settles once more. Unequal totals plan the upload in
//! the store before the first message; each acknowledged message is its own commit, so a
//! new attempt (after a lost link, a crash, the app being killed) starts exactly after the
//! last acknowledged one, and a message whose answer was lost goes again unchanged (same
//! STAN and content: the host answers it from its record).

use crate::acquirer::AcquirerError;
use crate::error::Error;
use crate::error::SettlementError;
use crate::i18n::Bilingual;
use crate::iso8583::{
    AdminKind, AdminRequest, AdminResponse, BatchNo, CodecError, Reconciliation, SettlementTotals, Totals,
};
use crate::money::Amount;
use crate::receipt::{CardTotals, SettlementSlip};
use crate::settlement::{batch_totals, plan_upload, SettlementOutcome, UploadProgress, RESUME_NOTICE};
use crate::store::Session;

use super::crash_point::crash_point;
use super::exchange::{failure, Signing};
use super::Terminal;
use crate::error::TerminalError;

/// `77`: the batch number is not the host's.
const OUT_OF_STEP: &str = "77";

impl Terminal {
    /// Settles the open batch (or finishes an interrupted batch upload); see [`Terminal::settle_with`].
    pub async fn settle(&self) -> Result<SettlementOutcome, Error> {
        self.settle_with(|_| {}).await
    }

    /// Settles, reporting batch upload progress after each acknowledged message.
    ///
    /// Refuses to start while reversals or stored payments cannot be delivered. An
    /// interrupted upload is finished first (the log and [`RESUME_NOTICE`] say so).
    pub async fn settle_with(
        &self,
        mut progress: impl FnMut(UploadProgress) + Send,
    ) -> Result<SettlementOutcome, Error> {
        self.owner("settle")?;
        if let Some(open) = self.db(|s| s.open_settlement())? {
            tracing::warn!(batch = %open.batch, "{} / {}", RESUME_NOTICE.0, RESUME_NOTICE.1);
            let totals = SettlementTotals::parse(open.terminal_totals.as_bytes()).map_err(TerminalError::from)?;
            return self.upload_and_close(open.batch, totals, true, &mut progress).await.map_err(Error::from);
        }
        self.flush_for_settlement().await?;
        for attempt in 0..2 {
            let session = self.session()?;
            let batch = self.db(|s| s.batch())?;
            let rows = self.db(|s| s.batch_txns(batch))?;
            let totals = batch_totals(&rows);
            let (resp, _) = self.send_admin(&session, AdminKind::Settlement(totals), None, batch).await?;
            if resp.response_code.as_str() == OUT_OF_STEP {
                if attempt > 0 {
                    return Err(SettlementError::OutOfStep.into());
                }
                tracing::info!(batch = %batch, "batch out of step with the host: signing in again");
                let o = self.sign_in().await?;
                if !o.approved {
                    return Err(SettlementError::Declined { code: o.response_code }.into());
                }
                continue;
            }
            if !resp.response_code.is_approved() {
                return Err(SettlementError::Declined { code: resp.response_code }.into());
            }
            let host = resp.totals.ok_or(TerminalError::Codec(CodecError::MissingField(48)))?;
            let codes = [host.domestic.reconciliation, host.foreign.reconciliation];
            let at = self.clock.now().to_string();
            if codes.contains(&Reconciliation::Error) || codes.contains(&Reconciliation::NotReconciled) {
                return Err(SettlementError::HostError.into());
            }
            let field = totals.to_field().map_err(TerminalError::from)?;
            if codes.iter().all(|c| *c == Reconciliation::Balanced) {
                let next = self.db(|s| s.close_balanced(batch, &field, &at))?;
                tracing::info!(batch = %batch, next = %next, "settlement balanced; batch closed");
                return Ok(self.finish_settlement(batch, next, totals, Reconciliation::Balanced, 0, false, 0).await);
            }
            tracing::info!(batch = %batch, "settlement not balanced: uploading the batch");
            self.db(|s| s.plan_upload(batch, &field, &plan_upload(&rows), &at))?;
            crash_point("upload_planned");
            return self.upload_and_close(batch, totals, false, &mut progress).await.map_err(Error::from);
        }
        Err(SettlementError::OutOfStep.into())
    }

    /// Whether a batch upload was interrupted and the next settlement will continue it.
    pub fn upload_unfinished(&self) -> Result<bool, Error> {
        Ok(self.db(|s| s.open_settlement())?.is_some())
    }

    /// Delivers owed reversals and stored payments, or says why settlement cannot start.
    async fn flush_for_settlement(&self) -> Result<(), SettlementError> {
        let waiting = self.db(|s| s.queue_stats())?.count;
        let due = self.db(|s| s.due_reversal_count())?;
        // A refund whose answer is unknown is settled first, so the totals count it as the host does.
        let repeats = self.db(|s| s.due_repeat_count())?;
        if waiting > 0 || due > 0 || repeats > 0 {
            if let Err(e) = self.sync().await {
                tracing::warn!(error = %e.en(), "sync before settlement failed");
            }
        }
        let due = self.db(|s| s.due_reversal_count())?;
        if due > 0 {
            return Err(SettlementError::ReversalsPending { count: due });
        }
        let waiting = self.db(|s| s.queue_stats())?.count;
        if waiting > 0 {
            return Err(SettlementError::PaymentsStored { count: waiting });
        }
        Ok(())
    }

    /// Sends the planned upload messages not yet acknowledged, in order; the last closes the batch.
    // The counters move only after a durable acknowledgement, not per loop turn.
    #[allow(clippy::explicit_counter_loop)]
    async fn upload_and_close(
        &self,
        batch: BatchNo,
        totals: SettlementTotals,
        resumed: bool,
        progress: &mut (impl FnMut(UploadProgress) + Send),
    ) -> Result<SettlementOutcome, SettlementError> {
        let items = self.db(|s| s.upload_items(batch))?;
        let total = items.len() as u32;
        let mut acked = items.iter().filter(|i| i.acked).count() as u32;
        let upload_count = items
            .iter()
            .find_map(|i| match i.kind {
                AdminKind::BatchEnd { count, .. } => Some(count),
                _ => None,
            })
            .unwrap_or(0);
        progress(UploadProgress { acked, total, resumed });
        let mut sent = 0;
        let mut next = None;
        let interrupted =
            |acked: u32, e: &dyn Bilingual| SettlementError::UploadInterrupted { acked, total, zh: e.zh(), en: e.en() };
        for item in items.into_iter().filter(|i| !i.acked) {
            let session = self.session().map_err(|e| interrupted(acked, &e))?;
            let (resp, signed) = match self.send_admin(&session, item.kind, Some(item.stan), batch).await {
                Ok(r) => r,
                Err(e) => return Err(interrupted(acked, &e)),
            };
            if resp.response_code.as_str() == OUT_OF_STEP && !signed {
                // Unsigned: it stops this upload (resumable), it does not end the session.
                return Err(interrupted(acked, &resp.response_code));
            }
            if resp.response_code.as_str() == OUT_OF_STEP {
                // The host lost the batch's upload state; a sign-in brings its view back.
                self.db(|s| s.clear_session())?;
                return Err(interrupted(acked, &TerminalError::NotSignedIn));
            }
            if !resp.response_code.is_approved() {
                return Err(SettlementError::Declined { code: resp.response_code });
            }
            crash_point("upload_answered");
            next = self.db(|s| s.ack_upload_item(batch, item.seq, &self.clock.now().to_string()))?;
            acked += 1;
            sent += 1;
            progress(UploadProgress { acked, total, resumed });
            crash_point("upload_acked");
        }
        // Every message was already acknowledged (a crash after the last commit): closed then.
        let next = match next {
            Some(n) => n,
            None => self.db(|s| s.batch())?,
        };
        tracing::info!(batch = %batch, next = %next, sent, "batch upload ended; batch closed");
        Ok(self.finish_settlement(batch, next, totals, Reconciliation::Unbalanced, sent, resumed, upload_count).await)
    }

    /// Signs in again (the profile asks for it after settlement) and builds the slip.
    #[allow(clippy::too_many_arguments)] // one per field of the outcome
    async fn finish_settlement(
        &self,
        batch: BatchNo,
        next: BatchNo,
        totals: SettlementTotals,
        reconciliation: Reconciliation,
        uploaded: u32,
        resumed: bool,
        upload_count: u32,
    ) -> SettlementOutcome {
        let signed_in_again = match self.sign_in().await {
            Ok(o) => o.approved,
            Err(e) => {
                tracing::warn!(error = %e.en(), "sign-in after settlement failed");
                false
            }
        };
        let next_batch = self.db(|s| s.batch()).unwrap_or(next);
        // The batch is final: old settled business can go (a failure is only logged).
        self.retention_after_settlement();
        let slip = SettlementSlip {
            merchant: self.config.merchant(),
            operator: self.config.operator.clone(),
            batch,
            settled_at: self.clock.now(),
            domestic: self.card_totals(&totals.domestic),
            foreign: (totals.foreign != Totals::ZERO).then(|| self.card_totals(&totals.foreign)),
            result: Some(reconciliation),
            reprint: false,
        };
        SettlementOutcome {
            batch,
            next_batch,
            totals,
            reconciliation,
            uploaded,
            resumed,
            upload_count,
            signed_in_again,
            slip,
        }
    }

    fn card_totals(&self, t: &Totals) -> CardTotals {
        let amount = |m: u64| Amount::from_minor(m, self.config.currency).unwrap_or(Amount::zero(self.config.currency));
        CardTotals {
            debit_count: u32::from(t.debit_count),
            debit_amount: amount(t.debit_amount),
            credit_count: u32::from(t.credit_count),
            credit_amount: amount(t.credit_amount),
        }
    }

    /// One MACed settlement or upload exchange; `stan` is the planned one for uploads.
    async fn send_admin(
        &self,
        session: &Session,
        kind: AdminKind,
        stan: Option<crate::iso8583::Stan>,
        batch: BatchNo,
    ) -> Result<(AdminResponse, bool), TerminalError> {
        let operator = matches!(kind, AdminKind::Settlement(_)).then(|| self.config.operator.clone());
        let stan = match stan {
            Some(s) => s,
            None => self.db(|s| s.next_stan())?,
        };
        let request =
            AdminRequest { kind, stan, tid: self.config.tid.clone(), mid: self.config.mid.clone(), batch, operator };
        let message = request.to_message(true)?;
        let reply = self.exchange(&message, stan, Signing::Mak(&session.mak, session.mac_algorithm), None).await?;
        let resp = AdminResponse::from_message(&reply.frame.message)
            .map_err(|e| TerminalError::from(failure(None, &message, AcquirerError::Malformed(e))))?;
        Ok((resp, reply.mac == crate::iso8583::MacCheck::Valid))
    }
}
