//! The financial transactions: read the card, record the request, send it, record the answer.
//!
//! Every type goes through [`Terminal::run`], which keeps the order the guarantees
//! need: the row and its STAN are committed before anything is sent, and the row
//! becomes approved only from a matched response whose MAC verified.

use crate::acquirer::{AcquirerError, Reply};
use crate::i18n::Bilingual;
use crate::iso8583::{FinancialRequest, FinancialResponse, Message, TxnType};
use crate::money::Amount;
use crate::reader::{CardRead, CardRequest};
use crate::response_code::OperatorAction;
use crate::store::{HostAnswer, NewTxn, Session, TxnRecord};

use super::error::TerminalError;
use super::exchange::{failure, Signing};
use super::original::{resolve, OriginalRef, Resolved};
use super::outcome::{parse_balance, TxnOutcome};
use super::Terminal;

/// 60.4: the reader takes stripe, chip and contactless cards.
const READ_CAPABILITY: u8 = 6;

/// One financial transaction to run.
struct Plan {
    txn: TxnType,
    amount: Option<Amount>,
    original: Option<Resolved>,
}

impl Terminal {
    /// 消费: a sale of `amount`.
    pub async fn sale(&self, amount: Amount) -> Result<TxnOutcome, TerminalError> {
        self.run(Plan { txn: TxnType::Sale, amount: Some(self.checked(amount)?), original: None }).await
    }

    /// 消费撤销: voids a sale of the current batch, named by voucher or STAN, for its full amount.
    pub async fn void(&self, original: OriginalRef) -> Result<TxnOutcome, TerminalError> {
        let o = resolve(&self.store, TxnType::Void, &original)?;
        self.run(Plan { txn: TxnType::Void, amount: o.amount, original: Some(o) }).await
    }

    /// 退货: refunds `amount` (all or part) of a sale, named by RRN and date or by a voucher of this terminal.
    pub async fn refund(&self, amount: Amount, original: OriginalRef) -> Result<TxnOutcome, TerminalError> {
        let amount = self.checked(amount)?;
        let o = resolve(&self.store, TxnType::Refund, &original)?;
        if o.amount.is_some_and(|orig| amount > orig) {
            return Err(TerminalError::invalid("退货金额超过原交易金额", "refund exceeds the original amount"));
        }
        self.run(Plan { txn: TxnType::Refund, amount: Some(amount), original: Some(o) }).await
    }

    /// 预授权: reserves `amount`.
    pub async fn pre_auth(&self, amount: Amount) -> Result<TxnOutcome, TerminalError> {
        self.run(Plan { txn: TxnType::PreAuth, amount: Some(self.checked(amount)?), original: None }).await
    }

    /// 预授权撤销: releases a pre-auth of `amount`, named by voucher or by auth code and date.
    pub async fn pre_auth_cancel(&self, amount: Amount, original: OriginalRef) -> Result<TxnOutcome, TerminalError> {
        let amount = self.checked(amount)?;
        let o = resolve(&self.store, TxnType::PreAuthCancel, &original)?;
        if o.amount.is_some_and(|orig| amount != orig) {
            return Err(TerminalError::invalid(
                "撤销金额须等于预授权金额",
                "the amount must equal the pre-auth amount",
            ));
        }
        self.run(Plan { txn: TxnType::PreAuthCancel, amount: Some(amount), original: Some(o) }).await
    }

    /// 预授权完成: completes a pre-auth for `amount`, named by voucher or by auth code and date.
    pub async fn pre_auth_complete(&self, amount: Amount, original: OriginalRef) -> Result<TxnOutcome, TerminalError> {
        let amount = self.checked(amount)?;
        let o = resolve(&self.store, TxnType::PreAuthCompletion, &original)?;
        self.run(Plan { txn: TxnType::PreAuthCompletion, amount: Some(amount), original: Some(o) }).await
    }

    /// 完成撤销: cancels a completion of the current batch, named by voucher or STAN, for its full amount.
    pub async fn completion_cancel(&self, original: OriginalRef) -> Result<TxnOutcome, TerminalError> {
        let o = resolve(&self.store, TxnType::CompletionCancel, &original)?;
        self.run(Plan { txn: TxnType::CompletionCancel, amount: o.amount, original: Some(o) }).await
    }

    /// 余额查询: asks the issuer for the card's balance.
    pub async fn balance(&self) -> Result<TxnOutcome, TerminalError> {
        self.run(Plan { txn: TxnType::BalanceInquiry, amount: None, original: None }).await
    }

    fn checked(&self, amount: Amount) -> Result<Amount, TerminalError> {
        if amount.minor() == 0 {
            return Err(TerminalError::invalid("金额不能为零", "the amount cannot be zero"));
        }
        if amount.currency() != self.config.currency {
            return Err(TerminalError::invalid("币种不符", "wrong currency for this terminal"));
        }
        Ok(amount)
    }

    /// The session, or `NotSignedIn`.
    fn session(&self) -> Result<Session, TerminalError> {
        self.store.session()?.filter(|s| s.tid == self.config.tid).ok_or(TerminalError::NotSignedIn)
    }

