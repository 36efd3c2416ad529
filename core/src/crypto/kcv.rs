//! Key check values: how a terminal confirms it decrypted a key correctly.

use super::ct::ct_eq;
use super::key::SecretKey;
use super::tdes;

/// The length of a UnionPay key check value in bytes.
pub(crate) const CHECK_VALUE_LEN: usize = 4;

/// The first 4 bytes of the key's encryption of 8 zero bytes.
pub fn check_value(key: &SecretKey) -> [u8; CHECK_VALUE_LEN] {
    let block = tdes::encrypt_block(key, &[0u8; tdes::BLOCK_LEN]);
    let mut cv = [0u8; CHECK_VALUE_LEN];
    cv.copy_from_slice(&block[..CHECK_VALUE_LEN]);
    cv
}

/// Whether `expected` is the key's check value (constant-time).
pub(crate) fn check_value_matches(key: &SecretKey, expected: &[u8]) -> bool {
    ct_eq(&check_value(key), expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::error::CryptoError;

    #[test]
    fn vector_check_values() -> Result<(), CryptoError> {
        let pik = SecretKey::from_hex("807A23AD32B36D457AE91FDF927570EA")?;
        let mak = SecretKey::from_hex("5BB5C72CD00B7338")?;
        assert_eq!(hex::encode_upper(check_value(&pik)), "8D0A74B8");
        assert_eq!(hex::encode_upper(check_value(&mak)), "AB7153CA");
        assert!(check_value_matches(&mak, &[0xAB, 0x71, 0x53, 0xCA]));
        assert!(!check_value_matches(&mak, &[0xAB, 0x71, 0x53, 0xCB]));
        assert!(!check_value_matches(&mak, &[0xAB, 0x71, 0x53]));
        Ok(())
    }
}
