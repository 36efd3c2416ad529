//! Sending due reversals, cancelling an approval whose receipt could not be printed, and
//! what needs the operator's attention.
//!
//! A reversal is sent up to `sends_per_attempt` times while no usable answer comes, and
//! acknowledged only by a matched, MAC-valid 0410 with `00` (or `12`/`25`: the host has
//! nothing to undo). Any other outcome keeps it due for the next attempt: before the next
//! online request, on connectivity return, on the sync timer.

use crate::error::Error;
use crate::i18n::Bilingual;
use crate::iso8583::{decode_message, unionpay, FinancialResponse, MacCheck, Message};
use crate::response_code::{OperatorAction, ResponseCode};
use crate::reversal::{Attention, AttentionKind};
use crate::store::{DueReversal, TxnId, UploadState};
use crate::sync::SyncEvent;

use super::crash_point::crash_point;
use super::exchange::Signing;
use super::Terminal;
use crate::error::TerminalError;

/// What one round of reversal sending achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct ReversalRound {
    /// Acknowledged by the host.
    pub acknowledged: u32,
    /// Still due afterwards.
    pub left: u32,
    /// The host could not be reached at all: nothing else should be tried now.
    pub link_down: bool,
    /// Sent but unanswered.
    pub no_answer: bool,
    /// No sign-in in force, or the host asked for a new one.
    pub needs_sign_in: bool,
}

/// How the host answered one reversal.
enum Answer {
    /// Done: erase it.
    Acknowledged,
    /// Answered, but not an acknowledgement we can trust.
    Refused { text: String, sign_in: bool },
}

/// What one attempt at one reversal came to.
enum Attempt {
    /// The host answered.
    Answered(Answer),
    /// Never reached the host (no connection).
    Unsent,
    /// Sent, but no usable answer to any send.
    NoAnswer,
}

/// Codes by which the host says the original needs no undoing (`12`: already done, `25`: not found).
fn nothing_to_undo(rc: ResponseCode) -> bool {
    matches!(rc.as_str(), "12" | "25")
}

impl Terminal {
    /// Sends every due reversal (one at a time, oldest first), each up to the policy's count.
    pub(crate) async fn send_due_reversals(&self) -> Result<ReversalRound, TerminalError> {
        let _one_sender = self.reversing.lock().await;
        let due = self.db(|s| s.due_reversals())?;
        let mut round = ReversalRound { left: u32::try_from(due.len()).unwrap_or(u32::MAX), ..Default::default() };
        if due.is_empty() {
            return Ok(round);
        }
        let Ok(session) = self.session() else {
            round.needs_sign_in = true;
            return Ok(round);
        };
        for d in due {
            match self.send_reversal(&d, &session.mak, session.mac_algorithm).await? {
                Attempt::Answered(Answer::Acknowledged) => {
                    round.acknowledged += 1;
                    round.left = round.left.saturating_sub(1);
                }
                Attempt::Answered(Answer::Refused { sign_in, .. }) => {
                    if sign_in {
                        round.needs_sign_in = true;
                        break;
                    }
                }
                Attempt::NoAnswer => round.no_answer = true,
                Attempt::Unsent => {
                    round.link_down = true;
                    break;
                }
            }
        }
        Ok(round)
    }

    /// One attempt at one reversal; `None` when no usable answer came.
    async fn send_reversal(
        &self,
        d: &DueReversal,
        mak: &crate::crypto::SecretKey,
        algo: crate::crypto::MacAlgorithm,
    ) -> Result<Attempt, TerminalError> {
        let id = d.record.txn.id;
        let stan = d.record.txn.numbers.stan;
        let mut message: Message = decode_message(unionpay(), &d.body)?.0;
        message.set(39, d.record.reason.bytes())?;
        let sends_allowed = self.config.reversal.sends_per_attempt.max(1);
        let mut sends = 0;
        let mut attempt = Attempt::NoAnswer;
        let mut last_error = String::new();
        while sends < sends_allowed {
            sends += 1;
            match self.exchange(&message, stan, Signing::Mak(mak, algo), None).await {
                Ok(reply) => {
                    crash_point("reversal_after_send");
                    attempt = Attempt::Answered(read_answer(&reply.frame.message, reply.mac));
                    break;
                }
                Err(e) => {
                    last_error = e.en();
                    // No connection at all: sending again at once will not help.
                    if e.exchange_failure().is_some_and(|f| !f.may_have_reached_host) {
                        attempt = Attempt::Unsent;
                        break;
                    }
                }
            }
        }
        let now = self.clock.now().to_string();
        match &attempt {
            Attempt::Answered(Answer::Acknowledged) => {
                self.db(|s| s.acknowledge_reversal(id, sends, &now))?;
                tracing::info!(stan = %stan, sends, "reversal acknowledged");
                self.emit(SyncEvent::ReversalAcknowledged { txn_id: id });
            }
            other => {
                if let Attempt::Answered(Answer::Refused { text, sign_in }) = other {
                    last_error = text.clone();
                    if *sign_in {
                        self.db(|s| s.clear_session())?;
                    }
                }
                let rounds = self.db(|s| s.reversal_attempt_failed(id, sends, &last_error, &now))?;
                tracing::warn!(stan = %stan, sends, rounds, error = %last_error, "reversal not acknowledged");
                self.emit(SyncEvent::ReversalFailed { txn_id: id, rounds });
                if self.config.reversal.needs_attention(rounds) {
                    if let Some(a) = self.db(|s| s.reversal(id))?.map(|r| stuck(&r)) {
                        self.emit(SyncEvent::Attention(a));
                    }
                }
            }
        }
        Ok(attempt)
    }

