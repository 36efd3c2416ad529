//! Classifying a failed exchange into the [`ReversalCause`] its reversal carries.
//!
//! The cause itself is a journal word (`crate::journal`); this mapping needs the acquirer's
//! error, which sits above the journal, so it stays with the reversal logic.

use crate::acquirer::AcquirerError;
use crate::journal::ReversalCause;

impl ReversalCause {
    /// The cause of a failed exchange.
    pub fn of(error: &AcquirerError) -> ReversalCause {
        match error {
            AcquirerError::MacFailed => ReversalCause::BadMac,
            AcquirerError::Timeout { .. } | AcquirerError::ConnectionLost { .. } => ReversalCause::NoResponse,
            _ => ReversalCause::Unmatched,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exchange_failures_map_to_the_profile_reasons() {
        assert_eq!(ReversalCause::of(&AcquirerError::MacFailed).reason().as_str(), "A0");
        let t = AcquirerError::Timeout { waited: std::time::Duration::from_secs(1) };
        assert_eq!(ReversalCause::of(&t).reason().as_str(), "98");
    }
}
