//! The platform key store the shell implements (Android Keystore): it wraps the data key
//! that seals the MAC key and the stored offline payments at rest.

use std::sync::Arc;

use pos_core::crypto::{CryptoError, KeyVault as CoreVault};
use zeroize::Zeroizing;

use crate::error::PosError;

/// Wraps and unwraps data keys under a key the platform protects; the wrapped form is opaque.
#[uniffi::export(foreign)]
pub trait KeyVault: Send + Sync {
    /// Encrypts and authenticates `plain` (AES-GCM under a non-exportable key).
    fn wrap(&self, plain: Vec<u8>) -> Result<Vec<u8>, PosError>;
    /// Recovers what `wrap` was given; fails if the input was altered or the key changed.
    fn unwrap(&self, wrapped: Vec<u8>) -> Result<Vec<u8>, PosError>;
}

/// The shell's vault as the core's.
pub(crate) struct ForeignVault(pub Arc<dyn KeyVault>);

impl CoreVault for ForeignVault {
    fn wrap(&self, plain: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.0.wrap(plain.to_vec()).map_err(|e| {
            // The text says what the platform reported, never the key material.
            tracing::warn!(error = %e.en(), "key vault wrap failed");
            CryptoError::WrapFailed
        })
    }

    fn unwrap(&self, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        self.0.unwrap(wrapped.to_vec()).map(Zeroizing::new).map_err(|e| {
            tracing::warn!(error = %e.en(), "key vault unwrap failed");
            CryptoError::UnwrapFailed
        })
    }
}
