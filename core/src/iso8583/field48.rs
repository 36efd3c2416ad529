//! Field 48: settlement totals, magstripe batch upload records and the batch upload count.

use serde::{Deserialize, Serialize};

use super::error::CodecError;
use super::ids::{digits_u32, digits_u64, Stan};

/// Reconciliation result in the 0510 (and `0` in the 0500).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
// Stable snake_case names in JSON output; the Rust names are still read (stored by earlier versions).
pub enum Reconciliation {
    /// `0`: not yet reconciled (what the terminal sends).
    #[serde(rename = "not_reconciled", alias = "NotReconciled")]
    NotReconciled,
    /// `1`: totals equal (对账平).
    #[serde(rename = "balanced", alias = "Balanced")]
    Balanced,
    /// `2`: totals differ (对账不平): upload the batch.
    #[serde(rename = "unbalanced", alias = "Unbalanced")]
    Unbalanced,
    /// `3`: error at the host.
    #[serde(rename = "error", alias = "Error")]
    Error,
}

impl Reconciliation {
    fn digit(self) -> u8 {
        match self {
            Reconciliation::NotReconciled => 0,
            Reconciliation::Balanced => 1,
            Reconciliation::Unbalanced => 2,
            Reconciliation::Error => 3,
        }
    }
    fn from_digit(d: u8) -> Result<Self, CodecError> {
        Ok(match d {
            b'0' => Reconciliation::NotReconciled,
            b'1' => Reconciliation::Balanced,
            b'2' => Reconciliation::Unbalanced,
            b'3' => Reconciliation::Error,
            _ => return Err(CodecError::bad_value(48, "reconciliation code not 0-3")),
        })
    }
}

/// One section of settlement totals (domestic or foreign cards).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Sum of debits (sales, completions) in minor units, n12.
    pub debit_amount: u64,
    /// Count of debits, n3.
    pub debit_count: u16,
    /// Sum of credits (refunds) in minor units, n12.
    pub credit_amount: u64,
    /// Count of credits, n3.
    pub credit_count: u16,
    /// The reconciliation code of this section.
    pub reconciliation: Reconciliation,
}

impl Totals {
    /// Zero totals, not reconciled.
    pub const ZERO: Totals = Totals {
        debit_amount: 0,
        debit_count: 0,
        credit_amount: 0,
        credit_count: 0,
        reconciliation: Reconciliation::NotReconciled,
    };

    fn write(&self, out: &mut String) -> Result<(), CodecError> {
        if self.debit_amount > 999_999_999_999 || self.credit_amount > 999_999_999_999 {
            return Err(CodecError::bad_value(48, "settlement amount above n12"));
        }
        if self.debit_count > 999 || self.credit_count > 999 {
            return Err(CodecError::bad_value(48, "settlement count above n3"));
        }
        use std::fmt::Write;
        let _ = write!(
            out,
            "{:012}{:03}{:012}{:03}{}",
            self.debit_amount,
            self.debit_count,
            self.credit_amount,
            self.credit_count,
            self.reconciliation.digit()
        );
        Ok(())
    }

    fn read(v: &[u8]) -> Result<Totals, CodecError> {
        Ok(Totals {
            debit_amount: digits_u64(48, &v[0..12])?,
            debit_count: digits_u32(48, &v[12..15], 3)? as u16,
            credit_amount: digits_u64(48, &v[15..27])?,
            credit_count: digits_u32(48, &v[27..30], 3)? as u16,
            reconciliation: Reconciliation::from_digit(v[30])?,
        })
    }
}

/// Field 48 of the 0500/0510: domestic then foreign totals, 31 digits each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementTotals {
    /// Domestic (UnionPay) cards.
    pub domestic: Totals,
    /// Foreign cards.
    pub foreign: Totals,
}

impl SettlementTotals {
    /// Nothing counted, in either section.
    pub const ZERO: SettlementTotals = SettlementTotals { domestic: Totals::ZERO, foreign: Totals::ZERO };

    /// The 62 digits of field 48.
    pub fn to_field(&self) -> Result<String, CodecError> {
        let mut s = String::with_capacity(62);
        self.domestic.write(&mut s)?;
        self.foreign.write(&mut s)?;
        Ok(s)
    }

    /// Reads field 48; the foreign section may be absent (some hosts send 31 digits).
    pub fn parse(v: &[u8]) -> Result<SettlementTotals, CodecError> {
        match v.len() {
            31 => Ok(SettlementTotals { domestic: Totals::read(v)?, ..SettlementTotals::ZERO }),
            62 => Ok(SettlementTotals { domestic: Totals::read(&v[..31])?, foreign: Totals::read(&v[31..])? }),
            n => Err(CodecError::bad_value(48, format!("settlement totals of {n} digits (expected 31 or 62)"))),
        }
    }
}

