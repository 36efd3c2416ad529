//! The sync engine: due reversals first, then repeats of refunds whose answer is unknown,
//! then the stored payments in order as 0220 advices (one at a time by default, or a window kept in flight), each group's answers
//! recorded in one commit.
//!
//! Every advice is claimed (`uploading`) before it is sent and goes back to `stored` on
//! any doubt, so whatever happens it is sent again; the host recognises a repeat (same
//! terminal, batch, STAN and content) and answers it without a second effect. A decline
//! is final for that payment only: it is reported and the others go on.

use crate::error::Error;
use crate::i18n::Bilingual;
use crate::iso8583::{decode_message, unionpay, FinancialResponse, MacCheck, TxnType};
use crate::money::{Amount, MAX_MINOR};
use crate::response_code::{OperatorAction, ResponseCode};
use crate::reversal::{Attention, AttentionKind};
use crate::store::{QueuedAdvice, Session, TxnId, UploadOutcome, UploadState};
use crate::sync::{run_window, SyncEvent, SyncReport, SyncStop};

use super::crash_point::crash_point;
use super::exchange::Signing;
use super::Terminal;
use crate::error::TerminalError;

/// One upload's outcome and, when it says so, why the sync should stop.
struct Uploaded {
    id: TxnId,
    outcome: UploadOutcome,
    stop: Option<SyncStop>,
}

/// Codes with which the host says "not now" rather than "no" (system trouble, cut-off).
fn host_trouble(rc: ResponseCode) -> bool {
    matches!(rc.as_str(), "06" | "68" | "90" | "91" | "96" | "98" | "03" | "97")
        || matches!(rc.action(), OperatorAction::Retry | OperatorAction::CallAcquirer)
}

impl Terminal {
    /// Sync now: sends due reversals, then uploads the stored payments. Safe to call at
    /// any time (one sync runs at a time); progress goes to [`Terminal::subscribe`].
    pub async fn sync(&self) -> Result<SyncReport, Error> {
        self.owner("send reversals or upload stored payments")?;
        let _one_sync = self.syncing.lock().await;
        let zero = self.zero();
        let mut report = SyncReport::empty(zero);
        let stats = self.db(|s| s.queue_stats())?;
        let due = self.db(|s| s.due_reversal_count())?;
        self.emit(SyncEvent::Started {
            reversals: due,
            payments: stats.count,
            amount: self.amount_of(stats.total_minor),
        });
        if !self.connectivity.platform_online() {
            report.stop = Some(SyncStop::Offline);
            return self.finish_sync(report).map_err(Error::from);
        }
        let round = self.send_due_reversals().await?;
        report.reversals_acknowledged = round.acknowledged;
        report.stop = if round.needs_sign_in {
            Some(SyncStop::NeedsSignIn)
        } else if round.link_down {
            Some(SyncStop::HostUnreachable)
        } else if round.no_answer {
            Some(SyncStop::NoAnswer)
        } else {
            None
        };
        // Refunds whose answer is unknown are settled by repeating them (see `repeats`).
        if report.stop.is_none() && self.db(|s| s.due_repeat_count())? > 0 {
            if let Ok(session) = self.session() {
                let (settled, left) = self.send_due_repeats(&session).await?;
                tracing::info!(settled, left, "refunds in doubt repeated");
            }
        }
        // Reversals before advices: an advice never overtakes a reversal still owed.
        if report.stop.is_none() {
            self.expire(&mut report)?;
            report.stop = self.upload_all(&mut report).await?;
        }
        self.finish_sync(report).map_err(Error::from)
    }

    /// Recovery after start-up: what [`Terminal::sync`] does, named for the shell's
    /// start-up sequence (open, then recover). Local recovery already ran in `open`.
    pub async fn recover(&self) -> Result<SyncReport, Error> {
        self.sync().await
    }

    fn finish_sync(&self, mut report: SyncReport) -> Result<SyncReport, TerminalError> {
        let stats = self.db(|s| s.queue_stats())?;
        report.left = stats.count;
        report.left_amount = self.amount_of(stats.total_minor);
        report.reversals_left = self.db(|s| s.due_reversal_count())?;
        tracing::info!(report = %report.en(), "sync finished");
        self.emit(SyncEvent::Finished(report.clone()));
        Ok(report)
    }

