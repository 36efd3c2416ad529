//! The one tokio runtime the core's tasks run on (acquirer client, BLE transports,
//! background sync, observers), whichever thread the shell calls from.

use std::future::Future;
use std::sync::OnceLock;

use tokio::runtime::{Builder, Runtime};

use crate::error::PosError;

static RUNTIME: OnceLock<Runtime> = OnceLock::new();

/// The shared runtime, started on first use with two workers (a phone's POS app needs no more).
pub(crate) fn runtime() -> &'static Runtime {
    RUNTIME.get_or_init(|| {
        // Failing to start two threads leaves the app unusable anyway; uniffi turns the
        // panic into an exception in the shell rather than aborting the process.
        #[allow(clippy::expect_used)]
        Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("pos-core")
            .enable_all()
            .build()
            .expect("the tokio runtime starts")
    })
}

/// Runs `fut` on the shared runtime and waits for it from any executor (uniffi's future
/// poller, a test). The work goes on if the caller stops waiting: a payment in flight is
/// finished and journaled rather than abandoned half way.
pub(crate) async fn run<T, F>(fut: F) -> Result<T, PosError>
where
    T: Send + 'static,
    F: Future<Output = Result<T, PosError>> + Send + 'static,
{
    match runtime().spawn(fut).await {
        Ok(r) => r,
        Err(e) => Err(PosError::internal(&e.to_string())),
    }
}
