//! How one payment may use offline approval.

use serde::{Deserialize, Serialize};

/// The operator's (or the merchant's default) choice for one payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfflinePreference {
    /// Online when the host can be reached, offline (within limits) when it cannot.
    #[default]
    PreferOnline,
    /// Online or not at all.
    RequireOnline,
    /// Offline even when the host could be reached (within limits).
    ForceOffline,
}
