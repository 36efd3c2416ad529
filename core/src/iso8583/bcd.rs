//! Packed BCD, the one packer for numbers: ISO 8583 length prefixes, the EMV `n` data
//! elements of field 55 and the rebuilt chip data of the batch upload.

/// Two decimal digits (0..=99) in one byte, tens in the high nibble.
pub(crate) fn bcd_byte(v: u8) -> u8 {
    ((v / 10 % 10) << 4) | (v % 10)
}

/// `n` as `len` bytes of packed BCD, right-aligned (zeros in front); digits beyond `2 * len`
/// are dropped.
pub fn bcd(mut n: u64, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    for b in out.iter_mut().rev() {
        *b = bcd_byte((n % 100) as u8);
        n /= 100;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_right_aligned() {
        assert_eq!(bcd(1234, 3), vec![0x00, 0x12, 0x34]);
        assert_eq!(bcd(156, 2), vec![0x01, 0x56]);
        assert_eq!(bcd(1_234, 6), vec![0, 0, 0, 0, 0x12, 0x34]);
        assert_eq!(bcd(123_456, 2), vec![0x34, 0x56]);
        assert_eq!((bcd_byte(0), bcd_byte(7), bcd_byte(42), bcd_byte(99)), (0x00, 0x07, 0x42, 0x99));
    }
}
