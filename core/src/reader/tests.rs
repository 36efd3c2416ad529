//! The software reader's output decodes back to the deck with the keys the host holds.

use std::time::Duration;

use super::*;
use crate::card::{fingerprint, parse_tlv, DeviceSecret, Pan, Tag, Tlv};
use crate::clock::{Timestamp, CHINA_UTC_OFFSET_SECS};
use crate::crypto::{
    build_working_keys, decrypt_whole_track, generate_working_keys, pin_from_format0, split_field62, tdes, KeyMode,
    SecretKey, WorkingKeys,
};
use crate::deck;
use crate::iso8583::{EntryMethod, TxnType};
use crate::money::Amount;
use crate::provision::DEMO_TMK_HEX;

fn tmk() -> SecretKey {
    SecretKey::from_hex(DEMO_TMK_HEX).unwrap()
}

fn secret() -> DeviceSecret {
    DeviceSecret::from_bytes([9; 32])
}

async fn signed_in(mode: KeyMode) -> (SoftwareReader, WorkingKeys) {
    let reader = SoftwareReader::new(tmk(), secret());
    let keys = generate_working_keys(mode).unwrap();
    let field62 = build_working_keys(mode, &keys, &tmk()).unwrap();
    let ack = reader.load_working_keys(&split_field62(mode, &field62).unwrap()).await.unwrap();
    assert_eq!(ack.mak, keys.mak);
    assert_eq!(
        (ack.pik_kcv, ack.mak_kcv, ack.tdk_kcv),
        (keys.pik_check_value(), keys.mak_check_value(), keys.tdk_check_value())
    );
    (reader, keys)
}

fn request(txn: TxnType, fen: Option<u64>) -> CardRequest {
    CardRequest {
        txn,
        amount: fen.map(|f| Amount::cny(f).unwrap()),
        timeout: Duration::from_secs(2),
        pin_entry: true,
        // 2025-03-01 10:00:00 Beijing time.
        at: Timestamp::new(1_740_794_400, CHINA_UTC_OFFSET_SECS),
        prefix_lengths: 0,
    }
}

fn tag(tlvs: &[Tlv], t: u32) -> Option<&[u8]> {
    tlvs.iter().find(|x| x.tag == Tag(t)).and_then(Tlv::bytes)
}

fn clear_pin(keys: &WorkingKeys, read: &CardRead, pan: &str) -> String {
    let block = tdes::decrypt_block(&keys.pik, &read.pin_block.unwrap());
    pin_from_format0(&block, pan).unwrap().as_str().to_string()
}

#[tokio::test]
async fn chip_read_decodes_with_the_host_keys() {
    let (reader, keys) = signed_in(KeyMode::DoubleWithTrack004).await;
    let card = deck::find("debit").unwrap();
    reader.present("debit").unwrap();
    let read = reader.read_card(request(TxnType::Sale, Some(12_345))).await.unwrap();
    assert_eq!(read.entry_mode.to_field(), "051");
    assert_eq!(read.masked_pan.as_str(), "622848*********0018");
    assert!(read.security.track_encrypted && read.security.double_length && read.security.pin_with_pan);
    let tdk = keys.tdk.as_ref().unwrap();
    let track2 = read.track2.as_deref().unwrap();
    assert_ne!(track2, card.track2().replace('=', "D"), "track 2 travels encrypted");
    assert_eq!(decrypt_whole_track(tdk, track2).unwrap(), card.track2().replace('=', "D"));
    assert_eq!(clear_pin(&keys, &read, card.pan), "123456");
    assert_eq!(read.card_seq, Some(1));
    assert_eq!(read.fingerprint, fingerprint(&secret(), &Pan::parse(card.pan).unwrap()));

    let tlvs = parse_tlv(read.icc.as_deref().unwrap()).unwrap();
    assert_eq!(tag(&tlvs, 0x9F26).map(<[u8]>::len), Some(8));
    assert_eq!(tag(&tlvs, 0x9F27), Some(&[0x80][..]));
    assert_eq!(tag(&tlvs, 0x9F37).map(<[u8]>::len), Some(4));
    assert_eq!(tag(&tlvs, 0x9F36), Some(&[0x00, 0x01][..]));
    assert_eq!(tag(&tlvs, 0x9A), Some(&[0x25, 0x03, 0x01][..]));
    assert_eq!(tag(&tlvs, 0x9C), Some(&[0x00][..]));
    assert_eq!(tag(&tlvs, 0x9F02), Some(&[0, 0, 0, 0x01, 0x23, 0x45][..]));
    assert_eq!(tag(&tlvs, 0x5F2A), Some(&[0x01, 0x56][..]));
    assert_eq!(tag(&tlvs, 0x9F1A), Some(&[0x01, 0x56][..]));
    assert_eq!(tag(&tlvs, 0x84), Some(&[0xA0, 0, 0, 0x03, 0x33, 0x01, 0x01, 0x01][..]));
    assert!(tag(&tlvs, 0x95).is_some() && tag(&tlvs, 0x82).is_some() && tag(&tlvs, 0x9F10).is_some());
    assert!(tag(&tlvs, 0x5A).is_none() && tag(&tlvs, 0x57).is_none(), "no clear PAN or track in field 55");

    let fields = read.card_fields();
    assert_eq!((fields.pan.as_deref(), fields.expiry.as_deref()), (None, Some("3012")));
    let shown = format!("{read:?} {fields:?}");
    assert!(!shown.contains("6228480402564890018") && !shown.contains(track2), "{shown}");
}

