//! Track 3 (ISO 4909): numeric, carried opaquely in field 36.

use std::fmt;

use zeroize::Zeroizing;

use crate::card::error::CardError;
use crate::card::track::frame::Framing;
use crate::card::track::stripe_code::StripeCode;
use crate::card::track::track_id::TrackId;

/// Most data characters track 3 holds (107 with sentinels and LRC); also the
/// z..104 limit of field 36.
pub const TRACK3_MAX_DATA: usize = 104;

const TRACK: TrackId = TrackId::Track3;

const FRAMING: Framing = Framing { track: TRACK, start: b';', code: StripeCode::Numeric, bare_allowed: true };

/// Track 3: `;` digits and `=` separators `?` [LRC].
///
/// Its layout varies by issuer, so we validate the character set and length
/// only and pass it on unchanged. Wiped on drop, redacted in Debug.
#[derive(Clone, PartialEq, Eq)]
pub struct Track3(Zeroizing<String>);

impl Track3 {
    /// Parses track 3 either as read from the stripe (`;...?`, LRC optional)
    /// or in the bare form of field 36 (digits, separators `=` or `D`).
    pub fn parse(input: &str) -> Result<Track3, CardError> {
        let framed = FRAMING.unframe(input)?;
        let data = framed.data;
        if data.len() > TRACK3_MAX_DATA {
            return Err(CardError::TrackTooLong { track: TRACK, len: data.len(), max: TRACK3_MAX_DATA });
        }
        // Sized up front so normalising never reallocates an unwiped copy.
        let mut normalised = Zeroizing::new(String::with_capacity(data.len()));
        for (i, b) in data.bytes().enumerate() {
            let position = framed.offset + i;
            match b {
                b'0'..=b'9' | b'=' => normalised.push(char::from(b)),
                b'D' | b'd' if !framed.sentinels => normalised.push('='),
                b'D' | b'd' => return Err(CardError::BadSeparator { track: TRACK, position }),
                _ => return Err(CardError::BadCharacter { track: TRACK, position }),
            }
        }
        Ok(Track3(normalised))
    }

    /// Number of data characters.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: an empty track 3 is rejected when parsed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The track as field 36 carries it in BCD: digits with 'D' for each
    /// separator, no sentinels. Full card data: send it, never keep it.
    pub fn to_field36_digits(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(self.0.len()));
        out.extend(self.0.chars().map(|c| if c == '=' { 'D' } else { c }));
        out
    }
}

impl fmt::Debug for Track3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Track3(<{} characters redacted>)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T3: &str = ";996228480402564890018=1561560000000000000003000000214=000000000=000000000000000000000000?";

    #[test]
    fn parses_both_forms() {
        let t = Track3::parse(T3).unwrap();
        assert_eq!(t.len(), T3.len() - 2);
        let digits = t.to_field36_digits();
        assert!(digits.starts_with("996228480402564890018D156"));
        assert!(!digits.contains('='));
        assert_eq!(Track3::parse(&digits).unwrap(), t);
    }

    #[test]
    fn limits_and_characters() {
        let long = format!(";{}?", "1".repeat(105));
        assert_eq!(Track3::parse(&long), Err(CardError::TrackTooLong { track: TRACK, len: 105, max: 104 }));
        assert!(Track3::parse(&format!(";{}?", "1".repeat(104))).is_ok());
        assert_eq!(Track3::parse(";12D3?"), Err(CardError::BadSeparator { track: TRACK, position: 3 }));
        assert_eq!(Track3::parse(";12:3?"), Err(CardError::BadCharacter { track: TRACK, position: 3 }));
        assert_eq!(Track3::parse(";?"), Err(CardError::EmptyTrack { track: TRACK }));
        assert!(!format!("{:?}", Track3::parse(T3).unwrap()).contains("6228480402564890018"));
    }
}
