use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::card::DeviceSecret;
use crate::clock::{ManualClock, Timestamp, CHINA_UTC_OFFSET_SECS};
use crate::crypto::{
    build_working_keys, generate_working_keys, pin_from_format0, split_field62, tdes, KeyMode, SecretKey, WorkingKeys,
};
use crate::deck;
use crate::devices::ble::{memory_pair, MemoryEndpoint, MemoryFaults, TransportConfig};
use crate::iso8583::{EntryMethod, TxnType};
use crate::money::Amount;
use crate::provision::DEMO_TMK_HEX;
use crate::reader::{CardReader, CardRequest, ReaderError, SoftwareReader, FINGERPRINT_BATCH};
use crate::tamper::{reset_code, unlock_code, UnlockError};

struct Bench {
    phone: BleCardReader,
    device: SimulatedReader,
    phone_link: Arc<MemoryEndpoint>,
    keys: WorkingKeys,
    log: Arc<EventLog>,
    inner: Arc<SoftwareReader>,
}

/// Generous enough that a loaded 2-core machine never mistakes slowness for loss: a whole
/// frame must be lost 11 times in a row (at most about 0.2^11 at the lossiest MTU) to fail.
fn fast() -> TransportConfig {
    TransportConfig { ack_timeout: Duration::from_millis(250), retries: 10, chunk_timeout: Duration::from_millis(100) }
}

async fn bench(mtu: usize, faults: MemoryFaults) -> Bench {
    let ((a, arx), (b, brx)) = memory_pair(mtu, faults);
    let tmk = SecretKey::from_hex(DEMO_TMK_HEX).unwrap();
    let inner = Arc::new(SoftwareReader::new(tmk.clone(), DeviceSecret::from_bytes([3; 32])));
    let device = SimulatedReader::spawn(Arc::new(b), brx, inner.clone(), fast());
    let phone_link = Arc::new(a);
    let phone = BleCardReader::connect(phone_link.clone(), arx, fast()).await.expect("connects");
    let log = EventLog::shared();
    phone.set_observer(log.clone());
    let keys = generate_working_keys(KeyMode::DoubleWithTrack004).unwrap();
    let block = build_working_keys(KeyMode::DoubleWithTrack004, &keys, &tmk).unwrap();
    let ack = phone.load_working_keys(&split_field62(KeyMode::DoubleWithTrack004, &block).unwrap()).await.unwrap();
    assert_eq!(ack.mak, keys.mak);
    Bench { phone, device, phone_link, keys, log, inner }
}

fn request(timeout_ms: u64) -> CardRequest {
    CardRequest {
        txn: TxnType::Sale,
        amount: Some(Amount::cny(1_234).unwrap()),
        timeout: Duration::from_millis(timeout_ms),
        pin_entry: true,
        at: Timestamp::new(1_790_000_000, CHINA_UTC_OFFSET_SECS),
        prefix_lengths: 0,
    }
}

fn clear_pin(keys: &WorkingKeys, block: [u8; 8], pan: &str) -> String {
    let clear = tdes::decrypt_block(&keys.pik, &block);
    pin_from_format0(&clear, pan).unwrap().as_str().to_string()
}

#[tokio::test]
async fn a_chip_read_with_pin_and_its_events() {
    let b = bench(185, MemoryFaults::default()).await;
    let info = b.phone.device_info();
    assert!(info.pin_pad && info.contactless && !info.tampered);
    assert_eq!(info.model, "pos-core simulated BLE reader");
    b.device.present("debit").unwrap();
    let read = b.phone.read_card(request(2_000)).await.unwrap();
    assert_eq!(read.entry_mode.method, EntryMethod::Chip);
    assert_eq!(read.masked_pan.as_str(), "622848*********0018");
    assert_eq!(clear_pin(&b.keys, read.pin_block.unwrap(), deck::find("debit").unwrap().pan), deck::TEST_PIN);
    assert!(read.icc.is_some() && read.security.track_encrypted);
    let ev = b.log.events();
    assert_eq!(ev.first(), Some(&ReaderEvent::WaitingForCard));
    assert!(ev.contains(&ReaderEvent::CardDetected(CardMethod::Insert)));
    assert_eq!(ev.iter().filter(|e| matches!(e, ReaderEvent::PinProgress(_))).count(), 6);
}

