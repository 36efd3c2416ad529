//! Offline mode: when a payment may be approved without the host, and the connectivity
//! signals that decide when to try.
//!
//! A payment goes offline only when its preference allows it, the read was chip or
//! contactless without an online PIN, and the merchant's limits hold. Approved offline
//! payments are sealed into the store's queue and forwarded by [`crate::sync`].

mod connectivity;
mod gate;
mod limits;
mod preference;
mod refusal;

pub use connectivity::Connectivity;
pub(crate) use gate::{check_amount, check_card};
pub use limits::OfflineLimits;
pub use limits::QueueStats;
pub use preference::OfflinePreference;
pub use refusal::OfflineRefusal;
