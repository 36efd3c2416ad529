//! Cryptographically secure random bytes from the operating system.

use ring::rand::{SecureRandom, SystemRandom};

use super::error::CryptoError;

/// N random bytes from the operating system's generator.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut out = [0u8; N];
    fill_random(&mut out)?;
    Ok(out)
}

/// Fills `buf` with random bytes from the operating system's generator.
pub(crate) fn fill_random(buf: &mut [u8]) -> Result<(), CryptoError> {
    SystemRandom::new().fill(buf).map_err(|_| CryptoError::RandomFailed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_differ_between_calls() -> Result<(), CryptoError> {
        let a = random_bytes::<32>()?;
        let b = random_bytes::<32>()?;
        assert_ne!(a, b);
        assert_eq!(random_bytes::<0>()?, [0u8; 0]);
        Ok(())
    }
}