#[tokio::test]
async fn every_readable_deck_card_over_small_and_large_mtus_with_a_lossy_link() {
    for (mtu, faults) in [
        (
            23,
            MemoryFaults {
                seed: 7,
                drop_per_mille: 5,
                duplicate_per_mille: 5,
                corrupt_per_mille: 5,
                ..Default::default()
            },
        ),
        (247, MemoryFaults::default()),
        (512, MemoryFaults { seed: 9, duplicate_per_mille: 20, ..Default::default() }),
    ] {
        let b = bench(mtu, faults).await;
        for card in deck::DECK {
            b.device.present(card.id).unwrap();
            let read = b.phone.read_card(request(2_000)).await.unwrap_or_else(|e| panic!("mtu {mtu} {}: {e}", card.id));
            assert_eq!(read.masked_pan.last4(), &card.pan[card.pan.len() - 4..], "{}", card.id);
            if card.id == "fallback" {
                assert_eq!(read.entry_mode.method, EntryMethod::Fallback);
            }
        }
    }
    // The fallback card told the UI to swipe.
    let b = bench(185, MemoryFaults::default()).await;
    b.device.present("fallback").unwrap();
    b.phone.read_card(request(2_000)).await.unwrap();
    assert!(b.log.events().contains(&ReaderEvent::FallbackToSwipe));
}

#[tokio::test]
async fn cancel_timeout_and_early_removal_end_the_read_cleanly() {
    let b = bench(185, MemoryFaults::default()).await;
    let read = b.phone.read_card(request(5_000));
    let cancel = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        b.phone.cancel().await.unwrap();
    };
    let (r, ()) = tokio::join!(read, cancel);
    assert_eq!(r.unwrap_err(), ReaderError::Cancelled);

    assert_eq!(b.phone.read_card(request(150)).await.unwrap_err(), ReaderError::Timeout);

    b.device.present("debit").unwrap();
    b.device.remove_card_early(true);
    assert_eq!(b.phone.read_card(request(2_000)).await.unwrap_err(), ReaderError::CardRemoved);
    assert!(b.log.events().contains(&ReaderEvent::CardRemoved));
    // And the next read is normal.
    b.device.present("debit").unwrap();
    assert!(b.phone.read_card(request(2_000)).await.is_ok());
}

#[tokio::test]
async fn a_disconnect_mid_read_ends_it_and_the_next_read_works_after_reconnect() {
    let b = bench(185, MemoryFaults::default()).await;
    let read = b.phone.read_card(request(5_000));
    let drop_link = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        b.phone_link.disconnect().await;
    };
    let (r, ()) = tokio::join!(read, drop_link);
    let e = r.unwrap_err();
    assert_eq!(e, ReaderError::Disconnected);
    assert!(crate::Bilingual::zh(&e).contains("未扣款"), "the operator is told nothing was charged");
    assert_eq!(b.phone.read_card(request(500)).await.unwrap_err(), ReaderError::Disconnected);
    b.phone_link.reconnect().await;
    b.device.present("credit").unwrap();
    let read = b.phone.read_card(request(2_000)).await.unwrap();
    assert_eq!(read.masked_pan.last4(), "4565");
}

#[tokio::test]
async fn tamper_locks_the_reader_and_battery_low_is_reported() {
    let b = bench(185, MemoryFaults::default()).await;
    b.device.set_battery(15);
    b.device.trigger_tamper();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(b.phone.tamper_status().await.unwrap());
    let ev = b.log.events();
    assert!(ev.contains(&ReaderEvent::BatteryLow(15)), "{ev:?}");
    assert!(ev.contains(&ReaderEvent::Tampered), "{ev:?}");
    b.device.present("debit").unwrap();
    assert_eq!(b.phone.read_card(request(1_000)).await.unwrap_err(), ReaderError::Tampered);
    let info = b.phone.refresh_info().await.unwrap();
    assert!(info.tampered && info.battery_percent == 15);
    let e = ReaderError::Tampered;
    assert!(crate::Bilingual::zh(&e).contains("系统安全已触发"));
}

