//! Splitting one concatenated swipe ("%...?;...?;...?") into its tracks.

use crate::card::error::CardError;
use crate::card::track::frame::END_SENTINEL;
use crate::card::track::stripe_code::StripeCode;
use crate::card::track::track_id::TrackId;

const TRACK1_START: u8 = b'%';
const NUMERIC_START: u8 = b';';

/// The tracks of a swipe, still as text, in the order the stripe has them.
#[derive(Debug, Default)]
pub(crate) struct SwipeParts<'a> {
    pub track1: Option<&'a str>,
    pub track2: Option<&'a str>,
    pub track3: Option<&'a str>,
}

/// Splits a swipe as keyboard-style readers type it: track 1 (if read) and
/// then the one or two ';' tracks, each with an optional LRC.
///
/// Tracks 2 and 3 share a start sentinel, so they are told apart by order: a
/// lone ';' track is track 2.
pub(crate) fn split_swipe(swipe: &str) -> Result<SwipeParts<'_>, CardError> {
    let swipe = swipe.trim_end_matches(['\r', '\n']);
    let bytes = swipe.as_bytes();
    let mut parts = SwipeParts::default();
    let mut start = 0;
    while let Some(&sentinel) = bytes.get(start) {
        let (track, code) = match sentinel {
            TRACK1_START => (TrackId::Track1, StripeCode::Alpha),
            NUMERIC_START if parts.track2.is_none() => (TrackId::Track2, StripeCode::Numeric),
            NUMERIC_START => (TrackId::Track3, StripeCode::Numeric),
            _ => return Err(CardError::UnrecognisedSwipe { position: start }),
        };
        let end = bytes
            .get(start..)
            .and_then(|rest| rest.iter().position(|b| *b == END_SENTINEL))
            .map(|p| start + p)
            .ok_or(CardError::MissingEndSentinel { track })?;
        let framed = bytes.get(start..=end).unwrap_or_default();
        let mut next = end + 1;
        if has_lrc(code, framed, bytes.get(next..).unwrap_or_default()) {
            next += 1;
        }
        let text = swipe.get(start..next).ok_or(CardError::UnrecognisedSwipe { position: start })?;
        let slot = match track {
            TrackId::Track1 if start == 0 => &mut parts.track1,
            TrackId::Track2 => &mut parts.track2,
            TrackId::Track3 if parts.track3.is_none() => &mut parts.track3,
            _ => return Err(CardError::UnrecognisedSwipe { position: start }),
        };
        *slot = Some(text);
        start = next;
    }
    Ok(parts)
}

/// Whether the character after an end sentinel is that track's LRC.
///
/// An LRC can look like a start sentinel, so a sentinel-like character counts
/// as the LRC only if it matches and what follows could start a track.
fn has_lrc(code: StripeCode, framed: &[u8], after: &[u8]) -> bool {
    match after {
        [] => false,
        [c, rest @ ..] if *c == TRACK1_START || *c == NUMERIC_START => {
            let next_is_track = matches!(rest.first(), None | Some(&TRACK1_START | &NUMERIC_START));
            next_is_track && code.lrc(framed) == Some(*c)
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_in_order() {
        let p = split_swipe("%B1^A^2812101?;1=2812101?;99=1?\r\n").unwrap();
        assert_eq!(p.track1, Some("%B1^A^2812101?"));
        assert_eq!(p.track2, Some(";1=2812101?"));
        assert_eq!(p.track3, Some(";99=1?"));
        let p = split_swipe(";1=2812101?").unwrap();
        assert_eq!((p.track1, p.track2, p.track3), (None, Some(";1=2812101?"), None));
    }

    #[test]
    fn lrc_that_looks_like_a_sentinel() {
        // ";1=?" has LRC '8'; find a track whose LRC is ';' (value 0xB).
        let framed = b";3=?";
        assert_eq!(StripeCode::Numeric.lrc(framed), Some(b':'));
        let framed = b";0=?"; // 1011 ^ 0000 ^ 1101 ^ 1111 = 1001 -> '9'
        assert_eq!(StripeCode::Numeric.lrc(framed), Some(b'9'));
        let framed = b";2=?"; // 1011 ^ 0010 ^ 1101 ^ 1111 = 1011 -> ';'
        assert_eq!(StripeCode::Numeric.lrc(framed), Some(b';'));
        // With its LRC, followed by track 3.
        let p = split_swipe(";2=?;;5?").unwrap();
        assert_eq!((p.track2, p.track3), (Some(";2=?;"), Some(";5?")));
        // Without an LRC, followed by track 3 whose first data char is a digit.
        let p = split_swipe(";2=?;5?").unwrap();
        assert_eq!((p.track2, p.track3), (Some(";2=?"), Some(";5?")));
    }

    #[test]
    fn rejects_other_layouts() {
        assert_eq!(split_swipe("x").unwrap_err(), CardError::UnrecognisedSwipe { position: 0 });
        assert_eq!(split_swipe(";1?;2?;3?").unwrap_err(), CardError::UnrecognisedSwipe { position: 6 });
        assert_eq!(split_swipe(";1?%B?").unwrap_err(), CardError::UnrecognisedSwipe { position: 3 });
        assert_eq!(
            split_swipe("%B1^A^2812101?;1=2812").unwrap_err(),
            CardError::MissingEndSentinel { track: TrackId::Track2 }
        );
    }
}
