//! The reader protocol's vocabulary: command and event codes, payload tags, status codes.

/// Phone-to-reader commands (frame KIND request; the response carries the same code).
pub mod cmd {
    /// Model, serial, firmware, battery, capabilities, tamper state.
    pub(crate) const DEVICE_INFO: u8 = 0x01;
    /// Working keys of a sign-in (ciphertext under the TMK).
    pub const LOAD_KEYS: u8 = 0x02;
    /// Start a card read for a transaction; events follow.
    pub(crate) const START_TXN: u8 = 0x03;
    /// Abandon the read in progress.
    pub(crate) const CANCEL: u8 = 0x04;
    /// Show text on the reader's display.
    pub(crate) const DISPLAY_TEXT: u8 = 0x05;
    /// Ask whether the security switch has fired.
    pub(crate) const TAMPER_STATUS: u8 = 0x06;
    /// A fresh challenge for the remote unlock of a tampered reader.
    pub(crate) const UNLOCK_CHALLENGE: u8 = 0x07;
    /// The help desk's code for the last challenge; clears the security state when right.
    /// Wrong codes are counted: back-off, then a lockout (statuses 6 to 8).
    pub(crate) const UNLOCK: u8 = 0x08;
    /// The help desk's reset code for the last challenge; clears a lockout of the unlock.
    pub(crate) const UNLOCK_RESET: u8 = 0x09;
    /// Link key agreement (ECDH P-256): the phone's ephemeral public key for the reader's.
    pub(crate) const LINK_KEY: u8 = 0x0A;
    /// Blacklist entries (`ENTRIES`) to fingerprint under the device secret; the answer holds
    /// one 16-byte fingerprint each, in order (`ENTRY_FPS`).
    pub(crate) const FINGERPRINT_ENTRIES: u8 = 0x0B;
    /// CA public keys and IC parameters for the reader's chip kernel, in parts of one frame
    /// (`CHIP_PART`, `CA_KEY`*, `AID_PARAMS`*); the answer says how many it holds.
    pub(crate) const LOAD_CHIP_PARAMS: u8 = 0x0C;
}

/// Reader-to-phone events (frame KIND event).
pub mod event {
    /// The reader is waiting for a card.
    pub(crate) const WAITING_FOR_CARD: u8 = 0x81;
    /// A card was swiped, inserted or tapped.
    pub(crate) const CARD_DETECTED: u8 = 0x82;
    /// The chip failed; the cardholder must swipe.
    pub(crate) const FALLBACK_TO_SWIPE: u8 = 0x83;
    /// PIN digits entered so far.
    pub(crate) const PIN_PROGRESS: u8 = 0x84;
    /// The card was taken out.
    pub(crate) const CARD_REMOVED: u8 = 0x85;
    /// The read result (ends a transaction).
    pub(crate) const CARD_READ: u8 = 0x86;
    /// The read failed (ends a transaction).
    pub(crate) const TXN_ERROR: u8 = 0x87;
    /// The security switch fired (unsolicited).
    pub(crate) const TAMPER: u8 = 0x88;
    /// The battery is low (unsolicited).
    pub(crate) const BATTERY_LOW: u8 = 0x89;
}

