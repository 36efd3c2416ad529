//! Fault injection: per-terminal plans that make the host misbehave in controlled ways.
//!
//! A plan is switched on at run time (in-process through [`FaultControl`], or through
//! the admin port) and applies to the next `count` matching requests of that terminal,
//! or to each with a probability drawn from the seeded generator, so runs repeat.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::rng::SplitMix64;

/// How the host misbehaves for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum FaultMode {
    /// Process at once, answer after `ms` milliseconds.
    Delay {
        /// The delay.
        ms: u64,
    },
    /// Process (the effect happens) but never answer.
    DropResponse,
    /// Close the connection as soon as the request is read, before processing: no effect.
    Close,
    /// Answer with field 64 corrupted (an unsigned answer is sent unchanged).
    BadMac,
    /// Send the answer twice.
    SendTwice,
    /// Answer after the configured `timeouts.late_ms`, later than a terminal waits.
    Late,
    /// Settlement only: answer "not balanced" although the totals agree, as a host does that
    /// booked a payment on the other side of its cut-over; the terminal then uploads the batch.
    Unbalanced,
}

/// Which requests a plan applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RequestClass {
    /// Every request.
    #[default]
    Any,
    /// 0100, 0200, 0220.
    Financial,
    /// 0400.
    Reversal,
    /// 0800, 0820.
    Network,
    /// 0500, 0320.
    Settlement,
}

impl RequestClass {
    /// The class of a request MTI such as "0200".
    pub fn of_mti(mti: &str) -> RequestClass {
        match mti {
            "0100" | "0200" | "0220" => RequestClass::Financial,
            "0400" => RequestClass::Reversal,
            "0800" | "0820" => RequestClass::Network,
            "0500" | "0320" => RequestClass::Settlement,
            _ => RequestClass::Any,
        }
    }

    fn covers(self, other: RequestClass) -> bool {
        self == RequestClass::Any || self == other
    }
}

/// A fault switched on for one terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultPlan {
    /// What happens.
    #[serde(flatten)]
    pub mode: FaultMode,
    /// How many matching requests it hits; unlimited (until cleared) when absent.
    #[serde(default)]
    pub count: Option<u32>,
    /// Chance in percent that a matching request is hit; always when absent.
    #[serde(default)]
    pub percent: Option<u8>,
    /// Which requests match.
    #[serde(default)]
    pub on: RequestClass,
    /// Matching requests let through before the fault starts (a download cut mid-way).
    #[serde(default)]
    pub after: u32,
}

impl FaultPlan {
    /// Hits the next matching request only.
    pub fn once(mode: FaultMode) -> FaultPlan {
        FaultPlan::times(mode, 1)
    }

    /// Hits the next `count` matching requests.
    pub fn times(mode: FaultMode, count: u32) -> FaultPlan {
        FaultPlan { mode, count: Some(count), percent: None, on: RequestClass::Any, after: 0 }
    }

    /// Hits each matching request with probability `percent`, until cleared.
    pub fn sometimes(mode: FaultMode, percent: u8) -> FaultPlan {
        FaultPlan { mode, count: None, percent: Some(percent.min(100)), on: RequestClass::Any, after: 0 }
    }

    /// The same plan restricted to one class of request.
    pub fn on(mut self, class: RequestClass) -> FaultPlan {
        self.on = class;
        self
    }

    /// The same plan starting after `skip` matching requests went through untouched.
    pub fn after(mut self, skip: u32) -> FaultPlan {
        self.after = skip;
        self
    }
}

/// The run-time switchboard of fault plans, one per terminal.
#[derive(Debug)]
pub struct FaultControl {
    state: Mutex<FaultState>,
}

#[derive(Debug)]
struct FaultState {
    plans: HashMap<String, FaultPlan>,
    rng: SplitMix64,
}

impl FaultControl {
    pub(crate) fn new(seed: u64) -> FaultControl {
        FaultControl { state: Mutex::new(FaultState { plans: HashMap::new(), rng: SplitMix64::new(seed) }) }
    }

    /// Switches `plan` on for terminal `tid`, replacing any plan it had.
    pub fn set(&self, tid: &str, plan: FaultPlan) {
        self.lock().plans.insert(tid.to_owned(), plan);
    }

    /// Switches terminal `tid`'s plan off.
    pub fn clear(&self, tid: &str) {
        self.lock().plans.remove(tid);
    }

    /// Switches every plan off.
    pub fn clear_all(&self) {
        self.lock().plans.clear();
    }

    /// The plans in force, by terminal.
    pub fn active(&self) -> Vec<(String, FaultPlan)> {
        let mut v: Vec<_> = self.lock().plans.iter().map(|(t, p)| (t.clone(), *p)).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    /// Decides whether this request of `tid` is hit, using up one count if so.
    pub(crate) fn take(&self, tid: &str, class: RequestClass) -> Option<FaultMode> {
        let mut state = self.lock();
        let FaultState { plans, rng } = &mut *state;
        let plan = plans.get_mut(tid)?;
        if !plan.on.covers(class) {
            return None;
        }
        if plan.after > 0 {
            plan.after -= 1;
            return None;
        }
        if let Some(p) = plan.percent {
            if !rng.chance(p) {
                return None;
            }
        }
        let mode = plan.mode;
        match plan.count {
            Some(n) if n <= 1 => {
                plans.remove(tid);
            }
            Some(n) => plan.count = Some(n - 1),
            None => {}
        }
        Some(mode)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FaultState> {
        // A panic elsewhere cannot leave a plan half-written: recover the map.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_and_filters_by_class() {
        let f = FaultControl::new(1);
        f.set("T1", FaultPlan::times(FaultMode::DropResponse, 2).on(RequestClass::Financial));
        assert_eq!(f.take("T1", RequestClass::Network), None);
        assert_eq!(f.take("T2", RequestClass::Financial), None);
        assert_eq!(f.take("T1", RequestClass::Financial), Some(FaultMode::DropResponse));
        assert_eq!(f.take("T1", RequestClass::Financial), Some(FaultMode::DropResponse));
        assert_eq!(f.take("T1", RequestClass::Financial), None);
        assert!(f.active().is_empty());
    }

    #[test]
    fn probability_is_deterministic_from_the_seed() {
        let run = |seed| {
            let f = FaultControl::new(seed);
            f.set("T1", FaultPlan::sometimes(FaultMode::BadMac, 50));
            (0..64).map(|_| f.take("T1", RequestClass::Any).is_some()).collect::<Vec<_>>()
        };
        assert_eq!(run(42), run(42));
        assert_ne!(run(42), run(43));
        let hits = run(42).iter().filter(|h| **h).count();
        assert!((16..48).contains(&hits), "{hits}");
    }

    #[test]
    fn json_shape() {
        let p: FaultPlan = serde_json::from_str(r#"{"mode":"delay","ms":250,"count":1,"on":"financial"}"#).unwrap();
        assert_eq!(p, FaultPlan::once(FaultMode::Delay { ms: 250 }).on(RequestClass::Financial));
        let p: FaultPlan = serde_json::from_str(r#"{"mode":"send_twice","percent":30}"#).unwrap();
        assert_eq!(p, FaultPlan::sometimes(FaultMode::SendTwice, 30));
    }
}
