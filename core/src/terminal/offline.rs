//! Sales with an offline preference: online when possible and wanted, otherwise approved
//! by the terminal within the merchant's limits and stored, sealed, for upload.

use crate::error::Error;
use zeroize::Zeroizing;

use crate::clock::Day;
use crate::crypto::random_bytes;
use crate::iso8583::{encode_message, unionpay, FinancialRequest, TxnType};
use crate::money::Amount;
use crate::offline::{check_amount, check_card, OfflinePreference, OfflineRefusal};
use crate::reader::{CardRead, DataAuthentication};
use crate::response_code::{OperatorAction, ResponseCode};
use crate::store::{NewTxn, OriginalRefs, TxnRecord};

use super::crash_point::crash_point;
use super::payments::Plan;
use super::Terminal;
use crate::error::TerminalError;
use crate::outcome::TxnOutcome;

/// 60.4 of the advice: the reader takes stripe, chip and contactless cards.
const READ_CAPABILITY: u8 = 6;

impl Terminal {
    /// 消费 with an explicit offline preference for this payment.
    ///
    /// - `PreferOnline`: online while the platform reports a network; offline (within the
    ///   limits) when it does not, or when the online attempt fails on the link. A request
    ///   that may have reached the host is reversed before the offline payment is uploaded,
    ///   so the customer pays once.
    /// - `RequireOnline`: online or not at all.
    /// - `ForceOffline`: offline even when the host could be reached.
    pub async fn sale_with(&self, amount: Amount, preference: OfflinePreference) -> Result<TxnOutcome, Error> {
        self.owner("take a payment")?;
        self.tamper_guard()?;
        let amount = self.checked(amount)?;
        let plan = Plan { txn: TxnType::Sale, amount: Some(amount), original: None, payee: None };
        match preference {
            OfflinePreference::RequireOnline => self.run(plan).await.map_err(Error::from),
            OfflinePreference::ForceOffline => self.offline_sale(amount, None, None, false).await.map_err(Error::from),
            OfflinePreference::PreferOnline if !self.connectivity.platform_online() => {
                self.offline_sale(amount, None, None, false).await.map_err(Error::from)
            }
            OfflinePreference::PreferOnline => {
                let session = self.session()?;
                match self.reversals_first().await {
                    Err(e @ TerminalError::ReversalPending { .. }) => {
                        return self.fall_back(e, amount, None, None).await.map_err(Error::from)
                    }
                    Err(e) => return Err(e.into()),
                    Ok(()) => {}
                }
                let card = self.read(&plan).await?;
                let risk = self.risk_gate(plan.txn, plan.amount, &card, false, None).await?;
                let result = self.online(&plan, &session, &card).await;
                self.risk_link(risk, &result);
                match result {
                    // Offline only when no answer came at all. An answer that came but fails
                    // its MAC, is malformed or answers something else is a tampered answer:
                    // the host may have declined (a stolen card), so it is never turned into
                    // an offline approval; it stays a decline with its reversal armed.
                    Err(TerminalError::Exchange(f)) if f.error.is_no_answer() => {
                        self.fall_back(TerminalError::Exchange(f), amount, Some(card), risk).await.map_err(Error::from)
                    }
                    other => other.map_err(Error::from),
                }
            }
        }
    }

    /// After the host could not be used: offline if the rules allow, else the online error.
    async fn fall_back(
        &self,
        online: TerminalError,
        amount: Amount,
        card: Option<CardRead>,
        risk: Option<crate::risk::AuditId>,
    ) -> Result<TxnOutcome, TerminalError> {
        match self.offline_sale(amount, card, risk, true).await {
            Err(TerminalError::Offline(refusal)) => {
                tracing::info!(reason = refusal.code(), "no offline fallback");
                Err(online)
            }
            Err(TerminalError::Risk(refusal)) => {
                tracing::info!(reason = refusal.code(), "no offline fallback (risk)");
                Err(online)
            }
            other => other,
        }
    }