/// Payload tags (one byte tag, two byte big-endian length, value).
pub mod tag {
    /// Response status, one byte (see [`super::status`]).
    pub(crate) const STATUS: u8 = 0x00;
    /// Device model (UTF-8).
    pub(crate) const MODEL: u8 = 0x01;
    /// Serial number.
    pub(crate) const SERIAL: u8 = 0x02;
    /// Firmware version.
    pub(crate) const FIRMWARE: u8 = 0x03;
    /// Battery percent.
    pub(crate) const BATTERY: u8 = 0x04;
    /// Capability bits: 1 = PIN pad, 2 = contactless.
    pub(crate) const CAPABILITIES: u8 = 0x05;
    /// 1 when the security switch has fired.
    pub(crate) const TAMPERED: u8 = 0x06;
    /// PIK ciphertext.
    pub const PIK: u8 = 0x10;
    /// PIK check value.
    pub(crate) const PIK_KCV: u8 = 0x11;
    /// MAK ciphertext under the TMK (request only: a response carrying it is refused).
    pub const MAK: u8 = 0x12;
    /// MAK check value.
    pub(crate) const MAK_KCV: u8 = 0x13;
    /// TDK ciphertext.
    pub const TDK: u8 = 0x14;
    /// TDK check value.
    pub(crate) const TDK_KCV: u8 = 0x15;
    /// Which key failed its check value: `P`, `M` or `T`.
    pub(crate) const FAILED_KEY: u8 = 0x16;
    /// The MAK wrapped under the link key: counter (8) | AES-256-GCM ciphertext | tag (16).
    pub const WRAPPED_MAK: u8 = 0x17;
    /// Transaction type (index in `TxnType::ALL`).
    pub(crate) const TXN_TYPE: u8 = 0x20;
    /// Amount in minor units, u64.
    pub const AMOUNT: u8 = 0x21;
    /// ISO 4217 numeric currency, u16.
    pub(crate) const CURRENCY: u8 = 0x22;
    /// Card wait timeout in ms, u32.
    pub(crate) const TIMEOUT_MS: u8 = 0x23;
    /// 1 when the transaction asks for a PIN.
    pub(crate) const PIN_ENTRY: u8 = 0x24;
    /// Terminal time, unix seconds, i64.
    pub(crate) const UNIX_SECS: u8 = 0x25;
    /// UTC offset in seconds, i32.
    pub(crate) const UTC_OFFSET: u8 = 0x26;
    /// Field 22 digits.
    pub(crate) const ENTRY_MODE: u8 = 0x30;
    /// Masked PAN.
    pub(crate) const MASKED_PAN: u8 = 0x31;
    /// Expiry YYMM.
    pub(crate) const EXPIRY: u8 = 0x32;
    /// Service code.
    pub(crate) const SERVICE_CODE: u8 = 0x33;
    /// Field 35 digits.
    pub(crate) const TRACK2: u8 = 0x34;
    /// Field 36 digits.
    pub(crate) const TRACK3: u8 = 0x35;
    /// Field 53 digits.
    pub(crate) const SECURITY: u8 = 0x36;
    /// Encrypted PIN block, 8 bytes.
    pub(crate) const PIN_BLOCK: u8 = 0x37;
    /// Field 55 TLV.
    pub(crate) const ICC: u8 = 0x38;
    /// Card sequence number, u16.
    pub(crate) const CARD_SEQ: u8 = 0x39;
    /// 60.5 IC condition code.
    pub(crate) const IC_CONDITION: u8 = 0x3A;
    /// Card fingerprint, 32 bytes.
    pub(crate) const FINGERPRINT: u8 = 0x3B;
    /// Blacklist entry lengths to fingerprint the card's prefixes at (bit n: n digits), u32.
    pub(crate) const PREFIX_LENGTHS: u8 = 0x3C;
    /// The card's prefix fingerprints, 16 bytes each, shortest prefix first.
    pub(crate) const PREFIX_FPS: u8 = 0x3D;
    /// The offline data authentication of the chip: 0 not performed, 1 succeeded, 2 failed.
    pub(crate) const DATA_AUTH: u8 = 0x3E;
    /// `LOAD_CHIP_PARAMS` part: bit 0 the first (what the reader held is dropped), bit 1 the last.
    pub(crate) const CHIP_PART: u8 = 0x80;
    /// One CA public key, the TLV of a 370 answer (repeatable).
    pub(crate) const CA_KEY: u8 = 0x81;
    /// One application's IC parameters, the TLV of a 380 answer (repeatable).
    pub(crate) const AID_PARAMS: u8 = 0x82;
    /// CA public keys the reader holds now (u16).
    pub(crate) const KEYS_HELD: u8 = 0x83;
    /// Applications the reader holds now (u16).
    pub(crate) const AIDS_HELD: u8 = 0x84;
    /// How the card was presented: 1 swipe, 2 insert, 3 tap.
    pub(crate) const METHOD: u8 = 0x40;
    /// PIN digits entered.
    pub const DIGITS: u8 = 0x41;
    /// Transaction error code (see [`super::txn_error`]).
    pub const ERROR: u8 = 0x42;
    /// Display text (UTF-8, at most 64 bytes).
    pub const TEXT: u8 = 0x50;
    /// Unlock challenge, 16 hex digits.
    pub(crate) const CHALLENGE: u8 = 0x51;
    /// Unlock or reset code, 12 digits.
    pub(crate) const UNLOCK_CODE: u8 = 0x52;
    /// Wrong unlock codes still allowed before the lockout, u8.
    pub(crate) const TRIES_LEFT: u8 = 0x53;
    /// Seconds before the next code is accepted, u32.
    pub(crate) const WAIT_SECS: u8 = 0x54;
    /// The phone's ephemeral P-256 public key (65 bytes, uncompressed).
    pub(crate) const PHONE_KEY: u8 = 0x60;
    /// The reader's ephemeral P-256 public key (65 bytes, uncompressed).
    pub(crate) const READER_KEY: u8 = 0x61;
    /// Blacklist entries: each a length byte and that many ASCII digits.
    pub(crate) const ENTRIES: u8 = 0x70;
    /// Entry fingerprints, 16 bytes each, in the order of `ENTRIES`.
    pub(crate) const ENTRY_FPS: u8 = 0x71;
}

