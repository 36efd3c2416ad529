//! Domain values to and from payloads: device info, working keys, card requests and reads.

use super::codes::{cmd, status, tag, txn_error};
use super::link_key::LinkKey;
use super::payload::{Payload, PayloadWriter};
use crate::card::{CardFingerprint, MaskedPan};
use crate::crypto::{EncryptedWorkingKeys, KeyKind, SecretKey};
use crate::iso8583::{EntryMode, SecurityControl, TxnType};
use crate::reader::{CardRead, CardRequest, ChipParamsHeld, DataAuthentication, DeviceInfo, ReaderError, ReaderKeyAck};
use crate::tamper::{UnlockError, UNLOCK_MAX_FAILURES};
use crate::tms::aid::IcParams;
use crate::tms::blacklist::EntryFingerprint;
use crate::tms::capk::CaPublicKey;
// What only the simulated reader device's encoders use.
#[cfg(any(test, feature = "sim"))]
use {
    crate::clock::Timestamp,
    crate::crypto::EncryptedKey,
    crate::money::{Amount, Currency},
    std::time::Duration,
};

fn bad(why: impl Into<String>) -> ReaderError {
    ReaderError::Protocol(why.into())
}

/// The `DEVICE_INFO` response.
#[cfg(any(test, feature = "sim"))] // the simulated reader device
pub(crate) fn encode_device_info(i: &DeviceInfo) -> Vec<u8> {
    let caps = u8::from(i.pin_pad) | (u8::from(i.contactless) << 1);
    PayloadWriter::new()
        .u8(tag::STATUS, status::OK)
        .text(tag::MODEL, &i.model)
        .text(tag::SERIAL, &i.serial)
        .text(tag::FIRMWARE, &i.firmware)
        .u8(tag::BATTERY, i.battery_percent)
        .u8(tag::CAPABILITIES, caps)
        .u8(tag::TAMPERED, u8::from(i.tampered))
        .finish()
}

/// Reads a `DEVICE_INFO` response.
pub(crate) fn decode_device_info(p: &Payload<'_>) -> Result<DeviceInfo, ReaderError> {
    let caps = p.u8(tag::CAPABILITIES).unwrap_or(0);
    Ok(DeviceInfo {
        model: p.text(tag::MODEL).ok_or_else(|| bad("missing model"))?.to_string(),
        serial: p.text(tag::SERIAL).ok_or_else(|| bad("missing serial"))?.to_string(),
        firmware: p.text(tag::FIRMWARE).unwrap_or("").to_string(),
        pin_pad: caps & 1 != 0,
        contactless: caps & 2 != 0,
        battery_percent: p.u8(tag::BATTERY).unwrap_or(100).min(100),
        tampered: p.u8(tag::TAMPERED) == Some(1),
    })
}

/// The `LOAD_KEYS` request.
pub(crate) fn encode_keys(k: &EncryptedWorkingKeys) -> Vec<u8> {
    PayloadWriter::new()
        .bytes(tag::PIK, &k.pik.ciphertext)
        .bytes(tag::PIK_KCV, &k.pik.check_value)
        .bytes(tag::MAK, &k.mak.ciphertext)
        .bytes(tag::MAK_KCV, &k.mak.check_value)
        .opt(tag::TDK, k.tdk.as_ref().map(|t| t.ciphertext.as_slice()))
        .opt(tag::TDK_KCV, k.tdk.as_ref().map(|t| &t.check_value[..]))
        .finish()
}

fn kcv(p: &Payload<'_>, t: u8) -> Result<[u8; 4], ReaderError> {
    p.get(t).and_then(|v| <[u8; 4]>::try_from(v).ok()).ok_or_else(|| bad("missing or bad check value"))
}

/// Reads a `LOAD_KEYS` request.
#[cfg(any(test, feature = "sim"))] // the simulated reader device
pub(crate) fn decode_keys(p: &Payload<'_>) -> Result<EncryptedWorkingKeys, ReaderError> {
    let key = |ct: u8, cv: u8| -> Result<EncryptedKey, ReaderError> {
        Ok(EncryptedKey { ciphertext: p.need(ct, "key ciphertext")?.to_vec(), check_value: kcv(p, cv)? })
    };
    let tdk = match p.get(tag::TDK) {
        Some(_) => Some(key(tag::TDK, tag::TDK_KCV)?),
        None => None,
    };
    Ok(EncryptedWorkingKeys { pik: key(tag::PIK, tag::PIK_KCV)?, mak: key(tag::MAK, tag::MAK_KCV)?, tdk })
}

