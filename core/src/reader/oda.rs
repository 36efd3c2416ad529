//! Offline data authentication as the simulated reader's chip kernel does it: EMV static data
//! authentication (SDA, EMV Book 2 §5). A real reader does this inside its secure element; the
//! phone only learns the result ([`DataAuthentication`]).
//!
//! The test deck's cards were personalised in Python (`scripts/gen-oda.py`, the generated
//! `sda_cards.rs`) by this project's test CA; this module only verifies, so the two sides are
//! independent implementations of the same format.

use num_bigint::BigUint;
use ring::digest;

use super::card_read::DataAuthentication;
use crate::card::{encode_tlv, Tag, Tlv};
use crate::tms::capk::{CaPublicKey, CapkId};

/// What a card hands the reader for SDA, and the data its issuer signed.
pub(crate) struct SdaCard<'a> {
    /// The application's RID (the AID's first 5 bytes).
    pub rid: [u8; 5],
    /// Tag 8F.
    pub ca_index: u8,
    /// Tag 90.
    pub issuer_certificate: &'a [u8],
    /// Tag 92 (empty when the issuer key fits in its certificate).
    pub issuer_remainder: &'a [u8],
    /// Tag 9F32.
    pub issuer_exponent: &'a [u8],
    /// Tag 93.
    pub signed_static_data: &'a [u8],
    /// The records to be authenticated, as read.
    pub static_data: &'a [u8],
    /// Tag 82, appended per the tag list 9F4A.
    pub aip: &'a [u8],
    /// The card number as read (the certificate's issuer identifier must begin it).
    pub pan: &'a str,
}

/// The static data records of a simulated card: 5A (PAN, BCD padded F) and 5F24 (expiry
/// YYMMDD, the month's last day), as `scripts/gen-oda.py` signed them.
pub(crate) fn static_records(pan: &str, expiry_yymm: &str) -> Vec<u8> {
    let mut digits = pan.to_string();
    if digits.len() % 2 == 1 {
        digits.push('F');
    }
    let pan_bcd = hex::decode(&digits).unwrap_or_default();
    let (yy, mm) = (expiry_yymm.get(..2).unwrap_or("00"), expiry_yymm.get(2..4).unwrap_or("01"));
    let year = 2000 + yy.parse::<i32>().unwrap_or(0);
    let month = mm.parse::<u8>().ok().and_then(|m| time::Month::try_from(m).ok()).unwrap_or(time::Month::January);
    let last = time::util::days_in_month(month, year);
    let expiry = hex::decode(format!("{yy}{mm}{last:02}")).unwrap_or_default();
    encode_tlv(&[Tlv::primitive(Tag(0x5A), pan_bcd), Tlv::primitive(Tag(0x5F24), expiry)])
}

/// Authenticates `card` with the CA public keys the reader holds, on `today` (`YYMM` as a
/// number, e.g. 2612): succeeded, or failed with the first check that did not hold.
pub(crate) fn authenticate(keys: &[CaPublicKey], card: &SdaCard<'_>, today_yymm: u32) -> DataAuthentication {
    if keys.is_empty() {
        return DataAuthentication::NotPerformed;
    }
    match verify(keys, card, today_yymm) {
        Ok(()) => DataAuthentication::Succeeded,
        Err(why) => {
            tracing::info!(why, "offline data authentication failed");
            DataAuthentication::Failed
        }
    }
}

