//! Field 62 of the sign-in response (0810): working keys encrypted under the TMK, with check values.
//!
//! Layouts (E = encrypted under the TMK, cv = 4-byte check value of the clear key):
//! - 001: E(PIK 8) cv  E(MAK 8) cv                          = 24 bytes
//! - 003: E(PIK 16) cv E(MAK 8) 00x8 cv                     = 40 bytes
//! - 004: as 003, then E(TDK 16) cv                         = 60 bytes
//!
//! In 003/004 the MAK slot is 16 bytes: when its second half is not all zero the
//! host sent a double-length MAK, and the whole slot is the ciphertext.
//!
//! Profile choice: the field also shows up 56 bytes long in mode 003 and 84 bytes
//! long in mode 004. We read those as the standard layout followed by acquirer-private
//! data (16 and 24 bytes), which is ignored. Any other length that does not match the
//! mode is rejected rather than guessed at, because a misread key would only fail
//! later as MAC or PIN errors on live payments.

use zeroize::Zeroizing;

use super::error::CryptoError;
use super::kcv::{check_value, check_value_matches, CHECK_VALUE_LEN};
use super::key::{KeyKind, SecretKey};
use super::tdes;

// The key mode and the clear keys live in their own files; re-exported so that
// `crypto::keyblock` offers the whole sign-in key API in one place.
pub use super::key_mode::KeyMode;
#[cfg(test)]
use super::working_keys::generate_working_keys;
pub use super::working_keys::WorkingKeys;

/// One key as it travels in field 62: ciphertext under the TMK and the clear key's check value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedKey {
    /// The key encrypted under the TMK (TDES ECB); safe to relay to the reader.
    pub ciphertext: Vec<u8>,
    /// First 4 bytes of the clear key's encryption of a zero block.
    pub check_value: [u8; CHECK_VALUE_LEN],
}

/// The working keys of field 62, still encrypted (what the phone relays to the reader).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedWorkingKeys {
    /// PIN key.
    pub pik: EncryptedKey,
    /// MAC key.
    pub mak: EncryptedKey,
    /// Track data key (mode 004).
    pub tdk: Option<EncryptedKey>,
}

/// Length of the MAK slot in modes 003 and 004.
const DOUBLE_MAK_SLOT: usize = 16;

/// The standard layout length and the longer length tolerated (see the module doc).
fn accepted_lengths(mode: KeyMode) -> (usize, Option<usize>) {
    match mode {
        KeyMode::Single001 => (24, None),
        KeyMode::Double003 => (40, Some(56)),
        KeyMode::DoubleWithTrack004 => (60, Some(84)),
    }
}

/// Cuts field 62 into its encrypted keys and check values, without decrypting.
pub fn split_field62(mode: KeyMode, field62: &[u8]) -> Result<EncryptedWorkingKeys, CryptoError> {
    let (standard, extended) = accepted_lengths(mode);
    if field62.len() != standard && Some(field62.len()) != extended {
        return Err(CryptoError::BadField62Length { mode: mode.code(), len: field62.len() });
    }
    let mut rest = &field62[..standard];
    let pik = take_key(&mut rest, mode.pik_len());
    let mak = if mode == KeyMode::Single001 {
        take_key(&mut rest, 8)
    } else {
        let mut slot = take_key(&mut rest, DOUBLE_MAK_SLOT);
        if slot.ciphertext.get(8..).is_some_and(|tail| tail.iter().all(|&b| b == 0)) {
            slot.ciphertext.truncate(8);
        }
        slot
    };
    let tdk = mode.has_tdk().then(|| take_key(&mut rest, 16));
    Ok(EncryptedWorkingKeys { pik, mak, tdk })
}

/// Takes `len` bytes of ciphertext and a check value off the front of `rest`.
///
/// Callers have checked the total length, so the split points are in range.
fn take_key(rest: &mut &[u8], len: usize) -> EncryptedKey {
    let (ciphertext, after) = rest.split_at(len.min(rest.len()));
    let (cv, after) = after.split_at(CHECK_VALUE_LEN.min(after.len()));
    let mut check_value = [0u8; CHECK_VALUE_LEN];
    check_value[..cv.len()].copy_from_slice(cv);
    *rest = after;
    EncryptedKey { ciphertext: ciphertext.to_vec(), check_value }
}

