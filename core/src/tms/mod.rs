//! Terminal management (终端管理): what the acquirer downloads to the terminal besides keys, in
//! the UnionPay profile's formats (field 62 of the network-management messages, 60.3 codes in
//! `docs/terminal-management.md`):
//!
//! - [`capk`]: the chip cards' CA public keys (IC卡公钥, 60.3 370/371/372), checked by their SHA-1
//!   check sum before anything uses them;
//! - [`aid`]: the chip parameters of each application (IC卡参数, 380/381/382);
//! - [`blacklist`]: the card blacklist (卡黑名单, 390/391), paged, kept as keyed fingerprints.
//!
//! Pure: parsing, validation and encoding only. Limits are explicit (`MAX_*`); malformed input
//! is a [`TmsError`], never a panic.

pub mod aid;
pub mod blacklist;
pub mod capk;
mod error;
pub mod params;

pub use error::TmsError;

use crate::card::tlv::{Tag, Tlv};

/// The bytes of primitive object `tag` among `objects`.
fn field(objects: &[Tlv], tag: Tag) -> Option<&[u8]> {
    crate::card::tlv::find(objects, tag).and_then(Tlv::bytes)
}

/// As [`field`], and [`TmsError::Missing`] (in download `what`) when absent.
fn required<'a>(objects: &'a [Tlv], tag: Tag, what: &'static str) -> Result<&'a [u8], TmsError> {
    field(objects, tag).ok_or(TmsError::Missing { what, tag: tag.0 })
}

#[cfg(test)]
mod tests;
