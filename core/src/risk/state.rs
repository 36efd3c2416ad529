//! The policy in force on a terminal: pushed by the acquirer (kept in the settings) or provisioned.

use std::sync::{Arc, Mutex};

use crate::store::Store;

use super::error::{PolicyError, RiskError};
use super::policy::{RiskPolicy, POLICY_SETTING};

/// The terminal's policy, read from the settings once and replaced by pushes.
#[derive(Debug, Default)]
pub(crate) struct RiskState {
    cached: Mutex<Option<Option<Arc<RiskPolicy>>>>,
}

impl RiskState {
    /// The policy in force: the pushed one, else `provisioned`; `None`: no risk checks.
    pub fn current(&self, store: &Store, provisioned: Option<&RiskPolicy>) -> Option<Arc<RiskPolicy>> {
        let mut cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = cached.as_ref() {
            return p.clone();
        }
        let pushed = match store.setting(POLICY_SETTING) {
            Ok(Some(text)) => match RiskPolicy::from_json(&text) {
                Ok(p) => Some(p),
                Err(e) => {
                    // Validated before it was stored; a newer build may read it stricter.
                    tracing::error!(error = %e, "stored risk policy unusable; the provisioned one applies");
                    None
                }
            },
            Ok(None) => None,
            Err(e) => {
                // Not cached: the next payment reads the settings again.
                tracing::error!(error = %e, "risk policy not readable");
                return provisioned.cloned().map(Arc::new);
            }
        };
        let policy = pushed.or_else(|| provisioned.cloned()).map(Arc::new);
        *cached = Some(policy.clone());
        policy
    }

    /// Validates and installs a pushed policy (JSON); refuses one older than the one in force.
    pub fn replace(
        &self,
        store: &Store,
        provisioned: Option<&RiskPolicy>,
        json: &str,
    ) -> Result<Arc<RiskPolicy>, RiskError> {
        let policy = RiskPolicy::from_json(json)?;
        if let Some(current) = self.current(store, provisioned) {
            if policy.version < current.version {
                return Err(PolicyError::Stale { offered: policy.version, installed: current.version }.into());
            }
        }
        store.set_setting(POLICY_SETTING, &policy.to_json()).map_err(|e| {
            RiskError::Policy(PolicyError::Invalid { field: "policy".into(), reason: format!("not stored: {e}") })
        })?;
        let policy = Arc::new(policy);
        *self.cached.lock().unwrap_or_else(|p| p.into_inner()) = Some(Some(policy.clone()));
        Ok(policy)
    }
}
