//! The terminal facade the shell drives.

mod clock;

pub use clock::{CivilTime, Clock, ManualClock, SystemClock, Timestamp, CHINA_UTC_OFFSET_SECS};
