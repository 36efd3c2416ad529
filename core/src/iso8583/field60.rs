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
            c => NetCode::Other(c),
        }
    }
}

/// Field 60 as subfields.
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
    /// Any further digits, kept as received.
    pub rest: String,
}

impl Field60 {
    /// Subfields 60.1-60.3 only.
    pub fn new(msg_type: u8, batch: BatchNo, net: NetCode) -> Field60 {
        Field60 { msg_type, batch, net, read_capability: None, ic_condition: None, rest: String::new() }
    }

    /// Parses the digits of field 60; 60.1 and 60.2 are required, the rest optional.
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
        let digit = |i: usize| v.get(i).map(|b| b - b'0');
        let rest = v.get(13..).map(|r| String::from_utf8_lossy(r).into_owned()).unwrap_or_default();
        Ok(Field60 { msg_type, batch, net, read_capability: digit(11), ic_condition: digit(12), rest })
    }
}

impl fmt::Display for Field60 {
    /// The digits as carried in the field.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}{}{:03}", self.msg_type, self.batch, self.net.code())?;
        if let Some(c) = self.read_capability {
            write!(f, "{c}")?;
            if let Some(ic) = self.ic_condition {
                write!(f, "{ic}")?;
                f.write_str(&self.rest)?;
            }
        }
        Ok(())
    }
}
