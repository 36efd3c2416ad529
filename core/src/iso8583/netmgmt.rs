//! Network management, settlement and batch upload messages.

use serde::{Deserialize, Serialize};

use super::error::CodecError;
use super::field48::{
    encode_batch_count, encode_batch_records, parse_batch_count, parse_batch_records, BatchRecord, SettlementTotals,
};
use super::field60::{Field60, NetCode};
use super::ids::{BatchNo, MerchantId, Stan, TerminalId};
use super::message::{Message, Mti};
use crate::money::Currency;
use crate::response_code::ResponseCode;

const M0800: Mti = Mti::from_digits(*b"0800");
const M0820: Mti = Mti::from_digits(*b"0820");
const M0500: Mti = Mti::from_digits(*b"0500");
const M0320: Mti = Mti::from_digits(*b"0320");

/// What a network management or administrative request is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AdminKind {
    /// 0800 sign-in; the code chooses the key layout (001, 003, 004).
    SignIn(NetCode),
    /// 0820 sign-off (002).
    SignOff,
    /// 0820 echo test (301).
    Echo,
    /// 0500 settlement with the terminal's totals.
    Settlement(SettlementTotals),
    /// 0320 magstripe batch upload (201) of up to 8 records.
    BatchUpload(Vec<BatchRecord>),
    /// 0320 IC batch upload (203): one chip transaction with its field 55.
    IcBatchUpload(IcUploadItem),
    /// 0320 end of batch upload (202 or 207) with the total count.
    BatchEnd {
        /// 202 or 207.
        code: NetCode,
        /// Records uploaded in total.
        count: u32,
    },
    /// Terminal management (`docs/terminal-management.md`): parameter download, status upload,
    /// CA public keys, IC parameters, blacklist. Field 62 as the kind says.
    Management(Management),
}

/// A terminal-management request: its 60.3 code and MTI, and field 62.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Management {
    /// 0800 / 360: the terminal parameters, page `page` (our extension: 62 carries the page
    /// as 3 digits when above 0; the first request is the profile's, without 62).
    ParameterDownload {
        /// The page asked for (0 first).
        page: u16,
    },
    /// 0820 / 362: the terminal's status list.
    StatusUpload(Vec<u8>),
    /// 0820 / 372: the host's CA public key list, `held` entries already received.
    CapkQuery {
        /// Entries of the list received so far (0 the first time).
        held: u8,
    },
    /// 0800 / 370: one CA public key (62 = 9F06 + 9F22).
    CapkDownload(Vec<u8>),
    /// 0800 / 371: the CA public keys are complete.
    CapkEnd,
    /// 0820 / 382: the host's AID list, `held` entries already received.
    AidQuery {
        /// Entries of the list received so far.
        held: u8,
    },
    /// 0800 / 380: one application's parameters (62 = 9F06).
    AidDownload(Vec<u8>),
    /// 0800 / 381: the IC parameters are complete.
    AidEnd,
    /// 0800 / 390: one blacklist page from an index (62 = 3 or 7 digits).
    BlacklistPage(Vec<u8>),
    /// 0800 / 391: the blacklist is complete.
    BlacklistEnd,
}

impl Management {
    /// The MTI and 60.3 code.
    pub fn route(&self) -> (Mti, NetCode) {
        match self {
            Management::ParameterDownload { .. } => (M0800, NetCode::ParameterDownload),
            Management::StatusUpload(_) => (M0820, NetCode::StatusUpload),
            Management::CapkQuery { .. } => (M0820, NetCode::CapkQuery),
            Management::CapkDownload(_) => (M0800, NetCode::CapkDownload),
            Management::CapkEnd => (M0800, NetCode::CapkEnd),
            Management::AidQuery { .. } => (M0820, NetCode::AidQuery),
            Management::AidDownload(_) => (M0800, NetCode::AidDownload),
            Management::AidEnd => (M0800, NetCode::AidEnd),
            Management::BlacklistPage(_) => (M0800, NetCode::BlacklistPage),
            Management::BlacklistEnd => (M0800, NetCode::BlacklistEnd),
        }
    }

    /// Field 62 of the request, if it has one.
    pub fn field62(&self) -> Option<Vec<u8>> {
        match self {
            Management::StatusUpload(v)
            | Management::CapkDownload(v)
            | Management::AidDownload(v)
            | Management::BlacklistPage(v) => Some(v.clone()),
            Management::CapkQuery { held } | Management::AidQuery { held } => {
                Some(format!("1{:02}", held.min(&99)).into_bytes())
            }
            Management::ParameterDownload { page: 0 } => None,
            Management::ParameterDownload { page } => Some(format!("{:03}", page.min(&999)).into_bytes()),
            Management::CapkEnd | Management::AidEnd | Management::BlacklistEnd => None,
        }
    }

