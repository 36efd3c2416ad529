//! How characters are recorded on a stripe, and the LRC that protects a track.
//!
//! Each character is stored as a few data bits plus one odd-parity bit. The
//! LRC character that follows the end sentinel makes every data-bit row of the
//! track (start sentinel to end sentinel, plus the LRC) XOR to zero; its own
//! parity bit is the odd parity of the LRC character itself, not a row sum.
//! Readers hand us ASCII, so the parity bits are already gone; we check the
//! data bits and expose the full stripe code for encoders and tests.

/// A stripe character set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StripeCode {
    /// Track 1: 6 data bits, character = value + 0x20 (space to '_').
    Alpha,
    /// Tracks 2 and 3: 4 data bits, character = value + 0x30 ('0' to '?').
    Numeric,
}

impl StripeCode {
    fn base(self) -> u8 {
        match self {
            StripeCode::Alpha => 0x20,
            StripeCode::Numeric => 0x30,
        }
    }

    fn data_bits(self) -> u8 {
        match self {
            StripeCode::Alpha => 6,
            StripeCode::Numeric => 4,
        }
    }

    /// The data bits of an ASCII character, or `None` if it is outside the set.
    pub fn value(self, c: u8) -> Option<u8> {
        c.checked_sub(self.base()).filter(|v| *v < (1 << self.data_bits()))
    }

    /// The character as recorded on the stripe: data bits with the odd-parity
    /// bit above them, or `None` if it is outside the set.
    pub fn stripe_code(self, c: u8) -> Option<u8> {
        let v = self.value(c)?;
        let parity = u8::from(v.count_ones() % 2 == 0);
        Some(v | (parity << self.data_bits()))
    }

    /// The LRC character for `framed` (start sentinel through end sentinel),
    /// or `None` if some character is outside the set.
    pub fn lrc(self, framed: &[u8]) -> Option<u8> {
        let mut acc = 0u8;
        for &c in framed {
            acc ^= self.value(c)?;
        }
        Some(acc + self.base())
    }
}

#[cfg(test)]
mod tests {
    use super::StripeCode;

    #[test]
    fn values_and_parity() {
        assert_eq!(StripeCode::Numeric.value(b';'), Some(0x0B));
        assert_eq!(StripeCode::Numeric.value(b'?'), Some(0x0F));
        assert_eq!(StripeCode::Numeric.value(b'@'), None);
        assert_eq!(StripeCode::Numeric.value(b'/'), None);
        assert_eq!(StripeCode::Alpha.value(b'%'), Some(0x05));
        assert_eq!(StripeCode::Alpha.value(b'_'), Some(0x3F));
        assert_eq!(StripeCode::Alpha.value(b'a'), None);
        // ';' = 1011: three ones, so the parity bit stays 0 (ISO 7811 table: 01011).
        assert_eq!(StripeCode::Numeric.stripe_code(b';'), Some(0b0_1011));
        // '0' = 0000: parity bit 1 (10000).
        assert_eq!(StripeCode::Numeric.stripe_code(b'0'), Some(0b1_0000));
        // '%' = 000101: parity bit 1 (1000101).
        assert_eq!(StripeCode::Alpha.stripe_code(b'%'), Some(0b100_0101));
        for c in 0x20..=0x5F_u8 {
            let code = StripeCode::Alpha.stripe_code(c).unwrap();
            assert_eq!(code.count_ones() % 2, 1, "odd parity for {c:#x}");
        }
    }

    #[test]
    fn lrc_rows_xor_to_zero() {
        // Hand check: ';' 1011, '1' 0001, '=' 1101, '?' 1111 -> XOR 1000 = '8'.
        assert_eq!(StripeCode::Numeric.lrc(b";1=?"), Some(b'8'));
        let framed = b";6228480402564890018=28122010000000000?";
        let lrc = StripeCode::Numeric.lrc(framed).unwrap();
        let mut rows = StripeCode::Numeric.value(lrc).unwrap();
        for &c in framed {
            rows ^= StripeCode::Numeric.value(c).unwrap();
        }
        assert_eq!(rows, 0);
        // '%' 000101 ^ 'B' 100010 ^ '?' 011111 = 111000 (0x38) -> 0x58 'X'.
        assert_eq!(StripeCode::Alpha.lrc(b"%B?"), Some(b'X'));
        assert_eq!(StripeCode::Alpha.lrc(b"%b?"), None);
    }
}
