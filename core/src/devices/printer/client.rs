//! The [`Printer`] seam and [`BlePrinter`], which writes ESC/POS jobs over a [`BleLink`].
//!
//! A printer stream has no framing and no acknowledgements of its own: a chunk is printed
//! or lost. So every chunk is a write with response (the link returns only once the printer
//! accepted it), the printer's buffer is bounded by waiting for a `GS r 1` answer every
//! `window` bytes at most (the printer answers it only after printing what came before; it
//! goes in at a line end, never inside a command or a character), and the printer is asked
//! for paper and cover state before and after the job.
//!
//! A printer that stops mid-job (paper out, cover opened) never gets to a queued `GS r 1`,
//! so while waiting for that answer the client polls the real-time status (`DLE EOT`, which
//! even a stopped printer answers) every `status_poll` and fails at once with the cause. The
//! two kinds of answer cannot be mistaken for each other: a `DLE EOT` answer has bit 4 set,
//! a `GS r 1` answer has it clear (see [`Answer`]).

use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::{mpsc, Mutex};
use tokio::time::Instant;

use super::error::PrinterError;
use super::escpos::StatusQuery;
use super::parser::line_ends;
use super::status::{
    apply_offline_cause, apply_paper_sensor, is_realtime_status, paper_out_after_printing, PrinterStatus,
};
use crate::devices::ble::{BleLink, LinkEvent, ATT_OVERHEAD};

/// Events looked at per query attempt before it counts as unanswered (a chatty printer cannot stall us).
const MAX_EVENTS_PER_ATTEMPT: usize = 256;
/// Events thrown away at most before a query.
const MAX_EVENTS_PER_DRAIN: usize = 4096;
/// Shortest pause between status polls during a barrier, whatever the configuration says.
const MIN_STATUS_POLL: Duration = Duration::from_millis(10);
/// Most wait-and-poll rounds of one barrier (with the default configuration it needs about 20).
const MAX_BARRIER_ROUNDS: u128 = 10_000;

/// Pacing, flow control and timeouts of a [`BlePrinter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrinterConfig {
    /// Largest chunk even when the MTU allows more (some printers lose long writes).
    pub max_chunk: usize,
    /// Pause between chunks, for printers whose buffer overruns without one.
    pub chunk_delay: Duration,
    /// Bytes sent before waiting for the printer to print them (`GS r 1`); `None` for
    /// printers without `GS r`, which then rely on `chunk_delay` alone.
    pub window: Option<usize>,
    /// How long a real-time status query (`DLE EOT`) may take.
    pub status_timeout: Duration,
    /// How long the printer may take to print a window (the answer to `GS r 1`), as long as
    /// its real-time status says it is still printing.
    pub print_timeout: Duration,
    /// While waiting for a `GS r 1` answer, the real-time status (`DLE EOT 2` and `4`) is asked
    /// this often, so a printer that stopped mid-job (paper out, cover opened, fault) fails
    /// the job within about this long instead of after `print_timeout`. At least 10 ms; not
    /// used when `check_status` is off.
    pub status_poll: Duration,
    /// Attempts per query: a lost query or answer is asked again.
    pub query_attempts: u8,
    /// Largest job accepted.
    pub max_job: usize,
    /// Ask paper and cover state around a job and while it prints; off only for printers that
    /// never answer `DLE EOT` (then paper out goes unnoticed: the operator must look at the slip).
    pub check_status: bool,
}

impl Default for PrinterConfig {
    fn default() -> Self {
        PrinterConfig {
            max_chunk: 512,
            chunk_delay: Duration::ZERO,
            // Cheap printers buffer 4-8 KiB; half of the smallest leaves room for the next chunk.
            window: Some(2048),
            status_timeout: Duration::from_millis(1500),
            // 2 KiB of text is ~60 lines: a few seconds at thermal speeds, with margin.
            print_timeout: Duration::from_secs(20),
            // A rider waits about a second to hear that the paper ran out.
            status_poll: Duration::from_secs(1),
            query_attempts: 3,
            max_job: 64 * 1024,
            check_status: true,
        }
    }
}

