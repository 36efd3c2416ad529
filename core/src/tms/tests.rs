//! Terminal-management codecs against published facts: the EMV test CA public keys with their
//! published check sums (`core/tests/vectors/ca-public-keys.txt`), the profile's blacklist page
//! layout, and hostile input.

use proptest::prelude::*;

use super::aid::{self, IcParams};
use super::blacklist::{self, Blacklist, BlacklistPage, IndexWidth, PageFlag};
use super::capk::{self, CaPublicKey, CapkId, CapkListEntry, KeyExpiry};
use super::TmsError;
use crate::card::{DeviceSecret, Pan};

const VECTORS: &str = include_str!("../../tests/vectors/ca-public-keys.txt");

fn vectors() -> Vec<(&'static str, Vec<u8>)> {
    VECTORS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once(' '))
        .map(|(label, h)| (label, hex::decode(h.trim()).expect("hex vector")))
        .collect()
}

#[test]
fn every_published_test_key_verifies() {
    let keys = vectors();
    assert_eq!(keys.len(), 4);
    for (label, tlv) in &keys {
        let key = CaPublicKey::from_tlv(tlv).unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(key.exponent, vec![0x03], "{label}");
        // Re-encoded and read again: the same key (expiry now 8 ASCII digits).
        assert_eq!(CaPublicKey::from_tlv(&key.to_tlv()).unwrap(), key, "{label}");
    }
    let upi08 = CaPublicKey::from_tlv(&keys[0].1).unwrap();
    assert_eq!(upi08.id.label(), "A000000333/08");
    assert_eq!(upi08.expiry, KeyExpiry(20201231));
    assert_eq!(upi08.modulus.len(), 144);
    assert_eq!(hex::encode_upper(upi08.checksum), "EE23B616C95C02652AD18860E48787C079E8E85A");
    let visa92 = CaPublicKey::from_tlv(&keys[2].1).unwrap();
    assert_eq!(visa92.expiry, KeyExpiry(20291231), "4-byte BCD expiry read alike");
    assert!(visa92.expired_on(20300101) && !visa92.expired_on(20291231));
}

#[test]
fn a_key_altered_anywhere_is_refused() {
    let (_, tlv) = &vectors()[0];
    let modulus_at = tlv.windows(4).position(|w| w == [0xDF, 0x02, 0x81, 0x90]).unwrap() + 4;
    for at in [modulus_at, modulus_at + 77, modulus_at + 143] {
        let mut bad = tlv.clone();
        bad[at] ^= 0x01;
        assert_eq!(
            CaPublicKey::from_tlv(&bad),
            Err(TmsError::ChecksumMismatch { rid: "A000000333".into(), index: 0x08 }),
            "flipped modulus byte {at}"
        );
    }
    // Another key's check sum on this key.
    let upi09 = CaPublicKey::from_tlv(&vectors()[1].1).unwrap();
    let mut forged = CaPublicKey::from_tlv(tlv).unwrap();
    forged.checksum = upi09.checksum;
    assert!(matches!(CaPublicKey::from_tlv(&forged.to_tlv()), Err(TmsError::ChecksumMismatch { .. })));
    let e = CaPublicKey::from_tlv(&forged.to_tlv()).unwrap_err();
    assert!(crate::Bilingual::zh(&e).contains("校验值不符") && crate::Bilingual::en(&e).contains("check sum"));
}