#[tokio::test]
async fn remote_unlock_with_the_help_desk_code() {
    let b = bench(185, MemoryFaults::default()).await;
    b.device.trigger_tamper();
    assert!(b.phone.tamper_status().await.unwrap());
    // No unlock key provisioned: no code can be right (and nothing is counted).
    let _ = b.phone.unlock_challenge().await.unwrap();
    assert_eq!(b.phone.unlock("000000000000").await.unwrap_err(), ReaderError::Unlock(UnlockError::NotProvisioned));
    // This terminal's own key, as provisioned with the reader (not the published demo key).
    let key = SecretKey::from_hex("0F1E2D3C4B5A69788796A5B4C3D2E1F0").unwrap();
    b.device.set_unlock_key("10000042", key.clone());
    let challenge = b.phone.unlock_challenge().await.unwrap();
    assert_eq!(challenge.len(), 16);
    // A wrong code is refused, counted and uses up the challenge.
    let wrong = ReaderError::Unlock(UnlockError::WrongCode { tries_left: 9, wait_secs: 0 });
    assert_eq!(b.phone.unlock("000000000000").await.unwrap_err(), wrong);
    let right_for_old = unlock_code(&key, "10000042", &challenge);
    assert_eq!(b.phone.unlock(&right_for_old).await.unwrap_err(), ReaderError::Unlock(UnlockError::NoChallenge));
    let challenge = b.phone.unlock_challenge().await.unwrap();
    // The demo key's code, or another terminal's, is wrong for this reader.
    let demo = SecretKey::from_hex(crate::provision::DEMO_UNLOCK_KEY_HEX).unwrap();
    let wrong = ReaderError::Unlock(UnlockError::WrongCode { tries_left: 8, wait_secs: 0 });
    assert_eq!(b.phone.unlock(&unlock_code(&demo, "10000042", &challenge)).await.unwrap_err(), wrong);
    let challenge = b.phone.unlock_challenge().await.unwrap();
    let code = unlock_code(&key, "10000042", &challenge);
    b.phone.unlock(&code).await.unwrap();
    assert!(!b.phone.tamper_status().await.unwrap() && !b.phone.device_info().tampered);
    // The keys were erased when the switch fired: the terminal must sign in again.
    b.device.present("debit").unwrap();
    assert_eq!(b.phone.read_card(request(1_000)).await.unwrap_err(), ReaderError::NoWorkingKeys);
}

#[tokio::test]
async fn tamper_unlock_over_ble_backs_off_locks_out_and_takes_the_help_desk_reset() {
    let b = bench(185, MemoryFaults::default()).await;
    let clock = Arc::new(ManualClock::new(Timestamp::new(1_790_000_000, CHINA_UTC_OFFSET_SECS)));
    b.inner.set_clock(clock.clone());
    let key = SecretKey::from_hex("0F1E2D3C4B5A69788796A5B4C3D2E1F0").unwrap();
    b.device.set_unlock_key("10000042", key.clone());
    b.device.trigger_tamper();
    let mut fails = 0;
    loop {
        let challenge = b.phone.unlock_challenge().await.unwrap();
        match b.phone.unlock("111111111111").await.unwrap_err() {
            ReaderError::Unlock(UnlockError::WrongCode { wait_secs, .. }) => {
                fails += 1;
                if wait_secs > 0 {
                    // The wait is enforced on the reader's clock, and the challenge kept.
                    let e = b.phone.unlock(&unlock_code(&key, "10000042", &challenge)).await.unwrap_err();
                    assert!(matches!(e, ReaderError::Unlock(UnlockError::Wait { .. })), "{e:?}");
                    clock.advance(i64::try_from(wait_secs).unwrap());
                }
            }
            ReaderError::Unlock(UnlockError::LockedOut) => break,
            e => panic!("{e:?}"),
        }
    }
    assert_eq!(fails + 1, crate::tamper::UNLOCK_MAX_FAILURES);
    // Locked out: even the right code for a fresh challenge is refused.
    let challenge = b.phone.unlock_challenge().await.unwrap();
    let e = b.phone.unlock(&unlock_code(&key, "10000042", &challenge)).await.unwrap_err();
    assert_eq!(e, ReaderError::Unlock(UnlockError::LockedOut));
    // The help desk's reset (over a fresh challenge) clears the lockout, not the switch.
    let challenge = b.phone.unlock_challenge().await.unwrap();
    b.phone.help_desk_reset(&reset_code(&key, "10000042", &challenge)).await.unwrap();
    assert!(b.phone.tamper_status().await.unwrap());
    let challenge = b.phone.unlock_challenge().await.unwrap();
    b.phone.unlock(&unlock_code(&key, "10000042", &challenge)).await.unwrap();
    assert!(!b.phone.tamper_status().await.unwrap());
}

