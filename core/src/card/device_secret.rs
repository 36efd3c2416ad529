//! The per-device key under which card fingerprints are computed.

use std::fmt;

use ring::rand::{SecureRandom, SystemRandom};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::card::error::CardError;

/// Size of a device secret in bytes: the SHA-256 output size, as RFC 2104 advises for HMAC keys.
pub const DEVICE_SECRET_LEN: usize = 32;

/// A random 32-byte key, created once per installation and kept sealed by
/// the platform key vault. Wiped on drop; Debug shows nothing of it; not
/// `Clone`, so copies are deliberate.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct DeviceSecret([u8; DEVICE_SECRET_LEN]);

impl DeviceSecret {
    /// Creates a fresh secret from the operating system's random source.
    pub fn generate() -> Result<DeviceSecret, CardError> {
        let mut bytes = [0u8; DEVICE_SECRET_LEN];
        SystemRandom::new().fill(&mut bytes).map_err(|_| CardError::RandomUnavailable)?;
        let secret = DeviceSecret(bytes);
        bytes.zeroize();
        Ok(secret)
    }

    /// Wraps an existing secret (e.g. unsealed from the key vault).
    pub fn from_bytes(bytes: [u8; DEVICE_SECRET_LEN]) -> DeviceSecret {
        DeviceSecret(bytes)
    }

    /// Wraps an existing secret given as a slice, checking its size.
    pub fn from_slice(bytes: &[u8]) -> Result<DeviceSecret, CardError> {
        <[u8; DEVICE_SECRET_LEN]>::try_from(bytes)
            .map(DeviceSecret)
            .map_err(|_| CardError::DeviceSecretLength { len: bytes.len() })
    }

    /// The raw key, only for sealing it into the key vault.
    pub(crate) fn expose_secret(&self) -> &[u8; DEVICE_SECRET_LEN] {
        &self.0
    }
}

impl fmt::Debug for DeviceSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeviceSecret(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_differ_and_hide() {
        let a = DeviceSecret::generate().unwrap();
        let b = DeviceSecret::generate().unwrap();
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert_eq!(format!("{a:?}"), "DeviceSecret(..)");
    }

    #[test]
    fn from_slice_checks_length() {
        assert!(DeviceSecret::from_slice(&[7; 32]).is_ok());
        assert_eq!(DeviceSecret::from_slice(&[7; 31]).unwrap_err(), CardError::DeviceSecretLength { len: 31 });
    }
}
