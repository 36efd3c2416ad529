//! Runs a handful of futures at once on the current task: the window of uploads in flight.
//!
//! The window stays full: the next upload starts as soon as one is answered, instead of a
//! whole window waiting for its slowest member before the next one is sent.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::Poll;

/// Runs `start(item)` for each of `items`, in order, with at most `window` running at once: the
/// next one starts as soon as one ends. Once `stop` says so of an output, none starts after it
/// (those running finish). Outputs come back in the items' order, `None` for an item never
/// started.
pub(crate) async fn run_window<'a, T, F, S, P>(
    items: &'a [T],
    window: usize,
    mut start: S,
    stop: P,
) -> Vec<Option<F::Output>>
where
    F: Future,
    S: FnMut(&'a T) -> F,
    P: Fn(&F::Output) -> bool,
{
    let window = window.max(1);
    let mut outputs: Vec<Option<F::Output>> = items.iter().map(|_| None).collect();
    // Running futures with their item's index, oldest first (so requests go out in order).
    let mut running: Vec<(usize, Pin<Box<F>>)> = Vec::with_capacity(window.min(items.len()));
    let mut next = 0;
    let mut stopped = false;
    poll_fn(|cx| {
        // Each turn either ends a future or returns Pending: at most `items.len()` turns.
        loop {
            while !stopped && running.len() < window && next < items.len() {
                running.push((next, Box::pin(start(&items[next]))));
                next += 1;
            }
            let mut ended = false;
            let mut i = 0;
            while i < running.len() {
                match running[i].1.as_mut().poll(cx) {
                    Poll::Ready(v) => {
                        stopped |= stop(&v);
                        let (index, _) = running.remove(i);
                        outputs[index] = Some(v);
                        ended = true;
                    }
                    Poll::Pending => i += 1,
                }
            }
            if running.is_empty() && (stopped || next >= items.len()) {
                return Poll::Ready(());
            }
            if !ended {
                return Poll::Pending;
            }
        }
    })
    .await;
    outputs
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_window_stays_full_and_in_order() {
        // Item 0 takes 10 s, the others 1 s. With 3 in flight, items 1..9 run beside item 0
        // as slots free up: all end by 10 s. A window that waited for its slowest member
        // (0, 1, 2 together, then 3, 4, 5...) would take 13 s.
        let started = Arc::new(std::sync::Mutex::new(Vec::new()));
        let items: Vec<u64> = (0..10).collect();
        let t0 = tokio::time::Instant::now();
        let out = run_window(
            &items,
            3,
            |&i| {
                let started = started.clone();
                async move {
                    started.lock().map(|mut s| s.push(i)).ok();
                    tokio::time::sleep(Duration::from_secs(if i == 0 { 10 } else { 1 })).await;
                    i * 10
                }
            },
            |_| false,
        )
        .await;
        assert_eq!(t0.elapsed(), Duration::from_secs(10));
        assert_eq!(out, (0..10).map(|i| Some(i * 10)).collect::<Vec<_>>());
        assert_eq!(*started.lock().unwrap(), (0..10).collect::<Vec<_>>(), "started in order");
    }

    #[tokio::test(start_paused = true)]
    async fn nothing_starts_after_a_stop_and_those_running_finish() {
        // Item 2 says stop after 1 s; items 0 and 1 (3 s) are running then and finish; 3.. never start.
        let items: Vec<u64> = (0..6).collect();
        let out = run_window(
            &items,
            3,
            |&i| async move {
                tokio::time::sleep(Duration::from_secs(if i == 2 { 1 } else { 3 })).await;
                i
            },
            |&v| v == 2,
        )
        .await;
        assert_eq!(out, vec![Some(0), Some(1), Some(2), None, None, None]);
    }

    #[tokio::test]
    async fn a_window_of_one_is_one_after_another() {
        let running = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let items = [1u8; 5];
        let out = run_window(
            &items,
            1,
            |_| {
                let running = running.clone();
                async move {
                    let now = running.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                    tokio::task::yield_now().await;
                    running.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                    now
                }
            },
            |_| false,
        )
        .await;
        assert_eq!(out, vec![Some(1); 5]);
        let empty: [u8; 0] = [];
        assert!(run_window(&empty, 4, |_| async { 0 }, |_| false).await.is_empty());
    }
}
