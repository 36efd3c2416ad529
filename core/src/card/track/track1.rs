//! Track 1 (ISO/IEC 7813 format B): the only track with the cardholder name.

use std::fmt;

use zeroize::Zeroizing;

use crate::card::error::CardError;
use crate::card::expiry::Expiry;
use crate::card::pan::Pan;
use crate::card::service_code::ServiceCode;
use crate::card::track::frame::Framing;
use crate::card::track::stripe_code::StripeCode;
use crate::card::track::track_id::TrackId;

/// Most data characters track 1 holds (79 with sentinels and LRC).
pub const TRACK1_MAX_DATA: usize = 76;

const TRACK: TrackId = TrackId::Track1;
const SEPARATOR: u8 = b'^';

const FRAMING: Framing = Framing {
    track: TRACK,
    start: b'%',
    code: StripeCode::Alpha,
    // No ISO 8583 field of our profile carries track 1, so there is no bare
    // form to accept; sentinels tell it apart from garbage.
    bare_allowed: false,
};

/// Track 1: `%B` PAN `^` NAME `^` YYMM service-code discretionary `?` [LRC].
///
/// The name and discretionary data are wiped on drop and redacted in Debug.
#[derive(Clone, PartialEq, Eq)]
pub struct Track1 {
    pan: Pan,
    name: Zeroizing<String>,
    expiry: Expiry,
    service_code: ServiceCode,
    discretionary: Zeroizing<String>,
}

impl Track1 {
    /// Parses track 1 as read from the stripe; the LRC is checked if present.
    pub fn parse(input: &str) -> Result<Track1, CardError> {
        let framed = FRAMING.unframe(input)?;
        let data = framed.data;
        if data.len() > TRACK1_MAX_DATA {
            return Err(CardError::TrackTooLong { track: TRACK, len: data.len(), max: TRACK1_MAX_DATA });
        }
        let mut separators = Vec::with_capacity(2);
        for (i, b) in data.bytes().enumerate() {
            let position = framed.offset + i;
            // '%' is a start sentinel and never data; everything else in the
            // 6-bit set (space to '_') may appear in the name.
            if b == FRAMING.start || StripeCode::Alpha.value(b).is_none() {
                return Err(CardError::BadCharacter { track: TRACK, position });
            }
            if b == SEPARATOR {
                if separators.len() == 2 {
                    return Err(CardError::BadSeparator { track: TRACK, position });
                }
                separators.push(i);
            }
        }
        if !data.starts_with('B') {
            return Err(CardError::UnsupportedFormatCode { track: TRACK });
        }
        let (first, second) = match separators.as_slice() {
            [first, second] => (*first, *second),
            _ => return Err(CardError::MissingSeparator { track: TRACK }),
        };
        let pan = Pan::parse_on_track(data.get(1..first).unwrap_or_default(), TRACK)?;
        let name = data.get(first + 1..second).unwrap_or_default();
        let rest = data.get(second + 1..).unwrap_or_default();
        let expiry = rest
            .get(..4)
            .and_then(|s| Expiry::from_ascii(s.as_bytes()))
            .ok_or(CardError::BadExpiry { track: TRACK })?;
        let service_code = rest
            .get(4..7)
            .and_then(|s| ServiceCode::from_ascii(s.as_bytes()))
            .ok_or(CardError::BadServiceCode { track: TRACK })?;
        Ok(Track1 {
            pan,
            name: Zeroizing::new(name.to_owned()),
            expiry,
            service_code,
            discretionary: Zeroizing::new(rest.get(7..).unwrap_or_default().to_owned()),
        })
    }

    /// The card number.
    pub fn pan(&self) -> &Pan {
        &self.pan
    }

    /// The cardholder name as encoded ("SURNAME/GIVEN", padded with spaces),
    /// trimmed. Personal data: show it only where the operator needs it.
    pub fn cardholder_name(&self) -> &str {
        self.name.trim()
    }

    /// The expiry date.
    pub fn expiry(&self) -> Expiry {
        self.expiry
    }

    /// The service code.
    pub fn service_code(&self) -> ServiceCode {
        self.service_code
    }
}

impl fmt::Debug for Track1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Track1")
            .field("pan", &self.pan)
            .field("name", &"<redacted>")
            .field("expiry", &self.expiry)
            .field("service_code", &self.service_code)
            .field("discretionary", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T1: &str = "%B6228480402564890018^ZHANG/SAN                ^2812201000001234500000?";

    #[test]
    fn parses_format_b() {
        let t = Track1::parse(T1).unwrap();
        assert_eq!(t.pan().as_digits(), "6228480402564890018");
        assert_eq!(t.cardholder_name(), "ZHANG/SAN");
        assert_eq!(t.expiry().yymm(), "2812");
        assert_eq!(t.service_code().to_string(), "201");
    }

    #[test]
    fn debug_hides_name_and_pan() {
        let dbg = format!("{:?}", Track1::parse(T1).unwrap());
        assert!(!dbg.contains("6228480402564890018") && !dbg.contains("ZHANG"), "{dbg}");
    }

    #[test]
    fn errors() {
        use CardError::*;
        let t = TrackId::Track1;
        assert_eq!(Track1::parse("%A6228480402564890018^N^2812201?"), Err(UnsupportedFormatCode { track: t }));
        assert_eq!(Track1::parse("%B6228480402564890018^N2812201?"), Err(MissingSeparator { track: t }));
        assert_eq!(Track1::parse("%B6228480402564890018^N^2812201^?"), Err(BadSeparator { track: t, position: 31 }));
        assert_eq!(Track1::parse("%B6228480402564890018^n^2812201?"), Err(BadCharacter { track: t, position: 22 }));
        assert_eq!(Track1::parse("B6228480402564890018^N^2812201?"), Err(MissingStartSentinel { track: t }));
        assert_eq!(Track1::parse("%B6228480402564890018^N^1300201?"), Err(BadExpiry { track: t }));
        assert_eq!(Track1::parse("%B6228480402564890018^N^28122?"), Err(BadServiceCode { track: t }));
    }
}
