//! TDES DUKPT (ANSI X9.24-1:2009): initial key and per-transaction keys from a KSN.
//!
//! A host (or the acquirer simulator) uses this to find the key a DUKPT reader used;
//! the reader derives the same key forward from its future-key registers.

use std::fmt;
use std::str::FromStr;

use zeroize::Zeroizing;

use super::error::CryptoError;
use super::key::{KeyKind, SecretKey};
use super::tdes;

/// The KSN length in bytes.
pub(crate) const KSN_LEN: usize = 10;

/// The KSN's transaction counter is its rightmost 21 bits.
const COUNTER_BITS: u32 = 21;
const COUNTER_MASK: u32 = (1 << COUNTER_BITS) - 1;

/// A TDES DUKPT key is always double length.
const DUKPT_KEY_LEN: usize = 16;

/// The key mask of the IPEK derivation and the non-reversible key generation process.
const KEY_MASK: [u8; DUKPT_KEY_LEN] =
    [0xC0, 0xC0, 0xC0, 0xC0, 0x00, 0x00, 0x00, 0x00, 0xC0, 0xC0, 0xC0, 0xC0, 0x00, 0x00, 0x00, 0x00];

/// The PIN encryption variant mask, applied to each 8-byte half.
const PIN_VARIANT_MASK: [u8; 8] = [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF];

/// A key serial number: key set ID, device ID and a 21-bit transaction counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ksn([u8; KSN_LEN]);

impl Ksn {
    /// Takes exactly 10 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let array: [u8; KSN_LEN] = bytes.try_into().map_err(|_| CryptoError::BadKsn)?;
        Ok(Ksn(array))
    }

    /// Parses 20 hex digits.
    pub fn from_hex(text: &str) -> Result<Self, CryptoError> {
        let bytes = hex::decode(text.trim()).map_err(|_| CryptoError::BadKsn)?;
        Self::from_bytes(&bytes)
    }

    /// The 10 KSN bytes.
    pub fn as_bytes(&self) -> &[u8; KSN_LEN] {
        &self.0
    }

    /// The transaction counter (21 bits).
    pub fn counter(&self) -> u32 {
        let tail = u32::from_be_bytes([0, self.0[7], self.0[8], self.0[9]]);
        tail & COUNTER_MASK
    }

    /// The same KSN with the counter cleared: the initial KSN the IPEK belongs to.
    pub fn initial(&self) -> Ksn {
        let mut bytes = self.0;
        bytes[7] &= 0xE0;
        bytes[8] = 0;
        bytes[9] = 0;
        Ksn(bytes)
    }

    /// The rightmost 64 bits, the register the key generation works on.
    fn right64(&self) -> u64 {
        let mut r = [0u8; 8];
        r.copy_from_slice(&self.0[2..]);
        u64::from_be_bytes(r)
    }
}

impl fmt::Display for Ksn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode_upper(self.0))
    }
}

impl FromStr for Ksn {
    type Err = CryptoError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ksn::from_hex(s)
    }
}

fn require_double(kind: KeyKind, key: &SecretKey) -> Result<(), CryptoError> {
    if key.len() == DUKPT_KEY_LEN {
        Ok(())
    } else {
        Err(CryptoError::WrongKeyLength { kind, len: key.len(), expected: DUKPT_KEY_LEN })
    }
}

/// The initial PIN encryption key (IPEK) of the device that `ksn` names, from the BDK.
pub fn derive_ipek(bdk: &SecretKey, ksn: &Ksn) -> Result<SecretKey, CryptoError> {
    require_double(KeyKind::Bdk, bdk)?;
    let mut block = [0u8; 8];
    block.copy_from_slice(&ksn.initial().0[..8]);
    let mut ipek = Zeroizing::new([0u8; DUKPT_KEY_LEN]);
    ipek[..8].copy_from_slice(&tdes::encrypt_block(bdk, &block));
    ipek[8..].copy_from_slice(&tdes::encrypt_block(&bdk.xor_with(&KEY_MASK), &block));
    SecretKey::from_slice(&ipek[..])
}

/// The transaction key for `ksn`: the non-reversible key generation process applied
/// once for each counter bit, from the highest down.
pub fn derive_transaction_key(ipek: &SecretKey, ksn: &Ksn) -> Result<SecretKey, CryptoError> {
    require_double(KeyKind::Ipek, ipek)?;
    let counter = ksn.counter();
    // A conforming device never uses counter 0 or a value with more than 10 one bits.
    if counter == 0 || counter.count_ones() > 10 {
        return Err(CryptoError::BadKsnCounter);
    }
    let mut register = ksn.initial().right64();
    let mut key = ipek.clone();
    for bit in (0..COUNTER_BITS).rev() {
        let flag = 1u32 << bit;
        if counter & flag != 0 {
            register |= u64::from(flag);
            key = non_reversible_key(&key, register)?;
        }
    }
    Ok(key)
}

/// The key XORed with 00000000000000FF00000000000000FF, for PIN encryption.
pub fn pin_variant(key: &SecretKey) -> SecretKey {
    key.xor_with(&PIN_VARIANT_MASK)
}

