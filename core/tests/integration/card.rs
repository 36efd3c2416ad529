//! Card data through the public API: PAN, tracks, TLV, fingerprints, and the
//! promise that no full PAN or track ever shows in Debug, Display or errors.

use std::collections::BTreeSet;

use pos_core::card::track::StripeCode;
use pos_core::card::{
    encode_tlv, find, fingerprint, luhn_valid, parse_tlv, CardError, CardFingerprint, CardScheme, DeviceSecret, Expiry,
    MaskedPan, Pan, PanProblem, ServiceCode, Tag, Tlv, Track1, Track2, Track3, TrackId, TrackSet,
};
use pos_core::Bilingual;

const PAN: &str = "6228480402564890018";
const MASKED: &str = "622848*********0018";
const T1: &str = "%B6228480402564890018^ZHANG/SAN^2812201000001234500000?";
const T2: &str = ";6228480402564890018=28122010000012345?";
const T3: &str = ";996228480402564890018=1561560000000000000003000000214=000000000=000000000000?";
/// Same card, other number on track 1 (Luhn-valid, so only the match fails).
const T1_OTHER: &str = "%B6212345678901234569^LI/SI^2812201000001234500000?";

/// Independent LRC: XOR of (char - base) over the framed track, as ISO/IEC
/// 7811 defines it for 6-bit (track 1) and 4-bit (tracks 2, 3) characters.
fn lrc(framed: &str) -> char {
    let base = if framed.starts_with('%') { 0x20 } else { 0x30 };
    let x = framed.bytes().fold(0u8, |acc, c| acc ^ (c - base));
    char::from(x + base)
}

fn with_lrc(framed: &str) -> String {
    format!("{framed}{}", lrc(framed))
}

/// Asserts that no text derived from card data shows the full PAN or track.
fn assert_hides_card_data(text: &str) {
    assert!(!text.contains(PAN), "full PAN leaked: {text}");
    assert!(!text.contains("12345"), "discretionary data leaked: {text}");
    assert!(!text.contains("ZHANG"), "cardholder name leaked: {text}");
}

#[test]
fn pan_parse_mask_scheme() {
    let pan = Pan::parse(PAN).unwrap();
    assert_eq!(pan.masked(), MaskedPan::parse(MASKED).unwrap());
    assert_eq!(pan.masked().to_string(), MASKED);
    assert_eq!((pan.bin(), pan.last4()), ("622848", "0018"));
    assert_eq!(pan.as_digits(), PAN);
    assert_eq!(pan.scheme(), CardScheme::UnionPay);
    assert_eq!(pan.scheme().zh(), "银联");
    assert_eq!(Pan::parse("4111111111111111").unwrap().scheme(), CardScheme::Visa);
    assert_eq!(Pan::parse("5555555555554444").unwrap().scheme(), CardScheme::Mastercard);
    assert_eq!(Pan::parse("222100000000000").unwrap().scheme(), CardScheme::Mastercard);
    assert_eq!(Pan::parse("3528000000000007").unwrap().scheme(), CardScheme::Jcb);
    assert_eq!(Pan::parse("378282246310005").unwrap().scheme(), CardScheme::Amex);
    assert!(luhn_valid(PAN) && !luhn_valid("6228480402564890017"));
    assert_hides_card_data(&format!("{pan} {pan:?} {:?}", pan.masked()));
}

#[test]
fn masked_pan_is_same_length_with_stars_between() {
    for digits in ["622848000007", "4111111111111111", PAN] {
        let m = Pan::parse(digits).unwrap().masked();
        let s = m.as_str();
        assert_eq!(s.len(), digits.len());
        assert_eq!(&s[..6], &digits[..6]);
        assert_eq!(&s[s.len() - 4..], &digits[digits.len() - 4..]);
        assert!(s[6..s.len() - 4].chars().all(|c| c == '*'));
        assert_eq!(m.last4(), &digits[digits.len() - 4..]);
        assert_eq!(m.bin(), &digits[..6]);
    }
}