    async fn run(&self, plan: Plan) -> Result<TxnOutcome, TerminalError> {
        let session = self.session()?;
        let at = self.clock.now();
        let card = self
            .reader
            .read_card(CardRequest {
                txn: plan.txn,
                amount: plan.amount,
                timeout: self.config.card_timeout,
                pin_entry: self.config.pin_policy.asks(plan.txn),
                at,
            })
            .await?;
        let original = plan.original.clone().unwrap_or_default();
        if original.fingerprint.is_some_and(|f| f != card.fingerprint) {
            return Err(TerminalError::invalid("不是原交易的卡", "this is not the card of the original transaction"));
        }
        let record = self.store.begin_txn(&NewTxn {
            txn_type: plan.txn,
            amount: plan.amount,
            masked_pan: Some(card.masked_pan.clone()),
            fingerprint: Some(card.fingerprint),
            entry_mode: Some(card.entry_mode),
            original: original.refs.clone(),
            local_date: at.mmdd(),
            at: at.to_string(),
        })?;
        tracing::info!(
            txn = ?plan.txn, stan = %record.numbers.stan, batch = %record.numbers.batch,
            pan = %card.masked_pan, entry = %card.entry_mode.to_field(), "sending"
        );
        let message = match self.request(&plan, &original, &card, &record) {
            Ok(m) => m,
            Err(e) => {
                self.store.record_failure(record.id, &e.en(), false, &self.clock.now().to_string())?;
                return Err(e);
            }
        };
        let signing = Signing::Mak(&session.mak, session.mac_algorithm);
        let answered = match self.exchange(&message, record.numbers.stan, signing, Some(plan.txn)).await {
            Ok(reply) => self.read_response(&plan, &record, &message, &reply),
            Err(e) => Err(e),
        };
        match answered {
            Ok(resp) => self.finish(&plan, &record, &card, resp),
            Err(mut e) => {
                let now = self.clock.now().to_string();
                let reached = e.exchange_failure().is_some_and(|f| f.may_have_reached_host);
                if let Err(store) = self.store.record_failure(record.id, &e.en(), reached, &now) {
                    // The row stays `pending`, which recovery treats as "may have been sent";
                    // the caller still needs the exchange failure (and its reversal) more.
                    tracing::error!(error = %store, stan = %record.numbers.stan, "could not record the failure");
                }
                if let TerminalError::Exchange(f) = &mut e {
                    f.txn_id = Some(record.id);
                }
                tracing::warn!(txn = ?plan.txn, stan = %record.numbers.stan, error = %e, reached, "not approved");
                Err(e)
            }
        }
    }

    fn request(
        &self,
        plan: &Plan,
        original: &Resolved,
        card: &CardRead,
        record: &TxnRecord,
    ) -> Result<Message, TerminalError> {
        let refers = plan.txn.refers_to_original();
        // Voids and completion cancels name their original by batch and STAN; the others by date.
        let with_date = !matches!(plan.txn, TxnType::Void | TxnType::CompletionCancel);
        let request = FinancialRequest {
            txn: plan.txn,
            amount: plan.amount,
            stan: record.numbers.stan,
            tid: self.config.tid.clone(),
            mid: self.config.mid.clone(),
            batch: record.numbers.batch,
            card: card.card_fields(),
            original_rrn: original.refs.rrn.clone().filter(|_| refers),
            original_auth: original.refs.auth_code.clone().filter(|_| refers),
            original: if refers { Some(original.field61(with_date)?) } else { None },
            read_capability: Some(READ_CAPABILITY),
            ic_condition: Some(card.ic_condition),
        };
        Ok(request.to_message(true)?)
    }

    /// Reads the reply and checks it answers this very request.
    fn read_response(
        &self,
        plan: &Plan,
        record: &TxnRecord,
        request: &Message,
        reply: &Reply,
    ) -> Result<FinancialResponse, TerminalError> {
        let unmatched = |e: AcquirerError| TerminalError::from(failure(Some(plan.txn), request, e));
        let resp = FinancialResponse::from_message(&reply.frame.message)
            .map_err(|e| unmatched(AcquirerError::Malformed(e)))?;
        let differs = if resp.txn != plan.txn {
            Some("transaction type")
        } else if resp.stan != record.numbers.stan || resp.tid != self.config.tid {
            Some("terminal or STAN")
        } else if resp.mid != self.config.mid {
            Some("merchant")
        } else if resp.amount.is_some() && plan.amount.is_some() && resp.amount != plan.amount {
            Some("amount")
        } else {
            None
        };
        match differs {
            Some(what) => Err(unmatched(AcquirerError::Unmatched { reason: what.into() })),
            None => Ok(resp),
        }
    }

    /// Records the answer and builds the outcome. If the row cannot be written the
    /// error is returned even for an approval: the row stays `pending`, and a pending
    /// money-moving row is what the journal's recovery reverses.
    fn finish(
        &self,
        plan: &Plan,
        record: &TxnRecord,
        card: &CardRead,
        resp: FinancialResponse,
    ) -> Result<TxnOutcome, TerminalError> {
        let rc = resp.response_code;
        let stored = self.store.record_answer(
            record.id,
            &HostAnswer {
                response_code: rc,
                rrn: resp.rrn.clone(),
                auth_code: resp.auth_code.clone(),
                host_date: resp.date.clone(),
                host_time: resp.time.clone(),
            },
            &self.clock.now().to_string(),
        )?;
        if rc.action() == OperatorAction::SignInAgain {
            // The host says our keys or batch are out of step: no more requests until a sign-in.
            self.store.clear_session()?;
        }
        tracing::info!(txn = ?plan.txn, stan = %record.numbers.stan, rc = %rc, pan = %card.masked_pan, "answered");
        Ok(TxnOutcome {
            txn: plan.txn,
            approved: rc.is_approved(),
            response_code: rc,
            action: rc.action(),
            message_zh: rc.zh(),
            message_en: rc.en(),
            stan: stored.numbers.stan,
            batch: stored.numbers.batch,
            voucher: stored.numbers.voucher,
            rrn: resp.rrn,
            auth_code: resp.auth_code,
            amount: plan.amount,
            masked_pan: card.masked_pan.clone(),
            entry_mode: card.entry_mode,
            balance: resp.balance.as_deref().and_then(|b| parse_balance(b, self.config.currency)),
            host_date: resp.date,
            host_time: resp.time,
            txn_id: record.id,
        })
    }
}
