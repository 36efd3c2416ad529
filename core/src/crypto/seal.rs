//! Sealing secrets at rest (MAK, store-and-forward card data) under a vault-wrapped data key.
//!
//! Sealed form: version 1 || 12-byte random nonce || AES-256-GCM ciphertext and tag.
//! The caller's `aad` (e.g. a table and row id) is authenticated but not stored, so a
//! sealed value copied to another row fails to open.

use std::fmt;

use zeroize::Zeroizing;

use super::aead::{self, AEAD_KEY_LEN};
use super::error::CryptoError;
use super::random::random_bytes;
use super::vault::KeyVault;

/// Seals and opens data under one 32-byte data key.
pub struct Sealer {
    dek: Zeroizing<[u8; AEAD_KEY_LEN]>,
}

impl Sealer {
    /// A new random data key; returns the sealer and the key wrapped by `vault`, to be stored.
    pub fn generate(vault: &dyn KeyVault) -> Result<(Sealer, Vec<u8>), CryptoError> {
        let dek = Zeroizing::new(random_bytes::<AEAD_KEY_LEN>()?);
        let wrapped = vault.wrap(&dek[..])?;
        Ok((Sealer { dek }, wrapped))
    }

    /// Restores the sealer from a data key wrapped earlier by the same vault.
    pub fn from_wrapped(vault: &dyn KeyVault, wrapped: &[u8]) -> Result<Sealer, CryptoError> {
        let plain = vault.unwrap(wrapped)?;
        let mut dek = Zeroizing::new([0u8; AEAD_KEY_LEN]);
        if plain.len() != AEAD_KEY_LEN {
            return Err(CryptoError::BadDataKeyLength { len: plain.len() });
        }
        dek.copy_from_slice(&plain);
        Ok(Sealer { dek })
    }

    /// Encrypts and authenticates `plain`, bound to `aad`.
    pub fn seal(&self, aad: &[u8], plain: &[u8]) -> Result<Vec<u8>, CryptoError> {
        aead::seal(&self.dek, aad, plain)
    }

    /// Opens sealed data; any tampering, truncation, wrong `aad` or unknown version is an error.
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        aead::open(&self.dek, aad, sealed)
    }
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sealer(data key, {AEAD_KEY_LEN} bytes)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A vault that wraps under a fixed key, so these tests touch no files.
    struct TestVault([u8; AEAD_KEY_LEN]);

    impl KeyVault for TestVault {
        fn wrap(&self, plain: &[u8]) -> Result<Vec<u8>, CryptoError> {
            aead::seal(&self.0, b"test vault", plain)
        }

        fn unwrap(&self, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
            aead::open(&self.0, b"test vault", wrapped)
        }
    }

    #[test]
    fn round_trip_through_wrapped_key() -> Result<(), CryptoError> {
        let vault = TestVault([3u8; 32]);
        let (sealer, wrapped) = Sealer::generate(&vault)?;
        let sealed = sealer.seal(b"journal:42", b"MAK bytes")?;
        let restored = Sealer::from_wrapped(&vault, &wrapped)?;
        assert_eq!(restored.open(b"journal:42", &sealed)?.as_slice(), b"MAK bytes");
        Ok(())
    }

    #[test]
    fn tamper_wrong_aad_truncation_and_version_are_errors() -> Result<(), CryptoError> {
        let (sealer, _) = Sealer::generate(&TestVault([4u8; 32]))?;
        let sealed = sealer.seal(b"row 1", b"card data")?;
        assert_eq!(sealer.open(b"row 2", &sealed), Err(CryptoError::OpenFailed));
        for i in 1..sealed.len() {
            let mut t = sealed.clone();
            t[i] ^= 0x80;
            assert_eq!(sealer.open(b"row 1", &t), Err(CryptoError::OpenFailed));
        }
        let mut t = sealed.clone();
        t[0] = 9;
        assert_eq!(sealer.open(b"row 1", &t), Err(CryptoError::UnknownSealVersion { version: 9 }));
        assert_eq!(sealer.open(b"row 1", &sealed[..sealed.len() - 1]), Err(CryptoError::OpenFailed));
        assert_eq!(sealer.open(b"row 1", &sealed[..20]), Err(CryptoError::SealedTooShort { len: 20 }));
        Ok(())
    }

    #[test]
    fn wrong_size_data_key_is_rejected() -> Result<(), CryptoError> {
        let vault = TestVault([5u8; 32]);
        let wrapped = vault.wrap(&[1u8; 16])?;
        assert_eq!(Sealer::from_wrapped(&vault, &wrapped).err(), Some(CryptoError::BadDataKeyLength { len: 16 }));
        Ok(())
    }

    #[test]
    fn debug_shows_no_key() -> Result<(), CryptoError> {
        let (sealer, _) = Sealer::generate(&TestVault([6u8; 32]))?;
        assert_eq!(format!("{sealer:?}"), "Sealer(data key, 32 bytes)");
        Ok(())
    }
}
