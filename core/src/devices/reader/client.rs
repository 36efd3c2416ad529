//! The phone's side of the reader protocol: a [`CardReader`] over a BLE link.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::mpsc;

use zeroize::Zeroizing;

use super::codes::{cmd, event, tag};
use super::events::{CardMethod, ReaderEvent, ReaderObserver};
use super::link_key::{Ephemeral, LinkKey};
use super::messages::{
    check_chip_held, decode_card_read, decode_chip_held, decode_device_info, decode_entry_fps, decode_key_ack,
    encode_chip_params, encode_entries, encode_keys, encode_request, key_ack_aad, status_error, txn_error_of,
};
use super::payload::{Payload, PayloadWriter};
use crate::crypto::EncryptedWorkingKeys;
use crate::devices::ble::{BleLink, Frame, FrameKind, FrameTransport, LinkEvent, TransportConfig, TransportError};
use crate::reader::{
    CardRead, CardReader, CardRequest, ChipParamsHeld, DeviceInfo, ReaderError, ReaderKeyAck, FINGERPRINT_BATCH,
};
use crate::tms::aid::IcParams;
use crate::tms::blacklist::EntryFingerprint;
use crate::tms::capk::CaPublicKey;

/// How long a command may take before the reader counts as not answering.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(5);
/// Time a cardholder may spend on the PIN pad after the card wait, on top of the request's timeout.
const PIN_ENTRY_ALLOWANCE: Duration = Duration::from_secs(60);

fn link_error(e: TransportError) -> ReaderError {
    match e {
        TransportError::Timeout => ReaderError::Protocol("the reader does not answer".into()),
        TransportError::TooLarge => ReaderError::Protocol("payload too large".into()),
        // Disconnected, no ACK, closed, platform failure: the link is not usable now.
        _ => ReaderError::Disconnected,
    }
}

/// A card reader reached over Bluetooth LE, speaking docs/reader-protocol.md.
pub struct BleCardReader {
    transport: FrameTransport,
    info: Mutex<DeviceInfo>,
    observer: Mutex<Option<Arc<dyn ReaderObserver>>>,
    command: tokio::sync::Mutex<()>,
    tampered: AtomicBool,
    /// The key agreed with the reader on this connection (none after a disconnect).
    link_key: Mutex<Option<LinkKey>>,
}

impl BleCardReader {
    /// Starts the protocol over `link`, asks the reader who it is and agrees a link key with it
    /// (ECDH P-256, docs/reader-protocol.md). Works on a link that is not encrypted yet, so the
    /// app can show the reader and ask for a bond; key and PIN commands then wait for the bond.
    pub async fn connect(
        link: Arc<dyn BleLink>,
        events: mpsc::Receiver<LinkEvent>,
        config: TransportConfig,
    ) -> Result<BleCardReader, ReaderError> {
        let transport = FrameTransport::start(link, events, config);
        let placeholder = DeviceInfo {
            model: String::new(),
            serial: String::new(),
            firmware: String::new(),
            pin_pad: false,
            contactless: false,
            battery_percent: 0,
            tampered: false,
        };
        let reader = BleCardReader {
            transport,
            info: Mutex::new(placeholder),
            observer: Mutex::new(None),
            command: tokio::sync::Mutex::new(()),
            tampered: AtomicBool::new(false),
            link_key: Mutex::new(None),
        };
        reader.refresh_info().await?;
        {
            let _one = reader.command.lock().await;
            reader.agree_link_key_locked().await?;
        }
        Ok(reader)
    }

    /// Refuses a key or PIN command before anything is sent, unless the link is bonded and encrypted.
    fn require_encrypted(&self) -> Result<(), ReaderError> {
        let security = self.transport.link_security();
        if security.is_encrypted() {
            Ok(())
        } else {
            tracing::warn!(?security, "key or PIN command refused: the reader link is not encrypted");
            Err(ReaderError::LinkNotEncrypted)
        }
    }