#[test]
fn every_track_combination_a_reader_delivers() {
    let only2 = TrackSet::from_tracks(None, Some(T2), None).unwrap();
    assert!(only2.track1().is_none() && only2.track3().is_none());
    assert_eq!(only2.pan().as_digits(), PAN);
    assert_eq!(only2.expiry(), Expiry::new(28, 12).unwrap());
    assert_eq!(only2.service_code(), ServiceCode::parse("201").unwrap());

    let one_two = TrackSet::from_tracks(Some(T1), Some(T2), None).unwrap();
    assert_eq!(one_two.track1().unwrap().cardholder_name(), "ZHANG/SAN");

    let two_three = TrackSet::from_tracks(None, Some(T2), Some(T3)).unwrap();
    assert!(two_three.track1().is_none() && two_three.track3().is_some());

    let all = TrackSet::from_tracks(Some(T1), Some(T2), Some(T3)).unwrap();
    assert!(all.track1().is_some() && all.track3().is_some());

    // Readers report an unread track as absent, empty, or bare sentinels.
    let blanks = TrackSet::from_tracks(Some(""), Some(T2), Some(";?")).unwrap();
    assert_eq!(blanks, only2);
    assert_eq!(TrackSet::from_tracks(Some("%?"), Some(T2), None).unwrap(), only2);
}

#[test]
fn incomplete_track_sets_are_refused() {
    assert_eq!(TrackSet::from_tracks(Some(T1), None, None), Err(CardError::MissingTrack2));
    assert_eq!(TrackSet::from_tracks(None, None, Some(T3)), Err(CardError::MissingTrack2));
    assert_eq!(TrackSet::from_tracks(Some(T1), Some(""), Some(T3)), Err(CardError::MissingTrack2));
    assert_eq!(TrackSet::from_tracks(None, None, None), Err(CardError::NoTracks));
    assert_eq!(TrackSet::from_tracks(Some(""), Some(";?"), Some("")), Err(CardError::NoTracks));
    assert_eq!(TrackSet::new(None, None, None), Err(CardError::NoTracks));
    assert_eq!(TrackSet::from_tracks(Some(T1_OTHER), Some(T2), None), Err(CardError::TrackPanMismatch));
}

#[test]
fn concatenated_swipes() {
    let cases = [
        (format!("{T1}{T2}"), true, false),
        (format!("{T2}{T3}"), false, true),
        (format!("{T1}{T2}{T3}\r\n"), true, true),
        (T2.to_owned(), false, false),
        (format!("{}{}{}", with_lrc(T1), with_lrc(T2), with_lrc(T3)), true, true),
    ];
    for (swipe, has1, has3) in cases {
        let set = TrackSet::parse_swipe(&swipe).unwrap_or_else(|e| panic!("{e}: {swipe}"));
        assert_eq!(set.track1().is_some(), has1, "{swipe}");
        assert_eq!(set.track3().is_some(), has3, "{swipe}");
        assert_eq!(set.pan().as_digits(), PAN);
    }
    assert_eq!(TrackSet::parse_swipe(""), Err(CardError::NoTracks));
    assert_eq!(TrackSet::parse_swipe(&format!("{T1_OTHER}{T2}")), Err(CardError::TrackPanMismatch));
    assert_eq!(
        TrackSet::parse_swipe(&format!("{T2}{T3}{T3}")),
        Err(CardError::UnrecognisedSwipe { position: T2.len() + T3.len() })
    );
}

