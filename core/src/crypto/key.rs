//! DES/TDES key material and the roles keys play.

use std::fmt;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::ct::ct_eq;
use super::error::CryptoError;

/// The role of a key in the terminal's key hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum KeyKind {
    /// Terminal master key: encrypts the working keys sent at sign-in.
    Tmk,
    /// PIN key: encrypts PIN blocks.
    Pik,
    /// MAC key: authenticates messages.
    Mak,
    /// Track data key: encrypts track 2/3.
    Tdk,
    /// DUKPT base derivation key (host side).
    Bdk,
    /// DUKPT initial key loaded into the reader.
    Ipek,
    /// A DUKPT transaction key.
    Dukpt,
}

impl KeyKind {
    /// The short English name, as used on UnionPay terminals.
    pub fn name(self) -> &'static str {
        match self {
            KeyKind::Tmk => "TMK",
            KeyKind::Pik => "PIK",
            KeyKind::Mak => "MAK",
            KeyKind::Tdk => "TDK",
            KeyKind::Bdk => "BDK",
            KeyKind::Ipek => "IPEK",
            KeyKind::Dukpt => "DUKPT key",
        }
    }

    /// The Chinese name with the short name, for operator text.
    pub fn zh(self) -> &'static str {
        match self {
            KeyKind::Tmk => "主密钥（TMK）",
            KeyKind::Pik => "PIN密钥（PIK）",
            KeyKind::Mak => "MAC密钥（MAK）",
            KeyKind::Tdk => "磁道密钥（TDK）",
            KeyKind::Bdk => "基础派生密钥（BDK）",
            KeyKind::Ipek => "初始密钥（IPEK）",
            KeyKind::Dukpt => "DUKPT交易密钥",
        }
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A single (8), double (16) or triple (24 byte) length DES key, wiped on drop.
///
/// Equality is constant-time so comparing keys leaks nothing through timing.
#[derive(Clone)]
pub struct SecretKey {
    // A Vec built once with exact capacity never reallocates, so no stale copies.
    bytes: Zeroizing<Vec<u8>>,
}

impl SecretKey {
    /// Copies a key of 8, 16 or 24 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, CryptoError> {
        match bytes.len() {
            8 | 16 | 24 => Ok(SecretKey { bytes: Zeroizing::new(bytes.to_vec()) }),
            len => Err(CryptoError::BadKeyLength { len }),
        }
    }

    /// Parses a key from hex (either case).
    pub fn from_hex(text: &str) -> Result<Self, CryptoError> {
        let bytes = Zeroizing::new(hex::decode(text.trim()).map_err(|_| CryptoError::BadKeyHex)?);
        Self::from_slice(&bytes)
    }

    /// The key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The key length in bytes: 8, 16 or 24.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Always false: a key is never empty (kept for the `len` convention).
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The same key with every byte's low bit set for odd parity, as DES keys carry.
    pub fn with_odd_parity(&self) -> SecretKey {
        let mut bytes = self.bytes.clone();
        set_odd_parity(&mut bytes);
        SecretKey { bytes }
    }

    /// Whether every byte has odd parity.
    pub fn has_odd_parity(&self) -> bool {
        self.bytes.iter().all(|b| b.count_ones() % 2 == 1)
    }

    /// The key XORed with a same-length mask (variants, DUKPT derivation).
    pub(crate) fn xor_with(&self, mask: &[u8]) -> SecretKey {
        let mut bytes = self.bytes.clone();
        for (b, m) in bytes.iter_mut().zip(mask.iter().cycle()) {
            *b ^= m;
        }
        SecretKey { bytes }
    }
}

/// Sets the low bit of each byte so that the byte has an odd number of one bits.
pub(crate) fn set_odd_parity(bytes: &mut [u8]) {
    for b in bytes {
        let high = *b & 0xFE;
        *b = if high.count_ones() % 2 == 0 { high | 1 } else { high };
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({} bytes)", self.len())
    }
}

impl PartialEq for SecretKey {
    fn eq(&self, other: &Self) -> bool {
        ct_eq(&self.bytes, &other.bytes)
    }
}

impl Eq for SecretKey {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_only_des_lengths() {
        for len in 0..40 {
            let r = SecretKey::from_slice(&vec![0x11; len]);
            match len {
                8 | 16 | 24 => assert_eq!(r.map(|k| k.len()), Ok(len)),
                _ => assert_eq!(r, Err(CryptoError::BadKeyLength { len })),
            }
        }
    }

    #[test]
    fn from_hex_parses_and_rejects() {
        let k = SecretKey::from_hex("0123456789abcdefFEDCBA9876543210");
        assert_eq!(k.map(|k| k.as_bytes()[15]), Ok(0x10));
        assert_eq!(SecretKey::from_hex("0123"), Err(CryptoError::BadKeyLength { len: 2 }));
        assert_eq!(SecretKey::from_hex("zz"), Err(CryptoError::BadKeyHex));
    }

    #[test]
    fn debug_shows_length_only() -> Result<(), CryptoError> {
        let k = SecretKey::from_hex("0123456789ABCDEFFEDCBA9876543210")?;
        let shown = format!("{k:?}");
        assert_eq!(shown, "SecretKey(16 bytes)");
        Ok(())
    }

    #[test]
    fn odd_parity_is_set() -> Result<(), CryptoError> {
        let k = SecretKey::from_slice(&[0x00, 0x01, 0x02, 0x03, 0xFE, 0xFF, 0x80, 0x7F])?;
        let p = k.with_odd_parity();
        assert!(!k.has_odd_parity());
        assert!(p.has_odd_parity());
        assert_eq!(p.as_bytes(), &[0x01, 0x01, 0x02, 0x02, 0xFE, 0xFE, 0x80, 0x7F]);
        Ok(())
    }

    #[test]
    fn key_kind_names() {
        assert_eq!(KeyKind::Pik.to_string(), "PIK");
        assert!(KeyKind::Tdk.zh().contains("TDK"));
    }
}
