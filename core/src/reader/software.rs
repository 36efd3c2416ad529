//! A software reader over the shared test deck, for emulators, the CLI and tests.
//!
//! It behaves as the secure device would: it holds the TMK, decrypts PIK and TDK
//! itself, and only ever hands out encrypted tracks and PIN blocks. The caller
//! chooses the card (`present`); the cardholder's PIN entries come from the deck,
//! one per attempt, so a retry after `55` uses the next.

use crate::tms::blacklist::{self, EntryFingerprint};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use tokio::sync::Notify;
use zeroize::Zeroizing;

use super::card_read::{CardRead, CardRequest, DataAuthentication, DeviceInfo};
use super::emv::{field55, ChipSession};
use super::error::ReaderError;
use super::keys::ReaderKeyAck;
use super::oda::{self, SdaCard};
use super::CardReader;
use super::ChipParamsHeld;
use crate::card::{fingerprint, DeviceSecret, Pan};
use crate::crypto::keyblock::decrypt_key;
use crate::crypto::{
    check_value, encrypt_whole_track, pin_block_format0, random_bytes, tdes, EncryptedWorkingKeys, KeyKind, SecretKey,
};
use crate::deck::{self, Presentation, TestCard};
use crate::iso8583::{EntryMethod, EntryMode, SecurityControl};
use crate::tms::aid::{IcParams, MAX_AIDS};
use crate::tms::capk::{self, CaPublicKey, MAX_KEYS};

/// PIK and TDK as loaded at sign-in; they never leave this struct.
struct LoadedKeys {
    pik: SecretKey,
    tdk: Option<SecretKey>,
}

/// The card in the slot and the cardholder's progress through its PIN entries.
#[derive(Default)]
struct Slot {
    card: Option<&'static TestCard>,
    pin_attempt: usize,
}

/// A card id the test deck does not have (`SoftwareReader::present`): a simulator's
/// error, never a product reader's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown test card {0:?}")]
pub struct UnknownTestCard(
    /// The id asked for (its first 32 characters).
    pub String,
);

impl crate::i18n::Bilingual for UnknownTestCard {
    fn zh(&self) -> String {
        format!("没有测试卡{}", self.0)
    }
    fn en(&self) -> String {
        format!("No test card {:?}", self.0)
    }
}

