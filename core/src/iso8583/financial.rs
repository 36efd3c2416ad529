//! Typed builders and readers for the financial requests and responses of every transaction type.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::entry::{EntryMode, SecurityControl};
use super::error::CodecError;
use super::field60::{Field60, NetCode};
use super::field61::OriginalData;
use super::ids::{digits_u32, BatchNo, MerchantId, Stan, TerminalId};
use super::message::Message;
use super::txn::TxnType;
use crate::money::{Amount, Currency};
use crate::response_code::ResponseCode;

/// Card data as the reader hands it over: never a clear PIN; tracks usually encrypted.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardFields {
    /// Field 2: PAN digits (absent when track data is sent).
    pub pan: Option<String>,
    /// Field 14: expiry YYMM.
    pub expiry: Option<String>,
    /// Field 22.
    pub entry_mode: Option<EntryMode>,
    /// Field 23: card sequence number (chip).
    pub card_seq: Option<u16>,
    /// Field 35: track 2 (digits, `D` separator; hex nibbles when encrypted).
    pub track2: Option<String>,
    /// Field 36: track 3.
    pub track3: Option<String>,
    /// Field 52: PIN block encrypted under the PIK.
    pub pin_block: Option<[u8; 8]>,
    /// Field 53.
    pub security: Option<SecurityControl>,
    /// Field 55: IC card data (BER-TLV).
    pub icc: Option<Vec<u8>>,
}

impl fmt::Debug for CardFields {
    /// Presence only: these fields are card data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardFields")
            .field("pan", &self.pan.as_ref().map(|_| "<present>"))
            .field("entry_mode", &self.entry_mode)
            .field("card_seq", &self.card_seq)
            .field("track2", &self.track2.as_ref().map(|_| "<present>"))
            .field("track3", &self.track3.as_ref().map(|_| "<present>"))
            .field("pin_block", &self.pin_block.as_ref().map(|_| "<present>"))
            .field("security", &self.security)
            .field("icc_len", &self.icc.as_ref().map(Vec::len))
            .finish()
    }
}

/// A financial request of any type in the profile table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinancialRequest {
    /// Which transaction.
    pub txn: TxnType,
    /// Fields 4 and 49 (absent for balance inquiry).
    pub amount: Option<Amount>,
    /// Field 11.
    pub stan: Stan,
    /// Field 41.
    pub tid: TerminalId,
    /// Field 42.
    pub mid: MerchantId,
    /// 60.2.
    pub batch: BatchNo,
    /// Card fields 2, 14, 22, 23, 35, 36, 52, 53, 55.
    pub card: CardFields,
    /// Field 37: original retrieval reference (void, refund, cancels).
    pub original_rrn: Option<String>,
    /// Field 38: original authorization code (completion, cancels).
    pub original_auth: Option<String>,
    /// Field 61.
    pub original: Option<OriginalData>,
    /// 60.4 and 60.5 when the terminal sends them.
    pub read_capability: Option<u8>,
    /// 60.5 IC condition code.
    pub ic_condition: Option<u8>,
    /// Field 103: the account a transfer credits (digits).
    pub payee_account: Option<String>,
}