    /// Approves a sale offline: limits first (before troubling the cardholder), then the
    /// card (chip or contactless, no online PIN, within its daily count), then one SQLite
    /// transaction that numbers, journals and stores the sealed advice.
    async fn offline_sale(
        &self,
        amount: Amount,
        card: Option<CardRead>,
        carried: Option<crate::risk::AuditId>,
        online_tried: bool,
    ) -> Result<TxnOutcome, TerminalError> {
        // `online_tried`: the host could not be used a moment ago (no answer, or a reversal it
        // would not take): a card only the host may decide on is not sent again.
        let limits = self.config.offline;
        if !limits.enabled {
            return Err(OfflineRefusal::Disabled.into());
        }
        // The advice is MACed and numbered in the host's batch: both come from a sign-in.
        if self.session().is_err() {
            return Err(OfflineRefusal::NotSignedIn.into());
        }
        let now = self.clock.now();
        check_amount(&limits, amount, &self.db(|s| s.queue_stats())?, now.unix_secs)?;
        let card = match card {
            Some(c) => c,
            None => self.read(&Plan { txn: TxnType::Sale, amount: Some(amount), original: None, payee: None }).await?,
        };
        if self.blacklist()?.contains_any(&card.prefix_fingerprints) {
            tracing::warn!(pan = %card.masked_pan, "card on the blacklist: not approved offline");
            if online_tried {
                return Err(OfflineRefusal::Blacklisted.into());
            }
            return self.only_online(amount, card, OfflineRefusal::Blacklisted).await;
        }
        // A chip read whose data the reader could not authenticate (no CA key for it, or data
        // that is not what the issuer signed) is never approved offline: a counterfeit chip
        // would otherwise be paid on trust.
        if card.entry_mode.method.is_chip() && card.data_authentication != DataAuthentication::Succeeded {
            tracing::warn!(pan = %card.masked_pan, oda = ?card.data_authentication, "chip data not authenticated: not approved offline");
            if online_tried {
                return Err(OfflineRefusal::NotAuthenticated.into());
            }
            return self.only_online(amount, card, OfflineRefusal::NotAuthenticated).await;
        }
        let today = self
            .db(|s| s.offline_count_for_card(&card.fingerprint, Day::of(now), &now.mmdd(), limits.per_card_per_day))?;
        check_card(&limits, card.entry_mode, today)?;
        let risk = self.risk_gate(TxnType::OfflineSale, Some(amount), &card, true, carried).await?;
        let new = NewTxn {
            txn_type: TxnType::OfflineSale,
            amount: Some(amount),
            masked_pan: Some(card.masked_pan.clone()),
            fingerprint: Some(card.fingerprint),
            entry_mode: Some(card.entry_mode),
            original: OriginalRefs::default(),
            local_date: now.mmdd(),
            at: now.to_string(),
            payee: None,
        };
        // Field 38 of the advice: the code the terminal approved it with (the host keeps it).
        let auth = offline_auth_code()?;
        let record = self
            .db(|s| s.store_offline(&new, &auth, now.unix_secs, |record| self.advice(amount, &card, record, &auth)))?;
        crash_point("offline_stored");
        if let Some(audit) = risk {
            if let Err(e) = self.db(|s| crate::risk::audit::link_txn(s, audit, record.id)) {
                tracing::error!(error = %e, %audit, "risk evaluation not linked to its payment");
            }
        }
        tracing::info!(stan = %record.numbers.stan, pan = %card.masked_pan, amount = %amount, "approved offline");
        Ok(offline_outcome(&record, &card, amount, auth))
    }

