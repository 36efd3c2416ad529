//! What the operator sees while the day plays: the CLI draws it on the console (with
//! progress bars); tests record it.

use std::sync::Mutex;

/// Long work that shows a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// The day's card payments.
    Day,
    /// Uploading the offline queue after the signal returns.
    Sync,
    /// The batch upload at settlement.
    BatchUpload,
}

impl Work {
    /// Label in Chinese and English.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Work::Day => ("营业", "trading"),
            Work::Sync => ("离线上送", "uploading stored payments"),
            Work::BatchUpload => ("批上送", "batch upload"),
        }
    }
}

/// How a line on the phone's screen reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Something happened.
    Info,
    /// Approved, done.
    Good,
    /// Declined, warned, refused: the operator acts.
    Warn,
}

/// The operator's view of the day.
pub trait DemoView: Send + Sync {
    /// A new chapter of the day at local time `clock` (`HH:MM`).
    fn chapter(&self, clock: &str, zh: &str, en: &str);
    /// A line on the phone's screen.
    fn screen(&self, tone: Tone, zh: &str, en: &str);
    /// Long work starts (`total` steps).
    fn progress_start(&self, work: Work, total: u64);
    /// `done` of the steps are finished.
    fn progress(&self, work: Work, done: u64);
    /// The work is over.
    fn progress_end(&self, work: Work);
}

/// A view that keeps every line (tests, and `--json` runs that print only the summary).
#[derive(Debug, Default)]
pub struct RecordingView {
    lines: Mutex<Vec<String>>,
}

impl RecordingView {
    /// Every line so far, `zh / en`.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().map(|l| l.clone()).unwrap_or_default()
    }

    fn push(&self, s: String) {
        if std::env::var_os("POS_DEMO_TRACE").is_some() {
            eprintln!("{:?} {s}", std::time::SystemTime::now());
        }
        if let Ok(mut l) = self.lines.lock() {
            l.push(s);
        }
    }
}

impl DemoView for RecordingView {
    fn chapter(&self, clock: &str, zh: &str, en: &str) {
        self.push(format!("== {clock} {zh} / {en}"));
    }
    fn screen(&self, _tone: Tone, zh: &str, en: &str) {
        self.push(format!("{zh} / {en}"));
    }
    fn progress_start(&self, work: Work, total: u64) {
        self.push(format!("[{}] 0/{total}", work.label().1));
    }
    fn progress(&self, _work: Work, _done: u64) {}
    fn progress_end(&self, work: Work) {
        self.push(format!("[{}] done", work.label().1));
    }
}
