//! The [`Printer`] seam and [`BlePrinter`], which writes ESC/POS jobs over a [`BleLink`].
//!
//! A printer stream has no framing and no acknowledgements of its own: a chunk is printed
//! or lost. So every chunk is a write with response (the link returns only once the printer
//! accepted it), the printer's buffer is bounded by waiting for a `GS r 1` answer every
//! `window` bytes at most (the printer answers it only after printing what came before; it
//! goes in at a line end, never inside a command or a character), and the printer is asked
//! for paper and cover state before and after the job.

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
    /// How long the printer may take to print a window (the answer to `GS r 1`).
    pub print_timeout: Duration,
    /// Attempts per query: a lost query or answer is asked again.
    pub query_attempts: u8,
    /// Largest job accepted.
    pub max_job: usize,
    /// Ask paper and cover state around a job; off only for printers that never answer
    /// `DLE EOT` (then paper out goes unnoticed: the operator must look at the slip).
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

impl BlePrinter {
    /// A printer over `link`, reading the notifications and link events from `events`.
    pub fn new(link: Arc<dyn BleLink>, events: mpsc::Receiver<LinkEvent>, config: PrinterConfig) -> BlePrinter {
        BlePrinter { link, events: Mutex::new(events), config }
    }

    /// Bytes per write at the current MTU.
    fn chunk_len(&self) -> usize {
        self.link.mtu().saturating_sub(ATT_OVERHEAD).min(self.config.max_chunk).max(1)
    }

    /// Throws away answers to earlier queries; a disconnect seen here counts only if the link is still down.
    fn drain(&self, rx: &mut mpsc::Receiver<LinkEvent>, at: Progress) -> Result<(), PrinterError> {
        for _ in 0..4096 {
            match rx.try_recv() {
                Ok(LinkEvent::Disconnected) if !self.link.is_connected() => return Err(at.disconnected()),
                Ok(_) => {}
                Err(_) => break,
            }
        }
        Ok(())
    }

    /// Sends `q` and returns the first answer byte `accept` takes, asking again on silence.
    async fn query(
        &self,
        rx: &mut mpsc::Receiver<LinkEvent>,
        q: StatusQuery,
        timeout: Duration,
        accept: fn(u8) -> bool,
        at: Progress,
    ) -> Result<u8, PrinterError> {
        for _attempt in 0..self.config.query_attempts.max(1) {
            self.drain(rx, at)?;
            self.link.write(q.bytes().to_vec()).await.map_err(|e| PrinterError::from_link(e, at.sent, at.total))?;
            let deadline = Instant::now() + timeout;
            for _ in 0..MAX_EVENTS_PER_ATTEMPT {
                match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Err(_) => break,
                    // The platform dropped the inbox: the link is gone for good.
                    Ok(None) | Ok(Some(LinkEvent::Disconnected)) => return Err(at.disconnected()),
                    Ok(Some(LinkEvent::Notification(bytes))) => {
                        if let Some(&b) = bytes.iter().find(|&&b| accept(b)) {
                            return Ok(b);
                        }
                    }
                    Ok(Some(LinkEvent::Connected { .. })) => {}
                }
            }
            tracing::debug!(?q, "printer status query unanswered");
        }
        Err(PrinterError::NoAnswer)
    }

    /// Reads paper and cover state with `DLE EOT 2` and `DLE EOT 4`.
    async fn read_status(
        &self,
        rx: &mut mpsc::Receiver<LinkEvent>,
        at: Progress,
    ) -> Result<PrinterStatus, PrinterError> {
        let timeout = self.config.status_timeout;
        let mut s = PrinterStatus::default();
        let cause = self.query(rx, StatusQuery::OfflineCause, timeout, is_realtime_status, at).await?;
        apply_offline_cause(cause, &mut s);
        let paper = self.query(rx, StatusQuery::PaperSensor, timeout, is_realtime_status, at).await?;
        apply_paper_sensor(paper, &mut s);
        Ok(s)
    }

    /// Waits until the printer has printed everything sent so far; fails if it ran out of paper.
    async fn barrier(&self, rx: &mut mpsc::Receiver<LinkEvent>, at: Progress) -> Result<(), PrinterError> {
        let accept = |b| paper_out_after_printing(b).is_some();
        match self.query(rx, StatusQuery::PaperAfterPrinting, self.config.print_timeout, accept, at).await {
            Ok(b) if paper_out_after_printing(b) == Some(true) => Err(PrinterError::PaperOut),
            Ok(_) => Ok(()),
            // A stopped printer (paper ran out, cover opened) never reaches `GS r`; the
            // real-time status says why, which is what the operator needs to hear.
            Err(PrinterError::NoAnswer) => {
                refuse(&self.read_status(rx, at).await?)?;
                Err(PrinterError::NoAnswer)
            }
            Err(e) => Err(e),
        }
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
