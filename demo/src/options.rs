//! What a demo run is asked to do.

use std::path::PathBuf;

use pos_core::Lang;

/// How many things go wrong during the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultLevel {
    /// A clean day: no lost answer, no dead spot, no host glitch.
    None,
    /// The scripted incidents: one lost answer, one stretch without signal, a host that asks
    /// for the batch at day-end.
    Some,
    /// As `Some`, plus a lossy Bluetooth link to the reader and printer, slow host answers,
    /// more lost answers and a second dead spot.
    Many,
}

impl FaultLevel {
    /// Parses `none`, `some` or `many`.
    pub fn parse(s: &str) -> Option<FaultLevel> {
        match s {
            "none" | "0" => Some(FaultLevel::None),
            "some" | "1" => Some(FaultLevel::Some),
            "many" | "2" => Some(FaultLevel::Many),
            _ => None,
        }
    }

    /// The name `parse` reads.
    pub fn as_str(self) -> &'static str {
        match self {
            FaultLevel::None => "none",
            FaultLevel::Some => "some",
            FaultLevel::Many => "many",
        }
    }
}

/// The options of `pos demo`.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Seed of the day: amounts, cards, times and which requests the faults hit.
    pub seed: u64,
    /// Ordinary card sales over the day (the scripted events come on top).
    pub payments: u32,
    /// How many things go wrong.
    pub faults: FaultLevel,
    /// Where receipts, the summary and the report go (created; a previous demo's output is replaced).
    pub out: PathBuf,
    /// The operator's language (`None`: both).
    pub lang: Option<Lang>,
}

impl DemoOptions {
    /// Most sales a day may have: the demo must stay a demo (and inside the offline limits).
    pub const MAX_PAYMENTS: u32 = 500;

    /// The defaults of `pos demo`.
    pub fn new(out: impl Into<PathBuf>) -> DemoOptions {
        DemoOptions { seed: 2026, payments: 16, faults: FaultLevel::Some, out: out.into(), lang: None }
    }
}
