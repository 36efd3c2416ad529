//! A keyed card fingerprint: recognises a card again without storing its PAN.

use std::fmt;
use std::str::FromStr;

use ring::hmac;
use serde::{Deserialize, Serialize};

use crate::card::device_secret::DeviceSecret;
use crate::card::error::CardError;
use crate::card::pan::Pan;

/// Prepended to the PAN so these MACs can never be confused with any other
/// use of the same key; bump the version if the input ever changes.
const DOMAIN: &[u8] = b"pos-card-fp-v1\0";

/// HMAC-SHA-256 of a PAN under the device secret. Equal cards give equal
/// fingerprints on one device; without the secret it reveals nothing, and
/// unlike a plain hash it cannot be reversed by trying every PAN of a BIN.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CardFingerprint([u8; 32]);

/// Computes the fingerprint of `pan` under `secret`.
pub fn fingerprint(secret: &DeviceSecret, pan: &Pan) -> CardFingerprint {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.expose_secret());
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(DOMAIN);
    ctx.update(pan.as_digits().as_bytes());
    let tag = ctx.sign();
    let mut out = [0u8; 32];
    // HMAC-SHA-256 tags are always 32 bytes; zip keeps this panic-free anyway.
    out.iter_mut().zip(tag.as_ref()).for_each(|(o, t)| *o = *t);
    CardFingerprint(out)
}

impl CardFingerprint {
    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// Lowercase hex, 64 characters.
impl fmt::Display for CardFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for CardFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CardFingerprint({self})")
    }
}

impl FromStr for CardFingerprint {
    type Err = CardError;

    /// Parses 64 hex digits (either case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).map_err(|_| CardError::InvalidFingerprint)?;
        Ok(CardFingerprint(out))
    }
}

impl TryFrom<String> for CardFingerprint {
    type Error = CardError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<CardFingerprint> for String {
    fn from(f: CardFingerprint) -> String {
        f.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAN: &str = "6228480402564890018";

    fn secret(fill: u8) -> DeviceSecret {
        DeviceSecret::from_bytes([fill; 32])
    }

    #[test]
    fn matches_an_independent_hmac() {
        // python3 -c "import hmac,hashlib;print(hmac.new(bytes(range(32)),
        //   b'pos-card-fp-v1\x00'+b'6228480402564890018', hashlib.sha256).hexdigest())"
        let expected = "ab8963ec9913ecd27a807cba570da20c49c15f167327b4da420bc526a5d4e4fc";
        let key: [u8; 32] = core::array::from_fn(|i| i as u8);
        let fp = fingerprint(&DeviceSecret::from_bytes(key), &Pan::parse(PAN).unwrap());
        assert_eq!(fp.to_string(), expected);
    }

    #[test]
    fn stable_and_keyed() {
        let pan = Pan::parse(PAN).unwrap();
        let other = Pan::parse("4111111111111111").unwrap();
        assert_eq!(fingerprint(&secret(1), &pan), fingerprint(&secret(1), &pan));
        assert_ne!(fingerprint(&secret(1), &pan), fingerprint(&secret(2), &pan));
        assert_ne!(fingerprint(&secret(1), &pan), fingerprint(&secret(1), &other));
    }

    #[test]
    fn text_forms() {
        let fp = fingerprint(&secret(9), &Pan::parse(PAN).unwrap());
        let text = fp.to_string();
        assert_eq!(text.len(), 64);
        assert_eq!(text, text.to_lowercase());
        assert_eq!(text.parse::<CardFingerprint>().unwrap(), fp);
        assert_eq!(text.to_uppercase().parse::<CardFingerprint>().unwrap(), fp);
        let json = serde_json::to_string(&fp).unwrap();
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(serde_json::from_str::<CardFingerprint>(&json).unwrap(), fp);
        for bad in ["", "00", &text[..63], &format!("{text}0"), &text.replace(&text[..1], "g")] {
            assert_eq!(bad.parse::<CardFingerprint>(), Err(CardError::InvalidFingerprint), "{bad}");
        }
    }
}