impl PrinterConfig {
    /// For printers that answer no queries at all: no status, no `GS r`, a pause between chunks.
    pub fn mute_printer() -> PrinterConfig {
        PrinterConfig {
            window: None,
            chunk_delay: Duration::from_millis(20),
            check_status: false,
            ..PrinterConfig::default()
        }
    }
}

/// What a successful job took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrintReport {
    /// Bytes written.
    pub bytes: usize,
    /// Writes (chunks) of job data.
    pub chunks: usize,
    /// Times we waited for the printer to catch up.
    pub barriers: usize,
    /// The status after printing (e.g. paper near end: tell the operator).
    pub status_after: PrinterStatus,
}

/// A receipt printer.
#[async_trait]
pub trait Printer: Send + Sync {
    /// Asks for paper and cover state.
    async fn status(&self) -> Result<PrinterStatus, PrinterError>;
    /// Prints one ESC/POS job; any error means the slip is not (completely) printed.
    async fn print(&self, job: &[u8]) -> Result<PrintReport, PrinterError>;
}

/// A printer on the other end of a [`BleLink`].
pub struct BlePrinter {
    link: Arc<dyn BleLink>,
    // Holding the receiver also serialises jobs: one job or query at a time.
    events: Mutex<mpsc::Receiver<LinkEvent>>,
    config: PrinterConfig,
}

/// Where a job stands, for the error a disconnect produces.
#[derive(Clone, Copy)]
struct Progress {
    sent: usize,
    total: usize,
}

impl Progress {
    fn disconnected(self) -> PrinterError {
        PrinterError::Disconnected { sent: self.sent, total: self.total }
    }
}

/// What one byte from the printer answers.
///
/// A `DLE EOT` answer has the fixed bits `0xx1 0x10` (bit 4 set); a `GS r 1` answer has bits 4
/// and 7 clear. So no byte is both: it is checked as a real-time status first all the same,
/// and only a byte that is not one can be a `GS r 1` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// A `DLE EOT` answer.
    Realtime(u8),
    /// A `GS r 1` answer: everything sent before the query is printed.
    Printed(u8),
}

impl Answer {
    /// Reads `b`; `None` for noise.
    fn of(b: u8) -> Option<Answer> {
        if is_realtime_status(b) {
            Some(Answer::Realtime(b))
        } else if paper_out_after_printing(b).is_some() {
            Some(Answer::Printed(b))
        } else {
            None
        }
    }
}

/// Keeps the first `GS r 1` answer heard, when a barrier waits for one.
fn keep_printed(printed: &mut Option<&mut Option<u8>>, b: u8) {
    if let Some(p) = printed.as_deref_mut() {
        p.get_or_insert(b);
    }
}

/// True once a watching barrier has its `GS r 1` answer.
fn heard_printed(printed: &Option<&mut Option<u8>>) -> bool {
    printed.as_deref().is_some_and(Option::is_some)
}

/// The outcome of a barrier whose `GS r 1` was answered with `b`.
fn after_printing(b: u8) -> Result<(), PrinterError> {
    match paper_out_after_printing(b) {
        Some(true) => Err(PrinterError::PaperOut),
        _ => Ok(()),
    }
}

impl BlePrinter {
    /// A printer over `link`, reading the notifications and link events from `events`.
    pub fn new(link: Arc<dyn BleLink>, events: mpsc::Receiver<LinkEvent>, config: PrinterConfig) -> BlePrinter {
        BlePrinter { link, events: Mutex::new(events), config }
    }

    /// Bytes per write at the current MTU.
    fn chunk_len(&self) -> usize {
        self.link.mtu().saturating_sub(ATT_OVERHEAD).min(self.config.max_chunk).max(1)
    }