    fn set_link_key(&self, key: Option<LinkKey>) {
        if let Ok(mut k) = self.link_key.lock() {
            *k = key;
        }
    }

    /// Agrees a fresh link key with the reader: our ephemeral public key for theirs, bound to
    /// the serial the reader reported.
    async fn agree_link_key_locked(&self) -> Result<(), ReaderError> {
        self.set_link_key(None);
        let ours = Ephemeral::generate()?;
        let request = PayloadWriter::new().bytes(tag::PHONE_KEY, ours.public_key()).finish();
        let bytes = self.command_locked(cmd::LINK_KEY, request).await?;
        let p = Payload::parse(&bytes)?;
        let serial = p.text(tag::SERIAL).ok_or_else(|| ReaderError::Protocol("link key: missing serial".into()))?;
        let known = self.info.lock().map(|i| i.serial.clone()).unwrap_or_default();
        if serial != known {
            return Err(ReaderError::Protocol("link key: the reader's serial differs from its device info".into()));
        }
        let theirs = p.need(tag::READER_KEY, "reader public key")?;
        let key = ours.agree_as_phone(theirs, serial)?;
        self.set_link_key(Some(key));
        Ok(())
    }

    /// Sends `LOAD_KEYS` and unwraps the MAK of the answer under the link key.
    async fn load_keys_locked(&self, keys: &EncryptedWorkingKeys) -> Result<ReaderKeyAck, ReaderError> {
        let bytes = Zeroizing::new(self.command_locked(cmd::LOAD_KEYS, encode_keys(keys)).await?);
        let p = Payload::parse(&bytes)?;
        let aad = key_ack_aad(&keys.mak.check_value);
        let mut guard = self.link_key.lock().map_err(|_| ReaderError::NoLinkKey)?;
        let key = guard.as_mut().ok_or(ReaderError::NoLinkKey)?;
        decode_key_ack(&p, key, &aad)
    }

    /// Sends reader events to `observer` (replacing any earlier one).
    pub fn set_observer(&self, observer: Arc<dyn ReaderObserver>) {
        if let Ok(mut o) = self.observer.lock() {
            *o = Some(observer);
        }
    }

    /// True once the reader has reported its security switch.
    pub fn is_tampered(&self) -> bool {
        self.tampered.load(Ordering::SeqCst)
    }

    /// Asks the reader again for its model, battery and tamper state.
    pub async fn refresh_info(&self) -> Result<DeviceInfo, ReaderError> {
        let bytes = self.command(cmd::DEVICE_INFO, Vec::new()).await?;
        let info = decode_device_info(&Payload::parse(&bytes)?)?;
        if info.tampered {
            self.note_tamper();
        }
        if let Ok(mut i) = self.info.lock() {
            *i = info.clone();
        }
        Ok(info)
    }

    /// Shows `text` (at most 64 bytes) on the reader's display.
    pub async fn display_text(&self, text: &str) -> Result<(), ReaderError> {
        let cut: String = text
            .chars()
            .scan(0, |n, c| {
                *n += c.len_utf8();
                (*n <= 64).then_some(c)
            })
            .collect();
        self.command(cmd::DISPLAY_TEXT, PayloadWriter::new().text(tag::TEXT, &cut).finish()).await.map(|_| ())
    }

    /// Whether the reader's security switch has fired.
    pub async fn tamper_status(&self) -> Result<bool, ReaderError> {
        let bytes = self.command(cmd::TAMPER_STATUS, Vec::new()).await?;
        let t = Payload::parse(&bytes)?.u8(tag::TAMPERED) == Some(1);
        if t {
            self.note_tamper();
        }
        Ok(t)
    }

    fn note_tamper(&self) {
        if !self.tampered.swap(true, Ordering::SeqCst) {
            self.emit(ReaderEvent::Tampered);
        }
    }

    fn emit(&self, e: ReaderEvent) {
        let observer = self.observer.lock().ok().and_then(|o| o.clone());
        if let Some(o) = observer {
            o.on_reader_event(e);
        }
    }