    /// A card met on the offline path that only the host may decide on (blacklisted, or its
    /// chip data not authenticated) goes to the host on the same card read (the simulator
    /// declines a listed card, `62`). When the host cannot be used either, the payment is
    /// refused with `refusal`: such a card is never approved offline.
    async fn only_online(
        &self,
        amount: Amount,
        card: CardRead,
        refusal: OfflineRefusal,
    ) -> Result<TxnOutcome, TerminalError> {
        let plan = Plan { txn: TxnType::Sale, amount: Some(amount), original: None, payee: None };
        // No network on the platform: nothing to try (and no request left in doubt).
        if !self.connectivity.platform_online() {
            return Err(refusal.into());
        }
        let Ok(session) = self.session() else {
            return Err(refusal.into());
        };
        if self.reversals_first().await.is_err() {
            return Err(refusal.into());
        }
        let risk = self.risk_gate(plan.txn, plan.amount, &card, false, None).await?;
        let result = self.online(&plan, &session, &card).await;
        self.risk_link(risk, &result);
        match result {
            Err(TerminalError::Exchange(f)) if f.error.is_no_answer() => {
                tracing::info!(pan = %card.masked_pan, "only online: the host did not answer; refused");
                Err(refusal.into())
            }
            other => other,
        }
    }

    /// The encoded, unsigned 0220 offline sale advice for a stored payment.
    fn advice(
        &self,
        amount: Amount,
        card: &CardRead,
        record: &TxnRecord,
        auth: &str,
    ) -> Result<Zeroizing<Vec<u8>>, TerminalError> {
        let request = FinancialRequest {
            txn: TxnType::OfflineSale,
            amount: Some(amount),
            stan: record.numbers.stan,
            tid: self.config.tid.clone(),
            mid: self.config.mid.clone(),
            batch: record.numbers.batch,
            card: card.card_fields(),
            original_rrn: None,
            original_auth: Some(auth.to_string()),
            original: None,
            read_capability: Some(READ_CAPABILITY),
            ic_condition: Some(card.ic_condition),
            payee_account: None,
        };
        let message = request.to_message(true)?;
        let mut body = Zeroizing::new(Vec::with_capacity(320));
        encode_message(unionpay(), &message, &mut body)?;
        Ok(body)
    }
}

/// An offline authorisation code: `Y1` (EMV "offline approved") and four random digits.
fn offline_auth_code() -> Result<String, TerminalError> {
    let r = u16::from_le_bytes(random_bytes::<2>()?);
    Ok(format!("Y1{:04}", r % 10_000))
}

fn offline_outcome(record: &TxnRecord, card: &CardRead, amount: Amount, auth: String) -> TxnOutcome {
    let (zh, en) = ("离线批准，待上送", "approved offline, to be uploaded");
    TxnOutcome {
        txn: TxnType::OfflineSale,
        approved: true,
        response_code: ResponseCode::parse("Y1").unwrap_or(ResponseCode::APPROVED),
        action: OperatorAction::Approved,
        message_zh: format!("Y1 {zh}"),
        message_en: format!("Y1 {en}"),
        stan: record.numbers.stan,
        batch: record.numbers.batch,
        voucher: record.numbers.voucher,
        rrn: None,
        auth_code: Some(auth),
        amount: Some(amount),
        masked_pan: card.masked_pan.clone(),
        entry_mode: card.entry_mode,
        balance: None,
        host_date: None,
        host_time: None,
        txn_id: record.id,
    }
}

impl Terminal {
    /// Whether a payment of `amount` with the card `fingerprint` read as `entry` could be
    /// approved offline now, without reading a card or storing anything: the offline gate's
    /// verdict (switched on, signed in, the limits, the queue's age, chip or contactless with no
    /// online PIN, the card's daily count). The risk rules are [`Terminal::risk_check`]'s.
    pub fn offline_check(
        &self,
        amount: Amount,
        fingerprint: &crate::card::CardFingerprint,
        entry: crate::iso8583::EntryMode,
    ) -> Result<(), Error> {
        let limits = self.config.offline;
        if !limits.enabled {
            return Err(OfflineRefusal::Disabled.into());
        }
        if self.session().is_err() {
            return Err(OfflineRefusal::NotSignedIn.into());
        }
        let now = self.clock.now();
        check_amount(&limits, amount, &self.db(|s| s.queue_stats())?, now.unix_secs)?;
        let today =
            self.db(|s| s.offline_count_for_card(fingerprint, Day::of(now), &now.mmdd(), limits.per_card_per_day))?;
        check_card(&limits, entry, today)?;
        Ok(())
    }
}