fn verify(keys: &[CaPublicKey], card: &SdaCard<'_>, today_yymm: u32) -> Result<(), &'static str> {
    let id = CapkId { rid: card.rid, index: card.ca_index };
    let ca = keys.iter().find(|k| k.id == id).ok_or("no CA public key for the card's index")?;
    let n_ca = ca.modulus.len();
    // The issuer public key certificate (EMV Book 2 §5.3, table 6).
    if card.issuer_certificate.len() != n_ca || n_ca < 36 + 1 {
        return Err("issuer certificate length");
    }
    let x = recover(card.issuer_certificate, &ca.modulus, &ca.exponent).ok_or("issuer certificate out of range")?;
    if x[0] != 0x6A || x[n_ca - 1] != 0xBC || x[1] != 0x02 {
        return Err("issuer certificate header, format or trailer");
    }
    let (hash_algorithm, key_algorithm, n_i, exponent_len) = (x[11], x[12], usize::from(x[13]), usize::from(x[14]));
    if hash_algorithm != 0x01 || key_algorithm != 0x01 || exponent_len != card.issuer_exponent.len() {
        return Err("issuer certificate algorithms");
    }
    let signed = &x[1..n_ca - 21];
    let hash = sha1(&[signed, card.issuer_remainder, card.issuer_exponent]);
    if hash != x[n_ca - 21..n_ca - 1] {
        return Err("issuer certificate hash");
    }
    let issuer_id = hex::encode_upper(&x[2..6]);
    let issuer_id = issuer_id.trim_end_matches('F');
    if issuer_id.len() < 3 || !card.pan.starts_with(issuer_id) {
        return Err("issuer identifier does not match the card number");
    }
    let (mm, yy) = (bcd2(x[6]).ok_or("certificate expiry")?, bcd2(x[7]).ok_or("certificate expiry")?);
    if !(1..=12).contains(&mm) || yy * 100 + mm < today_yymm {
        return Err("issuer certificate expired");
    }
    let part = &x[15..n_ca - 21];
    let issuer_modulus: Vec<u8> = if n_i <= part.len() {
        if part[n_i..].iter().any(|b| *b != 0xBB) {
            return Err("issuer key padding");
        }
        part[..n_i].to_vec()
    } else {
        if part.len() + card.issuer_remainder.len() != n_i {
            return Err("issuer key remainder");
        }
        [part, card.issuer_remainder].concat()
    };
    // The signed static application data (§5.4, table 7).
    if card.signed_static_data.len() != n_i || n_i < 26 {
        return Err("signed static data length");
    }
    let y = recover(card.signed_static_data, &issuer_modulus, card.issuer_exponent)
        .ok_or("signed static data out of range")?;
    if y[0] != 0x6A || y[1] != 0x03 || y[n_i - 1] != 0xBC || y[2] != 0x01 {
        return Err("signed static data header, format or trailer");
    }
    let hash = sha1(&[&y[1..n_i - 21], card.static_data, card.aip]);
    if hash != y[n_i - 21..n_i - 1] {
        return Err("the card's data is not what its issuer signed");
    }
    Ok(())
}

/// The RSA public operation, left-padded to the modulus length; `None` when the input is not
/// below the modulus (or either is empty).
fn recover(data: &[u8], modulus: &[u8], exponent: &[u8]) -> Option<Vec<u8>> {
    let n = BigUint::from_bytes_be(modulus);
    let x = BigUint::from_bytes_be(data);
    if modulus.is_empty() || exponent.is_empty() || x >= n {
        return None;
    }
    let y = x.modpow(&BigUint::from_bytes_be(exponent), &n).to_bytes_be();
    let mut out = vec![0u8; modulus.len().checked_sub(y.len())?];
    out.extend_from_slice(&y);
    Some(out)
}

fn sha1(parts: &[&[u8]]) -> Vec<u8> {
    let mut ctx = digest::Context::new(&digest::SHA1_FOR_LEGACY_USE_ONLY);
    for p in parts {
        ctx.update(p);
    }
    ctx.finish().as_ref().to_vec()
}

/// One BCD byte as a number (`None` for a nibble above 9).
fn bcd2(b: u8) -> Option<u32> {
    let (hi, lo) = (u32::from(b >> 4), u32::from(b & 0x0F));
    (hi < 10 && lo < 10).then_some(hi * 10 + lo)
}

/// This project's test CA key (`core/tests/vectors/oda-test-ca.txt`), for unit tests whose
/// reader needs it without a download.
#[cfg(test)]
pub(crate) fn test_ca_key() -> CaPublicKey {
    let line = include_str!("../../tests/vectors/oda-test-ca.txt").lines().find_map(|l| l.strip_prefix("pos-test-f9 "));
    CaPublicKey::from_tlv(&hex::decode(line.unwrap_or_default().trim()).unwrap_or_default()).expect("the test CA key")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deck;

    const TEST_CA: &str = include_str!("../../tests/vectors/oda-test-ca.txt");

    fn key(label: &str) -> CaPublicKey {
        let line = TEST_CA.lines().find(|l| l.split(' ').next() == Some(label)).expect("key line");
        let hex = line.split_once(' ').map(|(_, h)| h.trim()).unwrap_or_default();
        CaPublicKey::from_tlv(&hex::decode(hex).expect("hex")).expect("a valid key")
    }

    fn card_data(id: &str) -> (&'static deck::TestCard, Vec<u8>, Vec<u8>, Vec<u8>) {
        let card = deck::find(id).expect("deck card");
        let (_, cert, ssad) = super::super::sda_cards::CARDS.iter().find(|(c, _, _)| *c == id).expect("sda data");
        (card, hex::decode(cert).unwrap(), hex::decode(ssad).unwrap(), static_records(card.pan, card.expiry))
    }

    fn sda<'a>(pan: &'a str, cert: &'a [u8], ssad: &'a [u8], records: &'a [u8], aip: &'a [u8]) -> SdaCard<'a> {
        SdaCard {
            rid: [0xA0, 0x00, 0x00, 0x03, 0x33],
            ca_index: super::super::sda_cards::CA_INDEX,
            issuer_certificate: cert,
            issuer_remainder: &[],
            issuer_exponent: super::super::sda_cards::ISSUER_EXPONENT,
            signed_static_data: ssad,
            static_data: records,
            aip,
            pan,
        }
    }

    #[test]
    fn every_chip_card_of_the_deck_authenticates_under_the_test_ca() {
        let keys = [key("pos-test-f9")];
        for (id, _, _) in super::super::sda_cards::CARDS {
            let (card, cert, ssad, records) = card_data(id);
            let aip: &[u8] =
                if card.presentation == deck::Presentation::Contactless { &[0x00, 0x80] } else { &[0x7C, 0x00] };
            assert_eq!(
                authenticate(&keys, &sda(card.pan, &cert, &ssad, &records, aip), 2612),
                DataAuthentication::Succeeded,
                "{id}"
            );
        }
    }

    #[test]
    fn a_wrong_key_an_altered_card_or_an_expired_certificate_fail() {
        let (card, cert, ssad, records) = card_data("offline");
        let aip = [0x7C, 0x00];
        let good = [key("pos-test-f9")];
        // Another key under the same RID and index (its check sum valid).
        assert_eq!(
            authenticate(&[key("pos-test-f9-wrong")], &sda(card.pan, &cert, &ssad, &records, &aip), 2612),
            DataAuthentication::Failed
        );
        // No key at all: not performed.
        assert_eq!(
            authenticate(&[], &sda(card.pan, &cert, &ssad, &records, &aip), 2612),
            DataAuthentication::NotPerformed
        );
        // A cloned chip with another card number, the rest copied.
        let other = static_records("6222020000111133333", card.expiry);
        assert_eq!(
            authenticate(&good, &sda("6222020000111133333", &cert, &ssad, &other, &aip), 2612),
            DataAuthentication::Failed
        );
        // The AIP changed (e.g. to claim another capability).
        assert_eq!(
            authenticate(&good, &sda(card.pan, &cert, &ssad, &records, &[0x7D, 0x00]), 2612),
            DataAuthentication::Failed
        );
        // One bit of the signature flipped.
        let mut bad = ssad.clone();
        bad[10] ^= 0x01;
        assert_eq!(authenticate(&good, &sda(card.pan, &cert, &bad, &records, &aip), 2612), DataAuthentication::Failed);
        // Another card's certificate (another issuer identifier).
        let (_, visa_cert, _, _) = card_data("visa");
        assert_eq!(
            authenticate(&good, &sda(card.pan, &visa_cert, &ssad, &records, &aip), 2612),
            DataAuthentication::Failed
        );
        // The certificate expires in December 2030.
        assert_eq!(
            authenticate(&good, &sda(card.pan, &cert, &ssad, &records, &aip), 3012),
            DataAuthentication::Succeeded
        );
        assert_eq!(authenticate(&good, &sda(card.pan, &cert, &ssad, &records, &aip), 3101), DataAuthentication::Failed);
        // Garbage of the right length is out of range or fails its header: no panic.
        let garbage = vec![0xFF; cert.len()];
        assert_eq!(
            authenticate(&good, &sda(card.pan, &garbage, &ssad, &records, &aip), 2612),
            DataAuthentication::Failed
        );
        assert_eq!(authenticate(&good, &sda(card.pan, &[], &[], &records, &aip), 2612), DataAuthentication::Failed);
    }

    #[test]
    fn the_rsa_public_operation_matches_python() {
        // pow(2, 3, 0xB71B...) computed independently: 2^3 = 8 below any modulus.
        let k = key("pos-test-f9");
        let y = recover(&[2], &k.modulus, &k.exponent).unwrap();
        assert_eq!(y.len(), 128);
        assert_eq!(y[127], 8);
        assert!(y[..127].iter().all(|b| *b == 0));
        assert!(recover(&k.modulus, &k.modulus, &k.exponent).is_none(), "x = n is out of range");
    }

    #[test]
    fn static_records_are_the_pan_in_bcd_and_the_expiry_day() {
        assert_eq!(hex::encode_upper(static_records("6258070001234565", "3012")), "5A0862580700012345655F2403301231");
        assert_eq!(
            hex::encode_upper(static_records("6228481111222233334", "2402")),
            "5A0A6228481111222233334F5F2403240229"
        );
    }
}