#[tokio::test]
async fn a_tamper_while_idle_is_noticed_by_the_next_read() {
    let b = bench(185, MemoryFaults::default()).await;
    b.device.trigger_tamper();
    tokio::time::sleep(Duration::from_millis(100)).await;
    b.device.present("debit").unwrap();
    assert_eq!(b.phone.read_card(request(1_000)).await.unwrap_err(), ReaderError::Tampered);
    assert!(b.log.events().contains(&ReaderEvent::Tampered));
}

#[tokio::test]
async fn display_text_and_busy_reader() {
    let b = bench(185, MemoryFaults::default()).await;
    b.phone.display_text("请插卡 Insert card").await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(b.device.display(), "请插卡 Insert card");
}

#[tokio::test]
async fn a_disconnect_at_every_step_of_connect_load_and_read_is_a_clean_error() {
    let tmk = SecretKey::from_hex(DEMO_TMK_HEX).unwrap();
    let keys = generate_working_keys(KeyMode::DoubleWithTrack004).unwrap();
    let block = build_working_keys(KeyMode::DoubleWithTrack004, &keys, &tmk).unwrap();
    let enc = split_field62(KeyMode::DoubleWithTrack004, &block).unwrap();
    let mut outcomes = [0usize; 2];
    // Each write of the exchange in turn is the one that finds the link gone.
    for after in 1..=130 {
        let ((a, arx), (b, brx)) =
            memory_pair(23, MemoryFaults { disconnect_after_writes: after, ..Default::default() });
        let inner = Arc::new(SoftwareReader::new(tmk.clone(), DeviceSecret::from_bytes([3; 32])));
        let device = SimulatedReader::spawn(Arc::new(b), brx, inner, fast());
        let phone_link = Arc::new(a);
        let steps = async {
            let phone = BleCardReader::connect(phone_link.clone(), arx, fast()).await?;
            phone.load_working_keys(&enc).await?;
            device.present("debit").expect("deck card");
            phone.read_card(request(2_000)).await.map(|_| ())
        };
        match tokio::time::timeout(Duration::from_secs(20), steps).await {
            Ok(Ok(())) => outcomes[0] += 1,
            Ok(Err(e)) => {
                assert!(
                    matches!(e, ReaderError::Disconnected | ReaderError::Protocol(_)),
                    "after {after} writes: {e:?}"
                );
                outcomes[1] += 1;
            }
            Err(_) => panic!("after {after} writes: the exchange hung"),
        }
    }
    assert!(outcomes[1] > 0 && outcomes[0] > 0, "{outcomes:?}: both dropped and completed exchanges seen");
}

/// A link end that records every chunk it writes (a passive listener on the air) and can
/// flip one bit of the wrapped MAK in a `LOAD_KEYS` answer (an active attacker who also fixes
/// the CRC).
struct Tap {
    inner: MemoryEndpoint,
    heard: Arc<std::sync::Mutex<Vec<u8>>>,
    writes: std::sync::atomic::AtomicUsize,
    flip_wrapped_mak: std::sync::atomic::AtomicBool,
}

impl Tap {
    fn new(inner: MemoryEndpoint, heard: Arc<std::sync::Mutex<Vec<u8>>>) -> Tap {
        Tap { inner, heard, writes: Default::default(), flip_wrapped_mak: Default::default() }
    }