#[test]
fn lrc_is_checked_when_present() {
    // Independent LRC values, worked by hand for the short tracks:
    // ';' 1011 ^ '1' 0001 ^ '=' 1101 ^ '?' 1111 = 1000 -> '8'.
    assert_eq!(lrc(";1=?"), '8');
    assert_eq!(StripeCode::Numeric.lrc(b";1=?"), Some(b'8'));
    for framed in [T1, T2, T3] {
        let code = if framed.starts_with('%') { StripeCode::Alpha } else { StripeCode::Numeric };
        assert_eq!(code.lrc(framed.as_bytes()).map(char::from), Some(lrc(framed)));
    }
    let t1 = with_lrc(T1);
    let t2 = with_lrc(T2);
    let t3 = with_lrc(T3);
    assert_eq!(Track1::parse(&t1).unwrap(), Track1::parse(T1).unwrap());
    assert_eq!(Track2::parse(&t2).unwrap(), Track2::parse(T2).unwrap());
    assert_eq!(Track3::parse(&t3).unwrap(), Track3::parse(T3).unwrap());

    let wrong = |s: &str| {
        let good = s.chars().last().unwrap();
        let bad = if good == '0' { '1' } else { '0' };
        format!("{}{bad}", &s[..s.len() - 1])
    };
    assert_eq!(Track1::parse(&wrong(&t1)), Err(CardError::LrcMismatch { track: TrackId::Track1 }));
    assert_eq!(Track2::parse(&wrong(&t2)), Err(CardError::LrcMismatch { track: TrackId::Track2 }));
    assert_eq!(Track3::parse(&wrong(&t3)), Err(CardError::LrcMismatch { track: TrackId::Track3 }));
    // A one-bit misread of a data character is caught by the LRC.
    let misread = t2.replacen("0018=", "0019=", 1);
    assert_eq!(Track2::parse(&misread), Err(CardError::LrcMismatch { track: TrackId::Track2 }));
}

#[test]
fn field_35_and_36_forms() {
    let t2 = Track2::parse(T2).unwrap();
    let f35 = t2.to_field35_digits();
    assert_eq!(f35.as_str(), "6228480402564890018D28122010000012345");
    assert!(f35.len() <= 37);
    assert_eq!(Track2::parse(&f35).unwrap(), t2);
    assert_eq!(Track2::parse(&f35.replace('D', "=")).unwrap(), t2);

    let t3 = Track3::parse(T3).unwrap();
    let f36 = t3.to_field36_digits();
    assert_eq!(f36.as_str(), T3[1..T3.len() - 1].replace('=', "D"));
    assert_eq!(Track3::parse(&f36).unwrap(), t3);
}

#[test]
fn expiry_and_service_code() {
    let e = Expiry::parse_yymm("2605").unwrap();
    assert!(!e.is_expired(Expiry::new(26, 5).unwrap()));
    assert!(e.is_expired(Expiry::new(26, 6).unwrap()));
    assert_eq!(e.to_string(), "05/26");
    let sc = ServiceCode::parse("220").unwrap();
    assert!(sc.is_chip() && sc.requires_pin());
    let t2 = Track2::parse(T2).unwrap();
    assert!(t2.service_code().is_chip() && !t2.service_code().requires_pin());
}

#[test]
fn fingerprints() {
    let secret = DeviceSecret::generate().unwrap();
    let pan = Pan::parse(PAN).unwrap();
    let fp = fingerprint(&secret, &pan);
    assert_eq!(fp, fingerprint(&secret, &Track2::parse(T2).unwrap().pan().clone()));
    assert_ne!(fp, fingerprint(&DeviceSecret::generate().unwrap(), &pan));
    assert_eq!(fp.to_string().parse::<CardFingerprint>().unwrap(), fp);
    assert_eq!(format!("{secret:?}"), "DeviceSecret(..)");
    // Same independent vector as the unit test, through the public API:
    // python3 -c "import hmac,hashlib;print(hmac.new(bytes(range(32)),
    //   b'pos-card-fp-v1\x00'+b'6228480402564890018', hashlib.sha256).hexdigest())"
    let known = DeviceSecret::from_bytes(core::array::from_fn(|i| i as u8));
    assert_eq!(
        fingerprint(&known, &pan).to_string(),
        "ab8963ec9913ecd27a807cba570da20c49c15f167327b4da420bc526a5d4e4fc"
    );
}

