//! A simulated reader device speaking the protocol over a BLE link, reading deck cards.
//!
//! It wraps the [`SoftwareReader`] (the card and key logic of a secure reader) and adds what
//! the protocol carries around it: events, cancel, busy, battery, display and tamper.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use zeroize::Zeroize;

use super::codes::{cmd, event, status, tag};
use super::events::CardMethod;
use super::link_key::{Ephemeral, LinkKey};
use super::messages::{
    decode_chip_part, decode_entries, decode_keys, decode_request, encode_card_read, encode_chip_held,
    encode_device_info, encode_entry_fps, encode_key_ack, error_status, key_ack_aad, txn_error_code,
};
use super::payload::{Payload, PayloadWriter};
use crate::crypto::SecretKey;
use crate::devices::ble::{BleLink, Frame, FrameKind, FrameTransport, LinkEvent, TransportConfig, TransportError};
use crate::iso8583::EntryMethod;
use crate::reader::{CardRead, CardReader, CardRequest, ChipParamsHeld, ReaderError, SoftwareReader};
use crate::tms::aid::IcParams;
use crate::tms::capk::CaPublicKey;

/// Battery level below which the reader warns.
const BATTERY_LOW: u8 = 20;

/// Knobs a test or the demo turns on the simulated device.
#[derive(Debug, Default)]
struct DeviceState {
    battery: AtomicU8,
    remove_early: AtomicBool,
    display: Mutex<String>,
    /// The link key agreed with the phone on this connection (forgotten when the link drops).
    link_key: Mutex<Option<LinkKey>>,
    /// The parts of a `LOAD_CHIP_PARAMS` received so far.
    chip_staging: Mutex<(Vec<CaPublicKey>, Vec<IcParams>)>,
}

impl DeviceState {
    fn set_link_key(&self, key: Option<LinkKey>) {
        if let Ok(mut k) = self.link_key.lock() {
            *k = key;
        }
    }

    fn take_link_key(&self) -> Option<LinkKey> {
        self.link_key.lock().ok().and_then(|mut k| k.take())
    }
}

/// The running simulated reader and its controls. The tamper switch, the unlock key and the
/// wrong-code counts live in the secure element ([`SoftwareReader`]), kept in its key memory.
pub struct SimulatedReader {
    inner: Arc<SoftwareReader>,
    state: Arc<DeviceState>,
    task: JoinHandle<()>,
    alerts: mpsc::UnboundedSender<u8>,
}

impl Drop for SimulatedReader {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SimulatedReader {
    /// Starts the device on its end of `link`.
    pub fn spawn(
        link: Arc<dyn BleLink>,
        events: mpsc::Receiver<LinkEvent>,
        inner: Arc<SoftwareReader>,
        config: TransportConfig,
    ) -> SimulatedReader {
        let state = Arc::new(DeviceState { battery: AtomicU8::new(100), ..Default::default() });
        let (alerts, alert_rx) = mpsc::unbounded_channel();
        let transport = FrameTransport::start(link, events, config);
        let task = tokio::spawn(run(transport, inner.clone(), state.clone(), alert_rx));
        SimulatedReader { inner, state, task, alerts }
    }

    /// Presents a deck card (by id).
    pub fn present(&self, card_id: &str) -> Result<(), crate::reader::UnknownTestCard> {
        self.inner.present(card_id)
    }

    /// Takes the card away.
    pub fn remove(&self) {
        self.inner.remove();
    }

    /// Makes the next read end with the card pulled out before the result.
    pub fn remove_card_early(&self, on: bool) {
        self.state.remove_early.store(on, Ordering::SeqCst);
    }

    /// Sets the battery level; below 20 % the reader sends a warning.
    pub fn set_battery(&self, percent: u8) {
        self.state.battery.store(percent.min(100), Ordering::SeqCst);
        if percent < BATTERY_LOW {
            let _ = self.alerts.send(event::BATTERY_LOW);
        }
    }

