//! Which magnetic stripe track a piece of data or an error belongs to.

use std::fmt;

use crate::i18n::Bilingual;

/// One of the three ISO/IEC 7811 tracks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackId {
    /// Track 1: alphanumeric, carries the cardholder name.
    Track1,
    /// Track 2: numeric, what field 35 carries.
    Track2,
    /// Track 3: numeric, what field 36 carries.
    Track3,
}

impl fmt::Display for TrackId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en())
    }
}

impl Bilingual for TrackId {
    fn zh(&self) -> String {
        match self {
            TrackId::Track1 => "第一磁道",
            TrackId::Track2 => "第二磁道",
            TrackId::Track3 => "第三磁道",
        }
        .to_owned()
    }

    fn en(&self) -> String {
        match self {
            TrackId::Track1 => "track 1",
            TrackId::Track2 => "track 2",
            TrackId::Track3 => "track 3",
        }
        .to_owned()
    }
}
