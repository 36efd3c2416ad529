//! Finds card numbers in text: runs of 13 to 19 digits that pass the Luhn check.
//!
//! Used on everything a slip prints (tests scan every rendered receipt) and to scrub free
//! text such as a merchant name before it reaches paper. Digits grouped by single spaces or
//! hyphens ("6228 4804 ...") count as one run, as a card number is often written that way.

use std::ops::Range;

use crate::card::{luhn_valid, PAN_MAX_LEN};
use crate::redact::mask_pan_digits;

/// Shortest run flagged. 12-digit card numbers exist but are rare, and every 12-digit
/// reference number (field 37) would then be a candidate: one in ten passes Luhn by chance.
const SCAN_MIN_DIGITS: usize = 13;

/// Byte ranges of `text` holding a Luhn-valid run of 13-19 digits (grouped or not).
fn pan_ranges(text: &str) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    // Each pass of the loop moves `i` forward, so it ends after at most `b.len()` passes.
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        // The grouped run: digits with single separators between digits.
        let start = i;
        let mut end = i;
        let mut digits = String::new();
        let mut j = i;
        while j < b.len() {
            if b[j].is_ascii_digit() {
                digits.push(char::from(b[j]));
                end = j + 1;
                j += 1;
            } else if matches!(b[j], b' ' | b'-') && b.get(j + 1).is_some_and(u8::is_ascii_digit) {
                j += 1;
            } else {
                break;
            }
        }
        if is_pan(&digits) {
            found.push(start..end);
        } else {
            // The plain digit runs inside the grouped one.
            let mut k = start;
            while k < end {
                let s = k;
                while k < end && b[k].is_ascii_digit() {
                    k += 1;
                }
                if is_pan(&text[s..k]) {
                    found.push(s..k);
                }
                k += 1;
            }
        }
        i = end.max(i + 1);
    }
    found
}

fn is_pan(digits: &str) -> bool {
    (SCAN_MIN_DIGITS..=PAN_MAX_LEN).contains(&digits.len()) && luhn_valid(digits)
}

/// Card numbers found in `text`, masked (so a failing test does not print them).
pub fn unmasked_pans(text: &str) -> Vec<String> {
    pan_ranges(text).into_iter().map(|r| mask_pan_digits(&text[r].replace([' ', '-'], ""))).collect()
}

/// `text` with every card number in it masked (first 6 and last 4 kept).
pub fn redact_pans(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for r in pan_ranges(text) {
        out.push_str(&text[last..r.start]);
        out.push_str(&mask_pan_digits(&text[r.clone()].replace([' ', '-'], "")));
        last = r.end;
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_plain_and_grouped_card_numbers() {
        assert_eq!(unmasked_pans("卡号 6228480402564890018 /C"), ["622848*********0018"]);
        assert_eq!(unmasked_pans("4111 1111 1111 1111"), ["411111******1111"]);
        assert_eq!(unmasked_pans("4111-1111-1111-1111."), ["411111******1111"]);
        assert_eq!(unmasked_pans("x4012345678909x"), ["401234***8909"]);
    }

    #[test]
    fn ignores_masked_short_long_and_non_luhn_numbers() {
        for clean in [
            "622848*********0018",
            "898310048990001 10000001",
            "4111111111111112",
            "123456789012",
            "41111111111111111111111",
            "批次号 000001 凭证号 000123",
        ] {
            assert!(unmasked_pans(clean).is_empty(), "{clean}");
        }
        // A card number hidden in a longer grouped run is still found.
        assert_eq!(unmasked_pans("000001 4111111111111111"), ["411111******1111"]);
    }

    #[test]
    fn redacts_in_place() {
        assert_eq!(redact_pans("商户 4111 1111 1111 1111 店"), "商户 411111******1111 店");
        assert_eq!(redact_pans("no card here 12345"), "no card here 12345");
    }
}
