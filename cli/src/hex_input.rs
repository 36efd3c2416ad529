//! Hex as integrators paste it: spaces, colons, newlines and an optional `0x` allowed.

use pos_core::i18n::Bilingual;

/// Input that is not hex.
#[derive(Debug)]
pub struct HexError(pub String);

impl Bilingual for HexError {
    fn zh(&self) -> String {
        format!("十六进制输入错误：{}", self.0)
    }
    fn en(&self) -> String {
        format!("bad hex input: {}", self.0)
    }
}

/// Parses hex, ignoring separators.
pub fn parse_hex(s: &str) -> Result<Vec<u8>, HexError> {
    let s = s.trim();
    let s = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).unwrap_or(s);
    let clean: String = s.chars().filter(|c| !matches!(c, ' ' | ':' | '\n' | '\r' | '\t' | '-')).collect();
    if clean.is_empty() {
        return Err(HexError("empty".into()));
    }
    if let Some(bad) = clean.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(HexError(format!("unexpected character {bad:?}")));
    }
    if clean.len() % 2 == 1 {
        return Err(HexError("odd number of hex digits".into()));
    }
    hex::decode(&clean).map_err(|e| HexError(e.to_string()))
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
    }
}
