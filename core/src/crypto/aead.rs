//! The sealed-data format shared by the sealer and the file vault: AES-256-GCM with a version byte.
//!
//! Layout: version (1 byte, = 1) || nonce (12 random bytes) || ciphertext || tag (16).
//! A random nonce is safe here: a data key seals far fewer than 2^32 items.

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use zeroize::Zeroizing;

use super::error::CryptoError;
use super::random::random_bytes;

/// The AES-256 key length.
pub(crate) const AEAD_KEY_LEN: usize = 32;

/// The only format version written and read.
const VERSION: u8 = 1;
const HEADER_LEN: usize = 1 + NONCE_LEN;
const TAG_LEN: usize = 16;

fn cipher(key: &[u8; AEAD_KEY_LEN]) -> Result<LessSafeKey, ()> {
    UnboundKey::new(&AES_256_GCM, key).map(LessSafeKey::new).map_err(|_| ())
}

/// Encrypts and authenticates `plain`, binding `aad`.
pub(crate) fn seal(key: &[u8; AEAD_KEY_LEN], aad: &[u8], plain: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let nonce = random_bytes::<NONCE_LEN>()?;
    let cipher = cipher(key).map_err(|_| CryptoError::SealFailed)?;
    let mut out = Vec::with_capacity(HEADER_LEN + plain.len() + TAG_LEN);
    out.push(VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(plain);
    let tag = cipher
        .seal_in_place_separate_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad), &mut out[HEADER_LEN..])
        .map_err(|_| CryptoError::SealFailed)?;
    out.extend_from_slice(tag.as_ref());
    Ok(out)
}

/// Checks and decrypts data made by [`seal`] with the same key and `aad`.
pub(crate) fn open(key: &[u8; AEAD_KEY_LEN], aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let too_short = CryptoError::SealedTooShort { len: sealed.len() };
    let (&version, rest) = sealed.split_first().ok_or(too_short.clone())?;
    if version != VERSION {
        return Err(CryptoError::UnknownSealVersion { version });
    }
    if rest.len() < NONCE_LEN + TAG_LEN {
        return Err(too_short);
    }
    let (nonce, body) = rest.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::OpenFailed)?;
    let cipher = cipher(key).map_err(|_| CryptoError::OpenFailed)?;
    let mut buf = Zeroizing::new(body.to_vec());
    let plain_len = cipher.open_in_place(nonce, Aad::from(aad), &mut buf).map_err(|_| CryptoError::OpenFailed)?.len();
    buf.truncate(plain_len);
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7u8; 32];

    #[test]
    fn layout_and_round_trip() -> Result<(), CryptoError> {
        let sealed = seal(&KEY, b"ctx", b"hello")?;
        assert_eq!(sealed.len(), 1 + 12 + 5 + 16);
        assert_eq!(sealed[0], 1);
        assert_eq!(open(&KEY, b"ctx", &sealed)?.as_slice(), b"hello");
        Ok(())
    }

    #[test]
    fn nonces_are_fresh() -> Result<(), CryptoError> {
        assert_ne!(seal(&KEY, b"", b"x")?, seal(&KEY, b"", b"x")?);
        Ok(())
    }

    #[test]
    fn rejects_short_and_unknown() -> Result<(), CryptoError> {
        assert_eq!(open(&KEY, b"", b""), Err(CryptoError::SealedTooShort { len: 0 }));
        assert_eq!(open(&KEY, b"", &[1u8; 28]), Err(CryptoError::SealedTooShort { len: 28 }));
        let mut sealed = seal(&KEY, b"", b"")?;
        assert_eq!(open(&KEY, b"", &sealed)?.len(), 0);
        sealed[0] = 2;
        assert_eq!(open(&KEY, b"", &sealed), Err(CryptoError::UnknownSealVersion { version: 2 }));
        Ok(())
    }
}
