//! Field 60: message type code, batch number, network management code and extras.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::CodecError;
use super::ids::{digits_u32, BatchNo};

/// 60.3 network management codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NetCode {
    /// `000`: no network management function (financial messages).
    None,
    /// `001`: sign-in with single-length keys.
    SignInSingle,
    /// `002`: sign-off.
    SignOff,
    /// `003`: sign-in with double-length keys.
    SignInDouble,
    /// `004`: sign-in with double-length keys and a track key.
    SignInDoubleTdk,
    /// `201`: settlement, or a magstripe batch upload record.
    Settlement,
    /// `202`: end of batch upload (magstripe).
    BatchEnd,
    /// `203`: IC card batch upload record.
    IcBatchUpload,
    /// `207`: end of batch upload (with IC records).
    BatchEndIc,
    /// `301`: echo test.
    Echo,
    /// `360`: terminal parameter download.
    ParameterDownload,
    /// `362`: terminal status upload.
    StatusUpload,
    /// `370`: one CA public key.
    CapkDownload,
    /// `371`: end of the CA public key download.
    CapkEnd,
    /// `372`: CA public key query (the host's list).
    CapkQuery,
    /// `380`: one application's IC parameters.
    AidDownload,
    /// `381`: end of the IC parameter download.
    AidEnd,
    /// `382`: IC parameter query (the host's AID list).
    AidQuery,
    /// `390`: one page of the card blacklist.
    BlacklistPage,
    /// `391`: end of the blacklist download.
    BlacklistEnd,
    /// Any other code, kept as received.
    Other(u16),
}

impl NetCode {
    /// The three digits.
    pub fn code(&self) -> u16 {
        match self {
            NetCode::None => 0,
            NetCode::SignInSingle => 1,
            NetCode::SignOff => 2,
            NetCode::SignInDouble => 3,
            NetCode::SignInDoubleTdk => 4,
            NetCode::Settlement => 201,
            NetCode::BatchEnd => 202,
            NetCode::IcBatchUpload => 203,
            NetCode::BatchEndIc => 207,
            NetCode::Echo => 301,
            NetCode::ParameterDownload => 360,
            NetCode::StatusUpload => 362,
            NetCode::CapkDownload => 370,
            NetCode::CapkEnd => 371,
            NetCode::CapkQuery => 372,
            NetCode::AidDownload => 380,
            NetCode::AidEnd => 381,
            NetCode::AidQuery => 382,
            NetCode::BlacklistPage => 390,
            NetCode::BlacklistEnd => 391,
            NetCode::Other(c) => *c,
        }
    }

    /// From the three digits.
    pub fn from_code(c: u16) -> NetCode {
        match c {
            0 => NetCode::None,
            1 => NetCode::SignInSingle,
            2 => NetCode::SignOff,
            3 => NetCode::SignInDouble,
            4 => NetCode::SignInDoubleTdk,
            201 => NetCode::Settlement,
            202 => NetCode::BatchEnd,
            203 => NetCode::IcBatchUpload,
            207 => NetCode::BatchEndIc,
            301 => NetCode::Echo,
            360 => NetCode::ParameterDownload,
            362 => NetCode::StatusUpload,
            370 => NetCode::CapkDownload,
            371 => NetCode::CapkEnd,
            372 => NetCode::CapkQuery,
            380 => NetCode::AidDownload,
            381 => NetCode::AidEnd,
            382 => NetCode::AidQuery,
            390 => NetCode::BlacklistPage,
            391 => NetCode::BlacklistEnd,
            c => NetCode::Other(c),
        }
    }
}

/// Field 60 as subfields.
///
/// The older edition stops at 60.5 (n...017 allows 60.1-60.5 plus padding digits); later
/// editions and deployed terminals add 60.6 (partial approval / balance return flag, n1) and
/// 60.7 (account type, n3), and some hosts more. Subfields this type knows are parsed; what
/// follows them is kept in `rest`, digit for digit, so the field re-reads as received.
/// Sources: docs/wire-profile.md.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field60 {
    /// 60.1 message type code (n2), e.g. 22 for a sale.
    pub msg_type: u8,
    /// 60.2 batch number (n6).
    pub batch: BatchNo,
    /// 60.3 network management code (n3).
    pub net: NetCode,
    /// 60.4 terminal read capability (n1), e.g. 5 = chip and contactless, 6 = contactless.
    pub read_capability: Option<u8>,
    /// 60.5 IC condition code (n1): 0 normal, 2 fallback after chip failure.
    pub ic_condition: Option<u8>,
    /// 60.6 partial approval and balance return supported (n1): 0 no, 1 yes (later editions).
    #[serde(default)]
    pub partial_approval: Option<u8>,
    /// 60.7 account type (n3), e.g. 048 for a points account (later editions).
    #[serde(default)]
    pub account_type: Option<u16>,
    /// Digits after the last subfield parsed (60.8 onwards, or an incomplete 60.7), as received.
    pub rest: String,
}