#[test]
fn keys_outside_the_profile_are_refused_with_the_reason() {
    let key = CaPublicKey::from_tlv(&vectors()[0].1).unwrap();
    let with = |tag: u32, value: Vec<u8>| {
        let mut objects = crate::card::parse_tlv(&key.to_tlv()).unwrap();
        objects.retain(|o| o.tag.0 != tag);
        if !value.is_empty() {
            objects.push(crate::card::Tlv::primitive(crate::card::Tag(tag), value));
        }
        CaPublicKey::from_tlv(&crate::card::encode_tlv(&objects))
    };
    assert_eq!(with(0xDF03, vec![]), Err(TmsError::Missing { what: "CA public key", tag: 0xDF03 }));
    assert_eq!(with(0xDF06, vec![0x02]), Err(TmsError::Unsupported { what: "hash algorithm", algorithm: 2 }));
    assert_eq!(with(0xDF07, vec![0x04]), Err(TmsError::Unsupported { what: "key algorithm", algorithm: 4 }));
    assert!(matches!(with(0xDF04, vec![0x05]), Err(TmsError::OutOfRange { .. })));
    assert!(matches!(with(0xDF05, b"20231340".to_vec()), Err(TmsError::OutOfRange { .. })), "month 13");
    assert!(matches!(with(0xDF05, b"20230229".to_vec()), Err(TmsError::OutOfRange { .. })), "not a leap year");
    assert!(matches!(with(0xDF02, vec![0xAB; 249]), Err(TmsError::OutOfRange { .. })), "above 1984 bits");
    assert!(matches!(with(0x9F06, vec![0xA0; 4]), Err(TmsError::OutOfRange { .. })), "RID of 4 bytes");
    // A 3-byte exponent 000003 is the value 3: accepted, the check sum covers 03.
    let padded = with(0xDF04, vec![0, 0, 3]).unwrap();
    assert_eq!(padded.exponent, vec![3]);
}

#[test]
fn key_lists_and_requests_round_trip() {
    let entries: Vec<CapkListEntry> = vectors()
        .iter()
        .map(|(_, t)| CaPublicKey::from_tlv(t).unwrap())
        .map(|k| CapkListEntry { id: k.id, expiry: k.expiry })
        .collect();
    assert_eq!(capk::parse_key_list(&capk::encode_key_list(&entries)).unwrap(), entries);
    let id = CapkId { rid: [0xA0, 0, 0, 3, 0x33], index: 0x0B };
    assert_eq!(capk::parse_key_request(&capk::key_request(&id)).unwrap(), id);
    // The first answer of the yogapay-style host: 9F06/9F22/DF05 triples, DF05 in ASCII.
    let listed =
        hex::decode("9f0605a0000000039f220109df050832303136313233319f0605a0000003339f220108df05083230323031323331")
            .unwrap();
    let got = capk::parse_key_list(&listed).unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!((got[1].id.label(), got[1].expiry), ("A000000333/08".to_string(), KeyExpiry(20201231)));
    assert!(capk::parse_key_list(&hex::decode("9f0605a0000003339f220108").unwrap()).is_err(), "no expiry");
}

fn upi_debit_params() -> IcParams {
    aid::unionpay_application(&hex::decode("A000000333010101").unwrap())
}

#[test]
fn ic_parameters_round_trip_and_read_the_profile_encodings() {
    let p = upi_debit_params();
    let tlv = p.to_tlv();
    assert_eq!(IcParams::from_tlv(&tlv).unwrap(), p);
    // 9F1B is binary (EMV), the contactless limits n12 BCD: 300.00 is 000000030000.
    let hex = hex::encode_upper(&tlv);
    assert!(hex.contains("9F1B0400000000") && hex.contains("DF2106000000030000"), "{hex}");
    let aids = vec![p.aid.clone(), hex::decode("A000000333010102").unwrap()];
    assert_eq!(aid::parse_aid_list(&aid::encode_aid_list(&aids)).unwrap(), aids);
    // A BCD limit that is not BCD, a percentage above 99, a 4-byte AID: refused.
    let bad_bcd = hex.replace("DF2106000000030000", "DF210600000003A000");
    assert!(matches!(IcParams::from_tlv(&hex::decode(bad_bcd).unwrap()), Err(TmsError::OutOfRange { .. })));
    let mut over = p.clone();
    over.target_percent = 100;
    assert!(matches!(IcParams::from_tlv(&over.to_tlv()), Err(TmsError::OutOfRange { .. })));
    let mut short = p;
    short.aid = vec![0xA0, 0, 0, 3];
    assert!(matches!(IcParams::from_tlv(&short.to_tlv()), Err(TmsError::OutOfRange { .. })));
}

