//! How hard the terminal tries to deliver a reversal before asking the operator for help.

/// Resend limits of automatic reversal (acquirer parameters on UnionPay terminals).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReversalPolicy {
    /// Sends per attempt when no usable answer comes (UnionPay default 3).
    pub sends_per_attempt: u32,
    /// Failed attempts after which the reversal is shown to the operator as needing attention.
    pub attention_after: u32,
}

impl Default for ReversalPolicy {
    fn default() -> Self {
        ReversalPolicy { sends_per_attempt: 3, attention_after: 3 }
    }
}

impl ReversalPolicy {
    /// Whether a reversal that failed `rounds` attempts needs the operator.
    pub(crate) fn needs_attention(&self, rounds: u32) -> bool {
        rounds >= self.attention_after.max(1)
    }
}
