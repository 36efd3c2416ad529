//! What the reader asks for and what it hands back: card data fit for a request, never in clear.

use std::fmt;
use std::time::Duration;

use zeroize::Zeroize;

use crate::card::{CardFingerprint, MaskedPan};
use crate::clock::Timestamp;
use crate::iso8583::{CardFields, EntryMode, SecurityControl, TxnType};
use crate::money::Amount;
use crate::tms::blacklist::EntryFingerprint;

/// A request to read a card for one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardRequest {
    /// The transaction the card is read for (chip cards put it in 9C).
    pub txn: TxnType,
    /// The amount shown to the cardholder (none for an inquiry).
    pub amount: Option<Amount>,
    /// How long to wait for a card.
    pub timeout: Duration,
    /// Whether this transaction asks for a PIN when the card needs one.
    pub pin_entry: bool,
    /// The terminal's time, for the chip's transaction date (9A).
    pub at: Timestamp,
    /// The blacklist's entry lengths (bit `n`: `n` digits): the reader answers the fingerprints
    /// of the card's prefixes of those lengths ([`CardRead::prefix_fingerprints`]); 0 for none.
    pub prefix_lengths: u32,
}

/// One card read, as a secure reader returns it: tracks encrypted under the TDK
/// (when the key mode has one), the PIN block encrypted under the PIK, the PAN masked.
#[derive(Clone, PartialEq, Eq)]
pub struct CardRead {
    /// Field 22.
    pub entry_mode: EntryMode,
    /// The card number, first 6 and last 4.
    pub masked_pan: MaskedPan,
    /// Expiry YYMM.
    pub expiry: Option<String>,
    /// Service code.
    pub service_code: Option<String>,
    /// Field 35 digits (`D` separator), encrypted when `security.track_encrypted`.
    pub track2: Option<String>,
    /// Field 36 digits.
    pub track3: Option<String>,
    /// Field 53: PIN block format, key length, track encryption.
    pub security: SecurityControl,
    /// Field 52: ISO 9564 format 0 PIN block encrypted under the PIK.
    pub pin_block: Option<[u8; 8]>,
    /// Field 55: BER-TLV chip data (chip and contactless reads).
    pub icc: Option<Vec<u8>>,
    /// Field 23: card sequence number (chip).
    pub card_seq: Option<u16>,
    /// 60.5: `2` after a chip failure fell back to the stripe, else `0`.
    pub ic_condition: u8,
    /// HMAC of the PAN under the reader's device secret.
    pub fingerprint: CardFingerprint,
    /// The fingerprints of the card number's prefixes of the lengths asked for
    /// ([`CardRequest::prefix_lengths`]), shortest first: the blacklist lookup without the number.
    pub prefix_fingerprints: Vec<EntryFingerprint>,
    /// What the reader's offline data authentication of the chip found (stripe reads: not
    /// performed). Only [`DataAuthentication::Succeeded`] lets a chip card be approved offline.
    pub data_authentication: DataAuthentication,
}

/// The reader's offline data authentication of a chip card (EMV Book 2; TVR byte 1): the card's
/// static data checked against the issuer's certificate under a CA public key the terminal
/// handed to the reader ([`super::CardReader::load_chip_parameters`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DataAuthentication {
    /// Not done: a stripe read, or the reader holds no CA public keys (TVR `80`).
    #[default]
    NotPerformed,
    /// The card's data authenticated.
    Succeeded,
    /// It did not: no key for the card's index, a certificate or signature that does not
    /// verify, an expired certificate, or data altered since the issuer signed it (TVR `40`).
    Failed,
}

impl DataAuthentication {
    /// The value of the reader protocol's tag `3E` (the simulated reader device sends it).
    #[cfg(any(test, feature = "sim"))]
    pub(crate) fn code(self) -> u8 {
        match self {
            DataAuthentication::NotPerformed => 0,
            DataAuthentication::Succeeded => 1,
            DataAuthentication::Failed => 2,
        }
    }

    /// From tag `3E`; anything else is not performed (never a success).
    pub(crate) fn from_code(code: Option<u8>) -> DataAuthentication {
        match code {
            Some(1) => DataAuthentication::Succeeded,
            Some(2) => DataAuthentication::Failed,
            _ => DataAuthentication::NotPerformed,
        }
    }

    /// TVR byte 1's offline data authentication bits (the simulated chip's field 55).
    #[cfg(any(test, feature = "sim"))]
    pub(crate) fn tvr_byte1(self) -> u8 {
        match self {
            DataAuthentication::NotPerformed => 0x80,
            DataAuthentication::Succeeded => 0x00,
            DataAuthentication::Failed => 0x40,
        }
    }
}

impl CardRead {
    /// The card fields of a financial request (field 14 only for chip reads: the stripe carries it).
    pub fn card_fields(&self) -> CardFields {
        CardFields {
            pan: None,
            expiry: self.expiry.clone().filter(|_| self.entry_mode.method.is_chip()),
            entry_mode: Some(self.entry_mode),
            card_seq: self.card_seq,
            track2: self.track2.clone(),
            track3: self.track3.clone(),
            pin_block: self.pin_block,
            security: Some(self.security),
            icc: self.icc.clone(),
        }
    }
}

impl fmt::Debug for CardRead {
    /// Entry mode, masked PAN and presence flags only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardRead")
            .field("entry_mode", &self.entry_mode.to_field())
            .field("masked_pan", &self.masked_pan.as_str())
            .field("track2", &self.track2.as_ref().map(|_| "<present>"))
            .field("track3", &self.track3.as_ref().map(|_| "<present>"))
            .field("security", &self.security)
            .field("pin_block", &self.pin_block.as_ref().map(|_| "<present>"))
            .field("icc_len", &self.icc.as_ref().map(Vec::len))
            .field("card_seq", &self.card_seq)
            .field("ic_condition", &self.ic_condition)
            .field("data_authentication", &self.data_authentication)
            .finish_non_exhaustive()
    }
}

impl Drop for CardRead {
    fn drop(&mut self) {
        // Encrypted, but in mode 003 the tracks travel clear: wipe either way.
        self.track2.zeroize();
        self.track3.zeroize();
        self.pin_block.zeroize();
        self.icc.zeroize();
    }
}

/// What the reader says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// Model name.
    pub model: String,
    /// Serial number (also tag 9F1E).
    pub serial: String,
    /// Firmware version.
    pub firmware: String,
    /// Whether it has a PIN pad.
    pub pin_pad: bool,
    /// Whether it reads contactless cards.
    pub contactless: bool,
    /// Battery charge, percent (100 for mains-powered readers).
    pub battery_percent: u8,
    /// True once the security (tamper) switch has fired.
    pub tampered: bool,
}
