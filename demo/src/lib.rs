//! `pos demo`: a delivery merchant's day, end to end, on embedded defaults — the acquirer
//! simulator in-process on a free loopback port, a provisioned terminal, the simulated
//! Bluetooth reader and printer — written out as receipts, a JSON summary and an HTML report.
//!
//! ```no_run
//! # async fn demo() -> Result<(), pos_demo::DemoError> {
//! use pos_demo::{run, DemoOptions, RecordingView};
//! let day = run(&DemoOptions::new("demo-out"), &RecordingView::default()).await?;
//! assert!(day.summary.ok, "an invariant of the design broke");
//! # Ok(()) }
//! ```

#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod collect;
pub mod day;
pub mod error;
#[cfg(any(test, feature = "fixture"))]
pub mod fixture;
pub mod html;
pub mod invariants;
pub mod options;
mod rng;
pub mod slips;
pub mod station;
pub mod summary;
pub mod till;
pub mod view;

pub use error::DemoError;
pub use options::{DemoOptions, FaultLevel};
pub use station::{Dirs, Station, SUMMARY_FILE};
pub use summary::DemoSummary;
pub use view::{DemoView, RecordingView, Tone, Work};

/// The HTML day report's file name in the output directory.
pub const REPORT_FILE: &str = "report.html";

/// A finished demo: its summary, and the equipment still running (tests read the ledger).
pub struct DemoRun {
    /// What the day did, as written to `summary.json`.
    pub summary: DemoSummary,
    /// The acquirer, terminal and devices the day ran on.
    pub station: Station,
    /// Where the output went.
    pub dirs: Dirs,
    /// What the day left besides the journal (slips, confirmed warnings, settlement).
    pub log: day::DayLog,
}

/// Plays the day and writes the output directory. A broken invariant does not make this
/// fail: it is in `summary.ok` (the CLI turns it into the exit code).
pub async fn run(opts: &DemoOptions, view: &dyn DemoView) -> Result<DemoRun, DemoError> {
    let dirs = Dirs::prepare(&opts.out)?;
    let station = Station::start(opts, &dirs).await?;
    let log = day::play(&station, &dirs, opts, view).await?;
    let mut summary = collect::summary(&station, opts, &log)?;
    summary.invariants = invariants::check(&station, &log, &summary)?;
    // The scan reads the summary and the report as they will be written.
    let json = to_json(&summary)?;
    let page = html::render(&summary, opts.lang);
    let scan = invariants::card_data_scan(&dirs.out, &[(SUMMARY_FILE, json.as_str()), (REPORT_FILE, page.as_str())]);
    summary.invariants.push(scan);
    summary.ok = summary.invariants.iter().all(|i| i.ok);
    slips::write(&dirs.out, SUMMARY_FILE, to_json(&summary)?.as_bytes())?;
    slips::write(&dirs.out, REPORT_FILE, html::render(&summary, opts.lang).as_bytes())?;
    Ok(DemoRun { summary, station, dirs, log })
}

fn to_json(s: &DemoSummary) -> Result<String, DemoError> {
    serde_json::to_string_pretty(s).map_err(|e| DemoError::Output { path: SUMMARY_FILE.into(), reason: e.to_string() })
}