#[test]
fn blacklist_pages_read_as_the_profile_writes_them() {
    // The Newland terminal's test answer: flag 2, last index 004, four entries.
    let page = blacklist::parse_page(b"20041012345678900862223154089558801410123456789 ", IndexWidth::Profile);
    assert!(page.is_err(), "a space inside an entry is refused");
    let page = blacklist::parse_page(b"200410123456789008622231540895588014101234567890", IndexWidth::Profile).unwrap();
    assert_eq!(page.flag, PageFlag::More);
    assert_eq!(page.last_index, 4);
    assert_eq!(page.entries, ["1234567890", "62223154", "95588014", "1234567890"].map(String::from).to_vec());
    assert_eq!(
        blacklist::parse_page(b"1", IndexWidth::Profile).unwrap_err(),
        TmsError::Malformed { what: "blacklist", detail: "page shorter than its index".into() }
    );
    assert_eq!(blacklist::parse_page(b"0", IndexWidth::Profile).unwrap().flag, PageFlag::Nothing);
    assert_eq!(blacklist::parse_page(b"", IndexWidth::Profile).unwrap().flag, PageFlag::Nothing);
    assert!(blacklist::parse_page(b"1001206222", IndexWidth::Profile).is_err(), "an entry of 20 digits");
    assert!(blacklist::parse_page(b"100108622231", IndexWidth::Profile).is_err(), "cut off");
    let wide = BlacklistPage { flag: PageFlag::Last, last_index: 1_234_567, entries: vec!["622848".into()] };
    let bytes = blacklist::encode_page(&wide, IndexWidth::Wide).unwrap();
    assert_eq!(bytes, b"1123456706622848");
    assert_eq!(blacklist::parse_page(&bytes, IndexWidth::Wide).unwrap(), wide);
    assert_eq!(blacklist::page_request(0, IndexWidth::Profile), b"000");
    assert_eq!(blacklist::parse_page_request(b"0000042").unwrap(), (42, IndexWidth::Wide));
    assert!(blacklist::parse_page_request(b"0042").is_err());
}

#[test]
fn a_listed_prefix_or_number_lists_the_card_and_nothing_clear_is_kept() {
    let secret = DeviceSecret::from_bytes([9; 32]);
    // The body of a number, completed with its Luhn check digit.
    let pan = |body: &str| (0..10).find_map(|c| Pan::parse(&format!("{body}{c}")).ok()).expect("one check digit fits");
    let whole = pan("621700000000000012").as_digits().to_string();
    let list = Blacklist::build(&secret, ["622848", whole.as_str()]).unwrap();
    assert!(list.contains(&secret, &pan("622848000000001")), "BIN 622848");
    assert!(list.contains(&secret, &pan("621700000000000012")), "the whole number");
    assert!(!list.contains(&secret, &pan("621700000000000013")));
    assert!(!list.contains(&secret, &pan("625807000000456")));
    assert_eq!(list.lengths(), (1 << 6) | (1 << 19));
    for e in list.entries() {
        assert!(!hex::encode(e).contains("622848"), "fingerprints, not digits");
    }
    // What the reader answers for a page is what the list holds: the phone builds the same list
    // from the reader's fingerprints without the key.
    let from_reader = Blacklist::from_parts(
        blacklist::lengths_of(["622848", whole.as_str()]).unwrap(),
        vec![blacklist::entry_fingerprint(&secret, &whole), blacklist::entry_fingerprint(&secret, "622848")],
    );
    assert_eq!(from_reader, list);
    // A card read carries one fingerprint per listed length the number has (19 > 16 digits).
    let short = pan("622848000000001");
    let prefixes = blacklist::prefix_fingerprints(&secret, &short, list.lengths());
    assert_eq!(prefixes.len(), 1);
    assert!(list.contains_any(&prefixes));
    assert_eq!(blacklist::prefix_lengths(list.lengths(), 19).collect::<Vec<_>>(), vec![6, 19]);
    // Another device's secret: the same entries mean nothing there.
    assert!(!list.contains(&DeviceSecret::from_bytes([8; 32]), &pan("622848000000001")));
    assert!(Blacklist::build(&secret, ["62a8"]).is_err() && Blacklist::build(&secret, [""]).is_err());
    assert_eq!(blacklist::lengths_of(["62a8"]), None);
}