    /// Marks stored payments past the upload deadline as expired, for the operator.
    fn expire(&self, report: &mut SyncReport) -> Result<(), TerminalError> {
        let now = self.clock.now();
        let deadline = i64::try_from(self.config.offline.upload_deadline.as_secs()).unwrap_or(i64::MAX);
        let expired = self.db(|s| s.expire_stored(now.unix_secs.saturating_sub(deadline), &now.to_string()))?;
        for e in expired {
            report.expired += 1;
            tracing::warn!(stan = %e.txn.numbers.stan, "offline payment past its upload deadline");
            self.emit(SyncEvent::Payment {
                txn_id: e.txn.id,
                voucher: e.txn.numbers.voucher,
                amount: e.txn.amount,
                state: UploadState::Expired,
                response_code: None,
            });
            self.emit(SyncEvent::Attention(Attention {
                kind: AttentionKind::UploadExpired,
                txn_id: e.txn.id,
                voucher: e.txn.numbers.voucher,
                amount: e.txn.amount,
                masked_pan: e.txn.masked_pan.clone(),
                response_code: None,
                attempts: e.attempts,
            }));
        }
        Ok(())
    }

    /// Uploads groups of stored payments until none is left or something says stop.
    async fn upload_all(&self, report: &mut SyncReport) -> Result<Option<SyncStop>, TerminalError> {
        let Ok(session) = self.session() else { return Ok(Some(SyncStop::NeedsSignIn)) };
        let policy = self.config.sync;
        let window = usize::try_from(policy.window.max(1)).unwrap_or(1);
        let mut done = 0u32;
        // Progress counts down from the queue as this upload found it (one query, not one per
        // group over a queue that may hold thousands); `finish_sync` counts the queue again.
        let found = self.db(|s| s.queue_stats())?;
        let (mut left, mut left_minor) = (found.count, found.total_minor);
        loop {
            let claimed = self.db(|s| s.claim_uploads(policy.group.max(1), &self.clock.now().to_string()))?;
            if claimed.is_empty() {
                return Ok(None);
            }
            // In stored order, `window` in flight (the next goes as soon as one is answered);
            // after a stop the rest go back unsent.
            let sent =
                run_window(&claimed, window, |a| self.upload(&session, a), |u: &Uploaded| u.stop.is_some()).await;
            let mut stop = None;
            let uploads: Vec<Uploaded> = claimed
                .iter()
                .zip(sent)
                .map(|(a, u)| match u {
                    Some(u) => {
                        if stop.is_none() {
                            stop = u.stop.clone();
                        }
                        u
                    }
                    None => Uploaded { id: a.txn.id, outcome: UploadOutcome::NotSent, stop: None },
                })
                .collect();
            crash_point("advice_after_send");
            let results: Vec<(TxnId, UploadOutcome)> = uploads.iter().map(|u| (u.id, u.outcome.clone())).collect();
            self.db(|s| s.record_uploads(&results, &self.clock.now().to_string()))?;
            for (u, advice) in uploads.iter().zip(&claimed) {
                if matches!(u.outcome, UploadOutcome::NotSent) {
                    continue;
                }
                self.report_upload(report, u, advice);
                if matches!(u.outcome, UploadOutcome::Accepted { .. } | UploadOutcome::Declined { .. }) {
                    done += 1;
                    left = left.saturating_sub(1);
                    left_minor = left_minor.saturating_sub(advice.txn.amount.map(|a| a.minor()).unwrap_or(0));
                }
            }
            self.emit(SyncEvent::Progress { done, left, left_amount: self.amount_of(left_minor) });
            if stop.is_some() {
                return Ok(stop);
            }
        }
    }

