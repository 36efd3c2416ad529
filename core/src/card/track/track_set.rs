//! The tracks one swipe yields, checked to belong together.

use crate::card::error::CardError;
use crate::card::expiry::Expiry;
use crate::card::pan::Pan;
use crate::card::service_code::ServiceCode;
use crate::card::track::swipe::split_swipe;
use crate::card::track::track1::Track1;
use crate::card::track::track2::Track2;
use crate::card::track::track3::Track3;

/// The tracks read from one card: track 2 always (it is what the host
/// authorises on), tracks 1 and 3 when the reader got them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackSet {
    track1: Option<Track1>,
    track2: Track2,
    track3: Option<Track3>,
}

impl TrackSet {
    /// Combines parsed tracks: track 2 is required, and tracks 1 and 2 must
    /// carry the same card number.
    pub fn new(track1: Option<Track1>, track2: Option<Track2>, track3: Option<Track3>) -> Result<TrackSet, CardError> {
        let Some(track2) = track2 else {
            return Err(if track1.is_none() && track3.is_none() {
                CardError::NoTracks
            } else {
                CardError::MissingTrack2
            });
        };
        if let Some(t1) = &track1 {
            if t1.pan() != track2.pan() {
                return Err(CardError::TrackPanMismatch);
            }
        }
        Ok(TrackSet { track1, track2, track3 })
    }

    /// Parses the tracks as a reader reports them one by one. A track that
    /// is absent, an empty string, or sentinels only (";?") counts as not
    /// read; any other malformed track rejects the swipe.
    pub fn from_tracks(
        track1: Option<&str>,
        track2: Option<&str>,
        track3: Option<&str>,
    ) -> Result<TrackSet, CardError> {
        TrackSet::new(read(track1, Track1::parse)?, read(track2, Track2::parse)?, read(track3, Track3::parse)?)
    }

    /// Parses a whole swipe in one string, tracks concatenated in stripe
    /// order as keyboard-style readers deliver them. Error positions within
    /// a track count from that track's start sentinel.
    pub fn parse_swipe(swipe: &str) -> Result<TrackSet, CardError> {
        let parts = split_swipe(swipe)?;
        TrackSet::from_tracks(parts.track1, parts.track2, parts.track3)
    }

    /// Track 1, if read.
    pub fn track1(&self) -> Option<&Track1> {
        self.track1.as_ref()
    }

    /// Track 2.
    pub fn track2(&self) -> &Track2 {
        &self.track2
    }

    /// Track 3, if read.
    pub fn track3(&self) -> Option<&Track3> {
        self.track3.as_ref()
    }

    /// The card number (from track 2; track 1 agrees if present).
    pub fn pan(&self) -> &Pan {
        self.track2.pan()
    }

    /// The expiry date from track 2.
    pub fn expiry(&self) -> Expiry {
        self.track2.expiry()
    }

    /// The service code from track 2.
    pub fn service_code(&self) -> ServiceCode {
        self.track2.service_code()
    }
}

/// Parses one reported track, mapping "nothing there" to `None`.
fn read<T>(input: Option<&str>, parse: impl Fn(&str) -> Result<T, CardError>) -> Result<Option<T>, CardError> {
    match input {
        None => Ok(None),
        Some(s) => match parse(s) {
            Ok(track) => Ok(Some(track)),
            Err(CardError::EmptyTrack { .. }) => Ok(None),
            Err(e) => Err(e),
        },
    }
}
