//! A second profile loaded as data, and a sign-in response carrying the published working keys.

use pos_core::crypto::{parse_working_keys, split_field62, CryptoError, KeyMode, SecretKey};
use pos_core::iso8583::{
    decode_message, encode_message, unionpay, AdminKind, AdminRequest, AdminResponse, BatchNo, CodecError, Frame,
    Header, MerchantId, Message, Mti, NetCode, Profile, Stan, TerminalId, Tpdu,
};
use pos_core::ResponseCode;

#[test]
fn ascii_profile_is_data_not_code() {
    let p = Profile::from_json(include_str!("../../profiles/iso87-ascii.json")).expect("profile loads");
    let mut m = Message::new(Mti::new("0800").unwrap());
    m.set(11, "000042").unwrap().set(41, "TERM0001").unwrap().set(70, "301").unwrap();
    m.set(128, [0xAA; 8]).unwrap();
    let mut out = Vec::new();
    encode_message(&p, &m, &mut out).unwrap();
    // ASCII MTI, then primary bitmap with bit 1 set (secondary present), then the secondary bitmap.
    assert_eq!(&out[..4], b"0800");
    assert_eq!(out[4] & 0x80, 0x80);
    assert_eq!(&out[20..26], b"000042");
    let (back, _) = decode_message(&p, &out).unwrap();
    assert_eq!(back, m);
    // The same bytes are not a valid UnionPay body: the MTI is not BCD there.
    assert!(decode_message(unionpay(), &out).is_err());
    // A malformed profile is rejected with a reason.
    assert!(Profile::from_json(r#"{"name":"x","prefix":"bcd","max_frame":10,"fields":[{"number":1,"name":"a","length":{"fixed":1},"encoding":"ascii"}]}"#).is_err());
}

fn tmk() -> SecretKey {
    SecretKey::from_hex("CA5D92598DCA48CE8A4C76361A9269E9").unwrap()
}

/// Field 62 in 003 layout from the published vectors.
fn field62() -> Vec<u8> {
    hex::decode("6701EAD6A9AD51E51AA406E2C27FCFA98D0A74B8B651F9E9BACE9AE10000000000000000AB7153CA").unwrap()
}

#[test]
fn sign_in_round_trip_with_published_keys() {
    let tid = TerminalId::new("16688014").unwrap();
    let mid = MerchantId::new("898310048990001").unwrap();
    let req = AdminRequest {
        kind: AdminKind::SignIn(NetCode::SignInDouble),
        stan: Stan::new(1).unwrap(),
        tid: tid.clone(),
        mid: mid.clone(),
        batch: BatchNo::new(1).unwrap(),
        operator: Some("001".into()),
    };
    let bytes =
        Frame::new(Tpdu::DEFAULT, Header::MAGSTRIPE, req.to_message(false).unwrap()).encode(unionpay()).unwrap();
    let back = Frame::decode(unionpay(), &bytes).unwrap();
    assert_eq!(AdminRequest::from_message(&back.message).unwrap(), req);

    let resp = AdminResponse {
        mti: Mti::new("0810").unwrap(),
        net: NetCode::SignInDouble,
        response_code: ResponseCode::APPROVED,
        stan: req.stan,
        tid,
        mid,
        batch: BatchNo::new(7).unwrap(),
        time: Some("101010".into()),
        date: Some("1126".into()),
        rrn: Some("000000000001".into()),
        totals: None,
        key_block: Some(field62()),
    };
    let bytes = Frame::new(Tpdu::DEFAULT.swapped(), Header::MAGSTRIPE, resp.to_message(false).unwrap())
        .encode(unionpay())
        .unwrap();
    let got = AdminResponse::from_message(&Frame::decode(unionpay(), &bytes).unwrap().message).unwrap();
    assert_eq!(got, resp);
    let block = got.key_block.expect("field 62");
    let keys = parse_working_keys(KeyMode::Double003, &block, &tmk()).unwrap();
    assert_eq!(hex::encode_upper(keys.pik.as_bytes()), "807A23AD32B36D457AE91FDF927570EA");
    assert_eq!(hex::encode_upper(keys.mak.as_bytes()), "5BB5C72CD00B7338");
    // What the phone relays to the reader: ciphertext and check values only.
    let enc = split_field62(KeyMode::Double003, &block).unwrap();
    assert_eq!(hex::encode_upper(&enc.pik.ciphertext), "6701EAD6A9AD51E51AA406E2C27FCFA9");
}

#[test]
fn bad_check_value_in_sign_in_is_rejected() {
    let mut block = field62();
    block[17] ^= 0x01; // PIK check value
    assert!(matches!(
        parse_working_keys(KeyMode::Double003, &block, &tmk()),
        Err(CryptoError::CheckValueMismatch { .. })
    ));
    assert!(parse_working_keys(KeyMode::DoubleWithTrack004, &block[..40], &tmk()).is_err());
}

#[test]
fn unknown_admin_message_is_a_typed_error() {
    let mut m = Message::new(Mti::new("0820").unwrap());
    m.set(11, "000001").unwrap().set(41, "16688014").unwrap().set(42, "898310048990001").unwrap();
    m.set(60, "00000001999").unwrap();
    assert!(matches!(AdminRequest::from_message(&m), Err(CodecError::UnknownTransaction { .. })));
}

/// The built-in UnionPay profile is also data: core/profiles/unionpay.json states, per field,
/// the length-prefix encoding, the largest length sent (`length`) and accepted (`accept`).
/// `POS_WRITE_PROFILE_JSON=1` rewrites the file from the table after a deliberate change.
#[test]
fn unionpay_profile_json_matches_the_built_in_table() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles/unionpay.json");
    if std::env::var("POS_WRITE_PROFILE_JSON").is_ok_and(|v| v == "1") {
        std::fs::write(&path, unionpay().to_json() + "\n").expect("write profile JSON");
    }
    let json = std::fs::read_to_string(&path).expect("core/profiles/unionpay.json");
    let p = Profile::from_json(&json).expect("profile loads");
    assert_eq!(&p, unionpay(), "core/profiles/unionpay.json differs from the table in profile.rs");
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    for f in doc["fields"].as_array().unwrap() {
        let variable = f["length"].get("fixed").is_none();
        assert!(f["accept"].is_u64(), "field {} states what it accepts", f["number"]);
        assert_eq!(f["prefix"].is_string(), variable, "field {} states its prefix encoding iff variable", f["number"]);
    }
    let f60 = p.field(60).unwrap();
    assert_eq!((f60.max_send(), f60.max_accept()), (17, 999));
    assert_eq!(p.field(2).unwrap().max_accept(), 19, "a PAN does not grow");
    // The ASCII example profile states its prefixes too, and an accepted maximum below what is
    // sent, or above what the prefix can state, is refused.
    let ascii = Profile::from_json(include_str!("../../profiles/iso87-ascii.json")).unwrap();
    assert_eq!(ascii.field(55).unwrap().max_accept(), 999);
    let bad = |accept: u16| {
        format!(
            r#"{{"name":"x","prefix":"bcd","max_frame":4096,"fields":[{{"number":60,"name":"f","length":{{"lll_var":17}},"encoding":"bcd_left","accept":{accept}}}]}}"#
        )
    };
    assert!(Profile::from_json(&bad(16)).unwrap_err().contains("field 60"));
    assert!(Profile::from_json(&bad(1000)).unwrap_err().contains("field 60"));
    assert!(Profile::from_json(&bad(999)).is_ok());
}
