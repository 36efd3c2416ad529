//! The reader link at sign-in (issue 16, item 6): a passive listener on the BLE link never hears
//! the MAK, a bit flipped in the wrapped MAK leaves the terminal without a session, and an
//! unencrypted link carries no key command.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pos_acquirer_sim::{SimConfig, Simulator};
use pos_core::card::DeviceSecret;
use pos_core::crypto::{FileVault, SecretKey};
use pos_core::devices::ble::{
    memory_pair, BleLink, FrameKind, LinkError, LinkSecurity, MemoryEndpoint, MemoryFaults, Reassembler,
    TransportConfig,
};
use pos_core::devices::reader::codes::{cmd, tag};
use pos_core::devices::reader::{BleCardReader, SimulatedReader};
use pos_core::provision::DEMO_TMK_HEX;
use pos_core::terminal::{SystemClock, Terminal};
use pos_core::Bilingual;
use pos_core::SoftwareReader;
use pos_core::{Error, ErrorCode};
use pos_e2e::{cny, TempDir};

/// One end of the link as a listener on the air hears it; it can also flip one bit of the
/// wrapped MAK in the reader's `LOAD_KEYS` answer and fix the CRC, as an active attacker would.
struct Air {
    inner: MemoryEndpoint,
    heard: Arc<Mutex<Vec<u8>>>,
    writes: AtomicUsize,
    flip_wrapped_mak: AtomicBool,
}

/// Flips one bit inside the value of the first `wanted` item of a reader payload.
fn flip_in_item(payload: &mut [u8], wanted: u8) -> bool {
    let mut at = 0;
    while at + 3 <= payload.len() {
        let (t, len) = (payload[at], usize::from(u16::from_be_bytes([payload[at + 1], payload[at + 2]])));
        if t == wanted && len > 20 && at + 3 + len <= payload.len() {
            payload[at + 3 + 20] ^= 0x80;
            return true;
        }
        at += 3 + len;
    }
    false
}