    /// Reads the request from its MTI, 60.3 code and field 62 (the host's side).
    fn from_parts(mti: &str, net: NetCode, field62: Option<&[u8]>) -> Option<Result<Management, CodecError>> {
        let f62 = || field62.map(<[u8]>::to_vec).ok_or(CodecError::MissingField(62));
        let held = || -> Result<u8, CodecError> {
            let v = f62()?;
            match v.as_slice() {
                [b'1', a, b] if a.is_ascii_digit() && b.is_ascii_digit() => Ok((a - b'0') * 10 + (b - b'0')),
                _ => Err(CodecError::BadCharacter { field: 62 }),
            }
        };
        Some(match (mti, net) {
            ("0800", NetCode::ParameterDownload) => match field62 {
                None => Ok(Management::ParameterDownload { page: 0 }),
                Some(v) if v.len() == 3 && v.iter().all(u8::is_ascii_digit) => {
                    Ok(Management::ParameterDownload { page: v.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0')) })
                }
                Some(_) => Err(CodecError::BadCharacter { field: 62 }),
            },
            ("0820", NetCode::StatusUpload) => f62().map(Management::StatusUpload),
            // One host family sends the queries as 0800 (docs/terminal-management.md).
            ("0820" | "0800", NetCode::CapkQuery) => held().map(|held| Management::CapkQuery { held }),
            ("0800", NetCode::CapkDownload) => f62().map(Management::CapkDownload),
            ("0800", NetCode::CapkEnd) => Ok(Management::CapkEnd),
            ("0820" | "0800", NetCode::AidQuery) => held().map(|held| Management::AidQuery { held }),
            ("0800", NetCode::AidDownload) => f62().map(Management::AidDownload),
            ("0800", NetCode::AidEnd) => Ok(Management::AidEnd),
            ("0800", NetCode::BlacklistPage) => f62().map(Management::BlacklistPage),
            ("0800", NetCode::BlacklistEnd) => Ok(Management::BlacklistEnd),
            _ => return None,
        })
    }
}

/// One chip transaction in an IC batch upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IcUploadItem {
    /// The transaction's STAN (field 11 of the upload carries the upload's own STAN).
    pub original_stan: Stan,
    /// Amount in minor units (field 4).
    pub amount: u64,
    /// Field 55 as sent in the original.
    pub icc: Vec<u8>,
}

/// A request outside the financial table: sign-in/off, echo, settlement, batch upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminRequest {
    /// What it is.
    pub kind: AdminKind,
    /// Field 11.
    pub stan: Stan,
    /// Field 41.
    pub tid: TerminalId,
    /// Field 42.
    pub mid: MerchantId,
    /// 60.2.
    pub batch: BatchNo,
    /// Field 63: operator number (sign-in, settlement).
    pub operator: Option<String>,
}

impl AdminRequest {
    /// Builds the message; settlement and uploads carry a MAC placeholder when `with_mac`.
    pub fn to_message(&self, with_mac: bool) -> Result<Message, CodecError> {
        let (mti, net) = match &self.kind {
            AdminKind::SignIn(code) => (M0800, *code),
            AdminKind::SignOff => (M0820, NetCode::SignOff),
            AdminKind::Echo => (M0820, NetCode::Echo),
            AdminKind::Settlement(_) => (M0500, NetCode::Settlement),
            AdminKind::BatchUpload(_) => (M0320, NetCode::Settlement),
            AdminKind::IcBatchUpload(_) => (M0320, NetCode::IcBatchUpload),
            AdminKind::BatchEnd { code, .. } => (M0320, *code),
            AdminKind::Management(m) => m.route(),
        };
        let mut m = Message::with_capacity(mti, 400);
        if let AdminKind::IcBatchUpload(item) = &self.kind {
            m.set(4, format!("{:012}", item.amount))?;
        }
        m.set(11, self.stan.to_string())?;
        m.set(41, self.tid.as_str())?;
        m.set(42, self.mid.as_str())?;
        match &self.kind {
            AdminKind::Settlement(t) => {
                m.set(48, t.to_field()?)?;
                m.set(49, Currency::CNY.code())?;
            }
            AdminKind::BatchUpload(records) => {
                m.set(48, encode_batch_records(records)?)?;
            }
            AdminKind::IcBatchUpload(item) => {
                m.set(55, &item.icc)?;
            }
            AdminKind::BatchEnd { count, .. } => {
                m.set(48, encode_batch_count(*count)?)?;
            }
            _ => {}
        }
        m.set(60, Field60::new(0, self.batch, net).to_string())?;
        if let AdminKind::IcBatchUpload(item) = &self.kind {
            m.set(61, format!("{}{}", self.batch, item.original_stan))?;
        }
        if let AdminKind::Management(mgmt) = &self.kind {
            if let Some(v) = mgmt.field62() {
                m.set(62, v)?;
            }
        }
        if let Some(op) = &self.operator {
            m.set(63, op)?;
        }
        if with_mac && matches!(mti.digits(), [b'0', b'5' | b'3', ..]) {
            m.set(64, [0u8; 8])?;
        }
        Ok(m)
    }

