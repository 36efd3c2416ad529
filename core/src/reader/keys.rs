//! The reader's answer to a working-key load.

use crate::crypto::SecretKey;

/// The reader accepted the working keys of a sign-in.
///
/// Design: the reader decrypts PIK and TDK under its TMK and keeps them; it also
/// decrypts the MAK and returns it, because MACing every message inside a BLE
/// reader would add a round trip per message. The phone seals the MAK at rest
/// under its KeyVault (DESIGN.md: "the phone holds the MAK, sealed at rest").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderKeyAck {
    /// The clear MAK, verified against its check value (Debug shows its length only).
    pub mak: SecretKey,
    /// PIK check value, as verified by the reader.
    pub pik_kcv: [u8; 4],
    /// MAK check value.
    pub mak_kcv: [u8; 4],
    /// TDK check value, when the keys include a TDK.
    pub tdk_kcv: Option<[u8; 4]>,
}