    fn report_upload(&self, report: &mut SyncReport, u: &Uploaded, advice: &QueuedAdvice) {
        let (state, rc) = match &u.outcome {
            UploadOutcome::Accepted { .. } => {
                report.accepted += 1;
                (UploadState::Accepted, Some(ResponseCode::APPROVED))
            }
            UploadOutcome::Declined { response_code } => {
                report.declined += 1;
                tracing::warn!(stan = %advice.txn.numbers.stan, rc = %response_code, "offline payment declined on upload");
                self.emit(SyncEvent::Attention(Attention {
                    kind: AttentionKind::UploadDeclined,
                    txn_id: u.id,
                    voucher: advice.txn.numbers.voucher,
                    amount: advice.txn.amount,
                    masked_pan: advice.txn.masked_pan.clone(),
                    response_code: Some(*response_code),
                    attempts: 1,
                }));
                (UploadState::Declined, Some(*response_code))
            }
            UploadOutcome::Retry { .. } | UploadOutcome::NotSent => (UploadState::Stored, None),
        };
        self.emit(SyncEvent::Payment {
            txn_id: u.id,
            voucher: advice.txn.numbers.voucher,
            amount: advice.txn.amount,
            state,
            response_code: rc,
        });
    }

    /// Sends one advice and reads what came back.
    async fn upload(&self, session: &Session, advice: &QueuedAdvice) -> Uploaded {
        let id = advice.txn.id;
        let retry =
            |error: String, stop: SyncStop| Uploaded { id, outcome: UploadOutcome::Retry { error }, stop: Some(stop) };
        let message = match decode_message(unionpay(), &advice.body) {
            Ok((m, _)) => m,
            // Sealed by this app: unreadable only if altered. Kept, and the rest go on.
            Err(e) => return Uploaded { id, outcome: UploadOutcome::Retry { error: e.en() }, stop: None },
        };
        let stan = advice.txn.numbers.stan;
        let signing = Signing::Mak(&session.mak, session.mac_algorithm);
        let reply = match self.exchange(&message, stan, signing, Some(TxnType::OfflineSale)).await {
            Ok(r) => r,
            Err(e) => {
                let unsent = e.exchange_failure().is_some_and(|f| !f.may_have_reached_host);
                let stop = if unsent { SyncStop::HostUnreachable } else { SyncStop::NoAnswer };
                return retry(e.en(), stop);
            }
        };
        let want = super::payments::Expected {
            txn: TxnType::OfflineSale,
            stan,
            batch: advice.txn.numbers.batch,
            amount: advice.txn.amount,
        };
        let resp = match FinancialResponse::from_message(&reply.frame.message) {
            Ok(r) if super::payments::answer_differs(&r, want, &self.config.tid, &self.config.mid).is_none() => r,
            Ok(_) => return retry("the answer does not match the upload".into(), SyncStop::NoAnswer),
            Err(e) => return retry(format!("unreadable answer: {e}"), SyncStop::NoAnswer),
        };
        let rc = resp.response_code;
        if rc.action() == OperatorAction::SignInAgain && reply.mac != crate::iso8583::MacCheck::Valid {
            // Unsigned: it stops the uploads and asks for a sign-in, but ends no session.
            return retry(format!("unsigned answer {rc}"), SyncStop::NeedsSignIn);
        }
        if rc.action() == OperatorAction::SignInAgain {
            if let Err(e) = self.db(|s| s.clear_session()) {
                tracing::error!(error = %e, "could not drop the session");
            }
            return retry(rc.en(), SyncStop::NeedsSignIn);
        }
        if reply.mac != MacCheck::Valid {
            // Only a signed answer may end a payment's life in the queue.
            return retry(format!("unsigned answer {rc}"), SyncStop::NoAnswer);
        }
        if rc.is_approved() {
            let outcome = UploadOutcome::Accepted { rrn: resp.rrn, host_date: resp.date, host_time: resp.time };
            return Uploaded { id, outcome, stop: None };
        }
        if host_trouble(rc) {
            return retry(rc.en(), SyncStop::HostTrouble { code: rc });
        }
        Uploaded { id, outcome: UploadOutcome::Declined { response_code: rc }, stop: None }
    }

    fn zero(&self) -> Amount {
        self.amount_of(0)
    }

    fn amount_of(&self, minor: u64) -> Amount {
        // Stored amounts are each within field 4; a sum beyond it is shown as the maximum.
        Amount::from_minor(minor.min(MAX_MINOR), self.config.currency)
            .unwrap_or_else(|_| Amount::zero(self.config.currency))
    }
}
