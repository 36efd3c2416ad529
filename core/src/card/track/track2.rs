//! Track 2 (ISO/IEC 7813): the track that field 35 carries.

use std::fmt;

use zeroize::Zeroizing;

use crate::card::error::CardError;
use crate::card::expiry::Expiry;
use crate::card::pan::Pan;
use crate::card::service_code::ServiceCode;
use crate::card::track::frame::Framing;
use crate::card::track::stripe_code::StripeCode;
use crate::card::track::track_id::TrackId;

/// Most data characters track 2 holds (40 with sentinels and LRC); also the
/// z..37 limit of field 35.
pub const TRACK2_MAX_DATA: usize = 37;

const TRACK: TrackId = TrackId::Track2;

const FRAMING: Framing = Framing { track: TRACK, start: b';', code: StripeCode::Numeric, bare_allowed: true };

/// Track 2: `;` PAN `=` YYMM service-code discretionary `?` [LRC].
///
/// Discretionary data (PVV, CVV) is never exposed on its own; it is wiped on
/// drop and redacted in Debug.
#[derive(Clone, PartialEq, Eq)]
pub struct Track2 {
    pan: Pan,
    expiry: Expiry,
    service_code: ServiceCode,
    discretionary: Zeroizing<String>,
}

impl Track2 {
    /// Parses track 2 either as read from the stripe (`;...?`, LRC optional)
    /// or in the bare form of field 35 (digits, separator `=` or `D`).
    pub fn parse(input: &str) -> Result<Track2, CardError> {
        let framed = FRAMING.unframe(input)?;
        let data = framed.data;
        if data.len() > TRACK2_MAX_DATA {
            return Err(CardError::TrackTooLong { track: TRACK, len: data.len(), max: TRACK2_MAX_DATA });
        }
        let mut separator = None;
        for (i, b) in data.bytes().enumerate() {
            let position = framed.offset + i;
            match b {
                b'0'..=b'9' => {}
                // 'D' is how the '=' nibble reads once field 35 is unpacked
                // from BCD; on the stripe itself only '=' exists.
                b'=' | b'D' | b'd' => {
                    if separator.is_some() || (framed.sentinels && b != b'=') {
                        return Err(CardError::BadSeparator { track: TRACK, position });
                    }
                    separator = Some(i);
                }
                _ => return Err(CardError::BadCharacter { track: TRACK, position }),
            }
        }
        let separator = separator.ok_or(CardError::MissingSeparator { track: TRACK })?;
        let pan_digits = data.get(..separator).unwrap_or_default();
        let rest = data.get(separator + 1..).unwrap_or_default();
        let pan = Pan::parse_on_track(pan_digits, TRACK)?;
        let expiry = rest
            .get(..4)
            .and_then(|s| Expiry::from_ascii(s.as_bytes()))
            .ok_or(CardError::BadExpiry { track: TRACK })?;
        let service_code = rest
            .get(4..7)
            .and_then(|s| ServiceCode::from_ascii(s.as_bytes()))
            .ok_or(CardError::BadServiceCode { track: TRACK })?;
        let discretionary = rest.get(7..).unwrap_or_default();
        Ok(Track2 { pan, expiry, service_code, discretionary: Zeroizing::new(discretionary.to_owned()) })
    }

    /// The card number.
    pub fn pan(&self) -> &Pan {
        &self.pan
    }

    /// The expiry date.
    pub fn expiry(&self) -> Expiry {
        self.expiry
    }

    /// The service code.
    pub fn service_code(&self) -> ServiceCode {
        self.service_code
    }

    /// The track as field 35 carries it in BCD: digits with 'D' as the
    /// separator, no sentinels. Full card data: send it, never keep it.
    pub fn to_field35_digits(&self) -> Zeroizing<String> {
        let digits = self.pan.as_digits();
        // Sized up front so the String never reallocates and leaves an
        // unwiped copy behind.
        let mut out = Zeroizing::new(String::with_capacity(digits.len() + 1 + 4 + 3 + self.discretionary.len()));
        out.push_str(digits);
        out.push('D');
        out.push_str(&self.expiry.yymm());
        out.push_str(&self.service_code.to_string());
        out.push_str(&self.discretionary);
        out
    }
}

impl fmt::Debug for Track2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Track2")
            .field("pan", &self.pan)
            .field("expiry", &self.expiry)
            .field("service_code", &self.service_code)
            .field("discretionary", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T2: &str = ";6228480402564890018=28122010000012345?";

    #[test]
    fn parses_stripe_form() {
        let t = Track2::parse(T2).unwrap();
        assert_eq!(t.pan().as_digits(), "6228480402564890018");
        assert_eq!(t.expiry().yymm(), "2812");
        assert_eq!(t.service_code().to_string(), "201");
        assert_eq!(t.to_field35_digits().as_str(), "6228480402564890018D28122010000012345");
    }

    #[test]
    fn parses_bare_forms() {
        let d = Track2::parse("6228480402564890018D28122010000012345").unwrap();
        let e = Track2::parse("6228480402564890018=28122010000012345").unwrap();
        assert_eq!(d, e);
        assert_eq!(d, Track2::parse(T2).unwrap());
    }

    #[test]
    fn debug_is_masked() {
        let t = Track2::parse(T2).unwrap();
        let dbg = format!("{t:?}");
        assert!(!dbg.contains("6228480402564890018"), "{dbg}");
        assert!(!dbg.contains("12345"), "{dbg}");
        assert!(dbg.contains("622848*********0018"), "{dbg}");
    }

    #[test]
    fn structural_errors() {
        use CardError::*;
        let t = TrackId::Track2;
        assert_eq!(Track2::parse(";6228480402564890018D2812201?"), Err(BadSeparator { track: t, position: 20 }));
        assert_eq!(Track2::parse("6228480402564890018=2812=201"), Err(BadSeparator { track: t, position: 24 }));
        assert_eq!(Track2::parse(";62284804025648900182812201?"), Err(MissingSeparator { track: t }));
        assert_eq!(Track2::parse(";6228480402564890018=281?"), Err(BadExpiry { track: t }));
        assert_eq!(Track2::parse(";6228480402564890018=2813201?"), Err(BadExpiry { track: t }));
        assert_eq!(Track2::parse(";6228480402564890018=281220?"), Err(BadServiceCode { track: t }));
        assert_eq!(Track2::parse(";6228480402564890018=2812201:?"), Err(BadCharacter { track: t, position: 28 }));
    }
}
