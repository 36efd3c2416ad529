//! Card data: PAN, magnetic tracks, BER-TLV, card fingerprint.
//!
//! Full card numbers and tracks live only in zeroizing memory and print
//! masked; what may be kept is a [`MaskedPan`] and a [`CardFingerprint`].

// Card data arrives from readers and hosts we do not control: a panic here
// would be a denial of service, so the usual escape hatches are refused.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, clippy::unreachable)
)]

mod device_secret;
mod error;
mod expiry;
mod fingerprint;
mod luhn;
mod masked_pan;
mod pan;
mod scheme;
mod service_code;
pub mod tlv;
pub mod track;

pub use device_secret::DeviceSecret;
pub use device_secret::DEVICE_SECRET_LEN;
pub use error::{CardError, PanProblem};
pub use expiry::Expiry;
pub use fingerprint::{fingerprint, CardFingerprint};
pub use luhn::luhn_valid;
pub use masked_pan::MaskedPan;
pub use pan::Pan;
pub use pan::{PAN_MAX_LEN, PAN_MIN_LEN};
pub use scheme::CardScheme;
pub use service_code::ServiceCode;
pub use tlv::{encode_tlv, find, parse_tlv, Tag, Tlv, TlvValue};
pub use track::{Track1, Track2, Track3, TrackId, TrackSet};
