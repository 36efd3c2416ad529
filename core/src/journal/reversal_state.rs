//! Where a reversal stands.

use serde::Serialize;

/// The life of a pending reversal; a cleared one is deleted rather than kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReversalState {
    /// Written with its request; the request is in flight (or the app stopped).
    Armed,
    /// The request was approved; kept until the receipt is confirmed, in case it is cancelled.
    Held,
    /// To be sent until the host acknowledges it.
    Due,
    /// The host acknowledged it: the original counts for nothing.
    Acknowledged,
}

impl ReversalState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReversalState::Armed => "armed",
            ReversalState::Held => "held",
            ReversalState::Due => "due",
            ReversalState::Acknowledged => "acknowledged",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<ReversalState> {
        [ReversalState::Armed, ReversalState::Held, ReversalState::Due, ReversalState::Acknowledged]
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}
