//! A running subscription or background task the shell can stop (matrix-rust-sdk's TaskHandle).

use tokio::task::JoinHandle;

/// A running task; `cancel` stops it. Dropping the handle (the Kotlin object being closed
/// or collected) stops it too, so keep it as long as the subscription is wanted.
#[derive(Debug, uniffi::Object)]
pub struct TaskHandle {
    handle: JoinHandle<()>,
}

impl TaskHandle {
    pub(crate) fn new(handle: JoinHandle<()>) -> std::sync::Arc<TaskHandle> {
        std::sync::Arc::new(TaskHandle { handle })
    }
}

#[uniffi::export]
impl TaskHandle {
    /// Stops the task; no more callbacks after it returns (one already running may finish).
    pub fn cancel(&self) {
        self.handle.abort();
    }

    /// Whether the task has ended (cancelled, or its source closed).
    pub fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }
}

impl Drop for TaskHandle {
    fn drop(&mut self) {
        self.handle.abort();
    }
}