/// Digit offset (0-based) of 60.4, the first optional subfield.
const OPTIONAL_AT: usize = 11;

impl Field60 {
    /// Subfields 60.1-60.3 only.
    pub fn new(msg_type: u8, batch: BatchNo, net: NetCode) -> Field60 {
        Field60 {
            msg_type,
            batch,
            net,
            read_capability: None,
            ic_condition: None,
            partial_approval: None,
            account_type: None,
            rest: String::new(),
        }
    }

    /// Parses the digits of field 60; 60.1 and 60.2 are required, the rest optional and of any length.
    pub fn parse(v: &[u8]) -> Result<Field60, CodecError> {
        if v.len() < 8 {
            return Err(CodecError::TooShort { field: 60, len: v.len(), min: 8 });
        }
        if !v.iter().all(u8::is_ascii_digit) {
            return Err(CodecError::bad_value(60, "expected digits"));
        }
        let msg_type = digits_u32(60, &v[..2], 2)? as u8;
        let batch = BatchNo::parse(60, &v[2..8])?;
        let net = match v.get(8..11) {
            Some(c) => NetCode::from_code(digits_u32(60, c, 3)? as u16),
            None if v.len() == 8 => NetCode::None,
            None => return Err(CodecError::bad_value(60, "60.3 incomplete")),
        };
        let mut f = Field60::new(msg_type, batch, net);
        let digit = |i: usize| v.get(i).map(|b| b - b'0');
        let mut at = OPTIONAL_AT;
        f.read_capability = digit(at);
        if f.read_capability.is_some() {
            at += 1;
            f.ic_condition = digit(at);
        }
        if f.ic_condition.is_some() {
            at += 1;
            f.partial_approval = digit(at);
        }
        if f.partial_approval.is_some() {
            at += 1;
            // 60.7 only when all three digits came; otherwise what came stays raw.
            if let Some(d) = v.get(at..at + 3) {
                f.account_type = Some(digits_u32(60, d, 3)? as u16);
                at += 3;
            }
        }
        f.rest = v.get(at..).map(|r| String::from_utf8_lossy(r).into_owned()).unwrap_or_default();
        Ok(f)
    }

    /// Digit offset (0-based) where `rest` starts in the field.
    pub fn rest_offset(&self) -> usize {
        let known = [self.read_capability.is_some(), self.ic_condition.is_some(), self.partial_approval.is_some()];
        let singles = known.iter().take_while(|k| **k).count();
        OPTIONAL_AT + singles + if singles == 3 && self.account_type.is_some() { 3 } else { 0 }
    }
}

impl fmt::Display for Field60 {
    /// The digits as carried in the field: the known subfields up to the first absent one, then `rest`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}{}{:03}", self.msg_type, self.batch, self.net.code())?;
        if let Some(c) = self.read_capability {
            write!(f, "{c}")?;
            if let Some(ic) = self.ic_condition {
                write!(f, "{ic}")?;
                if let Some(p) = self.partial_approval {
                    write!(f, "{p}")?;
                    if let Some(a) = self.account_type {
                        write!(f, "{a:03}")?;
                    }
                }
            }
        }
        f.write_str(&self.rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_length_from_11_to_30_digits_reads_back_as_received() {
        let digits = "220000010006012048123456789012345";
        for len in 8..=30 {
            if len == 9 || len == 10 {
                continue;
            }
            let v = &digits.as_bytes()[..len];
            let f = Field60::parse(v).unwrap_or_else(|e| panic!("{len}: {e}"));
            assert_eq!(f.to_string().as_bytes(), if len == 8 { &digits.as_bytes()[..11] } else { v }, "{len}");
            assert_eq!(f.rest_offset() + f.rest.len(), len.max(11), "{len}");
        }
        let f = Field60::parse(b"220000010006010481234").unwrap();
        assert_eq!(
            (f.read_capability, f.ic_condition, f.partial_approval, f.account_type),
            (Some(6), Some(0), Some(1), Some(48))
        );
        assert_eq!((f.rest.as_str(), f.rest_offset()), ("1234", 17));
        // 60.7 incomplete: its digits stay raw.
        let f = Field60::parse(b"2200000100060120").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((f.account_type, f.rest.as_str(), f.rest_offset()), (None, "20", 14));
        assert!(Field60::parse(b"2200000100").is_err());
        assert!(Field60::parse(b"22000001000A").is_err());
    }
}
