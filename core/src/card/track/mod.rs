//! Magnetic stripe tracks 1, 2 and 3: parsing, LRC, and the field 35/36 forms.

mod frame;
mod stripe_code;
mod swipe;
mod track1;
mod track2;
mod track3;
mod track_id;
mod track_set;

pub use stripe_code::StripeCode;
pub use track1::Track1;
pub use track1::TRACK1_MAX_DATA;
pub use track2::Track2;
pub use track2::TRACK2_MAX_DATA;
pub use track3::Track3;
pub use track3::TRACK3_MAX_DATA;
pub use track_id::TrackId;
pub use track_set::TrackSet;
