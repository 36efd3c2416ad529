//! Message authentication codes for field 64: the UnionPay "ECB" MAC and the ANSI X9.19 retail MAC.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::ct::ct_eq;
use super::error::{clip, CryptoError};
use super::key::SecretKey;
use super::tdes::{Schedule, BLOCK_LEN};

/// The length of a field 64 MAC in bytes.
pub(crate) const MAC_LEN: usize = 8;

/// Which MAC algorithm the acquirer profile uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum MacAlgorithm {
    /// UnionPay POS "ECB" MAC: XOR of blocks, hex, encrypt, XOR, encrypt, 8 hex characters.
    #[default]
    #[serde(rename = "ecb")]
    UnionPayEcb,
    /// ANSI X9.19 retail MAC (ISO/IEC 9797-1 algorithm 3, padding method 1).
    #[serde(rename = "x919")]
    X919,
}

impl MacAlgorithm {
    /// The profile name: "ecb" or "x919".
    pub fn name(self) -> &'static str {
        match self {
            MacAlgorithm::UnionPayEcb => "ecb",
            MacAlgorithm::X919 => "x919",
        }
    }
}

impl fmt::Display for MacAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for MacAlgorithm {
    type Err = CryptoError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ecb" => Ok(MacAlgorithm::UnionPayEcb),
            "x919" => Ok(MacAlgorithm::X919),
            _ => Err(CryptoError::UnknownMacAlgorithm { name: clip(s) }),
        }
    }
}

/// Computes the 8-byte field 64 value over the MAC block `mab`.
pub fn compute_mac(algo: MacAlgorithm, key: &SecretKey, mab: &[u8]) -> [u8; MAC_LEN] {
    match algo {
        MacAlgorithm::UnionPayEcb => unionpay_ecb(key, mab),
        MacAlgorithm::X919 => retail_mac(key, mab),
    }
}

/// Whether `mac` is the MAC of `mab` (constant-time; a wrong length is simply false).
pub fn verify_mac(algo: MacAlgorithm, key: &SecretKey, mab: &[u8], mac: &[u8]) -> bool {
    ct_eq(&compute_mac(algo, key, mab), mac)
}

/// The MAB cut into 8-byte blocks, the last zero-padded; an empty MAB is one zero block.
///
/// Both algorithms pad with zeros only when needed (ISO 9797-1 padding method 1).
fn blocks(mab: &[u8]) -> impl Iterator<Item = [u8; BLOCK_LEN]> + '_ {
    let empty = mab.is_empty();
    let padded = mab.chunks(BLOCK_LEN).map(|chunk| {
        let mut block = [0u8; BLOCK_LEN];
        block[..chunk.len()].copy_from_slice(chunk);
        block
    });
    std::iter::once([0u8; BLOCK_LEN]).filter(move |_| empty).chain(padded)
}

fn xor_into(acc: &mut [u8; BLOCK_LEN], block: &[u8; BLOCK_LEN]) {
    for (a, b) in acc.iter_mut().zip(block) {
        *a ^= b;
    }
}

/// Uppercase hex of 8 bytes, as 16 ASCII bytes.
fn upper_hex(bytes: &[u8; BLOCK_LEN]) -> [u8; 2 * BLOCK_LEN] {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = [0u8; 2 * BLOCK_LEN];
    for (i, b) in bytes.iter().enumerate() {
        out[2 * i] = DIGITS[usize::from(b >> 4)];
        out[2 * i + 1] = DIGITS[usize::from(b & 0x0F)];
    }
    out
}

fn halves(hex: &[u8; 2 * BLOCK_LEN]) -> ([u8; BLOCK_LEN], [u8; BLOCK_LEN]) {
    let mut left = [0u8; BLOCK_LEN];
    let mut right = [0u8; BLOCK_LEN];
    left.copy_from_slice(&hex[..BLOCK_LEN]);
    right.copy_from_slice(&hex[BLOCK_LEN..]);
    (left, right)
}

/// UnionPay POS "ECB" MAC; the key length picks single DES (8) or TDES (16/24).
fn unionpay_ecb(key: &SecretKey, mab: &[u8]) -> [u8; MAC_LEN] {
    let mut acc = [0u8; BLOCK_LEN];
    for block in blocks(mab) {
        xor_into(&mut acc, &block);
    }
    let (left, right) = halves(&upper_hex(&acc));
    let schedule = Schedule::new(key);
    let mut step = left;
    schedule.encrypt(&mut step);
    xor_into(&mut step, &right);
    schedule.encrypt(&mut step);
    // Field 64 carries the first 8 hex characters of the result as ASCII.
    halves(&upper_hex(&step)).0
}

