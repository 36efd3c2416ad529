//! Field 61: the original transaction a void, refund, completion or cancel refers to.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::CodecError;
use super::ids::{digits_u32, BatchNo, Stan};

/// Field 61: original batch, STAN and date (MMDD).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OriginalData {
    /// 61.1 original batch number.
    pub batch: BatchNo,
    /// 61.2 original STAN; `None` when sent as 000000 (pre-auth completions).
    pub stan: Option<Stan>,
    /// 61.3 original date MMDD (refunds and completions carry it).
    pub date: Option<String>,
    /// Further digits (some acquirers add the original auth method), kept as received.
    pub rest: String,
}

impl OriginalData {
    /// Parses field 61's digits.
    pub fn parse(v: &[u8]) -> Result<OriginalData, CodecError> {
        if v.len() < 12 {
            return Err(CodecError::TooShort { field: 61, len: v.len(), min: 12 });
        }
        let batch = BatchNo::parse(61, &v[..6])?;
        let stan = Stan::new(digits_u32(61, &v[6..12], 6)?);
        let date = match v.get(12..16) {
            Some(d) => {
                let mmdd = digits_u32(61, d, 4)?;
                if !(1..=12).contains(&(mmdd / 100)) || !(1..=31).contains(&(mmdd % 100)) {
                    return Err(CodecError::bad_value(61, "original date is not MMDD"));
                }
                Some(String::from_utf8_lossy(d).into_owned())
            }
            None if v.len() == 12 => None,
            None => return Err(CodecError::bad_value(61, "61.3 incomplete")),
        };
        let rest = v.get(16..).map(|r| String::from_utf8_lossy(r).into_owned()).unwrap_or_default();
        Ok(OriginalData { batch, stan, date, rest })
    }
}

impl fmt::Display for OriginalData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.stan {
            Some(s) => write!(f, "{}{}", self.batch, s)?,
            None => write!(f, "{}000000", self.batch)?,
        }
        if let Some(d) = &self.date {
            f.write_str(d)?;
            f.write_str(&self.rest)?;
        }
        Ok(())
    }
}
