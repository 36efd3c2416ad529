//! The content fingerprint of a request for duplicate detection: FNV-1a (128 bit) of the
//! message as received without field 64.
//!
//! A hash rather than the bytes, so the reply store holds no second copy of card data.
//! FNV is not collision resistant against a chosen-message attacker, but such a
//! message would also need a valid MAC, which takes the terminal's MAK.

use super::inbound::Inbound;

const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;

/// FNV-1a 128 of `data`.
pub(crate) fn fnv1a128(data: &[u8]) -> [u8; 16] {
    let mut h = OFFSET;
    for &b in data {
        h ^= u128::from(b);
        h = h.wrapping_mul(PRIME);
    }
    h.to_be_bytes()
}

/// The fingerprint of a request: MTI to the last field before 64 (everything when unsigned).
pub(crate) fn of_request(inbound: &Inbound) -> [u8; 16] {
    let bytes = inbound.bytes();
    let body = inbound.layout().mab(bytes).or_else(|| bytes.get(inbound.layout().body_start..)).unwrap_or(bytes);
    fnv1a128(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_values() {
        // Published FNV-1a 128 test values.
        assert_eq!(hex::encode(fnv1a128(b"")), "6c62272e07bb014262b821756295c58d");
        assert_eq!(hex::encode(fnv1a128(b"a")), "d228cb696f1a8caf78912b704e4a8964");
    }
}