/// What the wrapped MAK of a `LOAD_KEYS` answer is bound to: the command and the MAK check
/// value the phone asked to load, so an answer cannot be moved to another command or sign-in.
pub(crate) fn key_ack_aad(requested_mak_kcv: &[u8; 4]) -> [u8; 5] {
    let k = requested_mak_kcv;
    [cmd::LOAD_KEYS, k[0], k[1], k[2], k[3]]
}

/// The `LOAD_KEYS` response: the MAK only wrapped under the link key, never in clear.
#[cfg(any(test, feature = "sim"))] // the simulated reader device
pub(crate) fn encode_key_ack(a: &ReaderKeyAck, link: &mut LinkKey, aad: &[u8]) -> Result<Vec<u8>, ReaderError> {
    let wrapped = link.wrap(aad, a.mak.as_bytes())?;
    Ok(PayloadWriter::new()
        .u8(tag::STATUS, status::OK)
        .bytes(tag::WRAPPED_MAK, &wrapped)
        .bytes(tag::PIK_KCV, &a.pik_kcv)
        .bytes(tag::MAK_KCV, &a.mak_kcv)
        .opt(tag::TDK_KCV, a.tdk_kcv.as_ref().map(|k| &k[..]))
        .finish())
}

/// Reads a `LOAD_KEYS` response, unwrapping the MAK under the link key. A MAK in clear is refused.
pub(crate) fn decode_key_ack(p: &Payload<'_>, link: &mut LinkKey, aad: &[u8]) -> Result<ReaderKeyAck, ReaderError> {
    if p.get(tag::MAK).is_some() {
        return Err(bad("the reader sent the MAK in clear"));
    }
    let clear = link.unwrap(aad, p.need(tag::WRAPPED_MAK, "wrapped MAK")?)?;
    let mak = SecretKey::from_slice(&clear).map_err(|_| bad("MAK of a bad length"))?;
    let tdk_kcv = match p.get(tag::TDK_KCV) {
        Some(_) => Some(kcv(p, tag::TDK_KCV)?),
        None => None,
    };
    Ok(ReaderKeyAck { mak, pik_kcv: kcv(p, tag::PIK_KCV)?, mak_kcv: kcv(p, tag::MAK_KCV)?, tdk_kcv })
}

/// A failed response's status as the error the caller sees.
pub(crate) fn status_error(p: &Payload<'_>) -> Option<ReaderError> {
    match p.u8(tag::STATUS)? {
        status::OK => None,
        status::BUSY => Some(ReaderError::Busy),
        status::NO_KEYS => Some(ReaderError::NoWorkingKeys),
        status::KEY_CHECK_FAILED => Some(ReaderError::KeyCheckFailed(match p.u8(tag::FAILED_KEY) {
            Some(b'M') => KeyKind::Mak,
            Some(b'T') => KeyKind::Tdk,
            _ => KeyKind::Pik,
        })),
        status::TAMPERED => Some(ReaderError::Tampered),
        status::UNLOCK_REFUSED => Some(ReaderError::Unlock(UnlockError::WrongCode {
            // An older reader sends no count: the phone's own count decides.
            tries_left: p.u8(tag::TRIES_LEFT).map_or(UNLOCK_MAX_FAILURES, u32::from),
            wait_secs: wait_secs(p),
        })),
        status::UNLOCK_WAIT => Some(ReaderError::Unlock(UnlockError::Wait { wait_secs: wait_secs(p) })),
        status::UNLOCK_LOCKED => Some(ReaderError::Unlock(UnlockError::LockedOut)),
        status::RESET_REFUSED => Some(ReaderError::Unlock(UnlockError::WrongResetCode { wait_secs: wait_secs(p) })),
        status::NO_CHALLENGE => Some(ReaderError::Unlock(UnlockError::NoChallenge)),
        status::UNLOCK_NOT_PROVISIONED => Some(ReaderError::Unlock(UnlockError::NotProvisioned)),
        status::NO_LINK_KEY => Some(ReaderError::NoLinkKey),
        other => Some(bad(format!("status {other}"))),
    }
}

