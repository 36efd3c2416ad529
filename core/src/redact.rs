//! Masking of card data for anything a person or a log may see.

/// Masks a card number: first 6 and last 4 digits kept, the rest `*`.
///
/// Strings too short to keep 10 digits are masked entirely but for the last 4.
pub fn mask_pan_digits(pan: &str) -> String {
    let n = pan.chars().count();
    pan.chars().enumerate().map(|(i, c)| if (n >= 13 && i < 6) || i + 4 >= n { c } else { '*' }).collect()
}

/// Masks a track (digits with `D`/`=` separator): the PAN masked, everything after it hidden.
pub fn mask_track(track: &str) -> String {
    match track.find(['D', '=']) {
        Some(sep) => {
            let (pan, rest) = track.split_at(sep);
            format!("{}{}", mask_pan_digits(pan), "*".repeat(rest.len()))
        }
        // No separator: encrypted or malformed; hide all of it.
        None => "*".repeat(track.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_first6_last4() {
        assert_eq!(mask_pan_digits("6228480402564890018"), "622848*********0018");
        assert_eq!(mask_pan_digits("4012345678909"), "401234***8909");
        assert_eq!(mask_pan_digits("12345"), "*2345");
        assert_eq!(mask_track("6228480402564890018D49121200000000"), "622848*********0018***************");
        assert_eq!(mask_track("0123456789"), "**********");
    }
}
