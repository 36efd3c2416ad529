//! DES and triple DES (EDE) in ECB mode, chosen by key length.
//!
//! An 8-byte key means single DES, 16 bytes two-key TDES (K1 K2 K1), 24 bytes
//! three-key TDES. A double-length key whose halves are equal therefore behaves as
//! single DES, which is how terminals stay compatible with single-length hosts.

use cipher::generic_array::GenericArray;
use cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use des::{Des, TdesEde2, TdesEde3};

use super::error::CryptoError;
use super::key::SecretKey;

/// The DES block size in bytes.
pub(crate) const BLOCK_LEN: usize = 8;

/// A key schedule for whichever DES variant the key length selects.
pub(crate) enum Schedule {
    Single(Des),
    Double(TdesEde2),
    Triple(TdesEde3),
}

impl Schedule {
    /// The schedule of `key` (built once, then used for every block of a message).
    pub(crate) fn new(key: &SecretKey) -> Self {
        let bytes = key.as_bytes();
        // SecretKey guarantees 8, 16 or 24 bytes, so exactly one arm matches and
        // each GenericArray conversion has the length it needs.
        match bytes.len() {
            8 => Schedule::Single(Des::new(GenericArray::from_slice(bytes))),
            16 => Schedule::Double(TdesEde2::new(GenericArray::from_slice(bytes))),
            _ => Schedule::Triple(TdesEde3::new(GenericArray::from_slice(&bytes[..24]))),
        }
    }

    /// Encrypts one block in place.
    pub(crate) fn encrypt(&self, block: &mut [u8; BLOCK_LEN]) {
        let b = GenericArray::from_mut_slice(block);
        match self {
            Schedule::Single(c) => c.encrypt_block(b),
            Schedule::Double(c) => c.encrypt_block(b),
            Schedule::Triple(c) => c.encrypt_block(b),
        }
    }

    fn decrypt(&self, block: &mut [u8; BLOCK_LEN]) {
        let b = GenericArray::from_mut_slice(block);
        match self {
            Schedule::Single(c) => c.decrypt_block(b),
            Schedule::Double(c) => c.decrypt_block(b),
            Schedule::Triple(c) => c.decrypt_block(b),
        }
    }
}

/// Encrypts one 8-byte block.
pub fn encrypt_block(key: &SecretKey, block: &[u8; BLOCK_LEN]) -> [u8; BLOCK_LEN] {
    let mut out = *block;
    Schedule::new(key).encrypt(&mut out);
    out
}

/// Decrypts one 8-byte block.
pub fn decrypt_block(key: &SecretKey, block: &[u8; BLOCK_LEN]) -> [u8; BLOCK_LEN] {
    let mut out = *block;
    Schedule::new(key).decrypt(&mut out);
    out
}

/// Encrypts data whose length is a multiple of 8, in place, block by block (ECB).
pub(crate) fn encrypt_in_place(key: &SecretKey, data: &mut [u8]) -> Result<(), CryptoError> {
    let schedule = Schedule::new(key);
    for_each_block(data, |block| schedule.encrypt(block))
}

/// Decrypts data whose length is a multiple of 8, in place, block by block (ECB).
pub fn decrypt_in_place(key: &SecretKey, data: &mut [u8]) -> Result<(), CryptoError> {
    let schedule = Schedule::new(key);
    for_each_block(data, |block| schedule.decrypt(block))
}

/// Encrypts data whose length is a multiple of 8 (ECB) into a new buffer.
pub(crate) fn encrypt_ecb(key: &SecretKey, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let mut out = data.to_vec();
    encrypt_in_place(key, &mut out)?;
    Ok(out)
}

fn for_each_block(data: &mut [u8], mut f: impl FnMut(&mut [u8; BLOCK_LEN])) -> Result<(), CryptoError> {
    // (Not `is_multiple_of`: the workspace declares Rust 1.80.)
    if !data.chunks_exact(BLOCK_LEN).remainder().is_empty() {
        return Err(CryptoError::BadDataLength { len: data.len() });
    }
    for chunk in data.chunks_exact_mut(BLOCK_LEN) {
        let mut block = [0u8; BLOCK_LEN];
        block.copy_from_slice(chunk);
        f(&mut block);
        chunk.copy_from_slice(&block);
        // The block may be clear key material being decrypted.
        zeroize::Zeroize::zeroize(&mut block);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(hex: &str) -> SecretKey {
        match SecretKey::from_hex(hex) {
            Ok(k) => k,
            Err(e) => panic!("test key: {e}"),
        }
    }

    #[test]
    fn single_des_known_answer() {
        // FIPS 81 / classic example: key 0123456789ABCDEF, "Now is t".
        let k = key("0123456789ABCDEF");
        let ct = encrypt_block(&k, b"Now is t");
        assert_eq!(hex::encode_upper(ct), "3FA40E8A984D4815");
        assert_eq!(&decrypt_block(&k, &ct), b"Now is t");
    }

    #[test]
    fn double_key_with_equal_halves_is_single_des() {
        let single = key("0123456789ABCDEF");
        let double = key("0123456789ABCDEF0123456789ABCDEF");
        let triple = key("0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF");
        let block = *b"12345678";
        let expected = encrypt_block(&single, &block);
        assert_eq!(encrypt_block(&double, &block), expected);
        assert_eq!(encrypt_block(&triple, &block), expected);
    }

    #[test]
    fn two_key_equals_three_key_k1_k2_k1() {
        let two = key("0123456789ABCDEFFEDCBA9876543210");
        let three = key("0123456789ABCDEFFEDCBA98765432100123456789ABCDEF");
        let block = [0u8; 8];
        assert_eq!(encrypt_block(&two, &block), encrypt_block(&three, &block));
    }

    #[test]
    fn ecb_round_trip_and_length_check() -> Result<(), CryptoError> {
        let k = key("0123456789ABCDEFFEDCBA9876543210");
        let plain = b"sixteen byte msg".to_vec();
        let mut data = encrypt_ecb(&k, &plain)?;
        assert_ne!(data, plain);
        decrypt_in_place(&k, &mut data)?;
        assert_eq!(data, plain);
        assert_eq!(encrypt_ecb(&k, b"short"), Err(CryptoError::BadDataLength { len: 5 }));
        assert_eq!(encrypt_ecb(&k, b""), Ok(Vec::new()));
        Ok(())
    }
}
