//! The remote unlock of a reader whose security switch fired (系统安全已触发).
//!
//! The reader shows a challenge; the merchant reads it to the acquirer's help desk, which holds
//! the terminal's unlock key and answers an 8-digit code; the reader checks the code. Neither
//! the phone nor the merchant can make a code without the key.

use ring::hmac;

use crate::crypto::SecretKey;

/// The 8-digit unlock code for `challenge` (16 hex digits) of terminal `tid`.
pub fn unlock_code(unlock_key: &SecretKey, tid: &str, challenge: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, unlock_key.as_bytes());
    let mut msg = Vec::with_capacity(64);
    msg.extend_from_slice(b"pos-unlock-v1\0");
    msg.extend_from_slice(tid.as_bytes());
    msg.push(0);
    msg.extend_from_slice(challenge.to_ascii_uppercase().as_bytes());
    let tag = hmac::sign(&key, &msg);
    let b = tag.as_ref();
    // Dynamic truncation as in HOTP (RFC 4226): 31 bits, then 8 decimal digits.
    let off = usize::from(b[b.len() - 1] & 0x0F);
    let bin = u32::from_be_bytes([b[off] & 0x7F, b[off + 1], b[off + 2], b[off + 3]]);
    format!("{:08}", bin % 100_000_000)
}

/// True when `code` answers `challenge`; compared in constant time.
pub fn verify_unlock_code(unlock_key: &SecretKey, tid: &str, challenge: &str, code: &str) -> bool {
    let expected = unlock_code(unlock_key, tid, challenge);
    let code = code.trim();
    // Every byte is compared whatever the first difference, so timing says nothing of the code.
    code.len() == expected.len() && code.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_depend_on_key_terminal_and_challenge() {
        let k = SecretKey::from_hex("00112233445566778899AABBCCDDEEFF").unwrap();
        let c = unlock_code(&k, "10000001", "0123456789ABCDEF");
        assert_eq!(c.len(), 8);
        assert!(c.bytes().all(|b| b.is_ascii_digit()));
        assert!(verify_unlock_code(&k, "10000001", "0123456789abcdef", &c));
        assert!(!verify_unlock_code(&k, "10000002", "0123456789ABCDEF", &c));
        assert!(!verify_unlock_code(&k, "10000001", "0123456789ABCDEE", &c));
        let other = SecretKey::from_hex("FFEEDDCCBBAA99887766554433221100").unwrap();
        assert!(!verify_unlock_code(&other, "10000001", "0123456789ABCDEF", &c));
        assert!(!verify_unlock_code(&k, "10000001", "0123456789ABCDEF", "1234"));
    }
}
