//! The card reader seen from the core: the secure device that reads cards, takes PINs
//! and holds the PIN and track keys.
//!
//! [`CardReader`] is the seam: a Bluetooth reader implements it over its protocol
//! (`devices::reader::BleCardReader`); with feature `sim`, `SoftwareReader` simulates one
//! over the test deck.

mod card_read;
#[cfg(any(test, feature = "sim"))]
mod emv;
mod error;
#[cfg(any(test, feature = "sim"))]
mod key_memory;
mod keys;
#[cfg(any(test, feature = "sim"))]
pub(crate) mod oda;
#[cfg(any(test, feature = "sim"))]
mod sda_cards;
#[cfg(any(test, feature = "sim"))]
mod software;
#[cfg(any(test, feature = "sim"))]
mod tamper_memory;

#[cfg(test)]
mod tests;

use async_trait::async_trait;

use crate::crypto::EncryptedWorkingKeys;
use crate::tms::aid::IcParams;
use crate::tms::blacklist::EntryFingerprint;
use crate::tms::capk::CaPublicKey;

/// Blacklist entries one [`CardReader::fingerprint_entries`] call takes (one reader frame).
pub const FINGERPRINT_BATCH: usize = 64;

pub use card_read::{CardRead, CardRequest, DataAuthentication, DeviceInfo};
pub use error::ReaderError;
#[cfg(any(test, feature = "sim"))]
pub use key_memory::KeyMemory;
pub use keys::ReaderKeyAck;
#[cfg(any(test, feature = "sim"))]
pub use software::{SoftwareReader, UnknownTestCard};

/// What the reader's chip kernel holds after [`CardReader::load_chip_parameters`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChipParamsHeld {
    /// CA public keys.
    pub keys: u16,
    /// Applications (AIDs) with their parameters.
    pub aids: u16,
}

/// A card reader with PIN pad, as the terminal drives it.
#[async_trait]
pub trait CardReader: Send + Sync {
    /// Model, serial and capabilities.
    fn device_info(&self) -> DeviceInfo;

    /// Whether key and PIN commands may go to the reader now: for a Bluetooth reader, the link
    /// must be bonded and encrypted ([`ReaderError::LinkNotEncrypted`] otherwise). The terminal
    /// asks before a sign-in goes to the host. A reader without a radio link is always ready;
    /// a wrapper must pass it on.
    fn check_secure_link(&self) -> Result<(), ReaderError> {
        Ok(())
    }

    /// Loads the working keys of a sign-in (still encrypted under the TMK, which only the
    /// reader holds); the reader checks every check value and returns the MAK for sealing.
    async fn load_working_keys(&self, keys: &EncryptedWorkingKeys) -> Result<ReaderKeyAck, ReaderError>;

    /// Waits for a card and reads it (with the PIN when asked and the card needs one).
    async fn read_card(&self, request: CardRequest) -> Result<CardRead, ReaderError>;

    /// Fingerprints blacklist entries (1-19 digits each, at most [`FINGERPRINT_BATCH`] a call)
    /// under the reader's device secret: one 16-byte fingerprint each, in order. The phone keeps
    /// only these; a card read then carries the fingerprints of the card's prefixes.
    async fn fingerprint_entries(&self, entries: &[String]) -> Result<Vec<EntryFingerprint>, ReaderError>;

    /// Hands the reader's chip kernel the CA public keys and IC parameters in force, replacing
    /// what it held; it checks each key's check sum and says how many of each it holds now.
    /// Offline data authentication needs the keys: without them a chip card is never approved
    /// offline. No default body: a wrapper that forgot it would turn authentication off.
    async fn load_chip_parameters(
        &self,
        keys: &[CaPublicKey],
        aids: &[IcParams],
    ) -> Result<ChipParamsHeld, ReaderError>;

    /// Abandons a read in progress; the waiting `read_card` returns `Cancelled`.
    async fn cancel(&self) -> Result<(), ReaderError>;

    /// A challenge for the remote unlock after a tamper event (16 hex digits). No default
    /// body: a wrapper that forgot to forward it would break the unlock silently.
    async fn unlock_challenge(&self) -> Result<String, ReaderError>;

    /// Gives the reader the help desk's code for its last challenge. Wrong codes are counted
    /// (back-off, then a lockout: `ReaderError::Unlock`); a new challenge does not reset them.
    async fn unlock(&self, code: &str) -> Result<(), ReaderError>;

    /// Gives the reader the help desk's reset code for its last challenge: clears a lockout of
    /// the unlock (the wrong-code counts), never the tamper state itself.
    async fn help_desk_reset(&self, code: &str) -> Result<(), ReaderError>;
}