    /// Handles an event frame; returns the transaction's end when it is one.
    fn on_event(&self, f: &Frame) -> Option<Result<CardRead, ReaderError>> {
        let p = match Payload::parse(&f.payload) {
            Ok(p) => p,
            Err(e) => return (f.cmd == event::CARD_READ).then_some(Err(e)),
        };
        match f.cmd {
            event::WAITING_FOR_CARD => self.emit(ReaderEvent::WaitingForCard),
            event::CARD_DETECTED => {
                if let Some(m) = p.u8(tag::METHOD).and_then(CardMethod::from_code) {
                    self.emit(ReaderEvent::CardDetected(m));
                }
            }
            event::FALLBACK_TO_SWIPE => self.emit(ReaderEvent::FallbackToSwipe),
            event::PIN_PROGRESS => self.emit(ReaderEvent::PinProgress(p.u8(tag::DIGITS).unwrap_or(0))),
            event::CARD_REMOVED => self.emit(ReaderEvent::CardRemoved),
            event::TAMPER => self.note_tamper(),
            event::BATTERY_LOW => self.emit(ReaderEvent::BatteryLow(p.u8(tag::BATTERY).unwrap_or(0))),
            event::CARD_READ => return Some(decode_card_read(&p)),
            event::TXN_ERROR => return Some(Err(txn_error_of(p.u8(tag::ERROR)))),
            _ => tracing::debug!(code = f.cmd, "unknown reader event ignored"),
        }
        None
    }

    /// Sends a command and returns its response payload, handling events that arrive meanwhile.
    async fn command(&self, code: u8, payload: Vec<u8>) -> Result<Vec<u8>, ReaderError> {
        let _one = self.command.lock().await;
        self.command_locked(code, payload).await
    }

    async fn command_locked(&self, code: u8, payload: Vec<u8>) -> Result<Vec<u8>, ReaderError> {
        let r = self.exchange_locked(code, payload).await;
        if r.as_ref().is_err_and(|e| *e == ReaderError::Disconnected) {
            // The reader forgets the link key when the link drops; so do we.
            self.set_link_key(None);
        }
        r
    }

    async fn exchange_locked(&self, code: u8, payload: Vec<u8>) -> Result<Vec<u8>, ReaderError> {
        self.transport.send(FrameKind::Request, code, payload).await.map_err(link_error)?;
        let deadline = tokio::time::Instant::now() + COMMAND_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let f = self.transport.recv(left).await.map_err(link_error)?;
            match f.kind {
                FrameKind::Response if f.cmd == code => {
                    if let Some(e) = status_error(&Payload::parse(&f.payload)?) {
                        if e == ReaderError::Tampered {
                            self.note_tamper();
                        }
                        return Err(e);
                    }
                    return Ok(f.payload);
                }
                FrameKind::Event => {
                    // A stray end-of-transaction from an abandoned read is not this command's answer.
                    let _ = self.on_event(&f);
                }
                _ => tracing::debug!(code = f.cmd, "stale reader response skipped"),
            }
        }
    }
}

#[async_trait]
impl CardReader for BleCardReader {
    fn device_info(&self) -> DeviceInfo {
        let mut info = self.info.lock().map(|i| i.clone()).unwrap_or_else(|p| p.into_inner().clone());
        info.tampered |= self.is_tampered();
        info
    }

    fn check_secure_link(&self) -> Result<(), ReaderError> {
        self.require_encrypted()
    }

    async fn load_working_keys(&self, keys: &EncryptedWorkingKeys) -> Result<ReaderKeyAck, ReaderError> {
        self.require_encrypted()?;
        let _one = self.command.lock().await;
        let have_key = self.link_key.lock().map(|k| k.is_some()).unwrap_or(false);
        if !have_key {
            self.agree_link_key_locked().await?;
        }
        match self.load_keys_locked(keys).await {
            // The reader lost the key (it restarted, or the link dropped and came back): agree
            // a new one and ask once more; the reader loaded nothing without a key.
            Err(ReaderError::NoLinkKey) => {
                self.agree_link_key_locked().await?;
                self.load_keys_locked(keys).await
            }
            other => other,
        }
    }

