//! Track data encryption under the TDK, as field 53's third digit says.
//!
//! `1`, the UnionPay TDB method: the track is handled as its digit string as carried in BCD
//! in field 35/36 (the separator is the nibble D). The 16 digits that end one before the last
//! digit are packed into 8 bytes, TDES-encrypted and written back as 16 hex digits (which may
//! include A-F); everything else stays as it was. A track of fewer than 17 digits is sent
//! clear, as the UnionPay method has no block to encrypt. This leaves most of the card number
//! readable on the wire and in the phone.
//!
//! `2`, whole-track encryption (this product's profile variant, so that the phone never
//! holds a readable card number): the digits are padded with `F` to a multiple of 16, packed
//! and TDES-CBC encrypted with a zero IV; fields 35 and 36 grow to 48 and 112 digits for it.

use zeroize::Zeroizing;

use super::error::CryptoError;
use super::key::SecretKey;
use super::tdes;

/// Digits in the encrypted block (a power of two: lengths are checked with a mask).
const BLOCK_DIGITS: usize = 16;

/// Encrypts the track's data block under the TDK; returns the track as uppercase hex digits.
pub fn encrypt_track(tdk: &SecretKey, digits: &str) -> Result<String, CryptoError> {
    transform(digits, |block| tdes::encrypt_block(tdk, block))
}

/// Decrypts a track encrypted by [`encrypt_track`]; returns it as uppercase hex digits.
pub fn decrypt_track(tdk: &SecretKey, digits: &str) -> Result<String, CryptoError> {
    transform(digits, |block| tdes::decrypt_block(tdk, block))
}

fn transform(digits: &str, op: impl Fn(&[u8; 8]) -> [u8; 8]) -> Result<String, CryptoError> {
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(CryptoError::BadTrack);
    }
    let mut out = Zeroizing::new(digits.to_ascii_uppercase());
    if out.len() <= BLOCK_DIGITS {
        return Ok(std::mem::take(&mut *out));
    }
    let end = out.len() - 1;
    let start = end - BLOCK_DIGITS;
    let clear = Zeroizing::new(pack(&out.as_bytes()[start..end])?);
    let changed = Zeroizing::new(hex::encode_upper(op(&clear)));
    out.replace_range(start..end, &changed);
    Ok(std::mem::take(&mut *out))
}

/// Encrypts the whole track (padded with `F`) under the TDK, TDES-CBC with a zero IV.
pub fn encrypt_whole_track(tdk: &SecretKey, digits: &str) -> Result<String, CryptoError> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit() && !matches!(b, b'F' | b'f')) {
        return Err(CryptoError::BadTrack);
    }
    let mut padded = Zeroizing::new(digits.to_ascii_uppercase());
    while padded.len() & (BLOCK_DIGITS - 1) != 0 {
        padded.push('F');
    }
    let mut out = String::with_capacity(padded.len());
    let mut chain = [0u8; 8];
    for chunk in padded.as_bytes().chunks(BLOCK_DIGITS) {
        let mut block = Zeroizing::new(pack(chunk)?);
        for (b, c) in block.iter_mut().zip(chain) {
            *b ^= c;
        }
        chain = tdes::encrypt_block(tdk, &block);
        out.push_str(&hex::encode_upper(chain));
    }
    Ok(out)
}

/// Decrypts a track encrypted by [`encrypt_whole_track`], removing the `F` padding.
pub fn decrypt_whole_track(tdk: &SecretKey, digits: &str) -> Result<String, CryptoError> {
    if digits.is_empty() || digits.len() & (BLOCK_DIGITS - 1) != 0 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(CryptoError::BadTrack);
    }
    let mut out = Zeroizing::new(String::with_capacity(digits.len()));
    let mut chain = [0u8; 8];
    for chunk in digits.as_bytes().chunks(BLOCK_DIGITS) {
        let ct = pack(chunk)?;
        let mut clear = Zeroizing::new(tdes::decrypt_block(tdk, &ct));
        for (b, c) in clear.iter_mut().zip(chain) {
            *b ^= c;
        }
        chain = ct;
        out.push_str(&hex::encode_upper(*clear));
    }
    let len = out.trim_end_matches('F').len();
    out.truncate(len);
    // A clear track never holds F; one left inside means a wrong key or a damaged field.
    if out.is_empty() || out.contains('F') {
        return Err(CryptoError::BadTrack);
    }
    Ok(std::mem::take(&mut *out))
}