#[test]
fn tlv_through_the_public_api() {
    let objects = vec![
        Tlv::primitive(Tag::APPLICATION_CRYPTOGRAM, [1, 2, 3, 4, 5, 6, 7, 8]),
        Tlv::constructed(Tag(0x70), vec![Tlv::primitive(Tag::PAN, hex::decode("6228480402564890018F").unwrap())]),
    ];
    let bytes = encode_tlv(&objects);
    assert_eq!(&bytes[..3], &[0x9F, 0x26, 0x08]);
    let parsed = parse_tlv(&bytes).unwrap();
    assert_eq!(parsed, objects);
    assert_eq!(find(&parsed, Tag::PAN).unwrap().tag.to_string(), "5A");
    assert!(!format!("{parsed:?}").contains("6228480402564890018"));
}

#[test]
fn debug_display_and_errors_never_show_card_data() {
    let set = TrackSet::from_tracks(Some(T1), Some(T2), Some(T3)).unwrap();
    assert_hides_card_data(&format!("{set:?}"));
    assert_hides_card_data(&format!("{:?}", set.track1().unwrap()));
    assert_hides_card_data(&format!("{:?}", set.track2()));
    assert_hides_card_data(&format!("{:?}", set.track3().unwrap()));
    assert_hides_card_data(&format!("{} {:?}", set.pan(), set.pan()));
    assert!(format!("{set:?}").contains(MASKED));
    // Every error produced from card data, in every rendering.
    for e in all_errors() {
        assert_hides_card_data(&format!("{e} {e:?} {} {}", e.zh(), e.en()));
    }
}

/// One name per variant; the match has no wildcard, so a new variant fails
/// to compile here until the coverage test below produces it.
fn variant(e: &CardError) -> &'static str {
    match e {
        CardError::InvalidPan(PanProblem::Length { .. }) => "InvalidPan/Length",
        CardError::InvalidPan(PanProblem::NotDigit { .. }) => "InvalidPan/NotDigit",
        CardError::InvalidPan(PanProblem::Luhn) => "InvalidPan/Luhn",
        CardError::InvalidMaskedPan => "InvalidMaskedPan",
        CardError::InvalidExpiry => "InvalidExpiry",
        CardError::InvalidServiceCode => "InvalidServiceCode",
        CardError::EmptyTrack { .. } => "EmptyTrack",
        CardError::MissingStartSentinel { .. } => "MissingStartSentinel",
        CardError::MissingEndSentinel { .. } => "MissingEndSentinel",
        CardError::TrailingData { .. } => "TrailingData",
        CardError::MissingSeparator { .. } => "MissingSeparator",
        CardError::BadSeparator { .. } => "BadSeparator",
        CardError::BadCharacter { .. } => "BadCharacter",
        CardError::TrackTooLong { .. } => "TrackTooLong",
        CardError::UnsupportedFormatCode { .. } => "UnsupportedFormatCode",
        CardError::TrackPanInvalid { .. } => "TrackPanInvalid",
        CardError::BadExpiry { .. } => "BadExpiry",
        CardError::BadServiceCode { .. } => "BadServiceCode",
        CardError::LrcMismatch { .. } => "LrcMismatch",
        CardError::NoTracks => "NoTracks",
        CardError::MissingTrack2 => "MissingTrack2",
        CardError::TrackPanMismatch => "TrackPanMismatch",
        CardError::UnrecognisedSwipe { .. } => "UnrecognisedSwipe",
        CardError::TlvTruncated { .. } => "TlvTruncated",
        CardError::TlvTagTooLong { .. } => "TlvTagTooLong",
        CardError::TlvIndefiniteLength { .. } => "TlvIndefiniteLength",
        CardError::TlvLengthTooLong { .. } => "TlvLengthTooLong",
        CardError::TlvTooDeep { .. } => "TlvTooDeep",
        CardError::RandomUnavailable => "RandomUnavailable",
        CardError::DeviceSecretLength { .. } => "DeviceSecretLength",
        CardError::InvalidFingerprint => "InvalidFingerprint",
    }
}