/// ISO/IEC 9797-1 MAC algorithm 3: single-DES CBC under K1, last block TDES-encrypted.
///
/// "Decrypt with K2, encrypt with K1" after the last CBC step equals encrypting the
/// last chained block with the whole key as TDES EDE, which is how this is written:
/// - 16-byte key: exactly X9.19 / algorithm 3.
/// - 24-byte key: the same construction with K1 K2 K3 in the final step.
/// - 8-byte key: the final step is plain DES, so this degrades to the single-DES
///   CBC-MAC of ANSI X9.9 (ISO 9797-1 algorithm 1), as single-length hosts expect.
fn retail_mac(key: &SecretKey, mab: &[u8]) -> [u8; MAC_LEN] {
    // One key schedule for the whole chain: building it costs more than a block.
    let k1 = Schedule::new(&first_des_key(key));
    let mut chain = [0u8; BLOCK_LEN];
    // The last block is held back: it gets the TDES step instead of plain DES.
    let mut held: Option<[u8; BLOCK_LEN]> = None;
    for block in blocks(mab) {
        if let Some(previous) = held.replace(block) {
            xor_into(&mut chain, &previous);
            k1.encrypt(&mut chain);
        }
    }
    // blocks() always yields at least one block, so `held` is Some here.
    xor_into(&mut chain, &held.unwrap_or_default());
    Schedule::new(key).encrypt(&mut chain);
    chain
}

/// K1: the leftmost 8 bytes of the key, as a single-DES key.
fn first_des_key(key: &SecretKey) -> SecretKey {
    match SecretKey::from_slice(&key.as_bytes()[..BLOCK_LEN]) {
        Ok(k1) => k1,
        // Every SecretKey is at least 8 bytes, and 8 is a valid length.
        Err(_) => key.clone(),
    }
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
    fn parses_names() {
        assert_eq!("ecb".parse(), Ok(MacAlgorithm::UnionPayEcb));
        assert_eq!(" X919 ".parse(), Ok(MacAlgorithm::X919));
        assert!(matches!("cbc".parse::<MacAlgorithm>(), Err(CryptoError::UnknownMacAlgorithm { .. })));
        assert_eq!(MacAlgorithm::X919.to_string(), "x919");
    }

    #[test]
    fn serde_uses_profile_names() -> Result<(), serde_json::Error> {
        assert_eq!(serde_json::to_string(&MacAlgorithm::UnionPayEcb)?, "\"ecb\"");
        let a: MacAlgorithm = serde_json::from_str("\"x919\"")?;
        assert_eq!(a, MacAlgorithm::X919);
        Ok(())
    }

    #[test]
    fn blocks_pad_only_when_needed() {
        assert_eq!(blocks(b"").count(), 1);
        assert_eq!(blocks(b"12345678").count(), 1);
        assert_eq!(blocks(b"123456789").count(), 2);
        assert_eq!(blocks(b"123456789").last(), Some(*b"9\0\0\0\0\0\0\0"));
    }

    #[test]
    fn retail_mac_vectors() {
        let k = key("0123456789ABCDEFFEDCBA9876543210");
        let mac = compute_mac(MacAlgorithm::X919, &k, b"Now is the time for all ");
        assert_eq!(hex::encode_upper(mac), "A1C72E74EA3FA9B6");
        let mac = compute_mac(MacAlgorithm::X919, &k, b"Now is the time for it");
        assert_eq!(hex::encode_upper(mac), "2E2B1428CC78254F");
    }

    #[test]
    fn single_length_retail_mac_is_x99_cbc_mac() {
        // X9.9 / FIPS 113: DES CBC-MAC, key 0123456789ABCDEF, "7654321 Now is the time for ".
        let k = key("0123456789ABCDEF");
        let mac = compute_mac(MacAlgorithm::X919, &k, b"7654321 Now is the time for ");
        assert_eq!(hex::encode_upper(&mac[..4]), "F1D30F68");
    }

    #[test]
    fn ecb_mac_is_ascii_hex() {
        let k = key("C24A8FB57AA20123");
        let mac = compute_mac(MacAlgorithm::UnionPayEcb, &k, b"any message block");
        assert!(mac.iter().all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(c)));
    }

    #[test]
    fn ecb_mac_empty_equals_one_zero_block() {
        let k = key("C24A8FB57AA20123");
        assert_eq!(
            compute_mac(MacAlgorithm::UnionPayEcb, &k, b""),
            compute_mac(MacAlgorithm::UnionPayEcb, &k, &[0u8; 8])
        );
    }

    #[test]
    fn verify_rejects_wrong_length() {
        let k = key("C24A8FB57AA20123");
        let mac = compute_mac(MacAlgorithm::UnionPayEcb, &k, b"abc");
        assert!(verify_mac(MacAlgorithm::UnionPayEcb, &k, b"abc", &mac));
        assert!(!verify_mac(MacAlgorithm::UnionPayEcb, &k, b"abc", &mac[..7]));
        assert!(!verify_mac(MacAlgorithm::UnionPayEcb, &k, b"abd", &mac));
    }
}