    async fn read_card(&self, request: CardRequest) -> Result<CardRead, ReaderError> {
        // The PIN and the tracks travel under reader keys; the link must be encrypted all the same.
        self.require_encrypted()?;
        if self.is_tampered() {
            return Err(ReaderError::Tampered);
        }
        let _one = self.command.lock().await;
        // Events that arrived while idle still count (a tamper, a low battery); the end of an
        // earlier, abandoned read must not end this one, so only its end is ignored.
        while let Ok(f) = self.transport.recv(Duration::ZERO).await {
            if f.kind == FrameKind::Event {
                let _ = self.on_event(&f);
            }
        }
        if self.is_tampered() {
            return Err(ReaderError::Tampered);
        }
        let wait = request.timeout + PIN_ENTRY_ALLOWANCE;
        self.command_locked(cmd::START_TXN, encode_request(&request)).await?;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let f = match self.transport.recv(left).await {
                Ok(f) => f,
                Err(TransportError::Timeout) => return Err(ReaderError::Timeout),
                Err(e) => return Err(link_error(e)),
            };
            if f.kind == FrameKind::Event {
                if let Some(end) = self.on_event(&f) {
                    return end;
                }
            }
        }
    }

    async fn unlock_challenge(&self) -> Result<String, ReaderError> {
        let bytes = self.command(cmd::UNLOCK_CHALLENGE, Vec::new()).await?;
        let p = Payload::parse(&bytes)?;
        p.text(tag::CHALLENGE)
            .filter(|c| c.len() == 16 && c.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(str::to_string)
            .ok_or_else(|| ReaderError::Protocol("bad unlock challenge".into()))
    }

    async fn unlock(&self, code: &str) -> Result<(), ReaderError> {
        let payload = PayloadWriter::new().text(tag::UNLOCK_CODE, code.trim()).finish();
        self.command(cmd::UNLOCK, payload).await?;
        self.tampered.store(false, Ordering::SeqCst);
        self.refresh_info().await.map(|_| ())
    }

    async fn help_desk_reset(&self, code: &str) -> Result<(), ReaderError> {
        let payload = PayloadWriter::new().text(tag::UNLOCK_CODE, code.trim()).finish();
        self.command(cmd::UNLOCK_RESET, payload).await.map(|_| ())
    }

    async fn fingerprint_entries(&self, entries: &[String]) -> Result<Vec<EntryFingerprint>, ReaderError> {
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        if entries.len() > FINGERPRINT_BATCH {
            return Err(ReaderError::Protocol(format!("{} blacklist entries in one command", entries.len())));
        }
        let bytes = self.command(cmd::FINGERPRINT_ENTRIES, encode_entries(entries)).await?;
        decode_entry_fps(&Payload::parse(&bytes)?, entries.len())
    }

    async fn load_chip_parameters(
        &self,
        keys: &[CaPublicKey],
        aids: &[IcParams],
    ) -> Result<ChipParamsHeld, ReaderError> {
        // All parts under one command lock: nothing else reaches the reader between them.
        let _one = self.command.lock().await;
        let mut held = None;
        for part in encode_chip_params(keys, aids) {
            let bytes = self.command_locked(cmd::LOAD_CHIP_PARAMS, part).await?;
            held = Some(decode_chip_held(&Payload::parse(&bytes)?)?);
        }
        let held = held.ok_or_else(|| ReaderError::Protocol("no chip parameters sent".into()))?;
        check_chip_held(held, keys.len(), aids.len())
    }

    async fn cancel(&self) -> Result<(), ReaderError> {
        // Not under the command lock: the read in progress holds it and sees the TXN_ERROR.
        self.transport.send(FrameKind::Request, cmd::CANCEL, Vec::new()).await.map_err(link_error)
    }
}
