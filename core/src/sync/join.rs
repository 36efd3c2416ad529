//! Runs a handful of futures at once on the current task: the window of uploads in flight.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::Poll;

/// Awaits all of `futures` concurrently; the outputs come back in the input order.
pub(crate) async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    poll_fn(|cx| {
        let mut waiting = false;
        for (f, out) in futures.iter_mut().zip(outputs.iter_mut()) {
            if out.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *out = Some(v),
                    Poll::Pending => waiting = true,
                }
            }
        }
        if waiting {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn concurrent_and_in_order() {
        // Every future waits for all the others: only a concurrent join finishes.
        let barrier = Arc::new(tokio::sync::Barrier::new(8));
        let futs: Vec<_> = (0..8u64)
            .map(|i| {
                let b = barrier.clone();
                async move {
                    b.wait().await;
                    i
                }
            })
            .collect();
        let out = tokio::time::timeout(Duration::from_secs(10), join_all(futs)).await;
        assert_eq!(out.ok(), Some((0..8).collect::<Vec<_>>()));
    }
}