    /// Reverses an approval whose receipt could not be printed, at the operator's request:
    /// the customer is never charged without a slip. The reversal is sent at once and
    /// kept until acknowledged; `Ok(true)` when the host has already acknowledged it.
    pub async fn cancel_unprinted(&self, txn: TxnId) -> Result<bool, Error> {
        self.owner("cancel a payment")?;
        if !self.db(|s| s.cancel_held(txn, &self.clock.now().to_string()))? {
            return Err(TerminalError::not_eligible(
                "此交易已完成（签购单已确认），不能取消，请改用撤销",
                "this payment is already complete (its receipt was confirmed): use a void instead",
            )
            .into());
        }
        tracing::info!(txn = %txn, "approval cancelled: receipt could not be printed");
        if let Err(e) = self.send_due_reversals().await {
            // Kept due: it goes with the next request or sync.
            tracing::warn!(error = %e, "reversal of a cancelled approval not sent yet");
        }
        Ok(self.db(|s| s.reversal(txn))?.is_some_and(|r| r.state == crate::reversal::ReversalState::Acknowledged))
    }

    /// Marks a payment complete (its receipt printed, or the customer declined one): it can
    /// no longer be cancelled by [`Terminal::cancel_unprinted`]. Starting the next payment
    /// does the same.
    pub fn complete(&self, txn: TxnId) -> Result<(), Error> {
        self.owner("complete a payment")?;
        Ok(self.db(|s| s.complete_txn(txn))?)
    }

    /// What needs the operator: reversals failing repeatedly, stored payments the host
    /// declined or that expired. Each says what to tell the customer.
    /// Items the operator acknowledged ([`Terminal::acknowledge_attention`]) are left out.
    pub fn attention(&self) -> Result<Vec<Attention>, Error> {
        let acked = self.db(|s| s.acknowledged_attention())?;
        let mut out: Vec<Attention> = self
            .store
            .open_reversals()?
            .iter()
            .filter(|r| {
                r.state == crate::reversal::ReversalState::Due
                    && self.config.reversal.needs_attention(r.rounds)
                    && !acked.reversals.contains(&r.txn.id)
            })
            .map(stuck)
            .collect();
        for e in self.db(|s| s.failed_uploads())? {
            if acked.uploads.contains(&e.txn.id) {
                continue;
            }
            out.push(Attention {
                kind: if e.state == UploadState::Expired {
                    AttentionKind::UploadExpired
                } else {
                    AttentionKind::UploadDeclined
                },
                txn_id: e.txn.id,
                voucher: e.txn.numbers.voucher,
                amount: e.txn.amount,
                masked_pan: e.txn.masked_pan.clone(),
                response_code: e.response_code,
                attempts: e.attempts,
            });
        }
        Ok(out)
    }
}

impl Terminal {
    /// Records that the operator dealt with what needs attention for transaction `txn` (told
    /// the customer): its items leave [`Terminal::attention`]; a stuck reversal keeps being
    /// retried, and the journal is unchanged. Returns the items acknowledged.
    pub fn acknowledge_attention(&self, txn: TxnId) -> Result<Vec<Attention>, Error> {
        self.owner("acknowledge an item needing attention")?;
        let items: Vec<Attention> = self.attention()?.into_iter().filter(|a| a.txn_id == txn).collect();
        if items.is_empty() {
            return Err(Error::invalid_input(
                format!("交易{}没有需要处理的提醒（可能已确认过）", txn.0),
                format!("transaction {} has nothing needing attention (it may be acknowledged already)", txn.0),
            ));
        }
        self.db(|s| s.acknowledge_attention(txn, &self.clock.now().to_string()))?;
        Ok(items)
    }
}

fn stuck(r: &crate::store::ReversalRecord) -> Attention {
    Attention {
        kind: AttentionKind::ReversalStuck,
        txn_id: r.txn.id,
        voucher: r.txn.numbers.voucher,
        amount: r.txn.amount,
        masked_pan: r.txn.masked_pan.clone(),
        response_code: None,
        attempts: r.rounds,
    }
}

/// Reads a 0410: only a signed acknowledgement counts.
fn read_answer(m: &Message, mac: MacCheck) -> Answer {
    let resp = match FinancialResponse::from_message(m) {
        Ok(r) => r,
        Err(e) => return Answer::Refused { text: format!("unreadable reversal answer: {e}"), sign_in: false },
    };
    let rc = resp.response_code;
    let signed = mac == MacCheck::Valid;
    if signed && (rc.is_approved() || nothing_to_undo(rc)) {
        return Answer::Acknowledged;
    }
    Answer::Refused {
        text: if signed { format!("reversal answered {}", rc.en()) } else { format!("unsigned reversal answer {rc}") },
        // Only a signed answer may end the session (see `Terminal::finish`).
        sign_in: signed && rc.action() == OperatorAction::SignInAgain,
    }
}
