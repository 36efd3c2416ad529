//! A waiting line while the host is asked, on a terminal only: "等待主机应答… 还剩 57 秒 /
//! waiting for the host… 57 s left". Without it a host that never answers is a minute of
//! silence. Scripts (`--json`, or stderr not a terminal) see nothing of it.

use std::future::Future;
use std::io::IsTerminal;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use indicatif::{ProgressBar, ProgressStyle};
use pos_core::crypto::EncryptedWorkingKeys;
use pos_core::tms::blacklist::EntryFingerprint;
use pos_core::{CardRead, CardReader, CardRequest, DeviceInfo, ReaderError, ReaderKeyAck};
use tokio::sync::watch;

use crate::Global;

/// Counts the cards read in this run: the host is asked right after one is.
static CARD_READS: OnceLock<watch::Sender<u64>> = OnceLock::new();

/// The host's answer time of the terminal this run opened (the countdown's start).
static RESPONSE_TIMEOUT: OnceLock<Duration> = OnceLock::new();

/// Notes the opened terminal's response timeout.
pub(crate) fn set_response_timeout(d: Duration) {
    let _ = RESPONSE_TIMEOUT.set(d);
}

fn card_reads() -> &'static watch::Sender<u64> {
    CARD_READS.get_or_init(|| watch::channel(0).0)
}

/// Whether the operator is being asked something (the waiting line steps aside).
static ASKING: OnceLock<watch::Sender<bool>> = OnceLock::new();

fn asking() -> &'static watch::Sender<bool> {
    ASKING.get_or_init(|| watch::channel(false).0)
}

/// Runs `ask` (a question on the terminal) with the waiting line cleared; the line comes back,
/// counting from then, once it is answered.
pub(crate) async fn asking_operator<T: Send + 'static>(ask: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    asking().send_replace(true);
    // Let the waiting line clear itself before the question is written.
    tokio::task::yield_now().await;
    let answer = tokio::task::spawn_blocking(ask).await.ok();
    asking().send_replace(false);
    answer
}

/// The reader, passing everything on, noting each card read.
pub(crate) struct Watched(pub Arc<dyn CardReader>);

#[async_trait]
impl CardReader for Watched {
    fn device_info(&self) -> DeviceInfo {
        self.0.device_info()
    }
    fn check_secure_link(&self) -> Result<(), ReaderError> {
        self.0.check_secure_link()
    }
    async fn load_working_keys(&self, keys: &EncryptedWorkingKeys) -> Result<ReaderKeyAck, ReaderError> {
        self.0.load_working_keys(keys).await
    }
    async fn read_card(&self, request: CardRequest) -> Result<CardRead, ReaderError> {
        let read = self.0.read_card(request).await;
        if read.is_ok() {
            card_reads().send_modify(|n| *n += 1);
        }
        read
    }
    async fn cancel(&self) -> Result<(), ReaderError> {
        self.0.cancel().await
    }
    async fn load_chip_parameters(
        &self,
        keys: &[pos_core::tms::capk::CaPublicKey],
        aids: &[pos_core::tms::aid::IcParams],
    ) -> Result<pos_core::ChipParamsHeld, ReaderError> {
        self.0.load_chip_parameters(keys, aids).await
    }
    async fn fingerprint_entries(&self, entries: &[String]) -> Result<Vec<EntryFingerprint>, ReaderError> {
        self.0.fingerprint_entries(entries).await
    }
    // Every method is passed on, the defaulted ones too (a default would hide the reader's answer).
    async fn unlock_challenge(&self) -> Result<String, ReaderError> {
        self.0.unlock_challenge().await
    }
    async fn unlock(&self, code: &str) -> Result<(), ReaderError> {
        self.0.unlock(code).await
    }
    async fn help_desk_reset(&self, code: &str) -> Result<(), ReaderError> {
        self.0.help_desk_reset(code).await
    }
}

/// When the waiting line starts.
#[derive(Clone, Copy)]
pub(crate) enum From {
    /// At once (sign-in, settlement: nothing is read first).
    Now,
    /// Once a card has been read (payments: the card prompt comes first).
    CardRead,
}

/// Runs `work`, showing the waiting line with the time left of the response timeout.
pub(crate) async fn while_waiting<T>(g: &Global, from: From, work: impl Future<Output = T>) -> T {
    let timeout = RESPONSE_TIMEOUT.get().copied().unwrap_or(Duration::from_secs(60));
    if g.json || !std::io::stderr().is_terminal() {
        return work.await;
    }
    let mut reads = card_reads().subscribe();
    reads.mark_unchanged();
    let mut asks = asking().subscribe();
    let mut asks_open = true;
    let mut bar = ProgressBar::hidden();
    let started: Option<Instant> = None;
    let show = |bar: &ProgressBar, since: Instant| {
        let left = timeout.saturating_sub(since.elapsed()).as_secs();
        bar.set_message(crate::say_pair(
            g,
            &format!("等待主机应答… 还剩 {left} 秒"),
            &format!("waiting for the host… {left} s left"),
        ));
    };
    tokio::pin!(work);
    let mut started = started;
    if matches!(from, From::Now) {
        started = Some(Instant::now());
    }
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    let out = loop {
        if let (Some(since), true) = (started, bar.is_hidden()) {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            show(&bar, since);
        }
        tokio::select! {
            out = &mut work => break out,
            changed = reads.changed(), if started.is_none() => {
                if changed.is_ok() {
                    started = Some(Instant::now());
                }
            }
            changed = asks.changed(), if asks_open => {
                asks_open = changed.is_ok();
                if asks_open && *asks.borrow_and_update() {
                    bar.finish_and_clear();
                    bar = ProgressBar::hidden();
                    started = None;
                } else if asks_open {
                    started = Some(Instant::now());
                }
            }
            _ = tick.tick() => {
                if let Some(since) = started {
                    show(&bar, since);
                    bar.tick();
                }
            }
        }
    };
    bar.finish_and_clear();
    out
}
