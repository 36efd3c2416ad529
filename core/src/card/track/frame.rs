//! Removing sentinels and the LRC from a track as a reader delivers it.

use crate::card::error::CardError;
use crate::card::track::stripe_code::StripeCode;
use crate::card::track::track_id::TrackId;

/// The end sentinel, the same on every track.
pub(crate) const END_SENTINEL: u8 = b'?';

/// The data between the sentinels, and where it sits in the input.
pub(crate) struct Framed<'a> {
    /// The data characters, sentinels and LRC removed.
    pub data: &'a str,
    /// Offset of `data` in the input, so errors can give input positions.
    pub offset: usize,
    /// True if the input had sentinels; false for the bare field 35/36 form.
    pub sentinels: bool,
}

/// How a track is framed on the wire.
pub(crate) struct Framing {
    pub track: TrackId,
    pub start: u8,
    pub code: StripeCode,
    /// Whether the bare digit form of ISO 8583 fields 35/36 is accepted.
    pub bare_allowed: bool,
}

impl Framing {
    /// Strips sentinels, checks the LRC if one is present, and returns the data.
    pub(crate) fn unframe<'a>(&self, input: &'a str) -> Result<Framed<'a>, CardError> {
        let track = self.track;
        // Keyboard-style readers end a swipe with Enter; no stripe character
        // is a CR or LF, so nothing meaningful is lost.
        let input = input.trim_end_matches(['\r', '\n']);
        let bytes = input.as_bytes();
        let first = *bytes.first().ok_or(CardError::EmptyTrack { track })?;
        if first != self.start {
            if self.bare_allowed && first.is_ascii_digit() && !bytes.contains(&END_SENTINEL) {
                return Ok(Framed { data: input, offset: 0, sentinels: false });
            }
            return Err(CardError::MissingStartSentinel { track });
        }
        // Data never contains the end sentinel, so the first one ends the
        // track; the LRC after it may itself look like any character.
        let end = bytes.iter().position(|b| *b == END_SENTINEL).ok_or(CardError::MissingEndSentinel { track })?;
        let framed = bytes.get(..=end).unwrap_or_default();
        match bytes.get(end + 1..).unwrap_or_default() {
            [] => {}
            [lrc] => self.check_lrc(framed, *lrc)?,
            _ => return Err(CardError::TrailingData { track }),
        }
        let data = input.get(1..end).unwrap_or_default();
        if data.is_empty() {
            return Err(CardError::EmptyTrack { track });
        }
        Ok(Framed { data, offset: 1, sentinels: true })
    }

    fn check_lrc(&self, framed: &[u8], lrc: u8) -> Result<(), CardError> {
        match self.code.lrc(framed) {
            Some(expected) if expected != lrc => Err(CardError::LrcMismatch { track: self.track }),
            // Characters outside the set are reported, with their position,
            // by the track parser; a bad LRC there is the lesser news.
            _ => Ok(()),
        }
    }
}