#[tokio::test]
async fn wrong_pin_first_then_the_right_one() {
    let (reader, keys) = signed_in(KeyMode::DoubleWithTrack004).await;
    let card = deck::find("wrongpin").unwrap();
    reader.present("wrongpin").unwrap();
    let first = reader.read_card(request(TxnType::Sale, Some(100))).await.unwrap();
    let second = reader.read_card(request(TxnType::Sale, Some(100))).await.unwrap();
    assert_eq!(clear_pin(&keys, &first, card.pan), "000000");
    assert_eq!(clear_pin(&keys, &second, card.pan), "123456");
    assert_ne!(first.icc, second.icc, "fresh unpredictable number and ATC per read");
}

#[tokio::test]
async fn contactless_offline_fallback_and_swipe_reads() {
    let (reader, keys) = signed_in(KeyMode::DoubleWithTrack004).await;
    let tdk = keys.tdk.clone().unwrap();

    reader.present("contactless").unwrap();
    let r = reader.read_card(request(TxnType::Sale, Some(100))).await.unwrap();
    assert_eq!((r.entry_mode.to_field().as_str(), r.pin_block.is_none(), r.icc.is_some()), ("072", true, true));

    reader.present("offline").unwrap();
    let r = reader.read_card(request(TxnType::Sale, Some(100))).await.unwrap();
    assert_eq!((r.entry_mode.to_field().as_str(), r.pin_block.is_none()), ("052", true));

    reader.present("fallback").unwrap();
    let card = deck::find("fallback").unwrap();
    let r = reader.read_card(request(TxnType::Sale, Some(100))).await.unwrap();
    assert_eq!(r.entry_mode.method, EntryMethod::Fallback);
    assert_eq!((r.entry_mode.to_field().as_str(), r.ic_condition, r.icc.is_none()), ("801", 2, true));
    assert_eq!(clear_pin(&keys, &r, card.pan), "123456");
    assert_eq!(r.card_fields().expiry, None, "the stripe carries the expiry");

    reader.present("swipe23").unwrap();
    let card = deck::find("swipe23").unwrap();
    let r = reader.read_card(request(TxnType::BalanceInquiry, None)).await.unwrap();
    assert_eq!(r.entry_mode.to_field(), "021");
    assert_eq!(decrypt_whole_track(&tdk, r.track3.as_deref().unwrap()).unwrap(), card.track3().replace('=', "D"));
    assert_eq!(decrypt_whole_track(&tdk, r.track2.as_deref().unwrap()).unwrap(), card.track2().replace('=', "D"));

    // A transaction that asks for no PIN gets none, even from a PIN card.
    reader.present("debit").unwrap();
    let mut no_pin = request(TxnType::Void, Some(100));
    no_pin.pin_entry = false;
    let r = reader.read_card(no_pin).await.unwrap();
    assert_eq!((r.entry_mode.to_field().as_str(), r.pin_block), ("052", None));
}

#[tokio::test]
async fn without_a_tdk_tracks_are_clear() {
    let (reader, _) = signed_in(KeyMode::Double003).await;
    reader.present("swipe12").unwrap();
    let r = reader.read_card(request(TxnType::Sale, Some(1))).await.unwrap();
    assert!(!r.security.track_encrypted);
    assert_eq!(r.track2, Some(deck::find("swipe12").unwrap().track2().replace('=', "D")));
}

