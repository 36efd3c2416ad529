//! Hex as integrators paste it: spaces, colons, newlines and an optional `0x` allowed.

use pos_core::Bilingual;

/// Input that is not hex.
#[derive(Debug)]
pub enum HexError {
    /// Nothing but separators.
    Empty,
    /// A character that is neither a hex digit nor a separator.
    BadChar(char),
    /// An odd number of digits: a byte is cut in half.
    OddLength(usize),
}

/// What to do about it, the same for every case.
const NEXT_ZH: &str = "请粘贴十六进制数字 0-9、A-F（可含空格、冒号或 0x 前缀），每字节两位";
const NEXT_EN: &str = "Paste hex digits 0-9 and A-F (spaces, colons and a 0x prefix are fine), two per byte";

impl Bilingual for HexError {
    fn zh(&self) -> String {
        let what = match self {
            HexError::Empty => "没有内容".to_string(),
            HexError::BadChar(c) => format!("含非十六进制字符 {c:?}"),
            HexError::OddLength(n) => format!("共 {n} 位，不是偶数"),
        };
        format!("十六进制输入错误：{what}。{NEXT_ZH}")
    }
    fn en(&self) -> String {
        let what = match self {
            HexError::Empty => "nothing to read".to_string(),
            HexError::BadChar(c) => format!("unexpected character {c:?}"),
            HexError::OddLength(n) => format!("{n} digits, an odd number"),
        };
        format!("bad hex input: {what}. {NEXT_EN}")
    }
}

/// Parses hex, ignoring separators.
pub fn parse_hex(s: &str) -> Result<Vec<u8>, HexError> {
    let s = s.trim();
    let s = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).unwrap_or(s);
    let clean: String = s.chars().filter(|c| !matches!(c, ' ' | ':' | '\n' | '\r' | '\t' | '-')).collect();
    if clean.is_empty() {
        return Err(HexError::Empty);
    }
    if let Some(bad) = clean.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(HexError::BadChar(bad));
    }
    if clean.len() % 2 == 1 {
        return Err(HexError::OddLength(clean.len()));
    }
    // Only ASCII hex digits of even count are left: decoding cannot fail.
    hex::decode(&clean).map_err(|_| HexError::OddLength(clean.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_separators() {
        assert_eq!(parse_hex("00 1A:ff\n0x").ok(), None);
        assert_eq!(parse_hex("0x00 1A:ff").unwrap(), vec![0x00, 0x1A, 0xFF]);
        assert!(parse_hex("0g").is_err());
        assert!(parse_hex("abc").is_err());
        for e in [parse_hex("").unwrap_err(), parse_hex("0g").unwrap_err(), parse_hex("abc").unwrap_err()] {
            assert!(e.zh().contains("请粘贴十六进制") && e.en().contains("Paste hex digits"), "{}", e.en());
        }
    }
}
