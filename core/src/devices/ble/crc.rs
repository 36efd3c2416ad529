//! CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), the check most reader firmwares use.

/// CRC-16/CCITT-FALSE of `data`; check value of "123456789" is 0x29B1.
pub fn crc16_ccitt(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &b in data {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 { (crc << 1) ^ 0x1021 } else { crc << 1 };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    #[test]
    fn standard_check_value() {
        assert_eq!(super::crc16_ccitt(b"123456789"), 0x29B1);
        assert_eq!(super::crc16_ccitt(b""), 0xFFFF);
    }
}
