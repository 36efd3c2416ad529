//! The financial transactions: read the card, record the request, send it, record the answer.
//!
//! Every type goes through [`Terminal::run`], which keeps the order the guarantees
//! need: due reversals go before anything else; the row, its STAN and (for reversible
//! types) its armed reversal are committed together before anything is sent; the row
//! becomes approved only from a matched response whose MAC verified, and only such an
//! answer settles the reversal.

use crate::error::Error;
use zeroize::Zeroizing;

use crate::acquirer::{AcquirerError, Reply};
use crate::card::MaskedPan;
use crate::i18n::Bilingual;
use crate::iso8583::{
    encode_message, unionpay, EntryMode, FinancialRequest, FinancialResponse, MacCheck, Message, TxnType,
};
use crate::money::Amount;
use crate::offline::OfflineRefusal;
use crate::reader::{CardRead, CardRequest, ReaderError};
use crate::response_code::OperatorAction;
use crate::reversal::{reversal_message, ReversalCause};
use crate::store::{Failure, Guard, HostAnswer, NewTxn, Session, StoreError, TxnRecord, TxnStatus};
use crate::tms::blacklist;

use super::crash_point::crash_point;
use super::exchange::{failure, Signing};
use super::original::{resolve, OriginalRef, Resolved};
use super::Terminal;
use crate::error::TerminalError;
use crate::outcome::{parse_balance, TxnOutcome};

/// 60.4: the reader takes stripe, chip and contactless cards.
const READ_CAPABILITY: u8 = 6;

/// One financial transaction to run.
pub(super) struct Plan {
    pub txn: TxnType,
    pub amount: Option<Amount>,
    pub original: Option<Resolved>,
    /// A transfer's payee account (field 103), digits.
    pub payee: Option<String>,
}

/// The digits a transfer's payee account may have (field 103 is an..28; a bank account number
/// in China has 10 to 19, a card number up to 19).
const PAYEE_DIGITS: std::ops::RangeInclusive<usize> = 6..=28;