#[async_trait::async_trait]
impl BleLink for Air {
    async fn write(&self, mut chunk: Vec<u8>) -> Result<(), LinkError> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        if self.flip_wrapped_mak.load(Ordering::SeqCst) {
            // The answer fits one chunk at the MTU of these tests.
            let frames = Reassembler::new().push(&chunk);
            if let [Ok(f)] = frames.as_slice() {
                let mut f = f.clone();
                if f.kind == FrameKind::Response
                    && f.cmd == cmd::LOAD_KEYS
                    && flip_in_item(&mut f.payload, tag::WRAPPED_MAK)
                {
                    chunk = f.encode().expect("re-encodes");
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
    fn link_security(&self) -> LinkSecurity {
        self.inner.link_security()
    }
}

struct Rig {
    _sim: pos_acquirer_sim::SimHandle,
    terminal: Terminal,
    device: SimulatedReader,
    phone_air: Arc<Air>,
    device_air: Arc<Air>,
    heard: Arc<Mutex<Vec<u8>>>,
    _dir: TempDir,
}

async fn rig(mtu: usize) -> Rig {
    let sim = Simulator::start(SimConfig::demo().listening_on("127.0.0.1:0")).await.expect("simulator");
    let ((phone, prx), (dev, drx)) = memory_pair(mtu, MemoryFaults::default());
    let heard = Arc::new(Mutex::new(Vec::new()));
    let air = |inner| Air {
        inner,
        heard: heard.clone(),
        writes: AtomicUsize::new(0),
        flip_wrapped_mak: AtomicBool::new(false),
    };
    let tmk = SecretKey::from_hex(DEMO_TMK_HEX).unwrap();
    let inner = Arc::new(SoftwareReader::new(tmk, DeviceSecret::generate().unwrap()));
    let device_air = Arc::new(air(dev));
    let device = SimulatedReader::spawn(device_air.clone(), drx, inner, TransportConfig::default());
    let phone_air = Arc::new(air(phone));
    let reader = BleCardReader::connect(phone_air.clone(), prx, TransportConfig::default()).await.expect("connects");
    let dir = TempDir::new("ble-link");
    let mut tc = pos_e2e::terminal_config(&sim);
    tc.risk_policy = None;
    tc.card_timeout = Duration::from_secs(2);
    let vault = Arc::new(FileVault::open_or_create(dir.join("vault.key")).unwrap());
    let terminal = Terminal::open(dir.path(), tc, vault, Arc::new(reader), Arc::new(SystemClock::default())).unwrap();
    Rig { _sim: sim, terminal, device, phone_air, device_air, heard, _dir: dir }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(start_paused = true)]
async fn a_passive_listener_never_hears_the_mak_across_sign_in_and_a_payment() {
    for mtu in [23, 185] {
        let rig = rig(mtu).await;
        assert!(rig.terminal.sign_in().await.unwrap().approved);
        rig.device.present("debit").unwrap();
        assert!(rig.terminal.sale(cny(1_000)).await.unwrap().approved);
        let session = rig.terminal.store().session().unwrap().expect("signed in");
        let mak = session.mak.as_bytes().to_vec();
        let heard = rig.heard.lock().unwrap().clone();
        assert!(heard.len() > 500, "mtu {mtu}: the listener heard the exchanges ({} bytes)", heard.len());
        assert!(!contains(&heard, &mak), "mtu {mtu}: the MAK crossed the link in clear");
        for text in [hex_of(&mak, false), hex_of(&mak, true)] {
            assert!(!contains(&heard, text.as_bytes()), "mtu {mtu}: the MAK's hex crossed the link");
        }
    }
}

fn hex_of(b: &[u8], upper: bool) -> String {
    if upper {
        hex::encode_upper(b)
    } else {
        hex::encode(b)
    }
}

#[tokio::test(start_paused = true)]
async fn a_bit_flipped_in_the_wrapped_mak_fails_the_sign_in_and_saves_no_session() {
    let rig = rig(185).await;
    rig.device_air.flip_wrapped_mak.store(true, Ordering::SeqCst);
    let e = rig.terminal.sign_in().await.unwrap_err();
    assert!(matches!(e, Error::Reader { code: ErrorCode::ReaderKeyWrap, .. }), "{e:?}");
    assert!(e.zh().contains("篡改") && e.en().contains("tampered"), "{} / {}", e.zh(), e.en());
    assert!(!rig.terminal.is_signed_in().unwrap());
    assert!(rig.terminal.store().session().unwrap().is_none(), "no session was saved");
    // Without the attacker the next sign-in goes through.
    rig.device_air.flip_wrapped_mak.store(false, Ordering::SeqCst);
    assert!(rig.terminal.sign_in().await.unwrap().approved);
    assert!(rig.terminal.is_signed_in().unwrap());
}

#[tokio::test(start_paused = true)]
async fn on_an_unencrypted_link_the_sign_in_sends_no_key_command() {
    let rig = rig(185).await;
    rig.phone_air.inner.set_link_security(LinkSecurity::Unencrypted);
    let before = rig.phone_air.writes.load(Ordering::SeqCst);
    let stan = rig.terminal.last_stan().unwrap();
    let e = rig.terminal.sign_in().await.unwrap_err();
    assert_eq!(rig.terminal.last_stan().unwrap(), stan, "nothing went to the host either");
    assert!(matches!(e, Error::Reader { code: ErrorCode::LinkNotEncrypted, .. }), "{e:?}");
    assert!(e.zh().contains("读卡器蓝牙连接未加密") && e.en().contains("not encrypted"), "{}", e.en());
    assert_eq!(rig.phone_air.writes.load(Ordering::SeqCst), before, "nothing was written to the reader");
    assert!(!rig.terminal.is_signed_in().unwrap());
}