/// A simulated reader with a PIN pad, reading cards of [`crate::deck::DECK`].
pub struct SoftwareReader {
    tmk: SecretKey,
    secret: DeviceSecret,
    serial: String,
    keys: Mutex<Option<LoadedKeys>>,
    slot: Mutex<Slot>,
    /// Application transaction counter of the simulated chips (one counter is enough here).
    atc: Mutex<u16>,
    presented: Notify,
    cancelled: Notify,
    memory: Option<super::key_memory::KeyMemory>,
    /// Security switch, unlock key and wrong-code counts (kept beside the key memory).
    unlock: super::tamper_memory::SecureUnlock,
    /// The chip kernel's CA public keys and applications, as the terminal last loaded them.
    chip: Mutex<(Vec<CaPublicKey>, Vec<IcParams>)>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded values stay consistent even if a holder panicked.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl SoftwareReader {
    /// A reader provisioned with `tmk`, fingerprinting cards under `secret`.
    pub fn new(tmk: SecretKey, secret: DeviceSecret) -> SoftwareReader {
        SoftwareReader {
            tmk,
            secret,
            serial: "SW000001".into(),
            keys: Mutex::new(None),
            slot: Mutex::new(Slot::default()),
            atc: Mutex::new(0),
            presented: Notify::new(),
            cancelled: Notify::new(),
            memory: None,
            unlock: super::tamper_memory::SecureUnlock::new(),
            chip: Mutex::new((Vec::new(), Vec::new())),
        }
    }

    /// Gives the reader non-volatile key memory at `memory`, reloading the keys kept there.
    ///
    /// A CLI that runs one command per process needs this, as a real reader keeps its keys.
    /// The tamper state (switch, wrong-code counts) is kept beside it, so a restart keeps both.
    pub fn with_key_memory(mut self, memory: super::key_memory::KeyMemory) -> Result<SoftwareReader, ReaderError> {
        self.unlock.attach(&memory.tamper_path())?;
        if let Some(keys) = memory.load()? {
            let (pik, _mak, tdk) = self.decrypt(&keys)?;
            *lock(&self.keys) = Some(LoadedKeys { pik, tdk });
        }
        self.memory = Some(memory);
        Ok(self)
    }

    /// Provisions the terminal ID and unlock key the remote unlock is checked against (per
    /// terminal; the published `provision::DEMO_UNLOCK_KEY_HEX` only in the demo and tests).
    pub fn with_unlock_key(self, tid: &str, key: SecretKey) -> SoftwareReader {
        self.unlock.set_key(tid, key);
        self
    }

    /// Replaces the provisioned unlock key.
    pub fn set_unlock_key(&self, tid: &str, key: SecretKey) {
        self.unlock.set_key(tid, key);
    }

    /// The reader's clock for the unlock back-off (the system clock unless set; tests inject one).
    pub fn set_clock(&self, clock: std::sync::Arc<dyn crate::clock::Clock>) {
        self.unlock.set_clock(clock);
    }

    /// Fires the security switch: working keys erased, transactions refused until unlocked.
    pub fn trigger_tamper(&self) {
        // A real PED zeroizes its key memory when the switch fires.
        self.erase_working_keys();
        self.unlock.trigger();
    }

    /// True once the security switch has fired (until unlocked or reset).
    pub fn is_tampered(&self) -> bool {
        self.unlock.is_tampered()
    }

    /// Wrong unlock and reset codes counted by the reader.
    pub fn unlock_attempts(&self) -> crate::tamper::UnlockAttempts {
        self.unlock.attempts()
    }

    /// A service reset at the acquirer's workshop: the switch and the wrong-code counts cleared.
    pub fn service_reset(&self) {
        self.unlock.service_reset();
    }

    fn decrypt(&self, keys: &EncryptedWorkingKeys) -> Result<(SecretKey, SecretKey, Option<SecretKey>), ReaderError> {
        let pik = decrypt_key(KeyKind::Pik, &keys.pik, &self.tmk)?;
        let mak = decrypt_key(KeyKind::Mak, &keys.mak, &self.tmk)?;
        let tdk = keys.tdk.as_ref().map(|t| decrypt_key(KeyKind::Tdk, t, &self.tmk)).transpose()?;
        if tdk.as_ref().is_some_and(|t| t.len() != 16) {
            return Err(ReaderError::BadKeyBlock("TDK must be double length".into()));
        }
        Ok((pik, mak, tdk))
    }

    /// Presents a deck card (by id) to the reader; it stays presented until removed.
    pub fn present(&self, card_id: &str) -> Result<(), UnknownTestCard> {
        let card = deck::find(card_id).ok_or_else(|| UnknownTestCard(card_id.chars().take(32).collect()))?;
        *lock(&self.slot) = Slot { card: Some(card), pin_attempt: 0 };
        self.presented.notify_waiters();
        Ok(())
    }

    /// Takes the card away.
    pub fn remove(&self) {
        *lock(&self.slot) = Slot::default();
    }

    /// The id of the presented card.
    pub fn presented(&self) -> Option<&'static str> {
        lock(&self.slot).card.map(|c| c.id)
    }

    /// Forgets the working keys, in memory and in key memory (tamper, sign-off).
    pub(crate) fn erase_working_keys(&self) {
        *lock(&self.keys) = None;
        if let Some(m) = &self.memory {
            m.erase();
        }
    }

    /// Whether working keys are loaded.
    pub(crate) fn has_working_keys(&self) -> bool {
        lock(&self.keys).is_some()
    }

    /// The card in the slot, with the PIN the cardholder types this time if one is wanted.
    fn take_card(&self, wants_pin: impl Fn(&TestCard) -> bool) -> Option<(&'static TestCard, Option<&'static str>)> {
        let mut slot = lock(&self.slot);
        let card = slot.card?;
        if !wants_pin(card) {
            return Some((card, None));
        }
        // Past the last scripted entry the cardholder keeps typing the last one.
        let pin = card.pin_entries.get(slot.pin_attempt).or(card.pin_entries.last()).copied();
        slot.pin_attempt += 1;
        Some((card, pin))
    }

