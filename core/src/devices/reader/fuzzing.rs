//! The reader protocol's decoders on hostile bytes, for the fuzz targets (feature `testkit`,
//! with `sim` for the simulated device's side): a reader (or a device posing as one) sends
//! whatever it likes, and every decoder must answer with a value or a protocol error.

use std::sync::Mutex;

use super::link_key::{Ephemeral, LinkKey};
use super::messages;
use super::payload::Payload;

/// A link key agreed once (ECDH is slow next to a decode); its counters move with each use.
static LINK: Mutex<Option<LinkKey>> = Mutex::new(None);

fn link_key() -> Option<LinkKey> {
    let phone = Ephemeral::generate().ok()?;
    let reader = Ephemeral::generate().ok()?;
    phone.agree_as_phone(reader.public_key(), "FUZZ-0001").ok()
}

/// Parses `data` as a payload and runs every decoder of the protocol on it; the number of
/// decoders that accepted it (so the work is not optimised away).
pub fn decode_everything(data: &[u8]) -> usize {
    let Ok(p) = Payload::parse(data) else { return 0 };
    #[cfg_attr(not(feature = "sim"), allow(unused_mut))]
    let mut accepted = [
        messages::decode_device_info(&p).is_ok(),
        messages::decode_card_read(&p).is_ok(),
        messages::decode_chip_held(&p).is_ok(),
        messages::decode_entry_fps(&p, 16).is_ok(),
    ]
    .iter()
    .filter(|ok| **ok)
    .count();
    #[cfg(feature = "sim")]
    {
        accepted += [
            messages::decode_keys(&p).is_ok(),
            messages::decode_request(&p).is_ok(),
            messages::decode_chip_part(&p).is_ok(),
            messages::decode_entries(&p).is_ok(),
        ]
        .iter()
        .filter(|ok| **ok)
        .count();
    }
    if let Ok(mut slot) = LINK.lock() {
        if slot.is_none() {
            *slot = link_key();
        }
        if let Some(link) = slot.as_mut() {
            accepted += usize::from(messages::decode_key_ack(&p, link, b"fuzz").is_ok());
        }
    }
    accepted
}
