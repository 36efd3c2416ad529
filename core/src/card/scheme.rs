//! Card scheme (brand) detection from the issuer identification number.

use serde::{Deserialize, Serialize};

use crate::i18n::Bilingual;

/// The card scheme, for reports and receipts; routing is the acquirer's job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CardScheme {
    /// China UnionPay (BIN prefix 62).
    UnionPay,
    /// Visa (prefix 4).
    Visa,
    /// Mastercard (51-55, 2221-2720).
    Mastercard,
    /// JCB (3528-3589).
    Jcb,
    /// American Express (34, 37).
    Amex,
    /// Anything else (domestic-only schemes, private label, unknown).
    Other,
}

impl CardScheme {
    /// Detects the scheme from the leading digits of a PAN or BIN.
    ///
    /// Uses the well-known prefix ranges only; it is a label for reports, not a
    /// BIN table, so co-branded and newer ranges may show as `Other`.
    pub fn from_bin(leading_digits: &str) -> CardScheme {
        let prefix = |n: usize| -> Option<u32> {
            let head = leading_digits.get(..n)?;
            if head.bytes().all(|b| b.is_ascii_digit()) {
                head.parse().ok()
            } else {
                None
            }
        };
        let p1 = prefix(1);
        let p2 = prefix(2);
        let p4 = prefix(4);
        if p2 == Some(62) {
            CardScheme::UnionPay
        } else if p1 == Some(4) {
            CardScheme::Visa
        } else if matches!(p2, Some(34 | 37)) {
            CardScheme::Amex
        } else if matches!(p4, Some(3528..=3589)) {
            CardScheme::Jcb
        } else if matches!(p2, Some(51..=55)) || matches!(p4, Some(2221..=2720)) {
            CardScheme::Mastercard
        } else {
            CardScheme::Other
        }
    }
}

impl CardScheme {
    /// Whether the card settles in field 48's foreign section (Visa, Mastercard, JCB, Amex).
    ///
    /// The terminal and the acquirer simulator share this rule, so their totals agree.
    pub fn is_foreign(self) -> bool {
        matches!(self, CardScheme::Visa | CardScheme::Mastercard | CardScheme::Jcb | CardScheme::Amex)
    }
}

impl std::fmt::Display for CardScheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en())
    }
}

#[cfg(test)]
mod tests {
    use super::CardScheme;

    #[test]
    fn prefixes() {
        let cases = [
            ("622848", CardScheme::UnionPay),
            ("621234", CardScheme::UnionPay),
            ("411111", CardScheme::Visa),
            ("510000", CardScheme::Mastercard),
            ("555555", CardScheme::Mastercard),
            ("222100", CardScheme::Mastercard),
            ("272099", CardScheme::Mastercard),
            ("272100", CardScheme::Other),
            ("222099", CardScheme::Other),
            ("352800", CardScheme::Jcb),
            ("358999", CardScheme::Jcb),
            ("359000", CardScheme::Other),
            ("340000", CardScheme::Amex),
            ("378282", CardScheme::Amex),
            ("601100", CardScheme::Other),
            ("560000", CardScheme::Other),
            ("", CardScheme::Other),
            ("6", CardScheme::Other),
            ("4", CardScheme::Visa),
            ("62**", CardScheme::UnionPay),
            ("x2", CardScheme::Other),
        ];
        for (bin, want) in cases {
            assert_eq!(CardScheme::from_bin(bin), want, "{bin}");
        }
    }
}
