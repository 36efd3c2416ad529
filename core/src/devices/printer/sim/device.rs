//! The simulated printer as a BLE peripheral: reads the ESC/POS stream from its end of a
//! link, prints it on [`Paper`] and answers status queries by notification.

use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::png::{to_png, PreviewError};
use crate::devices::ble::{BleLink, LinkEvent};
use crate::devices::printer::preview::{Paper, PrintHead, DEFAULT_MAX_LINES};
use crate::devices::printer::status::PrinterStatus;
use crate::devices::printer::width::PaperWidth;

/// How the simulated printer is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimPrinterConfig {
    /// The roll it takes.
    pub width: PaperWidth,
    /// Whether it powers on in Chinese mode (many do; `false` checks that jobs send `FS &`).
    pub chinese_at_init: bool,
    /// Lines of paper kept before counting overflow.
    pub max_lines: usize,
}

impl Default for SimPrinterConfig {
    fn default() -> Self {
        SimPrinterConfig { width: PaperWidth::Mm58, chinese_at_init: false, max_lines: DEFAULT_MAX_LINES }
    }
}

struct State {
    head: PrintHead,
    received: usize,
    answering: bool,
}

/// A running simulated printer; dropping it switches the printer off.
pub struct SimPrinter {
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

impl Drop for SimPrinter {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panic elsewhere must not take the printer down with it: the state stays usable.
    state.lock().unwrap_or_else(|p| p.into_inner())
}

impl SimPrinter {
    /// Starts the printer on its end of a link (`link` writes notifications to the phone).
    pub fn start(link: Arc<dyn BleLink>, events: mpsc::Receiver<LinkEvent>, config: SimPrinterConfig) -> SimPrinter {
        let head = PrintHead::new(config.width.columns(), config.chinese_at_init, config.max_lines);
        let state = Arc::new(Mutex::new(State { head, received: 0, answering: true }));
        let task = tokio::spawn(run(link, events, state.clone()));
        SimPrinter { state, task }
    }

    /// Changes what the sensors report (paper out, near end, cover open, fault).
    pub fn set_status(&self, status: PrinterStatus) {
        lock(&self.state).head.status = status;
    }

    /// Takes the paper out (`true`) or loads a roll (`false`).
    pub fn set_paper_out(&self, out: bool) {
        let mut s = lock(&self.state);
        s.head.status.paper_out = out;
        if !out {
            s.head.paper_left = None;
        }
    }

    /// Opens or closes the paper cover.
    pub fn set_cover_open(&self, open: bool) {
        lock(&self.state).head.status.cover_open = open;
    }

    /// Loads a roll with only `lines` lines left: it runs out mid-job.
    pub fn load_short_roll(&self, lines: usize) {
        let mut s = lock(&self.state);
        s.head.status.paper_out = lines == 0;
        s.head.paper_left = Some(lines);
    }

    /// Stops (or resumes) answering status queries, like firmware that ignores them.
    pub fn set_answering(&self, on: bool) {
        lock(&self.state).answering = on;
    }

    /// What the sensors report now.
    pub fn status(&self) -> PrinterStatus {
        lock(&self.state).head.status
    }

    /// Bytes received so far.
    pub fn received(&self) -> usize {
        lock(&self.state).received
    }

    /// Lines that could not print (no paper, cover open).
    pub fn lost_lines(&self) -> usize {
        lock(&self.state).head.lost_lines()
    }

    /// A copy of the paper printed so far.
    pub fn paper(&self) -> Paper {
        lock(&self.state).head.paper().clone()
    }

    /// Tears off the printed paper.
    pub fn take_paper(&self) -> Paper {
        lock(&self.state).head.take_paper()
    }

    /// The printed paper as text.
    pub fn text(&self) -> String {
        self.paper().to_text()
    }

    /// The printed paper as a PNG.
    pub fn png(&self) -> Result<Vec<u8>, PreviewError> {
        to_png(&self.paper())
    }
}

async fn run(link: Arc<dyn BleLink>, mut events: mpsc::Receiver<LinkEvent>, state: Arc<Mutex<State>>) {
    while let Some(event) = events.recv().await {
        // Printers keep their buffer and modes across a BLE drop; only data matters here.
        let LinkEvent::Notification(bytes) = event else { continue };
        let (answers, answering) = {
            let mut s = lock(&state);
            s.received = s.received.saturating_add(bytes.len());
            (s.head.feed(&bytes), s.answering)
        };
        if answering {
            for a in answers {
                // A lost answer is the phone's problem to notice (it asks again).
                let _ = link.write(vec![a]).await;
            }
        }
    }
}