impl Terminal {
    /// 转账: `amount` from the card presented to the account `payee` (digits), online only, with
    /// the PIN; its reversal is armed before it is sent, like a sale's. It counts in the batch's
    /// debit totals. The payee is sent whole in field 103 and journaled masked (first 6, last 4).
    pub async fn transfer(&self, amount: Amount, payee: &str) -> Result<TxnOutcome, Error> {
        self.owner("make a transfer")?;
        self.tamper_guard()?;
        let payee: String = payee.chars().filter(|c| !c.is_whitespace()).collect();
        if !PAYEE_DIGITS.contains(&payee.len()) || !payee.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid_input(
                "收款账号须为 6 至 28 位数字",
                "the payee account must be 6 to 28 digits",
            ));
        }
        let amount = self.checked(amount)?;
        self.run(Plan { txn: TxnType::Transfer, amount: Some(amount), original: None, payee: Some(payee) })
            .await
            .map_err(Error::from)
    }

    /// 消费: a sale of `amount`, online or offline as the configured preference allows
    /// (see [`Terminal::sale_with`]).
    pub async fn sale(&self, amount: Amount) -> Result<TxnOutcome, Error> {
        self.sale_with(amount, self.config.preference).await
    }

    /// 消费撤销: voids a sale of the current batch, named by voucher or STAN, for its full amount.
    pub async fn void(&self, original: OriginalRef) -> Result<TxnOutcome, Error> {
        let o = resolve(&self.store, TxnType::Void, &original)?;
        self.run(Plan { txn: TxnType::Void, amount: o.amount, original: Some(o), payee: None })
            .await
            .map_err(Error::from)
    }

    /// 退货: refunds `amount` (all or part) of a sale, completion or uploaded offline sale, named
    /// by RRN and date or by a voucher of this terminal.
    ///
    /// For an original of this terminal, an earlier refund whose answer never came is settled
    /// with the host first (see [`Terminal::settle_refunds_of`]): when that earlier refund was
    /// for the same amount and is approved, this call is its retry and returns its outcome
    /// without sending anything new. Then the amount is checked against what is left to refund
    /// ([`Error::RefundAboveRemainder`], before a card is read or a voucher taken).
    pub async fn refund(&self, amount: Amount, original: OriginalRef) -> Result<TxnOutcome, Error> {
        let amount = self.checked(amount)?;
        let o = resolve(&self.store, TxnType::Refund, &original)?;
        if let Some(record) = &o.record {
            let settled = self.settle_refunds_of(record).await?;
            if let Some(earlier) = settled.into_iter().find(|s| s.approved && s.amount == Some(amount)) {
                tracing::info!(stan = %earlier.stan, "the refund retried was made: its answer, nothing sent again");
                return Ok(earlier);
            }
            let left = self.refundable(record)?;
            if amount > left {
                return Err(TerminalError::RefundAboveRemainder { left }.into());
            }
        }
        self.run(Plan { txn: TxnType::Refund, amount: Some(amount), original: Some(o), payee: None })
            .await
            .map_err(Error::from)
    }

    /// 预授权: reserves `amount`.
    pub async fn pre_auth(&self, amount: Amount) -> Result<TxnOutcome, Error> {
        self.run(Plan { txn: TxnType::PreAuth, amount: Some(self.checked(amount)?), original: None, payee: None })
            .await
            .map_err(Error::from)
    }

    /// 预授权撤销: releases a pre-auth of `amount`, named by voucher or by auth code and date.
    pub async fn pre_auth_cancel(&self, amount: Amount, original: OriginalRef) -> Result<TxnOutcome, Error> {
        let amount = self.checked(amount)?;
        let o = resolve(&self.store, TxnType::PreAuthCancel, &original)?;
        if let Some(orig) = o.amount.filter(|orig| amount != *orig) {
            return Err(TerminalError::invalid(
                &format!("预授权撤销须撤销全额：预授权金额为 {orig}"),
                &format!("a pre-auth is cancelled in full: its amount is {orig}"),
            )
            .into());
        }
        self.run(Plan { txn: TxnType::PreAuthCancel, amount: Some(amount), original: Some(o), payee: None })
            .await
            .map_err(Error::from)
    }

    /// 预授权完成: completes a pre-auth for `amount` (at most its amount), named by voucher or by
    /// auth code and date. A pre-auth whose completion was cancelled can be completed again.
    pub async fn pre_auth_complete(&self, amount: Amount, original: OriginalRef) -> Result<TxnOutcome, Error> {
        let amount = self.checked(amount)?;
        let o = resolve(&self.store, TxnType::PreAuthCompletion, &original)?;
        // The host captures at most what the pre-auth holds: say so here rather than have it declined.
        if let Some(hold) = o.amount.filter(|hold| amount > *hold) {
            return Err(TerminalError::CompletionAboveHold { hold }.into());
        }
        self.run(Plan { txn: TxnType::PreAuthCompletion, amount: Some(amount), original: Some(o), payee: None })
            .await
            .map_err(Error::from)
    }

    /// 完成撤销: cancels a completion of the current batch, named by voucher or STAN, for its full amount.
    pub async fn completion_cancel(&self, original: OriginalRef) -> Result<TxnOutcome, Error> {
        let o = resolve(&self.store, TxnType::CompletionCancel, &original)?;
        self.run(Plan { txn: TxnType::CompletionCancel, amount: o.amount, original: Some(o), payee: None })
            .await
            .map_err(Error::from)
    }

    /// 余额查询: asks the issuer for the card's balance.
    pub async fn balance(&self) -> Result<TxnOutcome, Error> {
        self.run(Plan { txn: TxnType::BalanceInquiry, amount: None, original: None, payee: None })
            .await
            .map_err(Error::from)
    }

    pub(super) fn checked(&self, amount: Amount) -> Result<Amount, TerminalError> {
        if amount.minor() == 0 {
            return Err(TerminalError::invalid("金额不能为零", "the amount cannot be zero"));
        }
        if amount.currency() != self.config.currency {
            return Err(TerminalError::invalid("币种不符", "wrong currency for this terminal"));
        }
        Ok(amount)
    }

    /// The session, or `NotSignedIn`.
    pub(super) fn session(&self) -> Result<Session, TerminalError> {
        self.db(|s| s.session())?.filter(|s| s.tid == self.config.tid).ok_or(TerminalError::NotSignedIn)
    }

    /// An online transaction: reversals first, then the card, then the exchange.
    pub(super) async fn run(&self, plan: Plan) -> Result<TxnOutcome, TerminalError> {
        self.owner("take a payment")?;
        self.tamper_guard()?;
        let session = self.session()?;
        if !self.connectivity.platform_online() {
            return Err(TerminalError::Offline(match plan.txn {
                TxnType::Sale => OfflineRefusal::OnlineRequired,
                txn => OfflineRefusal::OnlineOnly { txn },
            }));
        }
        self.reversals_first().await?;
        let card = self.read(&plan).await?;
        let risk = self.risk_gate(plan.txn, plan.amount, &card, false, None).await?;
        let result = self.online(&plan, &session, &card).await;
        self.risk_link(risk, &result);
        result
    }

    /// Sends due reversals before any other online request; refuses to go on while the
    /// host cannot be reached or does not answer them (the request would fare the same).
    pub(super) async fn reversals_first(&self) -> Result<(), TerminalError> {
        let round = self.send_due_reversals().await?;
        if round.link_down || round.no_answer {
            return Err(TerminalError::ReversalPending { count: round.left });
        }
        Ok(())
    }

    /// Asks the reader for the card of `plan`.
    pub(super) async fn read(&self, plan: &Plan) -> Result<CardRead, TerminalError> {
        self.tamper_guard()?;
        self.load_chip_parameters().await;
        let prefix_lengths = self.blacklist()?.lengths();
        let card = self
            .reader
            .read_card(CardRequest {
                txn: plan.txn,
                amount: plan.amount,
                timeout: self.config.card_timeout,
                pin_entry: self.config.pin_policy.asks(plan.txn),
                at: self.clock.now(),
                prefix_lengths,
            })
            .await
            .map_err(|e| self.note_reader_error(e))?;
        // Checked against what was asked before anything uses it: one fingerprint for each
        // listed length the card number has.
        let expected = blacklist::prefix_lengths(prefix_lengths, card.masked_pan.as_str().len()).count();
        if card.prefix_fingerprints.len() != expected {
            return Err(self.note_reader_error(ReaderError::Protocol(format!(
                "{} prefix fingerprints where {expected} were asked for",
                card.prefix_fingerprints.len()
            ))));
        }
        Ok(card)
    }

    /// Journals the request (row, STAN and armed reversal in one SQLite transaction),
    /// sends it and records what came back.
    pub(super) async fn online(
        &self,
        plan: &Plan,
        session: &Session,
        card: &CardRead,
    ) -> Result<TxnOutcome, TerminalError> {
        let at = self.clock.now();
        let original = plan.original.clone().unwrap_or_default();
        if original.fingerprint.is_some_and(|f| f != card.fingerprint) {
            // The last four digits of the original's card, so the operator asks for the right one.
            let last4: String = plan
                .original
                .as_ref()
                .and_then(|o| o.record.as_ref())
                .and_then(|r| r.masked_pan.as_ref())
                .map(|p| p.last4().to_string())
                .unwrap_or_default();
            return Err(TerminalError::invalid(
                &format!("不是原交易的卡：请使用原交易的卡（卡号尾号 {last4}）"),
                &format!("this is not the card of the original: present the card ending {last4}"),
            ));
        }
        let new = NewTxn {
            txn_type: plan.txn,
            amount: plan.amount,
            masked_pan: Some(card.masked_pan.clone()),
            fingerprint: Some(card.fingerprint),
            entry_mode: Some(card.entry_mode),
            original: original.refs.clone(),
            local_date: at.mmdd(),
            at: at.to_string(),
            payee: plan.payee.as_deref().map(crate::redact::mask_pan_digits),
        };
        let (record, message) = self.db(|s| {
            s.begin_guarded(&new, |record| -> Result<_, TerminalError> {
                let message = self.request(plan, &original, card, record)?;
                let guard = if plan.txn.is_reversible() {
                    Guard::Reversal(reversal_body(&message)?)
                } else if plan.txn == TxnType::Refund {
                    // Not reversible: kept to be sent again, as a repeat, if its answer does not come.
                    Guard::Repeat(request_body(&message)?)
                } else {
                    Guard::None
                };
                Ok((message, guard))
            })
        })?;
        crash_point("journal_committed");
        tracing::info!(
            txn = ?plan.txn, stan = %record.numbers.stan, batch = %record.numbers.batch,
            pan = %card.masked_pan, entry = %card.entry_mode.to_field(), "sending"
        );
        let signing = Signing::Mak(&session.mak, session.mac_algorithm);
        let answered = match self.exchange(&message, record.numbers.stan, signing, Some(plan.txn)).await {
            Ok(reply) => self.read_response(plan, &record, &message, &reply).map(|r| (r, reply.mac)),
            Err(e) => Err(e),
        };
        match answered {
            Ok((resp, mac)) => {
                crash_point("after_send");
                let outcome =
                    self.finish(plan, &record, (&card.masked_pan, card.entry_mode), resp, mac == MacCheck::Valid);
                let mut unrecorded = false;
                if let Err(e) = &outcome {
                    // Not recorded (a full disk, say), though the host may have approved:
                    // make the reversal due now rather than at the next start.
                    let pending =
                        self.db(|s| s.txn(record.id)).ok().flatten().is_some_and(|t| t.status == TxnStatus::Pending);
                    // The operator must not read "the payments stored are safe" here: this one
                    // did not complete, and may be charged until its reversal goes.
                    unrecorded = pending && e.is_disk_full();
                    if pending {
                        let text = format!("the answer could not be recorded: {}", e.en());
                        let failure =
                            Failure { text: &text, may_have_reached_host: true, cause: ReversalCause::Interrupted };
                        if let Err(store) =
                            self.db(|s| s.record_failure(record.id, &failure, &self.clock.now().to_string()))
                        {
                            tracing::error!(error = %store, stan = %record.numbers.stan, "reversal left for recovery");
                        }
                    }
                }
                crash_point("after_persist");
                if unrecorded {
                    return Err(TerminalError::from(StoreError::AnswerUnrecorded));
                }
                outcome
            }
            Err(mut e) => {
                let now = self.clock.now().to_string();
                let (reached, cause) = match e.exchange_failure() {
                    Some(f) => (f.may_have_reached_host, ReversalCause::of(&f.error)),
                    None => (true, ReversalCause::Unmatched),
                };
                let text = e.en();
                let failure = Failure { text: &text, may_have_reached_host: reached, cause };
                if let Err(store) = self.db(|s| s.record_failure(record.id, &failure, &now)) {
                    // The row stays `pending` with its reversal armed, which recovery treats
                    // as "may have been sent"; the caller still needs the exchange failure more.
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

    pub(super) fn request(
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
            payee_account: plan.payee.clone(),
        };
        Ok(request.to_message(true)?)
    }

    /// Reads the reply and checks it answers this very request.
    pub(super) fn read_response(
        &self,
        plan: &Plan,
        record: &TxnRecord,
        request: &Message,
        reply: &Reply,
    ) -> Result<FinancialResponse, TerminalError> {
        let unmatched = |e: AcquirerError| TerminalError::from(failure(Some(plan.txn), request, e));
        let resp = FinancialResponse::from_message(&reply.frame.message)
            .map_err(|e| unmatched(AcquirerError::Malformed(e)))?;
        let differs = answer_differs(
            &resp,
            Expected { txn: plan.txn, stan: record.numbers.stan, batch: record.numbers.batch, amount: plan.amount },
            &self.config.tid,
            &self.config.mid,
        );
        match differs {
            Some(what) => Err(unmatched(AcquirerError::Unmatched { reason: what.into() })),
            None => Ok(resp),
        }
    }

    /// Records the answer and builds the outcome. If the row cannot be written the
    /// error is returned even for an approval: the row stays `pending`, and a pending
    /// money-moving row is what the journal's recovery reverses.
    pub(super) fn finish(
        &self,
        plan: &Plan,
        record: &TxnRecord,
        (masked_pan, entry_mode): (&MaskedPan, EntryMode),
        resp: FinancialResponse,
        authenticated: bool,
    ) -> Result<TxnOutcome, TerminalError> {
        let rc = resp.response_code;
        let stored = self.db(|s| {
            s.record_answer(
                record.id,
                &HostAnswer {
                    response_code: rc,
                    rrn: resp.rrn.clone(),
                    auth_code: resp.auth_code.clone(),
                    host_date: resp.date.clone(),
                    host_time: resp.time.clone(),
                    authenticated,
                },
                &self.clock.now().to_string(),
            )
        })?;
        if rc.action() == OperatorAction::SignInAgain && authenticated {
            // The host says, under the MAK, that our keys or batch are out of step: no more
            // requests until a sign-in. An unsigned "sign in again" only declines this payment:
            // anyone on the path could send one, and ending the session on it would let them
            // stop the terminal (the operator sees the decline and can sign in).
            self.db(|s| s.clear_session())?;
        }
        tracing::info!(txn = ?plan.txn, stan = %record.numbers.stan, rc = %rc, pan = %masked_pan, "answered");
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
            masked_pan: masked_pan.clone(),
            entry_mode,
            balance: resp.balance.as_deref().and_then(|b| parse_balance(b, self.config.currency)),
            host_date: resp.date,
            host_time: resp.time,
            txn_id: record.id,
        })
    }
}