#[tokio::test]
async fn refuses_keys_with_a_bad_check_value_and_reads_without_keys() {
    let reader = SoftwareReader::new(tmk(), secret());
    reader.present("debit").unwrap();
    assert_eq!(reader.read_card(request(TxnType::Sale, Some(1))).await.unwrap_err(), ReaderError::NoWorkingKeys);
    let keys = generate_working_keys(KeyMode::DoubleWithTrack004).unwrap();
    let mut f62 = build_working_keys(KeyMode::DoubleWithTrack004, &keys, &tmk()).unwrap();
    f62[56] ^= 1; // TDK check value
    let e = reader.load_working_keys(&split_field62(KeyMode::DoubleWithTrack004, &f62).unwrap()).await.unwrap_err();
    assert_eq!(e, ReaderError::KeyCheckFailed(crate::crypto::KeyKind::Tdk));
    assert!(!reader.has_working_keys());
    // Keys made for another TMK fail the same way.
    let other = SecretKey::from_hex("0123456789ABCDEFFEDCBA9876543210").unwrap();
    let f62 = build_working_keys(KeyMode::Double003, &keys_003(), &other).unwrap();
    assert!(matches!(
        reader.load_working_keys(&split_field62(KeyMode::Double003, &f62).unwrap()).await,
        Err(ReaderError::KeyCheckFailed(_))
    ));
}

fn keys_003() -> WorkingKeys {
    generate_working_keys(KeyMode::Double003).unwrap()
}

#[tokio::test]
async fn waits_for_a_card_times_out_and_cancels() {
    let (reader, _) = signed_in(KeyMode::DoubleWithTrack004).await;
    let reader = std::sync::Arc::new(reader);
    let mut quick = request(TxnType::Sale, Some(1));
    quick.timeout = Duration::from_millis(50);
    assert_eq!(reader.read_card(quick).await.unwrap_err(), ReaderError::Timeout);

    let r = std::sync::Arc::clone(&reader);
    let waiting = tokio::spawn(async move { r.read_card(request(TxnType::Sale, Some(1))).await });
    tokio::time::sleep(Duration::from_millis(30)).await;
    reader.present("credit").unwrap();
    assert_eq!(waiting.await.unwrap().unwrap().masked_pan.as_str(), "625807******4565");

    reader.remove();
    let r = std::sync::Arc::clone(&reader);
    let waiting = tokio::spawn(async move { r.read_card(request(TxnType::Sale, Some(1))).await });
    tokio::time::sleep(Duration::from_millis(30)).await;
    reader.cancel().await.unwrap();
    assert_eq!(waiting.await.unwrap().unwrap_err(), ReaderError::Cancelled);
    assert!(matches!(reader.present("nope"), Err(crate::reader::UnknownTestCard(_))));
}

#[tokio::test]
async fn key_memory_survives_a_restart_and_holds_only_ciphertext() {
    let dir = std::env::temp_dir().join(format!("pos-keymem-{}-{}", std::process::id(), line!()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("reader-keys.json");
    let keys = generate_working_keys(KeyMode::DoubleWithTrack004).unwrap();
    let block = build_working_keys(KeyMode::DoubleWithTrack004, &keys, &tmk()).unwrap();
    let enc = split_field62(KeyMode::DoubleWithTrack004, &block).unwrap();
    {
        let r = SoftwareReader::new(tmk(), secret()).with_key_memory(KeyMemory::at(&path)).unwrap();
        assert!(!r.has_working_keys());
        r.load_working_keys(&enc).await.unwrap();
    }
    let stored = std::fs::read_to_string(&path).unwrap();
    assert!(!stored.contains(&hex::encode_upper(keys.pik.as_bytes())), "clear PIK in key memory");
    let r = SoftwareReader::new(tmk(), secret()).with_key_memory(KeyMemory::at(&path)).unwrap();
    assert!(r.has_working_keys());
    r.present("debit").unwrap();
    let read = r.read_card(request(TxnType::Sale, Some(100))).await.unwrap();
    assert_eq!(clear_pin(&keys, &read, deck::find("debit").unwrap().pan), deck::TEST_PIN);
    // A reader with another TMK cannot use the memory.
    let other = SecretKey::from_hex("0123456789ABCDEFFEDCBA9876543210").unwrap();
    assert!(SoftwareReader::new(other, secret()).with_key_memory(KeyMemory::at(&path)).is_err());
    std::fs::write(&path, "garbage").unwrap();
    assert!(SoftwareReader::new(tmk(), secret()).with_key_memory(KeyMemory::at(&path)).is_err());
    std::fs::remove_dir_all(&dir).ok();
}