/// `levels` templates (70) nested inside each other around one 9C object.
fn nested_templates(levels: usize) -> Vec<u8> {
    (0..levels).fold(vec![0x9C, 0x01, 0x00], |inner, _| {
        let mut outer = vec![0x70, inner.len() as u8];
        outer.extend(inner);
        outer
    })
}

fn err<T: std::fmt::Debug>(r: Result<T, CardError>) -> CardError {
    r.unwrap_err()
}

/// Every variant, each produced the way real input would produce it (except
/// `RandomUnavailable`, which needs a broken operating system).
fn all_errors() -> Vec<CardError> {
    let (one, two, three) = (TrackId::Track1, TrackId::Track2, TrackId::Track3);
    let t1 = |s: &str| err(Track1::parse(s));
    let t2 = |s: &str| err(Track2::parse(s));
    let t3 = |s: &str| err(Track3::parse(s));
    let cases = vec![
        (err(Pan::parse("62284804025648900181")), CardError::InvalidPan(PanProblem::Length { len: 20 })),
        (err(Pan::parse("6228-480402564890018")), CardError::InvalidPan(PanProblem::NotDigit { position: 4 })),
        (err(Pan::parse("6228480402564890017")), CardError::InvalidPan(PanProblem::Luhn)),
        (err(MaskedPan::parse(PAN)), CardError::InvalidMaskedPan),
        (err(Expiry::parse_yymm("2800")), CardError::InvalidExpiry),
        (err(ServiceCode::parse("2O1")), CardError::InvalidServiceCode),
        (t2(";?"), CardError::EmptyTrack { track: two }),
        (t1("B6228480402564890018^ZHANG/SAN^2812201?"), CardError::MissingStartSentinel { track: one }),
        (t2("6228480402564890018=2812201?"), CardError::MissingStartSentinel { track: two }),
        (t3("=99?"), CardError::MissingStartSentinel { track: three }),
        (t2(";6228480402564890018=2812201"), CardError::MissingEndSentinel { track: two }),
        (t1("%B6228480402564890018^ZHANG/SAN^2812201"), CardError::MissingEndSentinel { track: one }),
        (t2(";6228480402564890018=2812201?12"), CardError::TrailingData { track: two }),
        (t2(";62284804025648900182812201?"), CardError::MissingSeparator { track: two }),
        (t1("%B6228480402564890018 ZHANG/SAN^2812201?"), CardError::MissingSeparator { track: one }),
        (t2(";6228480402564890018D2812201?"), CardError::BadSeparator { track: two, position: 20 }),
        (t2("6228480402564890018D2812D201"), CardError::BadSeparator { track: two, position: 24 }),
        (t3(";99D1?"), CardError::BadSeparator { track: three, position: 3 }),
        (t2(";6228480402564890018=2812201A?"), CardError::BadCharacter { track: two, position: 28 }),
        (t1("%B6228480402564890018^zhang^2812201?"), CardError::BadCharacter { track: one, position: 22 }),
        (t3(";99<1?"), CardError::BadCharacter { track: three, position: 3 }),
        (t2(&format!(";{PAN}=2812201{}?", "0".repeat(11))), CardError::TrackTooLong { track: two, len: 38, max: 37 }),
        (t1(&format!("%B{PAN}^{}^2812201?", "A".repeat(48))), CardError::TrackTooLong { track: one, len: 77, max: 76 }),
        (t1("%A6228480402564890018^ZHANG/SAN^2812201?"), CardError::UnsupportedFormatCode { track: one }),
        (t2(";6228480402564890017=2812201?"), CardError::TrackPanInvalid { track: two, problem: PanProblem::Luhn }),
        (
            t1("%B62284804025^ZHANG/SAN^2812201?"),
            CardError::TrackPanInvalid { track: one, problem: PanProblem::Length { len: 11 } },
        ),
        (t2(";6228480402564890018=2813201?"), CardError::BadExpiry { track: two }),
        (t1("%B6228480402564890018^ZHANG/SAN^28?"), CardError::BadExpiry { track: one }),
        (t2(";6228480402564890018=28122?"), CardError::BadServiceCode { track: two }),
        (t2(&format!("{T2}0")), CardError::LrcMismatch { track: two }),
        (err(TrackSet::from_tracks(None, None, None)), CardError::NoTracks),
        (err(TrackSet::from_tracks(Some(T1), None, None)), CardError::MissingTrack2),
        (err(TrackSet::from_tracks(Some(T1_OTHER), Some(T2), None)), CardError::TrackPanMismatch),
        (
            err(TrackSet::parse_swipe(&format!("{T2}{T3}{T3}"))),
            CardError::UnrecognisedSwipe { position: T2.len() + T3.len() },
        ),
        (err(parse_tlv(&[0x9F, 0x26, 0x08, 0x11])), CardError::TlvTruncated { offset: 0 }),
        (err(parse_tlv(&[0xDF, 0x81, 0x81, 0x01, 0x00])), CardError::TlvTagTooLong { offset: 0 }),
        (err(parse_tlv(&[0x70, 0x80, 0x00, 0x00])), CardError::TlvIndefiniteLength { offset: 1 }),
        (err(parse_tlv(&[0x9F, 0x10, 0x83, 0, 0, 1, 0])), CardError::TlvLengthTooLong { offset: 2 }),
        (err(parse_tlv(&nested_templates(9))), CardError::TlvTooDeep { offset: 16 }),
        (CardError::RandomUnavailable, CardError::RandomUnavailable),
        (err(DeviceSecret::from_slice(&[0; 16])), CardError::DeviceSecretLength { len: 16 }),
        (err("abc".parse::<CardFingerprint>()), CardError::InvalidFingerprint),
    ];
    cases
        .into_iter()
        .map(|(got, want)| {
            assert_eq!(got, want);
            got
        })
        .collect()
}