/// X9.24-1 non-reversible key generation process on a double-length key.
fn non_reversible_key(key: &SecretKey, register: u64) -> Result<SecretKey, CryptoError> {
    let mut next = Zeroizing::new([0u8; DUKPT_KEY_LEN]);
    next[8..].copy_from_slice(&half_step(key, register)?);
    next[..8].copy_from_slice(&half_step(&key.xor_with(&KEY_MASK), register)?);
    SecretKey::from_slice(&next[..])
}

/// (register XOR right) encrypted by single DES under left, then XOR right.
///
/// Only called with double-length keys (checked on entry to the derivation, and
/// every derived key is built 16 bytes long), so both halves are in range.
fn half_step(key: &SecretKey, register: u64) -> Result<[u8; 8], CryptoError> {
    let bytes = key.as_bytes();
    let left = SecretKey::from_slice(&bytes[..8])?;
    let mut right = [0u8; 8];
    right.copy_from_slice(&bytes[8..DUKPT_KEY_LEN]);
    let mut block = register.to_be_bytes();
    for (b, r) in block.iter_mut().zip(right) {
        *b ^= r;
    }
    let mut out = tdes::encrypt_block(&left, &block);
    for (o, r) in out.iter_mut().zip(right) {
        *o ^= r;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BDK: &str = "0123456789ABCDEFFEDCBA9876543210";

    #[test]
    fn ksn_parts() -> Result<(), CryptoError> {
        let ksn = Ksn::from_hex("FFFF9876543210E00008")?;
        assert_eq!(ksn.counter(), 8);
        assert_eq!(ksn.initial().to_string(), "FFFF9876543210E00000");
        assert_eq!(Ksn::from_hex("FFFF9876543210FFFFFF")?.counter(), 0x1F_FFFF);
        assert_eq!(Ksn::from_hex("FFFF"), Err(CryptoError::BadKsn));
        assert_eq!(Ksn::from_hex("not hex at all!!!!!!"), Err(CryptoError::BadKsn));
        Ok(())
    }

    #[test]
    fn ipek_vector() -> Result<(), CryptoError> {
        let bdk = SecretKey::from_hex(BDK)?;
        let ipek = derive_ipek(&bdk, &Ksn::from_hex("FFFF9876543210E00000")?)?;
        assert_eq!(hex::encode_upper(ipek.as_bytes()), "6AC292FAA1315B4D858AB3A3D7D5933A");
        // The counter does not matter for the IPEK.
        let same = derive_ipek(&bdk, &Ksn::from_hex("FFFF9876543210E00012")?)?;
        assert_eq!(same, ipek);
        Ok(())
    }

    #[test]
    fn transaction_key_vectors() -> Result<(), CryptoError> {
        let bdk = SecretKey::from_hex(BDK)?;
        let ksn = Ksn::from_hex("FFFF9876543210E00001")?;
        let ipek = derive_ipek(&bdk, &ksn)?;
        let key = derive_transaction_key(&ipek, &ksn)?;
        assert_eq!(hex::encode_upper(key.as_bytes()), "042666B49184CFA368DE9628D0397BC9");
        // Counters 2 and 3 (one and two key generation steps); the keys were
        // recomputed with an independent implementation (Python, PyCryptodome DES).
        let key = derive_transaction_key(&ipek, &Ksn::from_hex("FFFF9876543210E00002")?)?;
        assert_eq!(hex::encode_upper(key.as_bytes()), "C46551CEF9FD24B0AA9AD834130D3BC7");
        let key = derive_transaction_key(&ipek, &Ksn::from_hex("FFFF9876543210E00003")?)?;
        assert_eq!(hex::encode_upper(key.as_bytes()), "0DF3D9422ACA56E547676D07AD6BADFA");
        // Its PIN variant encrypts the 1234 / 4012345678909 block to the X9.24 table value.
        let block = tdes::encrypt_block(&pin_variant(&key), &[0x04, 0x12, 0x74, 0xED, 0xCB, 0xA9, 0x87, 0x6F]);
        assert_eq!(hex::encode_upper(block), "18DC07B94797B466");
        Ok(())
    }

    #[test]
    fn pin_variant_flips_last_byte_of_each_half() -> Result<(), CryptoError> {
        let key = SecretKey::from_hex("042666B49184CFA368DE9628D0397BC9")?;
        let v = pin_variant(&key);
        assert_eq!(hex::encode_upper(v.as_bytes()), "042666B49184CF5C68DE9628D0397B36");
        Ok(())
    }

    #[test]
    fn rejects_bad_counters_and_key_lengths() -> Result<(), CryptoError> {
        let bdk = SecretKey::from_hex(BDK)?;
        let ipek = derive_ipek(&bdk, &Ksn::from_hex("FFFF9876543210E00000")?)?;
        for ksn in ["FFFF9876543210E00000", "FFFF9876543210E007FF"] {
            assert_eq!(derive_transaction_key(&ipek, &Ksn::from_hex(ksn)?), Err(CryptoError::BadKsnCounter));
        }
        let single = SecretKey::from_hex("0123456789ABCDEF")?;
        assert_eq!(
            derive_ipek(&single, &Ksn::from_hex("FFFF9876543210E00000")?),
            Err(CryptoError::WrongKeyLength { kind: KeyKind::Bdk, len: 8, expected: 16 })
        );
        Ok(())
    }
}
