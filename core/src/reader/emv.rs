//! Field 55 as the software reader's simulated chip produces it.
//!
//! The tags are those a UnionPay (PBOC) ARQC request carries. The cryptogram is a
//! software stand-in (a retail MAC under a key derived from the PAN), not EMV's
//! session-key derivation: the simulated issuer need not verify it.

use ring::digest;

use crate::card::{encode_tlv, Pan, Tag, Tlv};
use crate::crypto::{compute_mac, MacAlgorithm, SecretKey};
use crate::deck::{AccountKind, Presentation, TestCard};
use crate::iso8583::{bcd, TxnType};

use super::card_read::CardRequest;

/// EMV 9C transaction type for each profile type (PBOC values).
fn emv_txn_type(t: TxnType) -> u8 {
    match t {
        TxnType::PreAuth => 0x03,
        TxnType::Refund => 0x20,
        TxnType::BalanceInquiry => 0x31,
        _ => 0x00,
    }
}

/// The simulated card's cryptogram key: a hash of the PAN (software stand-in for the card's key).
fn card_key(pan: &Pan) -> Option<SecretKey> {
    let d = digest::digest(&digest::SHA256, format!("pos-core/sim-card-key/{}", pan.as_digits()).as_bytes());
    SecretKey::from_slice(d.as_ref().get(..16)?).ok()
}

/// What varies per read.
pub(crate) struct ChipSession {
    pub atc: u16,
    pub unpredictable: [u8; 4],
    pub pin_entered: bool,
    pub reader_serial: String,
    /// Terminal verification results (byte 1 carries the offline data authentication's outcome).
    pub tvr: [u8; 5],
}

/// The simulated card's application interchange profile (82).
pub(crate) fn aip(card: &TestCard) -> [u8; 2] {
    if card.presentation == Presentation::Contactless {
        [0x00, 0x80]
    } else {
        [0x7C, 0x00]
    }
}

/// The simulated card's AID (84): UnionPay debit or credit.
pub(crate) fn aid(card: &TestCard) -> [u8; 8] {
    match card.kind {
        AccountKind::Debit => [0xA0, 0x00, 0x00, 0x03, 0x33, 0x01, 0x01, 0x01],
        AccountKind::Credit => [0xA0, 0x00, 0x00, 0x03, 0x33, 0x01, 0x01, 0x02],
    }
}

/// Builds field 55 for a chip or contactless read of `card`.
pub(crate) fn field55(card: &TestCard, pan: &Pan, req: &CardRequest, s: &ChipSession) -> Vec<u8> {
    let amount = req.amount.map(|a| a.minor()).unwrap_or(0);
    let currency = req.amount.map(|a| a.currency().numeric).unwrap_or(156);
    let amount_bcd = bcd(amount, 6);
    let currency_bcd = bcd(u64::from(currency), 2);
    let c = req.at.civil();
    let date = bcd(c.year.rem_euclid(100) as u64 * 10_000 + u64::from(c.month) * 100 + u64::from(c.day), 3);
    let aip = aip(card);
    let aid = aid(card);
    // CVM results: 42 03 00 = enciphered PIN online, succeeded-unknown; 1F 03 02 = no CVM.
    let cvm: [u8; 3] = if s.pin_entered { [0x42, 0x03, 0x00] } else { [0x1F, 0x03, 0x02] };
    let tvr = s.tvr;
    let mut cdol = Vec::with_capacity(40);
    for part in [&amount_bcd[..], &[0u8; 6], &currency_bcd, &tvr, &currency_bcd, &date, &[emv_txn_type(req.txn)]] {
        cdol.extend_from_slice(part);
    }
    cdol.extend_from_slice(&s.unpredictable);
    cdol.extend_from_slice(&aip);
    cdol.extend_from_slice(&s.atc.to_be_bytes());
    let arqc = card_key(pan).map(|k| compute_mac(MacAlgorithm::X919, &k, &cdol)).unwrap_or_default();
    let mut serial = s.reader_serial.as_bytes().to_vec();
    serial.resize(8, b' ');
    let tlv = |tag: u32, v: &[u8]| Tlv::primitive(Tag(tag), v.to_vec());
    encode_tlv(&[
        tlv(0x9F26, &arqc),
        tlv(0x9F27, &[0x80]),
        tlv(0x9F10, &[0x07, 0x01, 0x01, 0x03, 0xA0, 0x00, 0x00, 0x01, 0x0A, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00]),
        tlv(0x9F37, &s.unpredictable),
        tlv(0x9F36, &s.atc.to_be_bytes()),
        tlv(0x95, &tvr),
        tlv(0x9A, &date),
        tlv(0x9C, &[emv_txn_type(req.txn)]),
        tlv(0x9F02, &amount_bcd),
        tlv(0x5F2A, &currency_bcd),
        tlv(0x82, &aip),
        tlv(0x9F1A, &bcd(156, 2)),
        tlv(0x9F03, &[0u8; 6]),
        tlv(0x9F33, &[0xE0, 0xE1, 0xC8]),
        tlv(0x9F34, &cvm),
        tlv(0x9F35, &[0x22]),
        tlv(0x9F1E, &serial[..8]),
        tlv(0x84, &aid),
        tlv(0x9F09, &[0x00, 0x30]),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bcd_packs_digits() {
        // The EMV `n` elements: amount 9F02 (n12), currency 5F2A (n4).
        assert_eq!(bcd(1234, 6), vec![0, 0, 0, 0, 0x12, 0x34]);
        assert_eq!(bcd(156, 2), vec![0x01, 0x56]);
    }
}