impl FinancialRequest {
    /// Builds the message (field 64 reserved as zeros for the MAC when `with_mac`).
    pub fn to_message(&self, with_mac: bool) -> Result<Message, CodecError> {
        let spec = self.txn.spec();
        let mut m = Message::with_capacity(spec.mti, 320);
        let c = &self.card;
        if let Some(pan) = &c.pan {
            m.set(2, pan)?;
        }
        m.set(3, spec.proc_code)?;
        match (&self.amount, self.txn.has_amount()) {
            (Some(a), true) => {
                m.set(4, a.to_field4())?;
            }
            (None, true) => return Err(CodecError::MissingField(4)),
            (Some(_), false) => return Err(CodecError::bad_value(4, "a balance inquiry carries no amount")),
            (None, false) => {}
        }
        m.set(11, self.stan.to_string())?;
        if let Some(e) = &c.expiry {
            m.set(14, e)?;
        }
        let entry = c.entry_mode.ok_or(CodecError::MissingField(22))?;
        m.set(22, entry.to_field())?;
        if let Some(seq) = c.card_seq {
            if seq > 999 {
                return Err(CodecError::bad_value(23, "card sequence number above 999"));
            }
            m.set(23, format!("{seq:03}"))?;
        }
        m.set(25, spec.condition)?;
        if c.pin_block.is_some() {
            m.set(26, "12")?;
        }
        if let Some(t) = &c.track2 {
            m.set(35, t)?;
        }
        if let Some(t) = &c.track3 {
            m.set(36, t)?;
        }
        if let Some(r) = &self.original_rrn {
            m.set(37, r)?;
        }
        if let Some(a) = &self.original_auth {
            m.set(38, a)?;
        }
        m.set(41, self.tid.as_str())?;
        m.set(42, self.mid.as_str())?;
        if let Some(a) = &self.amount {
            m.set(49, a.currency().code())?;
        }
        if let Some(p) = &c.pin_block {
            m.set(52, p)?;
        }
        if let Some(s) = &c.security {
            m.set(53, s.to_field())?;
        }
        if let Some(icc) = &c.icc {
            m.set(55, icc)?;
        }
        if self.read_capability.is_some_and(|d| d > 9) || self.ic_condition.is_some_and(|d| d > 9) {
            return Err(CodecError::bad_value(60, "60.4 and 60.5 are single digits"));
        }
        let mut f60 = Field60::new(spec.code60, self.batch, NetCode::None);
        f60.read_capability = self.read_capability;
        f60.ic_condition = self.ic_condition.filter(|_| self.read_capability.is_some());
        m.set(60, f60.to_string())?;
        if self.txn.refers_to_original() {
            let o = self.original.as_ref().ok_or(CodecError::MissingField(61))?;
            m.set(61, o.to_string())?;
        }
        match (&self.payee_account, self.txn) {
            (Some(account), TxnType::Transfer) => {
                m.set(103, account)?;
            }
            (None, TxnType::Transfer) => return Err(CodecError::MissingField(103)),
            _ => {}
        }
        if with_mac {
            m.set(64, [0u8; 8])?;
        }
        Ok(m)
    }

    /// Reads a request (or the reversal of one) from a decoded message.
    pub fn from_message(m: &Message) -> Result<FinancialRequest, CodecError> {
        let txn = TxnType::identify(m)?;
        let f60 = Field60::parse(m.require(60)?)?;
        let amount = read_amount(m)?;
        if txn.has_amount() && amount.is_none() {
            return Err(CodecError::MissingField(4));
        }
        let card = CardFields {
            pan: m.get_str(2).map(str::to_string),
            expiry: m.get_str(14).map(str::to_string),
            entry_mode: Some(EntryMode::parse(m.require(22)?)?),
            card_seq: m.get(23).map(|v| digits_u32(23, v, 3).map(|n| n as u16)).transpose()?,
            track2: m.get_str(35).map(str::to_string),
            track3: m.get_str(36).map(str::to_string),
            pin_block: m.get(52).and_then(|v| <[u8; 8]>::try_from(v).ok()),
            security: m.get(53).map(SecurityControl::parse).transpose()?,
            icc: m.get(55).map(<[u8]>::to_vec),
        };
        let original = m.get(61).map(OriginalData::parse).transpose()?;
        if txn.refers_to_original() && original.is_none() {
            return Err(CodecError::MissingField(61));
        }
        let payee_account = m.get_str(103).map(str::to_string);
        // A reversal (0400) need not repeat the payee; a transfer request must name it.
        if txn == TxnType::Transfer && payee_account.is_none() && !m.mti().as_str().starts_with("04") {
            return Err(CodecError::MissingField(103));
        }
        Ok(FinancialRequest {
            txn,
            amount,
            stan: Stan::parse(11, m.require(11)?)?,
            tid: TerminalId::from_field(m.require(41)?)?,
            mid: MerchantId::from_field(m.require(42)?)?,
            batch: f60.batch,
            card,
            original_rrn: m.get_str(37).map(str::to_string),
            original_auth: m.get_str(38).map(str::to_string),
            original,
            read_capability: f60.read_capability,
            ic_condition: f60.ic_condition,
            payee_account,
        })
    }
}

/// Fields 4 and 49 as an amount; a missing 49 means CNY.
pub(crate) fn read_amount(m: &Message) -> Result<Option<Amount>, CodecError> {
    let Some(v) = m.get(4) else { return Ok(None) };
    let currency = match m.get(49) {
        Some(c) => {
            let code = digits_u32(49, c, 3)? as u16;
            Currency::from_numeric(code).ok_or_else(|| CodecError::bad_value(49, "unsupported currency"))?
        }
        None => Currency::CNY,
    };
    let minor = super::ids::digits_u64(4, v)?;
    Amount::from_minor(minor, currency).map(Some).map_err(|_| CodecError::bad_value(4, "amount out of range"))
}

