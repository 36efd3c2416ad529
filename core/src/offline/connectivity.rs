//! What the terminal knows about its link: the platform's network state and whether the
//! acquirer answered lately.

use std::sync::atomic::{AtomicBool, Ordering};

/// Connectivity as two signals: the platform's network events and host reachability.
///
/// The payment path reads [`Connectivity::is_online`]; the sync engine wakes up when it
/// turns true again.
#[derive(Debug)]
pub struct Connectivity {
    platform: AtomicBool,
    host: AtomicBool,
}

impl Default for Connectivity {
    fn default() -> Self {
        // Until told otherwise, assume both: a terminal that never hears an event still works online.
        Connectivity { platform: AtomicBool::new(true), host: AtomicBool::new(true) }
    }
}

impl Connectivity {
    /// Records the platform's network state; returns true when the terminal just came back online.
    pub(crate) fn set_platform(&self, online: bool) -> bool {
        let was = self.is_online();
        self.platform.store(online, Ordering::SeqCst);
        if online {
            // A network change is a reason to try the host again.
            self.host.store(true, Ordering::SeqCst);
        }
        !was && self.is_online()
    }

    /// Records whether the host answered; returns true when the terminal just came back online.
    pub(crate) fn set_host_reachable(&self, reachable: bool) -> bool {
        let was = self.is_online();
        self.host.store(reachable, Ordering::SeqCst);
        !was && self.is_online()
    }

    /// The platform reports a network.
    pub(crate) fn platform_online(&self) -> bool {
        self.platform.load(Ordering::SeqCst)
    }

    /// The host answered the last exchange (or nothing failed since the network came back).
    pub(crate) fn host_reachable(&self) -> bool {
        self.host.load(Ordering::SeqCst)
    }

    /// Both: worth trying the host now.
    pub fn is_online(&self) -> bool {
        self.platform_online() && self.host_reachable()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_is_reported_once() {
        let c = Connectivity::default();
        assert!(c.is_online());
        assert!(!c.set_host_reachable(false));
        assert!(!c.is_online());
        assert!(c.set_host_reachable(true), "host back");
        assert!(!c.set_platform(false) && !c.is_online());
        assert!(!c.set_host_reachable(false));
        assert!(c.set_platform(true), "network back also resets host reachability");
        assert!(!c.set_platform(true), "no second return");
    }
}