fn wait_secs(p: &Payload<'_>) -> u64 {
    p.u32(tag::WAIT_SECS).map_or(0, u64::from)
}

#[cfg(any(test, feature = "sim"))] // the simulated reader device
fn unlock_status(w: PayloadWriter, e: &UnlockError) -> PayloadWriter {
    let secs = |s: u64| u32::try_from(s).unwrap_or(u32::MAX);
    match *e {
        UnlockError::WrongCode { tries_left, wait_secs } => w
            .u8(tag::STATUS, status::UNLOCK_REFUSED)
            .u8(tag::TRIES_LEFT, u8::try_from(tries_left).unwrap_or(u8::MAX))
            .u32(tag::WAIT_SECS, secs(wait_secs)),
        UnlockError::Wait { wait_secs } => w.u8(tag::STATUS, status::UNLOCK_WAIT).u32(tag::WAIT_SECS, secs(wait_secs)),
        UnlockError::LockedOut => w.u8(tag::STATUS, status::UNLOCK_LOCKED),
        UnlockError::WrongResetCode { wait_secs } => {
            w.u8(tag::STATUS, status::RESET_REFUSED).u32(tag::WAIT_SECS, secs(wait_secs))
        }
        UnlockError::NoChallenge => w.u8(tag::STATUS, status::NO_CHALLENGE),
        UnlockError::NotProvisioned => w.u8(tag::STATUS, status::UNLOCK_NOT_PROVISIONED),
    }
}

/// The status payload for a reader error (what the device answers).
#[cfg(any(test, feature = "sim"))] // the simulated reader device
pub(crate) fn error_status(e: &ReaderError) -> Vec<u8> {
    let w = PayloadWriter::new();
    match e {
        ReaderError::Busy => w.u8(tag::STATUS, status::BUSY),
        ReaderError::NoWorkingKeys => w.u8(tag::STATUS, status::NO_KEYS),
        ReaderError::KeyCheckFailed(k) => w.u8(tag::STATUS, status::KEY_CHECK_FAILED).u8(
            tag::FAILED_KEY,
            match k {
                KeyKind::Mak => b'M',
                KeyKind::Tdk => b'T',
                _ => b'P',
            },
        ),
        ReaderError::Tampered => w.u8(tag::STATUS, status::TAMPERED),
        ReaderError::Unlock(u) => unlock_status(w, u),
        ReaderError::NoLinkKey => w.u8(tag::STATUS, status::NO_LINK_KEY),
        _ => w.u8(tag::STATUS, status::BAD_REQUEST),
    }
    .finish()
}

/// The `START_TXN` request.
pub(crate) fn encode_request(r: &CardRequest) -> Vec<u8> {
    let idx = TxnType::ALL.iter().position(|t| *t == r.txn).unwrap_or(0) as u8;
    let mut w = PayloadWriter::new().u8(tag::TXN_TYPE, idx);
    if let Some(a) = r.amount {
        w = w.u64(tag::AMOUNT, a.minor()).u16(tag::CURRENCY, a.currency().numeric);
    }
    w.u32(tag::TIMEOUT_MS, u32::try_from(r.timeout.as_millis()).unwrap_or(u32::MAX))
        .u8(tag::PIN_ENTRY, u8::from(r.pin_entry))
        .bytes(tag::UNIX_SECS, &r.at.unix_secs.to_be_bytes())
        .bytes(tag::UTC_OFFSET, &r.at.utc_offset_secs.to_be_bytes())
        .u32(tag::PREFIX_LENGTHS, r.prefix_lengths)
        .finish()
}

