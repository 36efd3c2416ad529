//! Online PIN verification: field 52 decrypted under the PIK, format 0 decoded with the PAN.

use pos_core::crypto::{pin_from_format0, tdes, Pin, SecretKey};

/// What the PIN block said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PinCheck {
    /// The cardholder's PIN.
    Match,
    /// A well-formed block with another PIN.
    Mismatch,
    /// Not a format 0 block for this card (wrong key or PAN, corrupted): `99`.
    Undecodable,
}

/// Checks an encrypted PIN block against the issuer's PIN.
pub(crate) fn check(encrypted: &[u8; 8], pik: &SecretKey, pan: &str, expected: &str) -> PinCheck {
    let mut clear = tdes::decrypt_block(pik, encrypted);
    let decoded = pin_from_format0(&clear, pan);
    // Do not leave the clear block on the stack longer than needed.
    clear.fill(0);
    std::hint::black_box(&clear);
    match (decoded, Pin::new(expected)) {
        (Ok(entered), Ok(expected)) if entered == expected => PinCheck::Match,
        (Ok(_), _) => PinCheck::Mismatch,
        (Err(_), _) => PinCheck::Undecodable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pos_core::crypto::pin_block_format0;

    #[test]
    fn match_mismatch_undecodable() {
        let pik = SecretKey::from_hex("0123456789ABCDEFFEDCBA9876543210").unwrap();
        let pan = "6228480402564890018";
        let enc = |pin: &str| tdes::encrypt_block(&pik, &pin_block_format0(pin, pan).unwrap());
        assert_eq!(check(&enc("123456"), &pik, pan, "123456"), PinCheck::Match);
        assert_eq!(check(&enc("000000"), &pik, pan, "123456"), PinCheck::Mismatch);
        assert_eq!(check(&[0x55; 8], &pik, pan, "123456"), PinCheck::Undecodable);
    }
}
