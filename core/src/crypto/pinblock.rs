//! ISO 9564-1 format 0 PIN blocks (ANSI X9.8), as carried encrypted in field 52.
//!
//! In production the reader builds and encrypts the PIN block; this code serves the
//! simulated reader and the acquirer simulator, and tests.

use std::fmt;

use zeroize::Zeroizing;

use super::ct::ct_eq;
use super::error::CryptoError;

/// The length of a PIN block in bytes.
pub(crate) const PIN_BLOCK_LEN: usize = 8;

/// A cardholder PIN of 4 to 12 digits, wiped on drop and never shown by Debug.
#[derive(Clone)]
pub struct Pin(Zeroizing<String>);

impl Pin {
    /// Accepts 4 to 12 decimal digits.
    pub fn new(digits: &str) -> Result<Self, CryptoError> {
        if (4..=12).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Pin(Zeroizing::new(digits.to_owned())))
        } else {
            Err(CryptoError::BadPin)
        }
    }

    /// The PIN digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not even the length: it narrows a PIN search.
        f.write_str("Pin(..)")
    }
}

impl PartialEq for Pin {
    fn eq(&self, other: &Self) -> bool {
        ct_eq(self.0.as_bytes(), other.0.as_bytes())
    }
}

impl Eq for Pin {}

/// The clear format 0 PIN block: PIN field XOR PAN field.
pub fn pin_block_format0(pin: &str, pan: &str) -> Result<[u8; PIN_BLOCK_LEN], CryptoError> {
    let pin = Pin::new(pin)?;
    let pan_field = pan_field(pan)?;
    let mut nibbles = Zeroizing::new([0x0Fu8; 2 * PIN_BLOCK_LEN]);
    nibbles[0] = 0; // format 0
    nibbles[1] = pin.as_str().len() as u8; // 4..=12, checked by Pin::new
    for (n, d) in nibbles[2..].iter_mut().zip(pin.as_str().bytes()) {
        *n = d - b'0';
    }
    let mut block = pack(&nibbles);
    for (b, p) in block.iter_mut().zip(pan_field) {
        *b ^= p;
    }
    Ok(block)
}

/// Recovers the PIN from a clear format 0 PIN block and the card's PAN.
pub fn pin_from_format0(block: &[u8; PIN_BLOCK_LEN], pan: &str) -> Result<Pin, CryptoError> {
    let pan_field = pan_field(pan)?;
    let mut field = Zeroizing::new(*block);
    for (b, p) in field.iter_mut().zip(pan_field) {
        *b ^= p;
    }
    let format = field[0] >> 4;
    if format != 0 {
        return Err(CryptoError::BadPinBlockFormat { format });
    }
    let len = usize::from(field[0] & 0x0F);
    if !(4..=12).contains(&len) {
        return Err(CryptoError::BadPinBlock);
    }
    let nibbles = Zeroizing::new(unpack(&field));
    let (digits, filler) = nibbles[2..].split_at(len);
    if digits.iter().any(|&n| n > 9) || filler.iter().any(|&n| n != 0x0F) {
        return Err(CryptoError::BadPinBlock);
    }
    let mut text = Zeroizing::new(String::with_capacity(len));
    text.extend(digits.iter().map(|&n| char::from(b'0' + n)));
    Ok(Pin(text))
}

/// The PAN field: 0000 then the 12 rightmost PAN digits excluding the check digit.
///
/// ISO 9564-1 pads a shorter PAN on the left with zeros, so any 8 to 19 digit PAN works.
fn pan_field(pan: &str) -> Result<[u8; PIN_BLOCK_LEN], CryptoError> {
    if !(8..=19).contains(&pan.len()) || !pan.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CryptoError::BadPan);
    }
    let without_check = &pan.as_bytes()[..pan.len() - 1];
    let take = without_check.len().min(12);
    let digits = &without_check[without_check.len() - take..];
    let mut nibbles = [0u8; 2 * PIN_BLOCK_LEN];
    for (n, d) in nibbles[2 * PIN_BLOCK_LEN - take..].iter_mut().zip(digits) {
        *n = d - b'0';
    }
    Ok(pack(&nibbles))
}

fn pack(nibbles: &[u8; 2 * PIN_BLOCK_LEN]) -> [u8; PIN_BLOCK_LEN] {
    let mut out = [0u8; PIN_BLOCK_LEN];
    for (o, pair) in out.iter_mut().zip(nibbles.chunks_exact(2)) {
        *o = (pair[0] << 4) | (pair[1] & 0x0F);
    }
    out
}

fn unpack(bytes: &[u8; PIN_BLOCK_LEN]) -> [u8; 2 * PIN_BLOCK_LEN] {
    let mut out = [0u8; 2 * PIN_BLOCK_LEN];
    for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = b >> 4;
        pair[1] = b & 0x0F;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vector_1234() -> Result<(), CryptoError> {
        let block = pin_block_format0("1234", "4012345678909")?;
        assert_eq!(hex::encode_upper(block), "041274EDCBA9876F");
        assert_eq!(pin_from_format0(&block, "4012345678909")?.as_str(), "1234");
        Ok(())
    }

    #[test]
    fn pan_field_uses_twelve_digits_before_check_digit() -> Result<(), CryptoError> {
        assert_eq!(hex::encode_upper(pan_field("4012345678909")?), "0000401234567890");
        assert_eq!(hex::encode_upper(pan_field("6222021234567890123")?), "0000123456789012");
        // Short PANs are left-padded with zeros.
        assert_eq!(hex::encode_upper(pan_field("12345678")?), "0000000001234567");
        Ok(())
    }

    #[test]
    fn rejects_bad_pins_and_pans() {
        for pin in ["123", "1234567890123", "12a4", "", "１２３４"] {
            assert_eq!(pin_block_format0(pin, "4012345678909"), Err(CryptoError::BadPin));
        }
        for pan in ["1234567", "40123456789012345678", "40123456789x9", ""] {
            assert_eq!(pin_block_format0("1234", pan), Err(CryptoError::BadPan));
        }
    }

    #[test]
    fn decoding_with_wrong_pan_or_format_fails() -> Result<(), CryptoError> {
        let block = pin_block_format0("123456", "6222021234567890123")?;
        assert!(pin_from_format0(&block, "4012345678909").is_err());
        let mut other = block;
        other[0] ^= 0x10;
        assert_eq!(pin_from_format0(&other, "6222021234567890123"), Err(CryptoError::BadPinBlockFormat { format: 1 }));
        let mut filler = block;
        filler[7] ^= 0x01;
        assert_eq!(pin_from_format0(&filler, "6222021234567890123"), Err(CryptoError::BadPinBlock));
        Ok(())
    }

    #[test]
    fn twelve_digit_pin_round_trips() -> Result<(), CryptoError> {
        let block = pin_block_format0("987654321098", "4012345678909")?;
        assert_eq!(pin_from_format0(&block, "4012345678909")?, Pin::new("987654321098")?);
        Ok(())
    }

    #[test]
    fn debug_hides_the_pin() -> Result<(), CryptoError> {
        let pin = Pin::new("1234")?;
        assert_eq!(format!("{pin:?}"), "Pin(..)");
        Ok(())
    }
}