/// Reads a `START_TXN` request.
#[cfg(any(test, feature = "sim"))] // the simulated reader device
pub(crate) fn decode_request(p: &Payload<'_>) -> Result<CardRequest, ReaderError> {
    let txn = p
        .u8(tag::TXN_TYPE)
        .and_then(|i| TxnType::ALL.get(usize::from(i)).copied())
        .ok_or_else(|| bad("transaction type"))?;
    let amount = match p.u64(tag::AMOUNT) {
        Some(minor) => {
            let cur = p.u16(tag::CURRENCY).and_then(Currency::from_numeric).ok_or_else(|| bad("currency"))?;
            Some(Amount::from_minor(minor, cur).map_err(|_| bad("amount"))?)
        }
        None => None,
    };
    Ok(CardRequest {
        txn,
        amount,
        timeout: Duration::from_millis(u64::from(p.u32(tag::TIMEOUT_MS).unwrap_or(30_000))),
        pin_entry: p.u8(tag::PIN_ENTRY) == Some(1),
        at: Timestamp::new(p.i64(tag::UNIX_SECS).unwrap_or(0), p.i32(tag::UTC_OFFSET).unwrap_or(0)),
        prefix_lengths: p.u32(tag::PREFIX_LENGTHS).unwrap_or(0),
    })
}

/// The `CARD_READ` event.
#[cfg(any(test, feature = "sim"))] // the simulated reader device
pub(crate) fn encode_card_read(r: &CardRead) -> Vec<u8> {
    PayloadWriter::new()
        .text(tag::ENTRY_MODE, &r.entry_mode.to_field())
        .text(tag::MASKED_PAN, r.masked_pan.as_str())
        .opt(tag::EXPIRY, r.expiry.as_deref().map(str::as_bytes))
        .opt(tag::SERVICE_CODE, r.service_code.as_deref().map(str::as_bytes))
        .opt(tag::TRACK2, r.track2.as_deref().map(str::as_bytes))
        .opt(tag::TRACK3, r.track3.as_deref().map(str::as_bytes))
        .text(tag::SECURITY, &r.security.to_field())
        .opt(tag::PIN_BLOCK, r.pin_block.as_ref().map(|b| &b[..]))
        .opt(tag::ICC, r.icc.as_deref())
        .opt(tag::CARD_SEQ, r.card_seq.map(|s| s.to_be_bytes()).as_ref().map(|b| &b[..]))
        .u8(tag::IC_CONDITION, r.ic_condition)
        .bytes(tag::FINGERPRINT, r.fingerprint.as_bytes())
        .opt(tag::PREFIX_FPS, (!r.prefix_fingerprints.is_empty()).then(|| r.prefix_fingerprints.concat()).as_deref())
        .u8(tag::DATA_AUTH, r.data_authentication.code())
        .finish()
}

/// Reads a `CARD_READ` event; every field is validated as the host would.
pub(crate) fn decode_card_read(p: &Payload<'_>) -> Result<CardRead, ReaderError> {
    let text = |t: u8| p.text(t).map(str::to_string);
    let fp_bytes = p.need(tag::FINGERPRINT, "fingerprint")?;
    let fingerprint: CardFingerprint = hex::encode(fp_bytes).parse().map_err(|_| bad("fingerprint"))?;
    Ok(CardRead {
        entry_mode: EntryMode::parse(p.need(tag::ENTRY_MODE, "entry mode")?).map_err(|_| bad("entry mode"))?,
        masked_pan: MaskedPan::parse(p.text(tag::MASKED_PAN).ok_or_else(|| bad("masked PAN"))?)
            .map_err(|_| bad("the reader sent a card number that is not masked"))?,
        expiry: text(tag::EXPIRY),
        service_code: text(tag::SERVICE_CODE),
        track2: text(tag::TRACK2),
        track3: text(tag::TRACK3),
        security: SecurityControl::parse(p.need(tag::SECURITY, "security control")?)
            .map_err(|_| bad("security control"))?,
        pin_block: match p.get(tag::PIN_BLOCK) {
            Some(b) => Some(<[u8; 8]>::try_from(b).map_err(|_| bad("PIN block length"))?),
            None => None,
        },
        icc: p.get(tag::ICC).map(<[u8]>::to_vec),
        card_seq: p.u16(tag::CARD_SEQ),
        ic_condition: p.u8(tag::IC_CONDITION).unwrap_or(0),
        fingerprint,
        prefix_fingerprints: fingerprints(p.get(tag::PREFIX_FPS).unwrap_or_default(), "prefix fingerprints")?,
        // A reader that does not say authenticated nothing: never a reason to approve offline.
        data_authentication: DataAuthentication::from_code(p.u8(tag::DATA_AUTH)),
    })
}