    /// Writes a query.
    async fn send(&self, q: StatusQuery, at: Progress) -> Result<(), PrinterError> {
        self.link.write(q.bytes().to_vec()).await.map_err(|e| PrinterError::from_link(e, at.sent, at.total))
    }

    /// Throws away answers to earlier queries, except a `GS r 1` answer a barrier waits for
    /// (kept in `printed`); a disconnect seen here counts only if the link is still down.
    fn drain(
        &self,
        rx: &mut mpsc::Receiver<LinkEvent>,
        at: Progress,
        mut printed: Option<&mut Option<u8>>,
    ) -> Result<(), PrinterError> {
        for _ in 0..MAX_EVENTS_PER_DRAIN {
            match rx.try_recv() {
                Ok(LinkEvent::Disconnected) if !self.link.is_connected() => return Err(at.disconnected()),
                Ok(LinkEvent::Notification(bytes)) => {
                    for b in bytes {
                        if let Some(Answer::Printed(b)) = Answer::of(b) {
                            keep_printed(&mut printed, b);
                        }
                    }
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
        Ok(())
    }

    /// Sends the real-time status query `q` and returns its answer byte, asking again on silence.
    ///
    /// With `printed`, a barrier is waiting: a `GS r 1` answer heard meanwhile is kept there,
    /// and once there is one the query is not sent (again): `Ok(None)`. A query already sent
    /// still gets its attempt's wait, so its answer is not left to be taken for the next one's.
    async fn query(
        &self,
        rx: &mut mpsc::Receiver<LinkEvent>,
        q: StatusQuery,
        at: Progress,
        mut printed: Option<&mut Option<u8>>,
    ) -> Result<Option<u8>, PrinterError> {
        for _attempt in 0..self.config.query_attempts.max(1) {
            self.drain(rx, at, printed.as_deref_mut())?;
            if heard_printed(&printed) {
                return Ok(None);
            }
            self.send(q, at).await?;
            let deadline = Instant::now() + self.config.status_timeout;
            for _ in 0..MAX_EVENTS_PER_ATTEMPT {
                match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Err(_) => break,
                    // The platform dropped the inbox: the link is gone for good.
                    Ok(None) | Ok(Some(LinkEvent::Disconnected)) => return Err(at.disconnected()),
                    Ok(Some(LinkEvent::Notification(bytes))) => {
                        let mut status = None;
                        for b in bytes {
                            match Answer::of(b) {
                                Some(Answer::Realtime(b)) => {
                                    status.get_or_insert(b);
                                }
                                Some(Answer::Printed(b)) => keep_printed(&mut printed, b),
                                None => {}
                            }
                        }
                        if status.is_some() {
                            return Ok(status);
                        }
                    }
                    Ok(Some(LinkEvent::Connected { .. })) => {}
                }
            }
            if heard_printed(&printed) {
                return Ok(None);
            }
            tracing::debug!(?q, "printer status query unanswered");
        }
        Err(PrinterError::NoAnswer)
    }

    /// Reads paper and cover state with `DLE EOT 2` and `DLE EOT 4`; `Ok(None)` when a
    /// watching barrier heard its `GS r 1` answer first (see [`BlePrinter::query`]).
    async fn poll_status(
        &self,
        rx: &mut mpsc::Receiver<LinkEvent>,
        at: Progress,
        mut printed: Option<&mut Option<u8>>,
    ) -> Result<Option<PrinterStatus>, PrinterError> {
        let mut s = PrinterStatus::default();
        let Some(cause) = self.query(rx, StatusQuery::OfflineCause, at, printed.as_deref_mut()).await? else {
            return Ok(None);
        };
        apply_offline_cause(cause, &mut s);
        let Some(paper) = self.query(rx, StatusQuery::PaperSensor, at, printed).await? else {
            return Ok(None);
        };
        apply_paper_sensor(paper, &mut s);
        Ok(Some(s))
    }

    /// Reads paper and cover state.
    async fn read_status(
        &self,
        rx: &mut mpsc::Receiver<LinkEvent>,
        at: Progress,
    ) -> Result<PrinterStatus, PrinterError> {
        // Not watching for `GS r` answers, so every query is answered or fails.
        self.poll_status(rx, at, None).await?.ok_or(PrinterError::NoAnswer)
    }

    /// Waits until `until` for a `GS r 1` answer, ignoring late `DLE EOT` answers.
    async fn await_printed(
        &self,
        rx: &mut mpsc::Receiver<LinkEvent>,
        at: Progress,
        until: Instant,
    ) -> Result<Option<u8>, PrinterError> {
        // A chatty printer ends the wait early (the caller then polls), it cannot stall us.
        for _ in 0..MAX_EVENTS_PER_ATTEMPT {
            match tokio::time::timeout_at(until, rx.recv()).await {
                Err(_) => break,
                Ok(None) | Ok(Some(LinkEvent::Disconnected)) => return Err(at.disconnected()),
                Ok(Some(LinkEvent::Notification(bytes))) => {
                    if let Some(b) = bytes.into_iter().find_map(|b| match Answer::of(b) {
                        Some(Answer::Printed(b)) => Some(b),
                        _ => None,
                    }) {
                        return Ok(Some(b));
                    }
                }
                Ok(Some(LinkEvent::Connected { .. })) => {}
            }
        }
        Ok(None)
    }

    /// Waits until the printer has printed everything sent so far; fails at once if it stopped
    /// (paper out, cover open, fault).
    ///
    /// `GS r 1` is sent once: a printer still busy with the window would answer a second one
    /// too, later, and that answer would be taken for the next barrier's. While waiting, the
    /// real-time status is polled every `status_poll` (a stopped printer never reaches the
    /// `GS r 1`, but answers `DLE EOT`); a printer that is printing gets `print_timeout`.
    async fn barrier(&self, rx: &mut mpsc::Receiver<LinkEvent>, at: Progress) -> Result<(), PrinterError> {
        // What waits now answers earlier queries: this barrier's query is not sent yet.
        self.drain(rx, at, None)?;
        self.send(StatusQuery::PaperAfterPrinting, at).await?;
        let started = Instant::now();
        let deadline = started + self.config.print_timeout;
        let poll = self.config.check_status.then(|| self.config.status_poll.max(MIN_STATUS_POLL));
        let step = poll.unwrap_or(self.config.print_timeout).as_millis().max(1);
        let rounds = (self.config.print_timeout.as_millis() / step).saturating_add(2).min(MAX_BARRIER_ROUNDS);
        let mut printed = None;
        for _round in 0..rounds {
            let until = poll.map_or(deadline, |p| (Instant::now() + p).min(deadline));
            printed = self.await_printed(rx, at, until).await?;
            if printed.is_some() || Instant::now() >= deadline {
                break;
            }
            if poll.is_none() {
                continue;
            }
            let status = self.poll_status(rx, at, Some(&mut printed)).await?;
            if printed.is_some() {
                break;
            }
            if let Some(s) = status {
                if let Err(e) = refuse(&s) {
                    tracing::debug!(elapsed = ?started.elapsed(), ?s, "printer stopped mid-job");
                    return Err(e);
                }
            }
        }
        match printed {
            Some(b) => after_printing(b),
            None => self.unprinted(rx, at).await,
        }
    }

    /// After `print_timeout` without a `GS r 1` answer.
    ///
    /// A stopped printer says why. A printer that reports itself ready has had far longer than a
    /// window takes, so it is idle and the query or its answer was lost: it is asked once more.
    /// Should the first query be answered after all, both answers come back to back (nothing is
    /// printed between them); the second one is awaited here, not left for the next barrier.
    async fn unprinted(&self, rx: &mut mpsc::Receiver<LinkEvent>, at: Progress) -> Result<(), PrinterError> {
        if !self.config.check_status {
            return Err(PrinterError::NoAnswer);
        }
        let mut printed = None;
        let status = self.poll_status(rx, at, Some(&mut printed)).await?;
        if let Some(b) = printed {
            return after_printing(b);
        }
        if let Some(s) = status {
            refuse(&s)?;
        }
        tracing::debug!("printer ready but GS r 1 unanswered after print_timeout; asking again");
        self.send(StatusQuery::PaperAfterPrinting, at).await?;
        let Some(b) = self.await_printed(rx, at, Instant::now() + self.config.status_timeout).await? else {
            return Err(PrinterError::NoAnswer);
        };
        // The other query's answer, if it comes: this barrier's, not the next one's.
        self.await_printed(rx, at, Instant::now() + self.config.status_timeout).await?;
        after_printing(b)
    }
}

/// Cuts `job` at line ends into pieces of at most `window` bytes, so a `GS r` between pieces
/// never splits a command or a Chinese character; a single longer line stays whole.
fn segments(job: &[u8], window: Option<usize>) -> Vec<Range<usize>> {
    let Some(window) = window.filter(|w| *w > 0) else {
        let whole = 0..job.len();
        return vec![whole];
    };
    let mut cuts = line_ends(job);
    cuts.push(job.len());
    let (mut out, mut start, mut best) = (Vec::new(), 0, 0);
    for end in cuts {
        if end <= start {
            continue;
        }
        if end - start > window {
            if best > start {
                out.push(start..best);
                start = best;
            }
            if end - start > window {
                out.push(start..end);
                start = end;
            }
        }
        best = end;
    }
    if start < job.len() {
        out.push(start..job.len());
    }
    out
}

/// The error a status stands for, if it stops printing; the cover first, as an open cover also reads as no paper.
fn refuse(s: &PrinterStatus) -> Result<(), PrinterError> {
    if s.cover_open {
        Err(PrinterError::CoverOpen)
    } else if s.paper_out {
        Err(PrinterError::PaperOut)
    } else if s.fault {
        Err(PrinterError::Fault)
    } else {
        Ok(())
    }
}

#[async_trait]
impl Printer for BlePrinter {
    async fn status(&self) -> Result<PrinterStatus, PrinterError> {
        let mut rx = self.events.lock().await;
        self.read_status(&mut rx, Progress { sent: 0, total: 0 }).await
    }

    async fn print(&self, job: &[u8]) -> Result<PrintReport, PrinterError> {
        let total = job.len();
        if total > self.config.max_job {
            return Err(PrinterError::JobTooLarge(total));
        }
        let mut rx = self.events.lock().await;
        let mut at = Progress { sent: 0, total };
        if !self.link.is_connected() {
            return Err(at.disconnected());
        }
        if self.config.check_status {
            refuse(&self.read_status(&mut rx, at).await?)?;
        }

        let (mut chunks, mut barriers) = (0, 0);
        for (i, seg) in segments(job, self.config.window).into_iter().enumerate() {
            if i > 0 {
                self.barrier(&mut rx, at).await?;
                barriers += 1;
            }
            for chunk in job.get(seg).unwrap_or_default().chunks(self.chunk_len()) {
                if chunks > 0 && !self.config.chunk_delay.is_zero() {
                    tokio::time::sleep(self.config.chunk_delay).await;
                }
                self.link.write(chunk.to_vec()).await.map_err(|e| PrinterError::from_link(e, at.sent, total))?;
                at.sent += chunk.len();
                chunks += 1;
            }
        }
        if self.config.window.is_some() {
            // Only once the printer has printed the job does its status say anything about it.
            self.barrier(&mut rx, at).await?;
            barriers += 1;
        }
        let status_after =
            if self.config.check_status { self.read_status(&mut rx, at).await? } else { PrinterStatus::default() };
        refuse(&status_after)?;
        Ok(PrintReport { bytes: total, chunks, barriers, status_after })
    }
}

#[cfg(test)]
mod tests;