/// Packs 16 hex digits into 8 bytes.
fn pack(hex_digits: &[u8]) -> Result<[u8; 8], CryptoError> {
    let mut block = [0u8; 8];
    hex::decode_to_slice(hex_digits, &mut block).map_err(|_| CryptoError::BadTrack)?;
    Ok(block)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACK2: &str = "6222021234567890123D49121200000000000";

    fn tdk() -> Result<SecretKey, CryptoError> {
        SecretKey::from_hex("0123456789ABCDEFFEDCBA9876543210")
    }

    #[test]
    fn whole_track_round_trip_hides_every_digit() -> Result<(), CryptoError> {
        let tdk = tdk()?;
        for t in [
            TRACK2,
            "6222021234567890123D4912",
            "99622202123456789012D1561560000000000000000000000000000300000000000000",
        ] {
            let enc = encrypt_whole_track(&tdk, t)?;
            assert_eq!(enc.len() % 16, 0);
            assert!(!enc.contains("6222021234567890"), "card number readable");
            assert_eq!(decrypt_whole_track(&tdk, &enc)?, t);
        }
        assert_eq!(encrypt_whole_track(&tdk, TRACK2)?.len(), 48);
        let other = SecretKey::from_hex("FEDCBA98765432100123456789ABCDEF")?;
        assert!(decrypt_whole_track(&other, &encrypt_whole_track(&tdk, TRACK2)?).is_err());
        assert!(decrypt_whole_track(&tdk, "123").is_err());
        assert!(encrypt_whole_track(&tdk, "12F4").is_err());
        Ok(())
    }

    #[test]
    fn round_trip_changes_only_the_block() -> Result<(), CryptoError> {
        let tdk = tdk()?;
        let enc = encrypt_track(&tdk, TRACK2)?;
        assert_eq!(enc.len(), TRACK2.len());
        let (end, start) = (TRACK2.len() - 1, TRACK2.len() - 17);
        assert_eq!(enc[..start], TRACK2[..start]);
        assert_eq!(enc[end..], TRACK2[end..]);
        assert_ne!(enc[start..end], TRACK2[start..end]);
        assert_eq!(decrypt_track(&tdk, &enc)?, TRACK2);
        Ok(())
    }

    #[test]
    fn block_is_the_tdes_of_the_packed_digits() -> Result<(), CryptoError> {
        let tdk = tdk()?;
        let enc = encrypt_track(&tdk, "123456789012345679")?;
        let expected = tdes::encrypt_block(&tdk, &pack(b"2345678901234567")?);
        assert_eq!(enc, format!("1{}9", hex::encode_upper(expected)));
        Ok(())
    }

    #[test]
    fn short_tracks_stay_clear() -> Result<(), CryptoError> {
        let tdk = tdk()?;
        assert_eq!(encrypt_track(&tdk, "1234567890123d45")?, "1234567890123D45");
        assert_eq!(encrypt_track(&tdk, "")?, "");
        // 17 digits is the shortest track with a block.
        assert_ne!(encrypt_track(&tdk, "12345678901234567")?, "12345678901234567");
        Ok(())
    }

    #[test]
    fn rejects_non_hex() -> Result<(), CryptoError> {
        let tdk = tdk()?;
        assert_eq!(encrypt_track(&tdk, "6222=4912"), Err(CryptoError::BadTrack));
        assert_eq!(decrypt_track(&tdk, "6222 4912"), Err(CryptoError::BadTrack));
        Ok(())
    }
}
