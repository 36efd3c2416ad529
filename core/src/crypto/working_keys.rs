//! The working keys a sign-in delivers: PIK, MAK and (mode 004) TDK.

use zeroize::Zeroizing;

use super::error::CryptoError;
use super::kcv::{check_value, CHECK_VALUE_LEN};
use super::key::{set_odd_parity, SecretKey};
use super::key_mode::KeyMode;
use super::random::fill_random;

/// The clear working keys of one sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingKeys {
    /// PIN key.
    pub pik: SecretKey,
    /// MAC key.
    pub mak: SecretKey,
    /// Track data key (key mode 004 only).
    pub tdk: Option<SecretKey>,
}

impl WorkingKeys {
    /// The PIK's check value.
    pub fn pik_check_value(&self) -> [u8; CHECK_VALUE_LEN] {
        check_value(&self.pik)
    }

    /// The MAK's check value.
    pub fn mak_check_value(&self) -> [u8; CHECK_VALUE_LEN] {
        check_value(&self.mak)
    }

    /// The TDK's check value, if there is a TDK.
    pub fn tdk_check_value(&self) -> Option<[u8; CHECK_VALUE_LEN]> {
        self.tdk.as_ref().map(check_value)
    }
}

/// Fresh random working keys for `mode`, with odd DES parity (the acquirer simulator issues these).
///
/// The MAK is single length in every mode, as UnionPay hosts issue it.
pub fn generate_working_keys(mode: KeyMode) -> Result<WorkingKeys, CryptoError> {
    Ok(WorkingKeys {
        pik: random_key(mode.pik_len())?,
        mak: random_key(8)?,
        tdk: if mode.has_tdk() { Some(random_key(16)?) } else { None },
    })
}

fn random_key(len: usize) -> Result<SecretKey, CryptoError> {
    let mut bytes = Zeroizing::new(vec![0u8; len]);
    fill_random(&mut bytes)?;
    set_odd_parity(&mut bytes);
    SecretKey::from_slice(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_fit_the_mode() -> Result<(), CryptoError> {
        let k = generate_working_keys(KeyMode::Single001)?;
        assert_eq!((k.pik.len(), k.mak.len(), k.tdk.is_none()), (8, 8, true));
        let k = generate_working_keys(KeyMode::Double003)?;
        assert_eq!((k.pik.len(), k.mak.len(), k.tdk.is_none()), (16, 8, true));
        let k = generate_working_keys(KeyMode::DoubleWithTrack004)?;
        assert_eq!(k.tdk.as_ref().map(SecretKey::len), Some(16));
        assert!(k.pik.has_odd_parity() && k.mak.has_odd_parity());
        assert_ne!(k.pik, generate_working_keys(KeyMode::DoubleWithTrack004)?.pik);
        Ok(())
    }

    #[test]
    fn check_values_follow_the_keys() -> Result<(), CryptoError> {
        let k = WorkingKeys {
            pik: SecretKey::from_hex("807A23AD32B36D457AE91FDF927570EA")?,
            mak: SecretKey::from_hex("5BB5C72CD00B7338")?,
            tdk: None,
        };
        assert_eq!(k.pik_check_value(), [0x8D, 0x0A, 0x74, 0xB8]);
        assert_eq!(k.mak_check_value(), [0xAB, 0x71, 0x53, 0xCA]);
        assert_eq!(k.tdk_check_value(), None);
        Ok(())
    }
}
