//! Packed BCD as the ISO 8583 profile writes it (two decimal digits a byte), to build the bytes
//! a test expects independently of the codec under test.

/// `v % 100` as one BCD byte: 42 → 0x42.
pub fn byte(v: usize) -> u8 {
    let v = v % 100;
    (((v / 10) as u8) << 4) | (v % 10) as u8
}

/// A digit string packed two digits a byte, left-aligned: an odd length is padded with a
/// trailing 0 nibble ("123" → 0x12 0x30). `None` if a character is not a decimal digit.
pub fn pack(digits: &str) -> Option<Vec<u8>> {
    let mut d = digits.bytes().map(|b| b.is_ascii_digit().then(|| b - b'0')).collect::<Option<Vec<u8>>>()?;
    if d.len() % 2 == 1 {
        d.push(0);
    }
    Some(d.chunks(2).map(|p| p[0] << 4 | p[1]).collect())
}

/// `n` as `len` BCD bytes, right-aligned (its last `2 * len` digits): 1234 in 3 → 00 12 34.
pub fn number(mut n: u64, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    for b in out.iter_mut().rev() {
        *b = byte((n % 100) as usize);
        n /= 100;
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn packs_as_the_profile_does() {
        assert_eq!(super::byte(42), 0x42);
        assert_eq!(super::byte(142), 0x42);
        assert_eq!(super::pack("6228480"), Some(vec![0x62, 0x28, 0x48, 0x00]));
        assert_eq!(super::pack("12"), Some(vec![0x12]));
        assert_eq!(super::pack("1a"), None);
        assert_eq!(super::number(1234, 3), vec![0x00, 0x12, 0x34]);
        assert_eq!(super::number(123_456, 2), vec![0x34, 0x56]);
    }
}