/// Decrypts the working keys of field 62 under the TMK and checks each check value.
pub fn parse_working_keys(mode: KeyMode, field62: &[u8], tmk: &SecretKey) -> Result<WorkingKeys, CryptoError> {
    let keys = split_field62(mode, field62)?;
    Ok(WorkingKeys {
        pik: decrypt_key(KeyKind::Pik, &keys.pik, tmk)?,
        mak: decrypt_key(KeyKind::Mak, &keys.mak, tmk)?,
        tdk: match &keys.tdk {
            Some(tdk) => Some(decrypt_key(KeyKind::Tdk, tdk, tmk)?),
            None => None,
        },
    })
}

/// Decrypts one working key and rejects it unless its check value matches.
pub(crate) fn decrypt_key(kind: KeyKind, key: &EncryptedKey, tmk: &SecretKey) -> Result<SecretKey, CryptoError> {
    let mut clear = Zeroizing::new(key.ciphertext.clone());
    tdes::decrypt_in_place(tmk, &mut clear)?;
    let clear = SecretKey::from_slice(&clear)?;
    if check_value_matches(&clear, &key.check_value) {
        Ok(clear)
    } else {
        Err(CryptoError::CheckValueMismatch { key: kind })
    }
}

/// Builds field 62 for `mode` from clear working keys (the acquirer side of sign-in).
pub fn build_working_keys(mode: KeyMode, keys: &WorkingKeys, tmk: &SecretKey) -> Result<Vec<u8>, CryptoError> {
    let wrong = |key: KeyKind, len: usize| CryptoError::KeyLengthForMode { key, len, mode: mode.code() };
    if keys.pik.len() != mode.pik_len() {
        return Err(wrong(KeyKind::Pik, keys.pik.len()));
    }
    let mak_ok = match mode {
        KeyMode::Single001 => keys.mak.len() == 8,
        _ => keys.mak.len() == 8 || keys.mak.len() == 16,
    };
    if !mak_ok {
        return Err(wrong(KeyKind::Mak, keys.mak.len()));
    }
    match (&keys.tdk, mode.has_tdk()) {
        (None, true) => return Err(CryptoError::MissingTdk),
        (Some(tdk), true) if tdk.len() != 16 => return Err(wrong(KeyKind::Tdk, tdk.len())),
        (Some(tdk), false) => return Err(wrong(KeyKind::Tdk, tdk.len())),
        _ => {}
    }

    let mut out = Vec::with_capacity(accepted_lengths(mode).0);
    let mak_slot = match mode {
        KeyMode::Single001 => 8,
        _ => DOUBLE_MAK_SLOT,
    };
    put_key(&mut out, &keys.pik, tmk, mode.pik_len())?;
    put_key(&mut out, &keys.mak, tmk, mak_slot)?;
    if let Some(tdk) = &keys.tdk {
        put_key(&mut out, tdk, tmk, 16)?;
    }
    Ok(out)
}