    fn read(&self, card: &TestCard, pin: Option<&str>, req: &CardRequest) -> Result<CardRead, ReaderError> {
        let keys = lock(&self.keys);
        let keys = keys.as_ref().ok_or(ReaderError::NoWorkingKeys)?;
        let pan = Pan::parse(card.pan)?;
        let method = card.entry_mode().method;
        let pin_block = match pin {
            Some(pin) => Some(tdes::encrypt_block(&keys.pik, &pin_block_format0(pin, pan.as_digits())?)),
            None => None,
        };
        let protect = |track: Zeroizing<String>| -> Result<String, ReaderError> {
            let digits = Zeroizing::new(track.replace('=', "D"));
            Ok(match &keys.tdk {
                // The whole track, not only the UnionPay TDB, so the phone never holds a readable card number.
                Some(tdk) => encrypt_whole_track(tdk, &digits)?,
                None => digits.to_string(),
            })
        };
        let (_, _, has_track3) = card.tracks_read();
        let track2 = Some(protect(Zeroizing::new(card.track2()))?);
        let track3 = if has_track3 && !method.is_chip() { Some(protect(Zeroizing::new(card.track3()))?) } else { None };
        let data_authentication =
            if method.is_chip() { self.authenticate(card, &pan, req) } else { DataAuthentication::NotPerformed };
        let icc = if method.is_chip() {
            let atc = {
                let mut atc = lock(&self.atc);
                *atc = atc.wrapping_add(1);
                *atc
            };
            let session = ChipSession {
                atc,
                unpredictable: random_bytes::<4>()?,
                pin_entered: pin_block.is_some(),
                reader_serial: self.serial.clone(),
                tvr: [data_authentication.tvr_byte1(), 0, 0, 0, 0],
            };
            Some(field55(card, &pan, req, &session))
        } else {
            None
        };
        Ok(CardRead {
            entry_mode: EntryMode { method, pin_entered: pin_block.is_some() },
            masked_pan: pan.masked(),
            expiry: Some(card.expiry.to_string()),
            service_code: Some(card.service_code.to_string()),
            track2,
            track3,
            security: SecurityControl {
                pin_with_pan: true,
                double_length: keys.pik.len() > 8,
                track_encrypted: keys.tdk.is_some(),
                whole_track: keys.tdk.is_some(),
            },
            pin_block,
            card_seq: method.is_chip().then_some(1),
            ic_condition: if method == EntryMethod::Fallback { 2 } else { 0 },
            icc,
            fingerprint: fingerprint(&self.secret, &pan),
            prefix_fingerprints: blacklist::prefix_fingerprints(&self.secret, &pan, req.prefix_lengths),
            data_authentication,
        })
    }

    /// Static data authentication of the card's chip under the CA keys loaded (`oda`): what
    /// the card presents is the deck's personalisation (`sda_cards`, signed by the test CA).
    fn authenticate(&self, card: &TestCard, pan: &Pan, req: &CardRequest) -> DataAuthentication {
        let chip = lock(&self.chip);
        let Some((_, cert, ssad)) = super::sda_cards::CARDS.iter().find(|(id, _, _)| *id == card.id) else {
            // A chip without SDA data: nothing the issuer signed.
            return if chip.0.is_empty() { DataAuthentication::NotPerformed } else { DataAuthentication::Failed };
        };
        let (cert, ssad) = (hex::decode(cert).unwrap_or_default(), hex::decode(ssad).unwrap_or_default());
        let records = oda::static_records(pan.as_digits(), card.expiry);
        let aid = super::emv::aid(card);
        let aip = super::emv::aip(card);
        let mut rid = [0u8; 5];
        rid.copy_from_slice(&aid[..5]);
        let sda = SdaCard {
            rid,
            ca_index: super::sda_cards::CA_INDEX,
            issuer_certificate: &cert,
            issuer_remainder: &[],
            issuer_exponent: super::sda_cards::ISSUER_EXPONENT,
            signed_static_data: &ssad,
            static_data: &records,
            aip: &aip,
            pan: pan.as_digits(),
        };
        let c = req.at.civil();
        let today = u32::try_from(c.year.rem_euclid(100)).unwrap_or(0) * 100 + u32::from(c.month);
        oda::authenticate(&chip.0, &sda, today)
    }

    /// The CA public keys the chip kernel holds.
    pub fn chip_keys(&self) -> Vec<CaPublicKey> {
        lock(&self.chip).0.clone()
    }
}

/// Whether the cardholder enters a PIN: contactless and offline-capable chip cards never do.
fn card_takes_pin(card: &TestCard) -> bool {
    !matches!(card.presentation, Presentation::Contactless | Presentation::ChipOffline)
}

#[async_trait]
impl CardReader for SoftwareReader {
    fn device_info(&self) -> DeviceInfo {
        DeviceInfo {
            model: "pos-core software reader".into(),
            serial: self.serial.clone(),
            firmware: env!("CARGO_PKG_VERSION").into(),
            pin_pad: true,
            contactless: true,
            battery_percent: 100,
            tampered: self.is_tampered(),
        }
    }

