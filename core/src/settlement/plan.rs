//! The batch upload plan: magstripe rows 8 to a message (201), chip rows one each (203),
//! then the end message (202, or 207 when chip rows went) with the count.

use crate::iso8583::bcd;
use crate::iso8583::field48::MAX_BATCH_RECORDS;
use crate::iso8583::{AdminKind, BatchRecord, IcUploadItem, NetCode};
use crate::journal::TxnRecord;

use super::totals::counts_in;

/// The messages that upload `rows` (the counted ones), in journal order.
pub fn plan_upload(rows: &[TxnRecord]) -> Vec<AdminKind> {
    let mut magstripe = Vec::new();
    let mut chip = Vec::new();
    for r in rows {
        let Some(c) = counts_in(r) else { continue };
        if r.entry_mode.is_some_and(|e| e.method.is_chip()) {
            chip.push(AdminKind::IcBatchUpload(IcUploadItem {
                original_stan: r.numbers.stan,
                amount: c.amount,
                icc: rebuilt_icc(r, c.amount),
            }));
        } else {
            magstripe.push(BatchRecord {
                card_org: u8::from(c.foreign),
                stan: r.numbers.stan,
                card: upload_card(r),
                amount: c.amount,
            });
        }
    }
    let count = (magstripe.len() + chip.len()) as u32;
    let code = if chip.is_empty() { NetCode::BatchEnd } else { NetCode::BatchEndIc };
    let mut out: Vec<AdminKind> =
        magstripe.chunks(MAX_BATCH_RECORDS).map(|c| AdminKind::BatchUpload(c.to_vec())).collect();
    out.extend(chip);
    out.push(AdminKind::BatchEnd { code, count });
    out
}

/// The card as the profile uploads it: first 6, zeros, last 4 (the journal holds no more).
fn upload_card(r: &TxnRecord) -> String {
    match &r.masked_pan {
        Some(p) => {
            let hidden = p.as_str().len().saturating_sub(p.bin().len() + p.last4().len());
            format!("{}{}{}", p.bin(), "0".repeat(hidden), p.last4())
        }
        None => "0".repeat(16),
    }
}

/// Field 55 of an IC upload, rebuilt from what the journal keeps: amount (9F02), currency
/// (5F2A), date (9A) and type (9C). The journal does not keep the card's own field 55,
/// because it may carry card data (tags 57, 5A); the host matches by STAN and amount.
pub fn rebuilt_icc(r: &TxnRecord, amount: u64) -> Vec<u8> {
    let mut v = Vec::with_capacity(22);
    v.extend_from_slice(&[0x9F, 0x02, 0x06]);
    v.extend_from_slice(&bcd(amount % 1_000_000_000_000, 6));
    let currency = r.amount.map(|a| u64::from(a.currency().numeric)).unwrap_or(156);
    v.extend_from_slice(&[0x5F, 0x2A, 0x02]);
    v.extend_from_slice(&bcd(currency, 2));
    // 9A is the local date YYMMDD of the stored RFC 3339 time (zeros if it cannot be read).
    let date = crate::clock::CivilTime::parse_local(&r.created_at)
        .map(|c| c.year.rem_euclid(100) as u64 * 10_000 + u64::from(c.month) * 100 + u64::from(c.day))
        .unwrap_or(0);
    v.extend_from_slice(&[0x9A, 0x03]);
    v.extend_from_slice(&bcd(date, 3));
    let kind = if r.txn_type.settlement_side() == Some(crate::iso8583::SettlementSide::Credit) { 0x20 } else { 0x00 };
    v.extend_from_slice(&[0x9C, 0x01, kind]);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bcd_is_right_aligned() {
        assert_eq!(bcd(1234, 3), vec![0x00, 0x12, 0x34]);
        assert_eq!(bcd(156, 2), vec![0x01, 0x56]);
    }
}