/// 16-byte fingerprints laid end to end.
fn fingerprints(bytes: &[u8], what: &str) -> Result<Vec<EntryFingerprint>, ReaderError> {
    if !bytes.len().is_multiple_of(16) {
        return Err(bad(what));
    }
    Ok(bytes.chunks_exact(16).map(|c| <[u8; 16]>::try_from(c).unwrap_or_default()).collect())
}

/// Bytes of keys and applications one `LOAD_CHIP_PARAMS` part carries at most (a frame's
/// payload is at most 2048).
const CHIP_PART_BYTES: usize = 1536;

/// The `LOAD_CHIP_PARAMS` requests: the keys, then the applications, in parts of one frame
/// each; the first part says so (the reader drops what it held), and so does the last.
pub(crate) fn encode_chip_params(keys: &[CaPublicKey], aids: &[IcParams]) -> Vec<Vec<u8>> {
    let items =
        keys.iter().map(|k| (tag::CA_KEY, k.to_tlv())).chain(aids.iter().map(|a| (tag::AID_PARAMS, a.to_tlv())));
    let mut parts: Vec<Vec<(u8, Vec<u8>)>> = vec![Vec::new()];
    let mut size = 0;
    for (t, v) in items {
        let len = v.len() + 3;
        if size + len > CHIP_PART_BYTES && parts.last().is_some_and(|p| !p.is_empty()) {
            parts.push(Vec::new());
            size = 0;
        }
        size += len;
        if let Some(part) = parts.last_mut() {
            part.push((t, v));
        }
    }
    let n = parts.len();
    parts
        .into_iter()
        .enumerate()
        .map(|(i, items)| {
            let flags = u8::from(i == 0) | (u8::from(i + 1 == n) << 1);
            items.iter().fold(PayloadWriter::new().u8(tag::CHIP_PART, flags), |w, (t, v)| w.bytes(*t, v)).finish()
        })
        .collect()
}

/// One `LOAD_CHIP_PARAMS` part: its flags (bit 0 first, bit 1 last), keys and applications,
/// each parsed and its key's check sum verified.
#[cfg(any(test, feature = "sim"))] // the simulated reader device
pub(crate) fn decode_chip_part(p: &Payload<'_>) -> Result<(u8, Vec<CaPublicKey>, Vec<IcParams>), ReaderError> {
    let flags = p.u8(tag::CHIP_PART).ok_or_else(|| bad("chip parameters part"))?;
    let keys = p
        .all(tag::CA_KEY)
        .map(|v| CaPublicKey::from_tlv(v).map_err(|_| bad("CA public key")))
        .collect::<Result<_, _>>()?;
    let aids = p
        .all(tag::AID_PARAMS)
        .map(|v| IcParams::from_tlv(v).map_err(|_| bad("IC parameters")))
        .collect::<Result<_, _>>()?;
    Ok((flags, keys, aids))
}

/// The `LOAD_CHIP_PARAMS` answer: what the reader holds (or has received of this load).
#[cfg(any(test, feature = "sim"))] // the simulated reader device
pub(crate) fn encode_chip_held(held: ChipParamsHeld) -> Vec<u8> {
    PayloadWriter::new()
        .u8(tag::STATUS, status::OK)
        .u16(tag::KEYS_HELD, held.keys)
        .u16(tag::AIDS_HELD, held.aids)
        .finish()
}

/// The reader's count after the last part, checked against what was sent: a reader that kept
/// fewer would authenticate less.
pub(crate) fn check_chip_held(held: ChipParamsHeld, keys: usize, aids: usize) -> Result<ChipParamsHeld, ReaderError> {
    if usize::from(held.keys) != keys || usize::from(held.aids) != aids {
        return Err(ReaderError::Protocol(format!(
            "the reader holds {} CA keys and {} applications of the {keys} and {aids} sent",
            held.keys, held.aids
        )));
    }
    Ok(held)
}

