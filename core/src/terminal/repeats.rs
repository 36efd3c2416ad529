//! Settling refunds whose answer never came, by repeating them, and what is left to refund.
//!
//! Why a repeat and not a reversal: the UnionPay profile makes a refund (退货, 0220/25) not
//! reversible, like the other 0220 advices; a host does not take a 0400 for it. What the host
//! does promise is idempotency by terminal, batch and STAN: the same request again is answered
//! from its record (the answer it gave, or, with a content that differs, `94` duplicate) and
//! never acted on twice. So the terminal keeps each refund's request, sealed, from the moment
//! its STAN is taken; when no usable answer comes it is "in doubt", and before anything else is
//! sent for its original (another refund, a void) and on every sync, the very same request
//! (same STAN, same bytes, MAC computed again) is sent as a repeat:
//!
//! - the host had made the refund: it answers `00` from its record, nothing moves again;
//! - the host never saw it: it decides it now, once;
//! - the host declined it: the same decline.
//!
//! Only a signed answer drops the kept request at once. An unsigned decline (which hosts commonly
//! send, and anyone on the path could forge) leaves it kept: the refund is repeated once more
//! before anything else for its original, and a second decline settles it as declined.
//!
//! A retry with a new STAN could never be told apart from a second refund, which is how a
//! retried refund refunded twice. A `94` to a repeat means the host holds a different request
//! under that STAN: nothing can be concluded, so the refund stays in doubt (counted against what
//! is left, no more refunds of its original) and needs the acquirer; it is logged as such.

use crate::i18n::Bilingual;
use crate::iso8583::{decode_message, unionpay, MacCheck, Message};
use crate::money::Amount;
use crate::offline::OfflineRefusal;
use crate::store::{DueRepeat, Session, StoreError, TxnRecord};

use super::exchange::Signing;
use super::payments::Plan;
use super::Terminal;
use crate::error::TerminalError;
use crate::outcome::TxnOutcome;

/// `94`: duplicate transmission.
const DUPLICATE: &str = "94";

/// What one repeat came to.
pub(super) enum Repeated {
    /// The host answered it (signed): recorded, no longer in doubt.
    Settled(Box<TxnOutcome>),
    /// Still in doubt (recorded with why); `link_down` when the host could not be reached at all.
    InDoubt { link_down: bool },
}

impl Terminal {
    /// Settles with the host the refunds of `original` whose answer is unknown, oldest first,
    /// and returns their outcomes. [`TerminalError::RefundInDoubt`] when one cannot be settled
    /// now: nothing else may be sent for that original until it is.
    pub(super) async fn settle_refunds_of(&self, original: &TxnRecord) -> Result<Vec<TxnOutcome>, TerminalError> {
        let doubt = self.db(|s| s.follow_ups(original))?.refunds_in_doubt;
        if doubt.is_empty() {
            return Ok(Vec::new());
        }
        self.tamper_guard()?;
        let session = self.session()?;
        if !self.connectivity.platform_online() {
            return Err(OfflineRefusal::OnlineOnly { txn: crate::iso8583::TxnType::Refund }.into());
        }
        self.reversals_first().await?;
        // One sender of reversals and repeats at a time (the sync timer may run alongside).
        let _one_sender = self.reversing.lock().await;
        let mut settled = Vec::new();
        for d in self.db(|s| s.due_repeats())?.into_iter().filter(|d| doubt.iter().any(|t| t.id == d.txn.id)) {
            match self.send_repeat(&session, &d).await? {
                Repeated::Settled(outcome) => settled.push(*outcome),
                Repeated::InDoubt { .. } => {
                    return Err(TerminalError::RefundInDoubt { txn_id: d.txn.id, voucher: d.txn.numbers.voucher })
                }
            }
        }
        Ok(settled)
    }

