//! The platform key store seen from the core: it wraps and unwraps data keys.

use zeroize::Zeroizing;

use super::error::CryptoError;

/// Wraps data keys under a key the platform protects (Android Keystore, or a file on desktop).
///
/// The wrapped form is opaque to the core: it is stored next to the data and
/// handed back to `unwrap` on the next start.
pub trait KeyVault: Send + Sync {
    /// Encrypts and authenticates `plain` under the vault's key.
    fn wrap(&self, plain: &[u8]) -> Result<Vec<u8>, CryptoError>;
    /// Recovers what `wrap` was given; fails if the input was altered or the vault key changed.
    fn unwrap(&self, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError>;
}