const ALL_VARIANTS: [&str; 31] = [
    "InvalidPan/Length",
    "InvalidPan/NotDigit",
    "InvalidPan/Luhn",
    "InvalidMaskedPan",
    "InvalidExpiry",
    "InvalidServiceCode",
    "EmptyTrack",
    "MissingStartSentinel",
    "MissingEndSentinel",
    "TrailingData",
    "MissingSeparator",
    "BadSeparator",
    "BadCharacter",
    "TrackTooLong",
    "UnsupportedFormatCode",
    "TrackPanInvalid",
    "BadExpiry",
    "BadServiceCode",
    "LrcMismatch",
    "NoTracks",
    "MissingTrack2",
    "TrackPanMismatch",
    "UnrecognisedSwipe",
    "TlvTruncated",
    "TlvTagTooLong",
    "TlvIndefiniteLength",
    "TlvLengthTooLong",
    "TlvTooDeep",
    "RandomUnavailable",
    "DeviceSecretLength",
    "InvalidFingerprint",
];

#[test]
fn every_error_variant_is_produced() {
    let produced: BTreeSet<&str> = all_errors().iter().map(variant).collect();
    let all: BTreeSet<&str> = ALL_VARIANTS.into_iter().collect();
    assert_eq!(produced, all);
}

#[test]
fn every_error_has_operator_text_in_both_languages() {
    let is_cjk = |c: char| ('\u{4E00}'..='\u{9FFF}').contains(&c);
    for e in all_errors() {
        let (zh, en) = (e.zh(), e.en());
        assert!(zh.chars().any(is_cjk), "{e:?}: {zh}");
        assert!(!en.is_empty() && en.is_ascii(), "{e:?}: {en}");
        assert!(en.starts_with(&e.to_string()), "{e:?}: {en}");
        assert_eq!(e.both(), format!("{zh} / {en}"));
    }
}

#[test]
fn nesting_limit_is_eight_templates() {
    assert!(parse_tlv(&nested_templates(8)).is_ok());
    assert!(parse_tlv(&nested_templates(9)).is_err());
}
