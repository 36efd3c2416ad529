//! Requests in the shapes newer terminals send (core/tests/frames, docs/wire-profile.md):
//! field 60 past the older edition's 17 digits, field 62 with terminal information in a
//! sign-in and in a sale, another application header. None of them is a format error.

use pos_core::crypto::{parse_working_keys, KeyMode};
use pos_core::iso8583::{
    check_mac, encode_signed, unionpay, AdminKind, AdminResponse, Field60, FinancialResponse, Frame, Header,
    LengthKind, MacCheck, Message, NetCode, Profile, Tpdu, TxnType,
};

use crate::terminal::Term;
use crate::{demo, invariants, start};

/// A newer terminal's profile: the UnionPay table, field 60 sent up to 999 digits.
fn newer_profile() -> Profile {
    let mut fields = unionpay().fields.clone();
    for f in &mut fields {
        if f.number == 60 {
            f.length = LengthKind::LllVar(999);
        }
    }
    Profile::new("newer terminal", unionpay().prefix, unionpay().max_frame, fields).expect("profile")
}

/// Terminal information TLVs as newer terminals put them in 62: serial number under 5F01.
const TERMINAL_INFO: &str = "5F01104E4557393232305842303132333435365F020856322E312E303720";

/// Frames `msg` as a newer terminal does: its profile, a header with sub-version 000001.
fn encode(t: &Term, msg: Message) -> Vec<u8> {
    let header = Header([0x61, 0x31, 0x00, 0x00, 0x00, 0x01]);
    let frame = Frame::new(Tpdu::DEFAULT, header, msg);
    match (&t.keys, frame.message.has(64)) {
        (Some(k), true) => encode_signed(&frame, &newer_profile(), t.mac, &k.mak).expect("signs"),
        _ => frame.encode(&newer_profile()).expect("encodes"),
    }
}

/// Field 60 as a newer terminal sends it: `base` (60.1-60.5), then 60.6 = 1, 60.7 = 000 and `extra`.
fn long_60(base: &str, extra: &str) -> String {
    format!("{base}1000{extra}")
}

#[tokio::test]
async fn sign_in_with_terminal_information_and_a_longer_field_60() {
    let sim = start(demo()).await;
    let mut t = Term::demo(&sim).await;
    let req = t.admin(AdminKind::SignIn(NetCode::SignInDoubleTdk));
    let mut msg = req.to_message(false).unwrap();
    let f60 = long_60(&format!("{}60", msg.get_str(60).unwrap()), "00");
    assert_eq!(f60.len(), 19);
    msg.set(60, &f60).unwrap();
    msg.set(62, hex::decode(TERMINAL_INFO).unwrap()).unwrap();
    let answer = t.client.exchange(&encode(&t, msg)).await;
    let (frame, layout) = Frame::decode_with_layout(unionpay(), &answer).expect("answer decodes");
    assert_eq!(frame.header, Header([0x61, 0x31, 0x00, 0x00, 0x00, 0x01]), "header echoed as sent");
    assert!(layout.mac(&answer).is_none());
    let resp = AdminResponse::from_message(&frame.message).unwrap();
    assert_eq!(resp.response_code.as_str(), "00", "a newer terminal's sign-in is not a format error");
    let keys = parse_working_keys(KeyMode::DoubleWithTrack004, resp.key_block.as_ref().unwrap(), &t.tmk).unwrap();
    t.keys = Some(keys);
    t.batch = resp.batch;

    // A sale with 60 of 21 digits and terminal information in 62, signed over those bytes.
    let card = t.deck_card("debit");
    let mut req = t.request(TxnType::Sale, Some(2_500), card);
    (req.read_capability, req.ic_condition) = (Some(6), Some(0));
    let mut msg = req.to_message(true).unwrap();
    let f60 = long_60(msg.get_str(60).unwrap(), "0000");
    assert_eq!(f60.len(), 21);
    msg.set(60, &f60).unwrap();
    msg.set(62, hex::decode(TERMINAL_INFO).unwrap()).unwrap();
    let bytes = encode(&t, msg);
    let answer = t.client.exchange(&bytes).await;
    let (frame, layout) = Frame::decode_with_layout(unionpay(), &answer).expect("answer decodes");
    let keys = t.keys.as_ref().unwrap();
    assert_eq!(check_mac(&answer, &layout, t.mac, &keys.mak), MacCheck::Valid);
    let resp = FinancialResponse::from_message(&frame.message).unwrap();
    assert_eq!(resp.response_code.as_str(), "00", "a newer terminal's sale is approved");
    assert_eq!(resp.stan, req.stan);
    assert_eq!(sim.ledger().available("6228480402564890018").unwrap(), 10_000_000 - 2_500);

    // The same sale again is a duplicate: the stored answer, not a format error.
    let again = t.client.exchange(&bytes).await;
    assert_eq!(again, answer);
    invariants(&sim);
}

#[tokio::test]
async fn a_refused_request_echoes_the_longer_field_60_as_received() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let card = t.deck_card("debit");
    let mut req = t.request(TxnType::Sale, Some(100), card);
    req.mid = pos_core::iso8583::MerchantId::new("999999999999999").unwrap();
    (req.read_capability, req.ic_condition) = (Some(6), Some(0));
    let mut msg = req.to_message(true).unwrap();
    let f60 = long_60(msg.get_str(60).unwrap(), "1234567890123");
    assert_eq!(f60.len(), 30);
    msg.set(60, &f60).unwrap();
    let answer = t.client.exchange(&encode(&t, msg)).await;
    let (frame, layout) = Frame::decode_with_layout(unionpay(), &answer).expect("answer decodes");
    assert_eq!(frame.message.get(39), Some(&b"03"[..]), "wrong merchant, not a format error");
    assert_eq!(frame.message.get_str(60), Some(f60.as_str()), "60 echoed as received");
    let f = Field60::parse(frame.message.get(60).unwrap()).unwrap();
    assert_eq!((f.partial_approval, f.account_type, f.rest.as_str()), (Some(1), Some(0), "1234567890123"));
    let keys = t.keys.as_ref().unwrap();
    assert_eq!(check_mac(&answer, &layout, t.mac, &keys.mak), MacCheck::Valid, "signed over the echo");
    // The terminal's own codec re-encodes the host's answer byte for byte.
    assert_eq!(frame.encode(unionpay()).unwrap(), answer);
}