    async fn load_working_keys(&self, keys: &EncryptedWorkingKeys) -> Result<ReaderKeyAck, ReaderError> {
        if self.is_tampered() {
            return Err(ReaderError::Tampered);
        }
        let (pik, mak, tdk) = self.decrypt(keys)?;
        if let Some(m) = &self.memory {
            m.save(keys)?;
        }
        let ack = ReaderKeyAck {
            pik_kcv: check_value(&pik),
            mak_kcv: check_value(&mak),
            tdk_kcv: tdk.as_ref().map(check_value),
            mak,
        };
        *lock(&self.keys) = Some(LoadedKeys { pik, tdk });
        tracing::info!(tdk = ack.tdk_kcv.is_some(), "reader loaded working keys");
        Ok(ack)
    }

    async fn read_card(&self, req: CardRequest) -> Result<CardRead, ReaderError> {
        if self.is_tampered() {
            return Err(ReaderError::Tampered);
        }
        if !self.has_working_keys() {
            return Err(ReaderError::NoWorkingKeys);
        }
        let deadline = tokio::time::sleep(req.timeout);
        tokio::pin!(deadline);
        loop {
            // Arm the wake-ups before looking, so a card presented in between is not missed.
            let presented = self.presented.notified();
            let cancelled = self.cancelled.notified();
            tokio::pin!(presented, cancelled);
            presented.as_mut().enable();
            cancelled.as_mut().enable();
            if let Some((card, pin)) = self.take_card(|c| req.pin_entry && card_takes_pin(c)) {
                let read = self.read(card, pin, &req)?;
                tracing::debug!(pan = %read.masked_pan, entry = %read.entry_mode.to_field(), "card read");
                return Ok(read);
            }
            tokio::select! {
                _ = &mut deadline => return Err(ReaderError::Timeout),
                _ = &mut cancelled => return Err(ReaderError::Cancelled),
                _ = &mut presented => {}
            }
        }
    }

    async fn fingerprint_entries(&self, entries: &[String]) -> Result<Vec<EntryFingerprint>, ReaderError> {
        if entries.len() > super::FINGERPRINT_BATCH {
            return Err(ReaderError::Protocol(format!("{} blacklist entries in one command", entries.len())));
        }
        if blacklist::lengths_of(entries.iter().map(String::as_str)).is_none() {
            return Err(ReaderError::Protocol("a blacklist entry that is not 1-19 digits".into()));
        }
        Ok(entries.iter().map(|e| blacklist::entry_fingerprint(&self.secret, e)).collect())
    }

    async fn load_chip_parameters(
        &self,
        keys: &[CaPublicKey],
        aids: &[IcParams],
    ) -> Result<ChipParamsHeld, ReaderError> {
        if keys.len() > MAX_KEYS || aids.len() > MAX_AIDS {
            return Err(ReaderError::Protocol(format!(
                "{} CA keys and {} applications in one load",
                keys.len(),
                aids.len()
            )));
        }
        // The kernel checks every key itself: a key damaged between the phone's store and here
        // would fail every card it signs.
        if let Some(bad) = keys.iter().find(|k| capk::checksum(&k.id, &k.modulus, &k.exponent) != k.checksum) {
            return Err(ReaderError::Protocol(format!("CA public key {} fails its check sum", bad.id.label())));
        }
        *lock(&self.chip) = (keys.to_vec(), aids.to_vec());
        tracing::info!(keys = keys.len(), aids = aids.len(), "reader loaded the chip parameters");
        Ok(ChipParamsHeld { keys: keys.len() as u16, aids: aids.len() as u16 })
    }

    async fn cancel(&self) -> Result<(), ReaderError> {
        self.cancelled.notify_waiters();
        Ok(())
    }

    // New challenges are free: each answers one try, and the tries are counted apart.
    async fn unlock_challenge(&self) -> Result<String, ReaderError> {
        self.unlock.new_challenge()
    }

    async fn unlock(&self, code: &str) -> Result<(), ReaderError> {
        self.unlock.unlock(code)
    }

    async fn help_desk_reset(&self, code: &str) -> Result<(), ReaderError> {
        self.unlock.reset(code)
    }
}

impl std::fmt::Debug for SoftwareReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoftwareReader")
            .field("serial", &self.serial)
            .field("keys_loaded", &self.has_working_keys())
            .field("presented", &self.presented())
            .finish()
    }
}
