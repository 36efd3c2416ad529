//! Observers the shell implements (foreign traits), and the plumbing that feeds them from
//! the core's broadcast channels on the shared runtime.

use std::sync::Arc;

use tokio::sync::broadcast;

use crate::progress::PaymentStage;
use crate::reader::ReaderEvent;
use crate::runtime::runtime;
use crate::sync::{ForwardingResult, SyncEvent};
use crate::task::TaskHandle;

/// Payment progress: waiting for the card, processing, finished.
#[uniffi::export(foreign)]
pub trait PaymentProgressObserver: Send + Sync {
    /// Called for each stage, in order; return quickly (called from the core's thread).
    fn on_payment_stage(&self, stage: PaymentStage);
}

/// What the card reader shows: card presented, PIN digits, removed, battery.
#[uniffi::export(foreign)]
pub trait ReaderEventObserver: Send + Sync {
    /// Called for each reader event, in order.
    fn on_reader_event(&self, event: ReaderEvent);
}

/// The reader's security switch fired (系统安全已触发): lock the checkout.
#[uniffi::export(foreign)]
pub trait TamperObserver: Send + Sync {
    /// Called once per tamper report, with the operator's text.
    fn on_tamper(&self, zh: String, en: String);
}

/// Every sync event: started, progress, reversals, forwarding, attention, finished, connectivity.
#[uniffi::export(foreign)]
pub trait SyncObserver: Send + Sync {
    /// Called for each event, in order.
    fn on_sync_event(&self, event: SyncEvent);
}

/// The results of forwarding offline payments (accepted, declined, expired).
#[uniffi::export(foreign)]
pub trait ForwardingObserver: Send + Sync {
    /// Called for each stored payment whose state changed.
    fn on_forwarded(&self, result: ForwardingResult);
}

/// Whether the terminal would try the host now (network up and the host answering).
#[uniffi::export(foreign)]
pub trait ConnectivityObserver: Send + Sync {
    /// Called when it changes.
    fn on_connectivity_changed(&self, online: bool);
}

/// Feeds `rx` to `deliver` on the shared runtime until cancelled or the sender is gone. A slow
/// observer misses the oldest events rather than holding the core up.
pub(crate) fn pump<E, F>(mut rx: broadcast::Receiver<E>, deliver: F) -> Arc<TaskHandle>
where
    E: Clone + Send + 'static,
    F: Fn(E) + Send + 'static,
{
    let handle = runtime().spawn(async move {
        loop {
            match rx.recv().await {
                Ok(e) => deliver(e),
                Err(broadcast::error::RecvError::Lagged(n)) => tracing::warn!(missed = n, "observer lagged"),
                Err(broadcast::error::RecvError::Closed) => break,
            }
        }
    });
    TaskHandle::new(handle)
}