/// The host's answer to a financial request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinancialResponse {
    /// Which transaction it answers.
    pub txn: TxnType,
    /// Field 39.
    pub response_code: ResponseCode,
    /// Field 11, echoed.
    pub stan: Stan,
    /// Field 41, echoed.
    pub tid: TerminalId,
    /// Field 42, echoed.
    pub mid: MerchantId,
    /// Fields 4/49, echoed when present.
    pub amount: Option<Amount>,
    /// 60.2, echoed.
    pub batch: BatchNo,
    /// Field 12 hhmmss, host time.
    pub time: Option<String>,
    /// Field 13 MMDD, host date.
    pub date: Option<String>,
    /// Field 15 MMDD, settlement date.
    pub settlement_date: Option<String>,
    /// Field 37.
    pub rrn: Option<String>,
    /// Field 38.
    pub auth_code: Option<String>,
    /// Field 44: issuer and acquirer identifiers.
    pub institutions: Option<String>,
    /// Field 54: balance text for balance inquiries.
    pub balance: Option<String>,
    /// Field 55: issuer scripts and authentication data.
    pub icc: Option<Vec<u8>>,
}

impl FinancialResponse {
    /// Builds the response message (request MTI + 10).
    pub fn to_message(&self, with_mac: bool) -> Result<Message, CodecError> {
        let spec = self.txn.spec();
        let mut m = Message::with_capacity(spec.mti.response(), 200);
        m.set(3, spec.proc_code)?;
        if let Some(a) = &self.amount {
            m.set(4, a.to_field4())?;
        }
        m.set(11, self.stan.to_string())?;
        if let Some(t) = &self.time {
            m.set(12, t)?;
        }
        if let Some(d) = &self.date {
            m.set(13, d)?;
        }
        if let Some(d) = &self.settlement_date {
            m.set(15, d)?;
        }
        m.set(25, spec.condition)?;
        if let Some(r) = &self.rrn {
            m.set(37, r)?;
        }
        if let Some(a) = &self.auth_code {
            m.set(38, a)?;
        }
        m.set(39, self.response_code.bytes())?;
        m.set(41, self.tid.as_str())?;
        m.set(42, self.mid.as_str())?;
        if let Some(i) = &self.institutions {
            m.set(44, i)?;
        }
        if let Some(a) = &self.amount {
            m.set(49, a.currency().code())?;
        }
        if let Some(b) = &self.balance {
            m.set(54, b)?;
        }
        if let Some(icc) = &self.icc {
            m.set(55, icc)?;
        }
        m.set(60, Field60::new(spec.code60, self.batch, NetCode::None).to_string())?;
        if with_mac {
            m.set(64, [0u8; 8])?;
        }
        Ok(m)
    }

    /// Reads a response; the caller matches it to its request by TID and STAN.
    pub fn from_message(m: &Message) -> Result<FinancialResponse, CodecError> {
        let txn = TxnType::identify(m)?;
        let rc = ResponseCode::from_bytes(m.require(39)?).ok_or(CodecError::BadCharacter { field: 39 })?;
        Ok(FinancialResponse {
            txn,
            response_code: rc,
            stan: Stan::parse(11, m.require(11)?)?,
            tid: TerminalId::from_field(m.require(41)?)?,
            mid: MerchantId::from_field(m.require(42)?)?,
            amount: read_amount(m)?,
            batch: Field60::parse(m.require(60)?)?.batch,
            time: m.get_str(12).map(str::to_string),
            date: m.get_str(13).map(str::to_string),
            settlement_date: m.get_str(15).map(str::to_string),
            rrn: m.get_str(37).map(str::to_string),
            auth_code: m.get_str(38).map(str::to_string),
            institutions: m.get_str(44).map(str::to_string),
            balance: m.get_str(54).map(str::to_string),
            icc: m.get(55).map(<[u8]>::to_vec),
        })
    }
}

/// Builds the 0400 reversal of a request: same fields, the reason in 39, no PIN.
pub fn reversal_of(request: &Message, reason: ResponseCode, with_mac: bool) -> Result<Message, CodecError> {
    let mut m = Message::with_capacity(super::message::Mti::from_digits(*b"0400"), 320);
    for n in request.bitmap().fields() {
        // A reversal never carries the PIN again (UnionPay rule), nor the old MAC.
        if matches!(n, 26 | 52 | 64) {
            continue;
        }
        // As sent (or received): a carried value keeps its wire form.
        m.copy_field(request, n);
    }
    m.set(39, reason.bytes())?;
    if with_mac {
        m.set(64, [0u8; 8])?;
    }
    Ok(m)
}