    /// Fires the security switch: keys are erased and every transaction refused.
    pub fn trigger_tamper(&self) {
        self.inner.trigger_tamper();
        let _ = self.alerts.send(event::TAMPER);
    }

    /// Provisions the terminal ID and unlock key the remote unlock is checked against.
    pub fn set_unlock_key(&self, tid: &str, key: SecretKey) {
        self.inner.set_unlock_key(tid, key);
    }

    /// Clears the security state and the wrong-code counts (a service reset at the acquirer's workshop).
    pub fn service_reset(&self) {
        self.inner.service_reset();
    }

    /// Forgets the link key, as a reader that restarted would.
    #[cfg(test)]
    pub(crate) fn forget_link_key(&self) {
        self.state.set_link_key(None);
    }

    /// What the display shows.
    pub fn display(&self) -> String {
        self.state.display.lock().map(|d| d.clone()).unwrap_or_default()
    }
}

async fn respond(t: &FrameTransport, code: u8, payload: Vec<u8>) -> Result<(), TransportError> {
    t.send(FrameKind::Response, code, payload).await
}

async fn emit(t: &FrameTransport, code: u8, payload: Vec<u8>) -> Result<(), TransportError> {
    t.send(FrameKind::Event, code, payload).await
}

fn ok() -> Vec<u8> {
    PayloadWriter::new().u8(tag::STATUS, status::OK).finish()
}

async fn run(
    t: FrameTransport,
    inner: Arc<SoftwareReader>,
    state: Arc<DeviceState>,
    mut alerts: mpsc::UnboundedReceiver<u8>,
) {
    loop {
        let f = tokio::select! {
            a = alerts.recv() => {
                if let Some(code) = a {
                    let _ = emit(&t, code, PayloadWriter::new().u8(tag::BATTERY, state.battery.load(Ordering::SeqCst)).finish()).await;
                }
                continue;
            }
            f = t.recv(Duration::from_secs(3600)) => f,
        };
        let f = match f {
            Ok(f) if f.kind == FrameKind::Request => f,
            Err(TransportError::Disconnected) => {
                // A new connection agrees a new key.
                state.set_link_key(None);
                continue;
            }
            Ok(_) | Err(TransportError::Timeout) => continue,
            Err(_) => return,
        };
        // A send failing means the link dropped: the phone hears of it from its own side.
        let mut f = f;
        let _ = handle(&t, &inner, &state, &f).await;
        // Requests carry key blocks under the TMK and the phone's key share: wiped once handled.
        f.payload.zeroize();
    }
}

async fn handle(
    t: &FrameTransport,
    inner: &SoftwareReader,
    state: &DeviceState,
    f: &Frame,
) -> Result<(), TransportError> {
    let tampered = inner.is_tampered();
    let payload = match Payload::parse(&f.payload) {
        Ok(p) => p,
        Err(e) => return respond(t, f.cmd, error_status(&e)).await,
    };
    match f.cmd {
        cmd::DEVICE_INFO => {
            let mut info = inner.device_info();
            info.model = "pos-core simulated BLE reader".into();
            info.battery_percent = state.battery.load(Ordering::SeqCst);
            info.tampered = tampered;
            respond(t, f.cmd, encode_device_info(&info)).await
        }
        cmd::LOAD_KEYS if tampered => respond(t, f.cmd, error_status(&ReaderError::Tampered)).await,
        cmd::LOAD_KEYS => {
            // Without a link key the MAK could only leave in clear: refused before anything is loaded.
            let Some(mut link) = state.take_link_key() else {
                return respond(t, f.cmd, error_status(&ReaderError::NoLinkKey)).await;
            };
            let answer = match decode_keys(&payload) {
                Ok(keys) => match inner.load_working_keys(&keys).await {
                    Ok(ack) => encode_key_ack(&ack, &mut link, &key_ack_aad(&keys.mak.check_value))
                        .unwrap_or_else(|e| error_status(&e)),
                    Err(e) => error_status(&e),
                },
                Err(e) => error_status(&e),
            };
            state.set_link_key(Some(link));
            respond(t, f.cmd, answer).await
        }
        cmd::LINK_KEY => {
            let serial = inner.device_info().serial;
            let agreed = payload.need(tag::PHONE_KEY, "phone public key").and_then(|phone| {
                let ours = Ephemeral::generate()?;
                let public = ours.public_key().to_vec();
                Ok((public, ours.agree_as_reader(phone, &serial)?))
            });
            match agreed {
                Ok((public, key)) => {
                    state.set_link_key(Some(key));
                    let answer = PayloadWriter::new()
                        .u8(tag::STATUS, status::OK)
                        .bytes(tag::READER_KEY, &public)
                        .text(tag::SERIAL, &serial)
                        .finish();
                    respond(t, f.cmd, answer).await
                }
                Err(e) => {
                    state.set_link_key(None);
                    respond(t, f.cmd, error_status(&e)).await
                }
            }
        }
        cmd::START_TXN if tampered => respond(t, f.cmd, error_status(&ReaderError::Tampered)).await,
        cmd::START_TXN => match decode_request(&payload) {
            Ok(req) => {
                respond(t, f.cmd, ok()).await?;
                transaction(t, inner, state, req).await
            }
            Err(e) => respond(t, f.cmd, error_status(&e)).await,
        },
        cmd::CANCEL => respond(t, f.cmd, ok()).await,
        cmd::DISPLAY_TEXT => {
            if let (Some(text), Ok(mut d)) = (payload.text(tag::TEXT), state.display.lock()) {
                *d = text.chars().take(64).collect();
            }
            respond(t, f.cmd, ok()).await
        }
        cmd::FINGERPRINT_ENTRIES => match decode_entries(&payload) {
            Ok(entries) => match inner.fingerprint_entries(&entries).await {
                Ok(fps) => respond(t, f.cmd, encode_entry_fps(&fps)).await,
                Err(e) => respond(t, f.cmd, error_status(&e)).await,
            },
            Err(e) => respond(t, f.cmd, error_status(&e)).await,
        },
        cmd::LOAD_CHIP_PARAMS => match load_chip_part(inner, state, &payload).await {
            Ok(held) => respond(t, f.cmd, encode_chip_held(held)).await,
            Err(e) => respond(t, f.cmd, error_status(&e)).await,
        },
        cmd::UNLOCK_CHALLENGE => match inner.unlock_challenge().await {
            Ok(challenge) => {
                let answer = PayloadWriter::new().u8(tag::STATUS, status::OK).text(tag::CHALLENGE, &challenge);
                respond(t, f.cmd, answer.finish()).await
            }
            Err(e) => respond(t, f.cmd, error_status(&e)).await,
        },
        // A challenge answers one try only, and the secure element counts wrong codes (back-off,
        // lockout) across challenges and restarts.
        cmd::UNLOCK | cmd::UNLOCK_RESET => {
            let code = payload.text(tag::UNLOCK_CODE).unwrap_or("");
            let done = if f.cmd == cmd::UNLOCK { inner.unlock(code).await } else { inner.help_desk_reset(code).await };
            match done {
                Ok(()) => respond(t, f.cmd, ok()).await,
                Err(e) => respond(t, f.cmd, error_status(&e)).await,
            }
        }
        cmd::TAMPER_STATUS => {
            respond(
                t,
                f.cmd,
                PayloadWriter::new().u8(tag::STATUS, status::OK).u8(tag::TAMPERED, u8::from(tampered)).finish(),
            )
            .await
        }
        _ => respond(t, f.cmd, error_status(&ReaderError::Protocol("unknown command".into()))).await,
    }
}

/// One part of a `LOAD_CHIP_PARAMS`: staged; the last part loads the whole set into the kernel.
async fn load_chip_part(
    inner: &SoftwareReader,
    state: &DeviceState,
    payload: &Payload<'_>,
) -> Result<ChipParamsHeld, ReaderError> {
    let (flags, keys, aids) = decode_chip_part(payload)?;
    let staged = {
        let mut staging = state.chip_staging.lock().map_err(|_| ReaderError::Protocol("busy".into()))?;
        if flags & 1 == 1 {
            *staging = (Vec::new(), Vec::new());
        }
        staging.0.extend(keys);
        staging.1.extend(aids);
        if staging.0.len() > crate::tms::capk::MAX_KEYS || staging.1.len() > crate::tms::aid::MAX_AIDS {
            *staging = (Vec::new(), Vec::new());
            return Err(ReaderError::Protocol("more chip parameters than the reader holds".into()));
        }
        if flags & 2 == 0 {
            return Ok(ChipParamsHeld { keys: staging.0.len() as u16, aids: staging.1.len() as u16 });
        }
        std::mem::take(&mut *staging)
    };
    inner.load_chip_parameters(&staged.0, &staged.1).await
}

/// One card read: waits for the card while answering the phone (cancel, busy), then reports.
async fn transaction(
    t: &FrameTransport,
    inner: &SoftwareReader,
    state: &DeviceState,
    req: CardRequest,
) -> Result<(), TransportError> {
    emit(t, event::WAITING_FOR_CARD, Vec::new()).await?;
    let read = inner.read_card(req);
    tokio::pin!(read);
    let result = loop {
        tokio::select! {
            r = &mut read => break r,
            f = t.recv(Duration::from_secs(3600)) => match f {
                Ok(f) if f.kind == FrameKind::Request && f.cmd == cmd::CANCEL => {
                    let _ = inner.cancel().await;
                    respond(t, f.cmd, ok()).await?;
                }
                Ok(f) if f.kind == FrameKind::Request => {
                    respond(t, f.cmd, error_status(&ReaderError::Busy)).await?;
                }
                Ok(_) | Err(TransportError::Timeout) => {}
                // The phone is gone: abandon the read, nothing leaves the reader.
                Err(_) => {
                    let _ = inner.cancel().await;
                    return Err(TransportError::Disconnected);
                }
            }
        }
    };
    match result {
        Ok(card) => deliver(t, state, &card).await,
        Err(e) => emit(t, event::TXN_ERROR, PayloadWriter::new().u8(tag::ERROR, txn_error_code(&e)).finish()).await,
    }
}

async fn deliver(t: &FrameTransport, state: &DeviceState, card: &CardRead) -> Result<(), TransportError> {
    let method = match card.entry_mode.method {
        EntryMethod::Chip => CardMethod::Insert,
        EntryMethod::Contactless => CardMethod::Tap,
        EntryMethod::Swipe | EntryMethod::Manual | EntryMethod::Fallback => CardMethod::Swipe,
    };
    if card.entry_mode.method == EntryMethod::Fallback {
        emit(t, event::CARD_DETECTED, PayloadWriter::new().u8(tag::METHOD, CardMethod::Insert.code()).finish()).await?;
        emit(t, event::FALLBACK_TO_SWIPE, Vec::new()).await?;
    }
    emit(t, event::CARD_DETECTED, PayloadWriter::new().u8(tag::METHOD, method.code()).finish()).await?;
    if card.pin_block.is_some() {
        for digits in 1..=6u8 {
            emit(t, event::PIN_PROGRESS, PayloadWriter::new().u8(tag::DIGITS, digits).finish()).await?;
        }
    }
    if state.remove_early.swap(false, Ordering::SeqCst) {
        emit(t, event::CARD_REMOVED, Vec::new()).await?;
        let code = txn_error_code(&ReaderError::CardRemoved);
        return emit(t, event::TXN_ERROR, PayloadWriter::new().u8(tag::ERROR, code).finish()).await;
    }
    emit(t, event::CARD_READ, encode_card_read(card)).await
}