/// Response status codes.
pub mod status {
    /// Done.
    pub const OK: u8 = 0;
    /// Another transaction is in progress.
    pub(crate) const BUSY: u8 = 1;
    /// No working keys: sign in.
    pub(crate) const NO_KEYS: u8 = 2;
    /// A key failed its check value (see `FAILED_KEY`).
    pub(crate) const KEY_CHECK_FAILED: u8 = 3;
    /// The security switch has fired.
    pub(crate) const TAMPERED: u8 = 4;
    /// The request was malformed.
    #[cfg(any(test, feature = "sim"))]
    pub(crate) const BAD_REQUEST: u8 = 5;
    /// The unlock code is wrong (`TRIES_LEFT`, `WAIT_SECS`).
    pub(crate) const UNLOCK_REFUSED: u8 = 6;
    /// Too many wrong codes lately: wait `WAIT_SECS`.
    pub(crate) const UNLOCK_WAIT: u8 = 7;
    /// Too many wrong codes: locked out until the help desk's reset.
    pub(crate) const UNLOCK_LOCKED: u8 = 8;
    /// The reset code is wrong (`WAIT_SECS`).
    pub(crate) const RESET_REFUSED: u8 = 9;
    /// No challenge to answer: ask for a new one.
    pub(crate) const NO_CHALLENGE: u8 = 10;
    /// No unlock key provisioned in the reader.
    pub(crate) const UNLOCK_NOT_PROVISIONED: u8 = 11;
    /// No link key agreed on this connection: run `LINK_KEY` first.
    pub(crate) const NO_LINK_KEY: u8 = 12;
}

/// Transaction error codes of the `TXN_ERROR` event.
pub(crate) mod txn_error {
    /// No card in time.
    pub const TIMEOUT: u8 = 1;
    /// Cancelled by the phone.
    pub(crate) const CANCELLED: u8 = 2;
    /// Card removed before the read finished.
    pub(crate) const CARD_REMOVED: u8 = 3;
    /// No working keys.
    pub(crate) const NO_KEYS: u8 = 4;
    /// Security switch fired.
    pub(crate) const TAMPERED: u8 = 5;
    /// The card could not be read.
    #[cfg(any(test, feature = "sim"))]
    pub(crate) const CARD_ERROR: u8 = 6;
}
