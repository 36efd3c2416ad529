//! The Luhn (mod 10) check digit that every payment card number carries.

/// True when `digits` is non-empty, all ASCII digits, and passes the Luhn check.
pub fn luhn_valid(digits: &str) -> bool {
    if digits.is_empty() {
        return false;
    }
    let mut sum: u32 = 0;
    // Counting from the check digit, every second digit is doubled.
    for (i, b) in digits.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        let d = u32::from(b - b'0');
        sum += if i % 2 == 1 {
            let twice = d * 2;
            if twice > 9 {
                twice - 9
            } else {
                twice
            }
        } else {
            d
        };
    }
    // `is_multiple_of` needs Rust 1.87; the workspace promises 1.80.
    #[allow(clippy::manual_is_multiple_of)]
    let valid = sum % 10 == 0;
    valid
}

#[cfg(test)]
mod tests {
    use super::luhn_valid;

    #[test]
    fn known_numbers() {
        assert!(luhn_valid("4111111111111111"));
        assert!(luhn_valid("6228480402564890018"));
        assert!(luhn_valid("378282246310005"));
        assert!(!luhn_valid("4111111111111112"));
        assert!(!luhn_valid("6228480402564890019"));
    }

    #[test]
    fn rejects_non_digits_and_empty() {
        assert!(!luhn_valid(""));
        assert!(!luhn_valid("4111 1111 1111 1111"));
        assert!(!luhn_valid("41111111111111１1"));
    }
}