#[test]
fn terminal_parameters_round_trip_and_bad_documents_are_refused() {
    use super::params::{pages, status_list, OfflineParams, TerminalParams};
    let p = TerminalParams {
        version: 12,
        response_timeout_secs: Some(40),
        retries: Some(3),
        merchant_name: Some("街角便利店".into()),
        header_lines: vec!["欢迎光临".into()],
        offline: Some(OfflineParams {
            enabled: true,
            per_payment_minor: 10_000,
            total_minor: 90_000,
            count: 20,
            max_age_hours: 24,
            per_card_per_day: 2,
        }),
        risk_policy: Some("{}".into()),
        host: Some("acq.example.cn:8583".into()),
        next_ca_pem: Some("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".into()),
    };
    let doc = p.encode().unwrap();
    assert_eq!(TerminalParams::parse(&doc).unwrap(), p);
    // The profile's merchant name is 40 bytes of GBK: 街角便利店 is 10 of them.
    let at = doc.windows(2).rposition(|w| w == b"22").unwrap();
    assert_eq!(&doc[at + 2..at + 12], encoding_rs::GBK.encode("街角便利店").0.as_ref());
    // Pages: the flag, then the part; the parts concatenate to the document.
    let paged = pages(&doc, 50);
    assert!(paged.len() > 2 && paged.last().unwrap()[0] == b'1' && paged[0][0] == b'2');
    assert_eq!(paged.iter().flat_map(|p| p[1..].to_vec()).collect::<Vec<u8>>(), doc);
    // Profile codes this terminal does not use are read past; unknown ones end the read.
    let mut with_tip = doc.clone();
    with_tip.extend_from_slice(b"181");
    assert_eq!(TerminalParams::parse(&with_tip).unwrap(), p);
    for bad in [
        b"".as_slice(),         // no version
        b"9000002",             // cut off
        b"9000001x",            // not a number
        b"900000171202",        // a timeout of 2 s
        b"90000017",            // fine so far ...
        b"900000177",           // ... an unknown code 77 after it
        b"9000001792000021abc", // offline limits of 3 bytes
        b"90000017940000nohost:xyz" // not host:port
            .as_slice(),
    ] {
        let r = TerminalParams::parse(bad);
        if bad == b"90000017" {
            assert_eq!(r.unwrap().version, 7);
        } else {
            assert!(r.is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }
    assert_eq!(status_list(true, false, 3), b"01102103104005190000013".to_vec());
}

proptest! {
    #[test]
    fn no_input_panics_the_readers(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = CaPublicKey::from_tlv(&data);
        let _ = IcParams::from_tlv(&data);
        let _ = capk::parse_key_list(&data);
        let _ = aid::parse_aid_list(&data);
        let _ = blacklist::parse_page(&data, IndexWidth::Profile);
        let _ = blacklist::parse_page(&data, IndexWidth::Wide);
        let _ = blacklist::parse_page_request(&data);
        let _ = super::params::TerminalParams::parse(&data);
    }

    #[test]
    fn blacklist_pages_round_trip(
        more in any::<bool>(),
        last in 0u32..1000,
        entries in proptest::collection::vec("[0-9]{1,19}", 0..40),
    ) {
        let page = BlacklistPage { flag: if more { PageFlag::More } else { PageFlag::Last }, last_index: last, entries };
        let bytes = blacklist::encode_page(&page, IndexWidth::Profile).unwrap();
        prop_assert_eq!(blacklist::parse_page(&bytes, IndexWidth::Profile).unwrap(), page);
    }
}