/// Appends the key encrypted under the TMK, zero-filled to `slot` bytes, then its check value.
fn put_key(out: &mut Vec<u8>, key: &SecretKey, tmk: &SecretKey, slot: usize) -> Result<(), CryptoError> {
    let ciphertext = tdes::encrypt_ecb(tmk, key.as_bytes())?;
    let start = out.len();
    out.extend_from_slice(&ciphertext);
    out.resize(start + slot.max(ciphertext.len()), 0);
    out.extend_from_slice(&check_value(key));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TMK: &str = "CA5D92598DCA48CE8A4C76361A9269E9";

    fn vector_field62() -> Vec<u8> {
        let mut f = Vec::new();
        f.extend(hex_bytes("6701EAD6A9AD51E51AA406E2C27FCFA9"));
        f.extend(hex_bytes("8D0A74B8"));
        f.extend(hex_bytes("B651F9E9BACE9AE1"));
        f.extend([0u8; 8]);
        f.extend(hex_bytes("AB7153CA"));
        f
    }

    fn hex_bytes(h: &str) -> Vec<u8> {
        hex::decode(h).unwrap_or_default()
    }

    #[test]
    fn parses_vector_mode_003() -> Result<(), CryptoError> {
        let tmk = SecretKey::from_hex(TMK)?;
        let keys = parse_working_keys(KeyMode::Double003, &vector_field62(), &tmk)?;
        assert_eq!(keys.pik, SecretKey::from_hex("807A23AD32B36D457AE91FDF927570EA")?);
        assert_eq!(keys.mak, SecretKey::from_hex("5BB5C72CD00B7338")?);
        assert!(keys.tdk.is_none());
        Ok(())
    }

    #[test]
    fn build_matches_vector() -> Result<(), CryptoError> {
        let tmk = SecretKey::from_hex(TMK)?;
        let keys = parse_working_keys(KeyMode::Double003, &vector_field62(), &tmk)?;
        assert_eq!(build_working_keys(KeyMode::Double003, &keys, &tmk)?, vector_field62());
        Ok(())
    }

    #[test]
    fn each_bad_check_value_names_its_key() -> Result<(), CryptoError> {
        let tmk = SecretKey::from_hex(TMK)?;
        let keys = generate_working_keys(KeyMode::DoubleWithTrack004)?;
        let good = build_working_keys(KeyMode::DoubleWithTrack004, &keys, &tmk)?;
        for (at, kind) in [(16, KeyKind::Pik), (36, KeyKind::Mak), (56, KeyKind::Tdk)] {
            let mut bad = good.clone();
            bad[at] ^= 0x01;
            assert_eq!(
                parse_working_keys(KeyMode::DoubleWithTrack004, &bad, &tmk),
                Err(CryptoError::CheckValueMismatch { key: kind })
            );
        }
        Ok(())
    }

    #[test]
    fn lengths_must_fit_the_mode() -> Result<(), CryptoError> {
        let tmk = SecretKey::from_hex(TMK)?;
        for (mode, len) in [
            (KeyMode::Single001, 40),
            (KeyMode::Double003, 24),
            (KeyMode::Double003, 60),
            (KeyMode::DoubleWithTrack004, 56),
            (KeyMode::DoubleWithTrack004, 40),
            (KeyMode::Double003, 0),
        ] {
            assert_eq!(
                parse_working_keys(mode, &vec![0u8; len], &tmk),
                Err(CryptoError::BadField62Length { mode: mode.code(), len })
            );
        }
        Ok(())
    }

    #[test]
    fn private_trailer_is_ignored() -> Result<(), CryptoError> {
        let tmk = SecretKey::from_hex(TMK)?;
        let mut f = vector_field62();
        f.extend([0x5A; 16]);
        let keys = parse_working_keys(KeyMode::Double003, &f, &tmk)?;
        assert_eq!(keys.mak.len(), 8);

        let keys = generate_working_keys(KeyMode::DoubleWithTrack004)?;
        let mut f = build_working_keys(KeyMode::DoubleWithTrack004, &keys, &tmk)?;
        f.extend([0xA5; 24]);
        assert_eq!(f.len(), 84);
        assert_eq!(parse_working_keys(KeyMode::DoubleWithTrack004, &f, &tmk)?, keys);
        Ok(())
    }

    #[test]
    fn round_trips_every_mode_and_double_mak() -> Result<(), CryptoError> {
        let tmk = SecretKey::from_hex(TMK)?;
        for mode in [KeyMode::Single001, KeyMode::Double003, KeyMode::DoubleWithTrack004] {
            let keys = generate_working_keys(mode)?;
            let f = build_working_keys(mode, &keys, &tmk)?;
            assert_eq!(f.len(), accepted_lengths(mode).0);
            assert_eq!(parse_working_keys(mode, &f, &tmk)?, keys);
        }
        let mut keys = generate_working_keys(KeyMode::Double003)?;
        keys.mak = keys.pik.clone();
        let f = build_working_keys(KeyMode::Double003, &keys, &tmk)?;
        assert_eq!(parse_working_keys(KeyMode::Double003, &f, &tmk)?.mak.len(), 16);
        Ok(())
    }

    #[test]
    fn build_rejects_keys_the_mode_cannot_carry() -> Result<(), CryptoError> {
        let tmk = SecretKey::from_hex(TMK)?;
        let k003 = generate_working_keys(KeyMode::Double003)?;
        let k004 = generate_working_keys(KeyMode::DoubleWithTrack004)?;
        assert_eq!(
            build_working_keys(KeyMode::Single001, &k003, &tmk),
            Err(CryptoError::KeyLengthForMode { key: KeyKind::Pik, len: 16, mode: "001" })
        );
        assert_eq!(build_working_keys(KeyMode::DoubleWithTrack004, &k003, &tmk), Err(CryptoError::MissingTdk));
        assert!(matches!(
            build_working_keys(KeyMode::Double003, &k004, &tmk),
            Err(CryptoError::KeyLengthForMode { key: KeyKind::Tdk, .. })
        ));
        Ok(())
    }

    #[test]
    fn split_keeps_ciphertext_for_the_reader() -> Result<(), CryptoError> {
        let keys = split_field62(KeyMode::Double003, &vector_field62())?;
        assert_eq!(hex::encode_upper(&keys.pik.ciphertext), "6701EAD6A9AD51E51AA406E2C27FCFA9");
        assert_eq!(hex::encode_upper(&keys.mak.ciphertext), "B651F9E9BACE9AE1");
        assert_eq!(keys.mak.check_value, [0xAB, 0x71, 0x53, 0xCA]);
        Ok(())
    }
}