    /// Repeats every request in doubt (sync); stops at the first that finds no link. Returns how
    /// many were settled and how many are left.
    pub(super) async fn send_due_repeats(&self, session: &Session) -> Result<(u32, u32), TerminalError> {
        // One sender of reversals and repeats at a time (the sync timer may run alongside).
        let _one_sender = self.reversing.lock().await;
        let due = self.db(|s| s.due_repeats())?;
        let (mut settled, mut left) = (0u32, u32::try_from(due.len()).unwrap_or(u32::MAX));
        for d in due {
            match self.send_repeat(session, &d).await? {
                Repeated::Settled(_) => {
                    settled += 1;
                    left = left.saturating_sub(1);
                }
                Repeated::InDoubt { link_down: true } => break,
                Repeated::InDoubt { link_down: false } => {}
            }
        }
        Ok((settled, left))
    }

    /// Sends one kept request again, as it was (same STAN and content), and records the answer.
    async fn send_repeat(&self, session: &Session, d: &DueRepeat) -> Result<Repeated, TerminalError> {
        let t = &d.txn;
        let message: Message = decode_message(unionpay(), &d.body)?.0;
        let plan = Plan { txn: t.txn_type, amount: t.amount, original: None, payee: None };
        let signing = Signing::Mak(&session.mak, session.mac_algorithm);
        tracing::info!(txn = ?t.txn_type, stan = %t.numbers.stan, attempts = d.attempts, "repeating a request whose answer is unknown");
        let failed = |text: String, link_down: bool| -> Result<Repeated, TerminalError> {
            tracing::warn!(stan = %t.numbers.stan, error = %text, "repeat not settled");
            self.db(|s| s.repeat_failed(t.id, &text, &self.clock.now().to_string()))?;
            Ok(Repeated::InDoubt { link_down })
        };
        let reply = match self.exchange(&message, t.numbers.stan, signing, Some(t.txn_type)).await {
            Ok(reply) => reply,
            Err(e) => {
                let link_down = e.exchange_failure().is_some_and(|f| !f.may_have_reached_host);
                return failed(e.en(), link_down);
            }
        };
        let resp = match self.read_response(&plan, t, &message, &reply) {
            Ok(resp) => resp,
            Err(e) => return failed(e.en(), false),
        };
        if resp.response_code.as_str() == DUPLICATE {
            tracing::error!(stan = %t.numbers.stan, "the host holds another request under this STAN: ask the acquirer");
            return failed("the host reports a duplicate (94): ask the acquirer whether it was refunded".into(), false);
        }
        let masked = t.masked_pan.as_ref().ok_or(StoreError::BadValue { table: "txn", column: "masked_pan" })?;
        let entry = t.entry_mode.ok_or(StoreError::BadValue { table: "txn", column: "entry_mode" })?;
        let outcome = self.finish(&plan, t, (masked, entry), resp, reply.mac == MacCheck::Valid)?;
        if self.db(|s| s.has_repeat(t.id))? {
            // An unsigned decline (hosts commonly leave declines unsigned) of the repeat confirms
            // the first one: the host's record says declined twice, so the refund is settled as
            // declined and a new one may be sent. (Approvals are always signed.)
            self.db(|s| s.drop_repeat(t.id))?;
            tracing::info!(stan = %t.numbers.stan, rc = %outcome.response_code, "repeat declined again (unsigned)");
        }
        tracing::info!(stan = %t.numbers.stan, rc = %outcome.response_code, "repeat answered");
        Ok(Repeated::Settled(Box::new(outcome)))
    }

    /// What is left to refund of `original`: its amount less the refunds in force and those in doubt.
    pub(super) fn refundable(&self, original: &TxnRecord) -> Result<Amount, TerminalError> {
        let zero = Amount::zero(self.config.currency);
        let Some(amount) = original.amount else { return Ok(zero) };
        let f = self.db(|s| s.follow_ups(original))?;
        let doubt: u64 = f.refunds_in_doubt.iter().filter_map(|t| t.amount).map(|a| a.minor()).sum();
        let left = amount.minor().saturating_sub(f.refunded_minor).saturating_sub(doubt);
        Ok(Amount::from_minor(left, amount.currency()).unwrap_or(zero))
    }
}
