//! Connectivity as the shell and the link report it, and the events the UI listens to.

use tokio::sync::broadcast;

use crate::sync::SyncEvent;

use super::Terminal;

impl Terminal {
    /// The platform's network state changed (Android `ConnectivityManager`, the CLI's switch).
    ///
    /// Coming back online wakes the background sync, which sends pending reversals and
    /// stored payments.
    pub fn set_connectivity(&self, online: bool) {
        let was = self.connectivity.is_online();
        let back = self.connectivity.set_platform(online);
        if back {
            self.wakeup.notify_one();
        }
        if was != self.connectivity.is_online() {
            self.emit(SyncEvent::Connectivity { online: self.connectivity.is_online() });
        }
        tracing::info!(online, "platform connectivity");
    }

    /// Whether the terminal would try the host now (network up and the host answering).
    pub fn is_online(&self) -> bool {
        self.connectivity.is_online()
    }

    /// Whether the platform reports a network at all.
    pub fn network_available(&self) -> bool {
        self.connectivity.platform_online()
    }

    /// Events for the UI: sync progress and outcomes, connectivity, things needing attention.
    pub fn subscribe(&self) -> broadcast::Receiver<SyncEvent> {
        self.events.subscribe()
    }

    /// Asks the background sync to run now ("sync now" without waiting for it).
    pub fn request_sync(&self) {
        self.wakeup.notify_one();
    }

    pub(crate) fn emit(&self, event: SyncEvent) {
        // No listener is fine: events are for whoever wants them.
        let _ = self.events.send(event);
    }

    /// Records whether the host answered an exchange (`None`: the failure says nothing).
    pub(crate) fn host_answered(&self, reachable: Option<bool>) {
        let Some(reachable) = reachable else { return };
        let was = self.connectivity.is_online();
        if self.connectivity.set_host_reachable(reachable) {
            self.wakeup.notify_one();
        }
        if was != self.connectivity.is_online() {
            tracing::info!(reachable, "host reachability changed");
            self.emit(SyncEvent::Connectivity { online: self.connectivity.is_online() });
        }
    }
}