/// One transaction in a magstripe batch upload (0320, 60.3 = 201).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRecord {
    /// Card organisation: `00` domestic, `01` foreign.
    pub card_org: u8,
    /// STAN of the transaction.
    pub stan: Stan,
    /// Card number as the terminal holds it: first 6, zeros, last 4 (never the full PAN);
    /// n20 left-aligned, so it reads back padded with zeros to 20 digits.
    pub card: String,
    /// Amount in minor units, n12.
    pub amount: u64,
}

/// Records per magstripe batch upload message: 2 + 8 x 40 = 322 digits, the field maximum.
pub(crate) const MAX_BATCH_RECORDS: usize = 8;

/// Field 48 of a magstripe batch upload: a count (n2) then up to 8 records of 40 digits.
pub(crate) fn encode_batch_records(records: &[BatchRecord]) -> Result<String, CodecError> {
    if records.is_empty() || records.len() > MAX_BATCH_RECORDS {
        return Err(CodecError::bad_value(48, "batch upload carries 1 to 8 records"));
    }
    let mut s = format!("{:02}", records.len());
    for r in records {
        if r.card.len() > 20
            || !r.card.bytes().all(|b| b.is_ascii_digit())
            || r.amount > 999_999_999_999
            || r.card_org > 99
        {
            return Err(CodecError::bad_value(48, "batch record out of range"));
        }
        use std::fmt::Write;
        let _ = write!(s, "{:02}{}{:0<20}{:012}", r.card_org, r.stan, r.card, r.amount);
    }
    Ok(s)
}

/// Reads field 48 of a magstripe batch upload.
pub(crate) fn parse_batch_records(v: &[u8]) -> Result<Vec<BatchRecord>, CodecError> {
    if v.len() < 2 {
        return Err(CodecError::TooShort { field: 48, len: v.len(), min: 2 });
    }
    let count = digits_u32(48, &v[..2], 2)? as usize;
    if count == 0 || count > MAX_BATCH_RECORDS || v.len() != 2 + count * 40 {
        return Err(CodecError::bad_value(48, "batch record count disagrees with length"));
    }
    v[2..]
        .chunks_exact(40)
        .map(|c| {
            Ok(BatchRecord {
                card_org: digits_u32(48, &c[..2], 2)? as u8,
                stan: Stan::parse(48, &c[2..8])?,
                card: std::str::from_utf8(&c[8..28]).map_err(|_| CodecError::BadCharacter { field: 48 })?.to_string(),
                amount: digits_u64(48, &c[28..40])?,
            })
        })
        .collect()
}

/// Field 48 of the batch upload end message: total records uploaded, n4.
pub(crate) fn encode_batch_count(count: u32) -> Result<String, CodecError> {
    if count > 9999 {
        return Err(CodecError::bad_value(48, "batch count above n4"));
    }
    Ok(format!("{count:04}"))
}

/// Reads the batch upload count.
pub(crate) fn parse_batch_count(v: &[u8]) -> Result<u32, CodecError> {
    digits_u32(48, v, 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settlement_totals_round_trip() {
        let t = SettlementTotals {
            domestic: Totals {
                debit_amount: 123_456,
                debit_count: 7,
                credit_amount: 500,
                credit_count: 1,
                reconciliation: Reconciliation::NotReconciled,
            },
            foreign: Totals::ZERO,
        };
        let s = t.to_field().unwrap();
        assert_eq!(&s[..31], "0000001234560070000000005000010");
        assert_eq!(&s[31..], "0".repeat(31));
        assert_eq!(s.len(), 62);
        assert_eq!(SettlementTotals::parse(s.as_bytes()).unwrap(), t);
        assert!(SettlementTotals::parse(b"12").is_err());
        let mut bad = s.into_bytes();
        bad[30] = b'7';
        assert!(SettlementTotals::parse(&bad).is_err());
    }

    #[test]
    fn batch_records_round_trip() {
        let r = vec![BatchRecord {
            card_org: 0,
            stan: Stan::new(12).unwrap(),
            card: "62284800000012340000".into(),
            amount: 100,
        }];
        let s = encode_batch_records(&r).unwrap();
        assert_eq!(s.len(), 42);
        assert_eq!(parse_batch_records(s.as_bytes()).unwrap(), r);
        assert!(parse_batch_records(b"02").is_err());
        assert_eq!(parse_batch_count(encode_batch_count(17).unwrap().as_bytes()).unwrap(), 17);
    }
}
