//! `pos frame decode` and `pos frame mac` driven as a user would, against the published ECB MAC example.

use std::process::{Command, Output};

const MAB: &str = "0200302004C020C0981100000000000000005100183402100006324392260009942820D1312101120084393136363838303134303030303030303030303030303031313536ACF46E73838A82F92600000000000000000822000001";
const KEY: &str = "C24A8FB57AA20123";
/// The expected MAC from the independent implementation (core/tests/vectors/ecb_mac_reference.py): "8A9E91B8".
const MAC_HEX: &str = "3841394539314238";

fn pos(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pos")).args(args).output().expect("pos runs")
}

fn frame_hex() -> String {
    // Full frame: length, TPDU, header, body with the right MAC, pasted with spaces.
    let body = format!("6000030000603100000000{MAB}{MAC_HEX}");
    let len = body.len() / 2;
    let hex = format!("{len:04X}{body}");
    hex.as_bytes().chunks(2).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join(" ")
}

#[test]
fn decode_json_has_fields_subfields_and_masks_card_data() {
    let out = pos(&["frame", "decode", "--json", &frame_hex()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["mti"], "0200");
    assert_eq!(v["tpdu"], "6000030000");
    assert_eq!(v["header"], "603100000000");
    assert_eq!(v["fields"]["4"], "000000000051");
    assert_eq!(v["fields"]["11"], "001834");
    assert_eq!(v["fields"]["41"], "16688014");
    assert_eq!(v["fields"]["64"], MAC_HEX);
    assert_eq!(v["fields"]["35"], "439226******2820****************");
    assert_eq!(v["fields"]["52"], "****************");
    assert_eq!(v["subfields"]["60"][0]["value"], "22");
    assert_eq!(v["subfields"]["60"][1]["value"], "000001");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("4392260009942820"), "full PAN leaked");
}

#[test]
fn decode_table_shows_tlv_of_field_55() {
    // Sale body with a field 55 holding 9F26 (cryptogram) and 5A (PAN, must be masked).
    let mut m = pos_core::iso8583::Message::new(pos_core::iso8583::Mti::new("0200").unwrap());
    m.set(3, "000000").unwrap();
    m.set(55, hex::decode("9F2608A1B2C3D4E5F60718 5A08 6228480402564890".replace(' ', "")).unwrap()).unwrap();
    let mut body = Vec::new();
    pos_core::iso8583::encode_message(pos_core::iso8583::unionpay(), &m, &mut body).unwrap();
    let out = pos(&["frame", "decode", "--body", &hex::encode(&body)]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("9F26") && text.contains("A1B2C3D4E5F60718"), "{text}");
    assert!(text.contains("Application Cryptogram"), "{text}");
    assert!(!text.contains("6228480402564890"), "PAN in 5A leaked: {text}");
}

#[test]
fn mac_matches_the_independent_value() {
    let out = pos(&["frame", "mac", "--algo", "ecb", "--key", KEY, "--json", &frame_hex()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["mac"], MAC_HEX);
    assert_eq!(v["mac_ascii"], "8A9E91B8");
    assert_eq!(v["matches"], true);
    assert!(!String::from_utf8_lossy(&out.stdout).contains(KEY), "key printed");
}

#[test]
fn mac_mismatch_and_bad_input_have_distinct_exit_codes() {
    let bad = frame_hex().replace("38 41 39 45", "38 41 39 46");
    assert_eq!(pos(&["frame", "mac", "--key", KEY, &bad]).status.code(), Some(1));
    let x919 = pos(&["frame", "mac", "--algo", "x919", "--key", KEY, &frame_hex()]);
    assert_eq!(x919.status.code(), Some(1), "a different algorithm gives a different MAC");
    let out = pos(&["frame", "decode", "00 2G"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("十六进制") && err.contains("hex"), "{err}");
    let out = pos(&["frame", "decode", "0005 6000030000"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("报文") && err.contains("Malformed"), "{err}");
    let out = pos(&["--lang", "en", "frame", "mac", "--key", "0123", &frame_hex()]);
    assert_eq!(out.status.code(), Some(2));
}