/// What an answer must echo of its request.
pub(super) struct Expected {
    /// The transaction type (MTI and processing code).
    pub txn: TxnType,
    /// Field 11.
    pub stan: crate::iso8583::Stan,
    /// 60.2.
    pub batch: crate::iso8583::BatchNo,
    /// Field 4 (and 49).
    pub amount: Option<Amount>,
}

/// What in `resp` differs from the request it claims to answer (`None`: it answers it).
///
/// Checked before anything of the answer is applied: an answer the proxy rewrote (another
/// amount, type, terminal, merchant or batch) is a tampered answer, never an approval. An
/// approval must echo the amount; a decline may leave it out (hosts answer format errors bare).
pub(super) fn answer_differs(
    resp: &FinancialResponse,
    want: Expected,
    tid: &crate::iso8583::TerminalId,
    mid: &crate::iso8583::MerchantId,
) -> Option<&'static str> {
    if resp.txn != want.txn {
        Some("transaction type")
    } else if resp.stan != want.stan || &resp.tid != tid {
        Some("terminal or STAN")
    } else if &resp.mid != mid {
        Some("merchant")
    } else if resp.batch != want.batch {
        Some("batch")
    } else if resp.amount.is_some() && resp.amount != want.amount {
        Some("amount")
    } else if resp.response_code.is_approved() && want.amount.is_some() && resp.amount.is_none() {
        Some("amount missing")
    } else {
        None
    }
}

/// The encoded request as sent (its MAC is computed at each send), kept for a repeat.
pub(super) fn request_body(request: &Message) -> Result<Zeroizing<Vec<u8>>, TerminalError> {
    let mut body = Zeroizing::new(Vec::with_capacity(256));
    encode_message(unionpay(), request, &mut body)?;
    Ok(body)
}

/// The encoded 0400 of `request` without field 39, which is set when it is sent.
pub(super) fn reversal_body(request: &Message) -> Result<Zeroizing<Vec<u8>>, TerminalError> {
    let mut reversal = reversal_message(request, ReversalCause::Interrupted.reason())?;
    reversal.remove(39);
    let mut body = Zeroizing::new(Vec::with_capacity(256));
    encode_message(unionpay(), &reversal, &mut body)?;
    Ok(body)
}
