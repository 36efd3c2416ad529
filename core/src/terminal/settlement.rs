//! Settlement (0500/0510) and the batch upload (0320/0330), resumed after any interruption.
//!
//! Owed reversals and stored offline payments go first: the host must see the batch as the
//! terminal does before totals are compared. `77` (batch out of step) signs in again, which
//! brings the host's batch number, and settles once more. Unequal totals plan the upload in
//! the store before the first message; acknowledgements are committed a group at a time
//! (several messages in flight), and always before progress counts them, so a new attempt
//! (after a lost link, a crash, the app being killed) resends exactly the messages not yet
//! recorded, and a message whose answer was lost goes again unchanged (same STAN and
//! content: the host answers it from its record).

use crate::acquirer::AcquirerError;
use crate::error::Error;
use crate::error::SettlementError;
use crate::i18n::Bilingual;
use crate::iso8583::{
    AdminKind, AdminRequest, AdminResponse, BatchNo, CodecError, Reconciliation, SettlementTotals, Totals,
};
use crate::money::Amount;
use crate::receipt::{CardTotals, SettlementSlip};
use crate::settlement::{add_to_totals, plan_upload, SettlementOutcome, UploadProgress, RESUME_NOTICE};
use crate::store::{Session, UploadItemRow};
use crate::sync::run_window;

use super::crash_point::crash_point;
use super::exchange::{failure, Signing};
use super::Terminal;
use crate::error::TerminalError;

/// Why one upload message was not acknowledged.
enum UploadFailure {
    /// The upload stops and resumes later (the operator's text, zh and en).
    Interrupted(String, String),
    /// The host refused: the settlement fails.
    Final(SettlementError),
}

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
            // Row by row: a long day's batch is not held in memory (only an upload plans from the rows).
            let mut totals = SettlementTotals::ZERO;
            let mut last = None;
            self.db(|s| {
                s.for_each_batch_txn(batch, |r| {
                    add_to_totals(&mut totals, &r);
                    last = Some(r.id);
                })
            })?;
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
            // The rows the totals counted, no later one: the upload must match the totals sent.
            let mut rows = self.db(|s| s.batch_txns(batch))?;
            rows.retain(|r| last.is_some_and(|last| r.id <= last));
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

    /// Sends the planned upload messages not yet acknowledged and closes the batch with the
    /// last one. The others go `upload_window` at a time in plan order, their answers
    /// recorded a group (`group` messages) per commit before progress counts them; the end
    /// message goes alone once every other one is recorded. After any failure, what was
    /// answered is recorded first, so a new attempt resends only what was not.
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
        let policy = self.config.sync;
        let window = usize::try_from(policy.upload_window.max(1)).unwrap_or(1);
        let group = usize::try_from(policy.group.max(1)).unwrap_or(1);
        let last_seq = total.saturating_sub(1);
        let pending: Vec<UploadItemRow> = items.into_iter().filter(|i| !i.acked).collect();
        let (end, others): (Vec<UploadItemRow>, Vec<UploadItemRow>) =
            pending.into_iter().partition(|i| i.seq == last_seq);
        let mut sent = 0;
        let mut next = None;
        // Groups of the others, then the end message alone. Within a group `window` messages are
        // in flight, the next sent as soon as one is answered; after a failure none is started.
        for round in others.chunks(group).chain(end.chunks(1)) {
            let mut answered = Vec::new();
            let mut failed = None;
            let answers = run_window(
                round,
                window,
                |item| self.send_upload_item(batch, item),
                |a: &Result<(), UploadFailure>| a.is_err(),
            )
            .await;
            for (item, answer) in round.iter().zip(answers) {
                match answer {
                    Some(Ok(())) => answered.push(item.seq),
                    Some(Err(e)) => failed = failed.or(Some(e)),
                    None => {}
                }
            }
            if !answered.is_empty() {
                crash_point("upload_answered");
                next = self.db(|s| s.ack_upload_items(batch, &answered, &self.clock.now().to_string()))?;
                acked += answered.len() as u32;
                sent += answered.len() as u32;
                progress(UploadProgress { acked, total, resumed });
                crash_point("upload_acked");
            }
            if let Some(e) = failed {
                return Err(match e {
                    UploadFailure::Interrupted(zh, en) => SettlementError::UploadInterrupted { acked, total, zh, en },
                    UploadFailure::Final(e) => e,
                });
            }
        }
        // Every message was already acknowledged (a crash after the last commit): closed then.
        let next = match next {
            Some(n) => n,
            None => self.db(|s| s.batch())?,
        };
        tracing::info!(batch = %batch, next = %next, sent, "batch upload ended; batch closed");
        Ok(self.finish_settlement(batch, next, totals, Reconciliation::Unbalanced, sent, resumed, upload_count).await)
    }

    /// Sends one planned upload message and reads its answer.
    async fn send_upload_item(&self, batch: BatchNo, item: &UploadItemRow) -> Result<(), UploadFailure> {
        let interrupted = |e: &dyn Bilingual| UploadFailure::Interrupted(e.zh(), e.en());
        let session = self.session().map_err(|e| interrupted(&e))?;
        let (resp, signed) =
            self.send_admin(&session, item.kind.clone(), Some(item.stan), batch).await.map_err(|e| interrupted(&e))?;
        if resp.response_code.as_str() == OUT_OF_STEP && !signed {
            // Unsigned: it stops this upload (resumable), it does not end the session.
            return Err(interrupted(&resp.response_code));
        }
        if resp.response_code.as_str() == OUT_OF_STEP {
            // The host lost the batch's upload state; a sign-in brings its view back.
            self.db(|s| s.clear_session()).map_err(|e| UploadFailure::Final(e.into()))?;
            return Err(interrupted(&TerminalError::NotSignedIn));
        }
        if !resp.response_code.is_approved() {
            return Err(UploadFailure::Final(SettlementError::Declined { code: resp.response_code }));
        }
        Ok(())
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
