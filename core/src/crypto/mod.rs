//! Payment cryptography: TDES, MACs, check values, working keys, PIN blocks, DUKPT, sealing.
//!
//! Keys are [`SecretKey`]s: wiped on drop, shown by Debug as their length only.
//! Every failure is a [`CryptoError`], whose text never contains key bytes, PINs,
//! PANs or track data.

#![warn(missing_docs)]

mod aead;
mod ct;
pub(crate) mod dukpt;
pub mod error;
pub(crate) mod file_vault;
pub mod kcv;
pub mod key;
pub mod key_mode;
pub(crate) mod keyblock;
pub mod mac;
pub(crate) mod pinblock;
pub mod random;
pub mod seal;
pub(crate) mod sealed_file;
pub mod tdes;
pub mod track;
pub mod vault;
pub(crate) mod working_keys;

pub use dukpt::{derive_ipek, derive_transaction_key, pin_variant, Ksn};
pub use error::CryptoError;
pub use error::VaultOp;
pub use file_vault::FileVault;
pub use kcv::check_value;
pub use key::{KeyKind, SecretKey};
pub use key_mode::KeyMode;
pub use keyblock::EncryptedKey;
pub use keyblock::{build_working_keys, parse_working_keys, split_field62, EncryptedWorkingKeys};
pub use mac::{compute_mac, verify_mac, MacAlgorithm};
pub use pinblock::{pin_block_format0, pin_from_format0, Pin};
pub(crate) use random::random_bytes;
pub use seal::Sealer;
pub use sealed_file::SealedFile;
pub use track::{decrypt_track, decrypt_whole_track, encrypt_track, encrypt_whole_track};
pub use vault::KeyVault;
pub use working_keys::{generate_working_keys, WorkingKeys};