/// Reads a `LOAD_CHIP_PARAMS` answer.
pub(crate) fn decode_chip_held(p: &Payload<'_>) -> Result<ChipParamsHeld, ReaderError> {
    Ok(ChipParamsHeld {
        keys: p.u16(tag::KEYS_HELD).ok_or_else(|| bad("keys held"))?,
        aids: p.u16(tag::AIDS_HELD).ok_or_else(|| bad("applications held"))?,
    })
}

/// The `FINGERPRINT_ENTRIES` request: each entry a length byte and its digits.
pub(crate) fn encode_entries(entries: &[String]) -> Vec<u8> {
    let mut body = Vec::with_capacity(entries.iter().map(|e| 1 + e.len()).sum());
    for e in entries {
        body.push(u8::try_from(e.len()).unwrap_or(u8::MAX));
        body.extend_from_slice(e.as_bytes());
    }
    PayloadWriter::new().bytes(tag::ENTRIES, &body).finish()
}

/// Reads a `FINGERPRINT_ENTRIES` request: 1 to [`FINGERPRINT_BATCH`] entries of 1-19 digits.
#[cfg(any(test, feature = "sim"))] // the simulated reader device
pub(crate) fn decode_entries(p: &Payload<'_>) -> Result<Vec<String>, ReaderError> {
    let mut rest = p.need(tag::ENTRIES, "blacklist entries")?;
    let mut out = Vec::new();
    while let Some((&len, tail)) = rest.split_first() {
        let len = usize::from(len);
        let digits = tail.get(..len).ok_or_else(|| bad("blacklist entry cut off"))?;
        if !crate::tms::blacklist::ENTRY_DIGITS.contains(&len) || !digits.iter().all(u8::is_ascii_digit) {
            return Err(bad("blacklist entry"));
        }
        out.push(String::from_utf8_lossy(digits).into_owned());
        if out.len() > crate::reader::FINGERPRINT_BATCH {
            return Err(bad("too many blacklist entries"));
        }
        rest = &tail[len..];
    }
    Ok(out)
}

/// The `FINGERPRINT_ENTRIES` answer.
#[cfg(any(test, feature = "sim"))] // the simulated reader device
pub(crate) fn encode_entry_fps(fps: &[EntryFingerprint]) -> Vec<u8> {
    PayloadWriter::new().u8(tag::STATUS, status::OK).bytes(tag::ENTRY_FPS, &fps.concat()).finish()
}

/// Reads a `FINGERPRINT_ENTRIES` answer, which must hold one fingerprint per entry asked for.
pub(crate) fn decode_entry_fps(p: &Payload<'_>, asked: usize) -> Result<Vec<EntryFingerprint>, ReaderError> {
    let fps = fingerprints(p.need(tag::ENTRY_FPS, "entry fingerprints")?, "entry fingerprints")?;
    if fps.len() != asked {
        return Err(ReaderError::Protocol(format!("{} fingerprints for {asked} blacklist entries", fps.len())));
    }
    Ok(fps)
}

/// A `TXN_ERROR` code as the error the caller sees.
pub(crate) fn txn_error_of(code: Option<u8>) -> ReaderError {
    match code {
        Some(txn_error::TIMEOUT) => ReaderError::Timeout,
        Some(txn_error::CANCELLED) => ReaderError::Cancelled,
        Some(txn_error::CARD_REMOVED) => ReaderError::CardRemoved,
        Some(txn_error::NO_KEYS) => ReaderError::NoWorkingKeys,
        Some(txn_error::TAMPERED) => ReaderError::Tampered,
        _ => ReaderError::Protocol("the card could not be read".into()),
    }
}

/// The `TXN_ERROR` code for a reader error.
#[cfg(any(test, feature = "sim"))] // the simulated reader device
pub(crate) fn txn_error_code(e: &ReaderError) -> u8 {
    match e {
        ReaderError::Timeout => txn_error::TIMEOUT,
        ReaderError::Cancelled => txn_error::CANCELLED,
        ReaderError::CardRemoved => txn_error::CARD_REMOVED,
        ReaderError::NoWorkingKeys => txn_error::NO_KEYS,
        ReaderError::Tampered => txn_error::TAMPERED,
        _ => txn_error::CARD_ERROR,
    }
}