    fn writes(&self) -> usize {
        self.writes.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Flips one bit in the value of the first `tag` item of a reader payload.
fn flip_in_item(payload: &mut [u8], wanted: u8) -> bool {
    let mut at = 0;
    while at + 3 <= payload.len() {
        let (t, len) = (payload[at], usize::from(u16::from_be_bytes([payload[at + 1], payload[at + 2]])));
        if t == wanted && len > 12 && at + 3 + len <= payload.len() {
            payload[at + 3 + 12] ^= 0x01;
            return true;
        }
        at += 3 + len;
    }
    false
}

#[async_trait::async_trait]
impl crate::devices::ble::BleLink for Tap {
    async fn write(&self, mut chunk: Vec<u8>) -> Result<(), crate::devices::ble::LinkError> {
        use crate::devices::ble::Frame;
        self.writes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if self.flip_wrapped_mak.load(std::sync::atomic::Ordering::SeqCst) {
            if let Ok(mut f) = Frame::decode(&chunk) {
                if f.kind == crate::devices::ble::FrameKind::Response
                    && f.cmd == codes::cmd::LOAD_KEYS
                    && flip_in_item(&mut f.payload, codes::tag::WRAPPED_MAK)
                {
                    chunk = f.encode().unwrap();
                }
            }
        }
        self.heard.lock().unwrap().extend_from_slice(&chunk);
        self.inner.write(chunk).await
    }
    fn mtu(&self) -> usize {
        self.inner.mtu()
    }
    fn is_connected(&self) -> bool {
        self.inner.is_connected()
    }
    fn link_security(&self) -> crate::devices::ble::LinkSecurity {
        self.inner.link_security()
    }
}

struct Tapped {
    phone: BleCardReader,
    _device: SimulatedReader,
    phone_tap: Arc<Tap>,
    device_tap: Arc<Tap>,
    heard: Arc<std::sync::Mutex<Vec<u8>>>,
    tmk: SecretKey,
}

async fn tapped(mtu: usize) -> Tapped {
    let ((a, arx), (b, brx)) = memory_pair(mtu, MemoryFaults::default());
    let heard = Arc::new(std::sync::Mutex::new(Vec::new()));
    let tmk = SecretKey::from_hex(DEMO_TMK_HEX).unwrap();
    let inner = Arc::new(SoftwareReader::new(tmk.clone(), DeviceSecret::from_bytes([3; 32])));
    let device_tap = Arc::new(Tap::new(b, heard.clone()));
    let device = SimulatedReader::spawn(device_tap.clone(), brx, inner, fast());
    let phone_tap = Arc::new(Tap::new(a, heard.clone()));
    let phone = BleCardReader::connect(phone_tap.clone(), arx, fast()).await.expect("connects");
    Tapped { phone, _device: device, phone_tap, device_tap, heard, tmk }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn a_passive_listener_never_hears_the_mak() {
    for mtu in [23, 185, 517] {
        let t = tapped(mtu).await;
        let keys = generate_working_keys(KeyMode::DoubleWithTrack004).unwrap();
        let block = build_working_keys(KeyMode::DoubleWithTrack004, &keys, &t.tmk).unwrap();
        let enc = split_field62(KeyMode::DoubleWithTrack004, &block).unwrap();
        let ack = t.phone.load_working_keys(&enc).await.unwrap();
        assert_eq!(ack.mak, keys.mak, "the phone unwrapped the right MAK");
        let heard = t.heard.lock().unwrap().clone();
        // The listener did hear the exchange: the MAK's ciphertext under the TMK crossed.
        assert!(contains(&heard, &enc.mak.ciphertext), "mtu {mtu}: the recording holds the key block");
        let mak = keys.mak.as_bytes();
        assert!(!contains(&heard, mak), "mtu {mtu}: the clear MAK crossed the link");
        for half in mak.chunks(8) {
            assert!(!contains(&heard, half), "mtu {mtu}: a half of the MAK crossed");
        }
        for text in [hex::encode(mak), hex::encode_upper(mak)] {
            assert!(!contains(&heard, text.as_bytes()), "mtu {mtu}: the MAK's hex crossed");
        }
    }
}

#[tokio::test]
async fn a_flipped_bit_in_the_wrapped_mak_is_refused() {
    let t = tapped(517).await;
    let keys = generate_working_keys(KeyMode::DoubleWithTrack004).unwrap();
    let block = build_working_keys(KeyMode::DoubleWithTrack004, &keys, &t.tmk).unwrap();
    let enc = split_field62(KeyMode::DoubleWithTrack004, &block).unwrap();
    t.device_tap.flip_wrapped_mak.store(true, std::sync::atomic::Ordering::SeqCst);
    let e = t.phone.load_working_keys(&enc).await.unwrap_err();
    assert_eq!(e, ReaderError::WrappedKeyRefused);
    assert!(crate::Bilingual::zh(&e).contains("篡改") && crate::Bilingual::en(&e).contains("tampered"));
    // Untouched, the next load goes through (the counter moved on, the key is the same).
    t.device_tap.flip_wrapped_mak.store(false, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(t.phone.load_working_keys(&enc).await.unwrap().mak, keys.mak);
}

#[tokio::test]
async fn key_and_pin_commands_on_an_unencrypted_link_are_refused_before_any_frame() {
    for security in [crate::devices::ble::LinkSecurity::Unencrypted, crate::devices::ble::LinkSecurity::Unknown] {
        let t = tapped(185).await;
        t.phone_tap.inner.set_link_security(security);
        // Who the reader is can still be asked (the app shows it and asks for a bond).
        assert!(t.phone.refresh_info().await.is_ok());
        let keys = generate_working_keys(KeyMode::DoubleWithTrack004).unwrap();
        let block = build_working_keys(KeyMode::DoubleWithTrack004, &keys, &t.tmk).unwrap();
        let enc = split_field62(KeyMode::DoubleWithTrack004, &block).unwrap();
        let before = t.phone_tap.writes();
        let e = t.phone.load_working_keys(&enc).await.unwrap_err();
        assert_eq!(e, ReaderError::LinkNotEncrypted, "{security:?}");
        assert_eq!(t.phone.read_card(request(500)).await.unwrap_err(), ReaderError::LinkNotEncrypted);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(t.phone_tap.writes(), before, "{security:?}: nothing was sent");
        assert!(crate::Bilingual::zh(&e).contains("读卡器蓝牙连接未加密"));
        assert!(crate::Bilingual::en(&e).contains("pair (bond) the reader in Bluetooth settings first"));
        // Bonded, the same keys load.
        t.phone_tap.inner.set_link_security(crate::devices::ble::LinkSecurity::Encrypted);
        assert_eq!(t.phone.load_working_keys(&enc).await.unwrap().mak, keys.mak);
    }
}

#[tokio::test]
async fn after_the_link_drops_a_new_link_key_is_agreed_for_the_next_sign_in() {
    let t = tapped(185).await;
    let keys = generate_working_keys(KeyMode::DoubleWithTrack004).unwrap();
    let block = build_working_keys(KeyMode::DoubleWithTrack004, &keys, &t.tmk).unwrap();
    let enc = split_field62(KeyMode::DoubleWithTrack004, &block).unwrap();
    // Dropped while idle: both sides forget the key; the first command hears of the drop.
    t.phone_tap.inner.disconnect().await;
    t.phone_tap.inner.reconnect().await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    match t.phone.load_working_keys(&enc).await {
        Err(ReaderError::Disconnected) => {}
        other => panic!("the drop is reported first: {other:?}"),
    }
    assert_eq!(t.phone.load_working_keys(&enc).await.unwrap().mak, keys.mak);
    // The reader alone lost its key (it restarted): it says so, the phone agrees a new one, once.
    t._device.forget_link_key();
    let heard_before = t.heard.lock().unwrap().len();
    assert_eq!(t.phone.load_working_keys(&enc).await.unwrap().mak, keys.mak);
    let heard = t.heard.lock().unwrap()[heard_before..].to_vec();
    assert!(contains(&heard, &[codes::cmd::LINK_KEY, codes::tag::PHONE_KEY]), "a new agreement was run");
}

#[test]
fn a_key_answer_with_the_mak_in_clear_is_refused() {
    use super::link_key::Ephemeral;
    use super::messages::decode_key_ack;
    let (phone, reader) = (Ephemeral::generate().unwrap(), Ephemeral::generate().unwrap());
    let mut key = phone.agree_as_phone(reader.public_key(), "S").unwrap();
    let clear = PayloadWriter::new()
        .u8(codes::tag::STATUS, 0)
        .bytes(codes::tag::MAK, &[1; 16])
        .bytes(codes::tag::PIK_KCV, &[0; 4])
        .bytes(codes::tag::MAK_KCV, &[0; 4])
        .finish();
    let e = decode_key_ack(&Payload::parse(&clear).unwrap(), &mut key, b"aad").unwrap_err();
    assert!(matches!(e, ReaderError::Protocol(ref why) if why.contains("in clear")), "{e:?}");
}

#[tokio::test]
async fn blacklist_entries_and_a_cards_prefixes_are_fingerprinted_over_the_link() {
    use crate::tms::blacklist::{self, Blacklist};
    let b = bench(23, MemoryFaults::default()).await;
    let secret = DeviceSecret::from_bytes([3; 32]);
    // A whole batch of entries in one command (longer than several 23-byte chunks).
    let mut entries: Vec<String> = (0..FINGERPRINT_BATCH - 1).map(|i| format!("99{i:014}")).collect();
    entries.push("622848".into());
    let fps = b.phone.fingerprint_entries(&entries).await.unwrap();
    let expected: Vec<_> = entries.iter().map(|e| blacklist::entry_fingerprint(&secret, e)).collect();
    assert_eq!(fps, expected, "the reader's answers, in order");
    assert_eq!(fps, b.inner.fingerprint_entries(&entries).await.unwrap());
    let list = Blacklist::from_parts(blacklist::lengths_of(entries.iter().map(String::as_str)).unwrap(), fps);

    // A card read asked for the list's lengths carries the card's prefixes: the debit card's
    // BIN is listed, the contactless card is not.
    for (card, listed) in [("debit", true), ("contactless", false)] {
        b.device.present(card).unwrap();
        let read = b.phone.read_card(CardRequest { prefix_lengths: list.lengths(), ..request(2_000) }).await.unwrap();
        assert_eq!(read.prefix_fingerprints.len(), 2, "{card}: 6 and 16 digits");
        assert_eq!(list.contains_any(&read.prefix_fingerprints), listed, "{card}");
    }
    // Bad input is refused by the reader, and too many entries before anything is sent.
    let e = b.phone.fingerprint_entries(&["12a4".to_string()]).await.unwrap_err();
    assert!(matches!(e, ReaderError::Protocol(_)), "{e:?}");
    let too_many: Vec<String> = (0..=FINGERPRINT_BATCH).map(|i| format!("{i:06}")).collect();
    assert!(matches!(b.phone.fingerprint_entries(&too_many).await, Err(ReaderError::Protocol(_))));
    assert_eq!(b.phone.fingerprint_entries(&[]).await.unwrap(), Vec::<[u8; 16]>::new());
}

#[test]
fn an_answer_with_the_wrong_number_of_fingerprints_is_refused() {
    use super::messages::{decode_entry_fps, encode_entry_fps};
    use super::payload::Payload;
    let two = encode_entry_fps(&[[1; 16], [2; 16]]);
    let p = Payload::parse(&two).unwrap();
    assert_eq!(decode_entry_fps(&p, 2).unwrap(), vec![[1; 16], [2; 16]]);
    assert!(matches!(decode_entry_fps(&p, 3), Err(ReaderError::Protocol(_))));
}

/// Keys for the chip kernel: the published test keys and the project's test CA (five keys of
/// 128 to 248 bytes of modulus) and the three UnionPay applications.
fn chip_parameters() -> (Vec<crate::tms::capk::CaPublicKey>, Vec<crate::tms::aid::IcParams>) {
    let published = include_str!("../../../tests/vectors/ca-public-keys.txt");
    let ours = include_str!("../../../tests/vectors/oda-test-ca.txt");
    let keys = published
        .lines()
        .chain(ours.lines().filter(|l| l.starts_with("pos-test-f9 ")))
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once(' '))
        .map(|(_, h)| crate::tms::capk::CaPublicKey::from_tlv(&hex::decode(h.trim()).unwrap()).unwrap())
        .collect();
    let aids = ["A000000333010101", "A000000333010102", "A000000333010103"]
        .iter()
        .map(|a| crate::tms::aid::unionpay_application(&hex::decode(a).unwrap()))
        .collect();
    (keys, aids)
}

#[tokio::test]
async fn chip_parameters_cross_in_parts_and_the_card_authenticates_over_the_link() {
    let b = bench(23, MemoryFaults::default()).await;
    let (keys, aids) = chip_parameters();
    // Before: the reader holds no keys, the chip read says so.
    b.device.present("offline").unwrap();
    let read = b.phone.read_card(request(2_000)).await.unwrap();
    assert_eq!(read.data_authentication, crate::reader::DataAuthentication::NotPerformed);
    // Sixty-four keys take several parts; the reader holds them all, the phone checked the count.
    let many: Vec<_> = keys.iter().cycle().take(crate::tms::capk::MAX_KEYS).cloned().collect();
    assert!(super::messages::encode_chip_params(&many, &aids).len() > 1, "several parts");
    let held = b.phone.load_chip_parameters(&many, &aids).await.unwrap();
    assert_eq!((held.keys, held.aids), (64, 3));
    let held = b.phone.load_chip_parameters(&keys, &aids).await.unwrap();
    assert_eq!((held.keys, held.aids), (5, 3), "a new load replaces the old one");
    assert_eq!(b.inner.chip_keys(), keys);
    let read = b.phone.read_card(request(2_000)).await.unwrap();
    assert_eq!(read.data_authentication, crate::reader::DataAuthentication::Succeeded);
    // A key whose check sum does not hold is refused by the reader, which keeps what it had.
    let mut bad = keys.clone();
    bad[0].modulus[5] ^= 0x01;
    assert!(matches!(b.phone.load_chip_parameters(&bad, &aids).await, Err(ReaderError::Protocol(_))));
    assert_eq!(b.inner.chip_keys(), keys);
}

#[test]
fn a_chip_parameters_answer_holding_fewer_than_sent_is_refused_and_bad_parts_are_errors() {
    use super::messages::{check_chip_held, decode_chip_held, decode_chip_part, encode_chip_held, encode_chip_params};
    use super::payload::Payload;
    let (keys, aids) = chip_parameters();
    let parts = encode_chip_params(&keys, &aids);
    // Every item back, in order, the first and last parts flagged.
    let (mut k, mut a) = (Vec::new(), Vec::new());
    for (i, part) in parts.iter().enumerate() {
        assert!(part.len() <= 2048, "one frame");
        let (flags, keys, aids) = decode_chip_part(&Payload::parse(part).unwrap()).unwrap();
        assert_eq!(flags & 1 == 1, i == 0);
        assert_eq!(flags & 2 == 2, i + 1 == parts.len());
        k.extend(keys);
        a.extend(aids);
    }
    assert_eq!((k, a), (keys.clone(), aids.clone()));
    let held = crate::reader::ChipParamsHeld { keys: 4, aids: 3 };
    assert_eq!(decode_chip_held(&Payload::parse(&encode_chip_held(held)).unwrap()).unwrap(), held);
    // Four keys held of the five sent: refused.
    assert!(matches!(check_chip_held(held, keys.len(), aids.len()), Err(ReaderError::Protocol(_))));
    assert_eq!(check_chip_held(crate::reader::ChipParamsHeld { keys: 5, aids: 3 }, 5, 3).unwrap().keys, 5);
    // A damaged key inside a part, and a part without its flags.
    let mut damaged = parts[0].clone();
    let last = damaged.len() - 1;
    damaged[last] ^= 0xFF;
    assert!(matches!(decode_chip_part(&Payload::parse(&damaged).unwrap()), Err(ReaderError::Protocol(_))));
    assert!(matches!(decode_chip_part(&Payload::parse(&[]).unwrap()), Err(ReaderError::Protocol(_))));
    assert!(matches!(decode_chip_held(&Payload::parse(&[]).unwrap()), Err(ReaderError::Protocol(_))));
}