    /// Reads a request from a decoded message.
    pub fn from_message(m: &Message) -> Result<AdminRequest, CodecError> {
        let f60 = Field60::parse(m.require(60)?)?;
        let kind = match (m.mti().as_str(), f60.net) {
            ("0800", code @ (NetCode::SignInSingle | NetCode::SignInDouble | NetCode::SignInDoubleTdk)) => {
                AdminKind::SignIn(code)
            }
            ("0820", NetCode::SignOff) => AdminKind::SignOff,
            ("0820", NetCode::Echo) => AdminKind::Echo,
            ("0500", _) => AdminKind::Settlement(SettlementTotals::parse(m.require(48)?)?),
            ("0320", NetCode::Settlement) => AdminKind::BatchUpload(parse_batch_records(m.require(48)?)?),
            ("0320", NetCode::IcBatchUpload) => {
                let f61 = m.require(61)?;
                AdminKind::IcBatchUpload(IcUploadItem {
                    original_stan: Stan::parse(
                        61,
                        f61.get(6..12).ok_or(CodecError::TooShort { field: 61, len: f61.len(), min: 12 })?,
                    )?,
                    amount: super::ids::digits_u64(4, m.require(4)?)?,
                    icc: m.require(55)?.to_vec(),
                })
            }
            ("0320", code @ (NetCode::BatchEnd | NetCode::BatchEndIc)) => {
                AdminKind::BatchEnd { code, count: parse_batch_count(m.require(48)?)? }
            }
            (mti, net) => match Management::from_parts(mti, net, m.get(62)) {
                Some(r) => AdminKind::Management(r?),
                None => {
                    return Err(CodecError::UnknownTransaction {
                        mti: mti.to_string(),
                        proc_code: String::new(),
                        code60: format!("{:03}", net.code()),
                    })
                }
            },
        };
        Ok(AdminRequest {
            kind,
            stan: Stan::parse(11, m.require(11)?)?,
            tid: TerminalId::from_field(m.require(41)?)?,
            mid: MerchantId::from_field(m.require(42)?)?,
            batch: f60.batch,
            operator: m.get_str(63).map(str::to_string),
        })
    }
}

/// The host's answer to an administrative request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminResponse {
    /// Response MTI (0810, 0830, 0510, 0330).
    pub mti: Mti,
    /// 60.3 echoed.
    pub net: NetCode,
    /// Field 39.
    pub response_code: ResponseCode,
    /// Field 11 echoed.
    pub stan: Stan,
    /// Field 41.
    pub tid: TerminalId,
    /// Field 42.
    pub mid: MerchantId,
    /// 60.2: the host's batch number (sign-in tells the terminal which batch to use).
    pub batch: BatchNo,
    /// Field 12/13 host time hhmmss and date MMDD.
    pub time: Option<String>,
    /// Field 13.
    pub date: Option<String>,
    /// Field 37.
    pub rrn: Option<String>,
    /// Field 48: settlement totals with the reconciliation codes (0510).
    pub totals: Option<SettlementTotals>,
    /// Field 62: working keys under the TMK (sign-in), or what a management download carries.
    pub key_block: Option<Vec<u8>>,
}

impl AdminResponse {
    /// Builds the response message.
    pub fn to_message(&self, with_mac: bool) -> Result<Message, CodecError> {
        let mut m = Message::with_capacity(self.mti, 200);
        m.set(11, self.stan.to_string())?;
        if let Some(t) = &self.time {
            m.set(12, t)?;
        }
        if let Some(d) = &self.date {
            m.set(13, d)?;
        }
        if let Some(r) = &self.rrn {
            m.set(37, r)?;
        }
        m.set(39, self.response_code.bytes())?;
        m.set(41, self.tid.as_str())?;
        m.set(42, self.mid.as_str())?;
        if let Some(t) = &self.totals {
            m.set(48, t.to_field()?)?;
            m.set(49, Currency::CNY.code())?;
        }
        m.set(60, Field60::new(0, self.batch, self.net).to_string())?;
        if let Some(k) = &self.key_block {
            m.set(62, k)?;
        }
        if with_mac && matches!(self.mti.digits(), [b'0', b'5' | b'3', ..]) {
            m.set(64, [0u8; 8])?;
        }
        Ok(m)
    }

    /// Reads a response.
    pub fn from_message(m: &Message) -> Result<AdminResponse, CodecError> {
        let f60 = Field60::parse(m.require(60)?)?;
        Ok(AdminResponse {
            mti: m.mti(),
            net: f60.net,
            response_code: ResponseCode::from_bytes(m.require(39)?).ok_or(CodecError::BadCharacter { field: 39 })?,
            stan: Stan::parse(11, m.require(11)?)?,
            tid: TerminalId::from_field(m.require(41)?)?,
            mid: MerchantId::from_field(m.require(42)?)?,
            batch: f60.batch,
            time: m.get_str(12).map(str::to_string),
            date: m.get_str(13).map(str::to_string),
            rrn: m.get_str(37).map(str::to_string),
            totals: match (m.mti().as_str(), m.get(48)) {
                ("0510", Some(v)) => Some(SettlementTotals::parse(v)?),
                _ => None,
            },
            key_block: m.get(62).map(<[u8]>::to_vec),
        })
    }
}
