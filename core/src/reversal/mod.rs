//! Automatic reversal (冲正): what a pending reversal is, why it became due, how often it is
//! resent, and what to tell the customer when it will not go through.
//!
//! The journal (see [`crate::store`]) arms a reversal for every reversible request in the
//! SQLite transaction that takes its STAN, before the first byte is sent. A matched,
//! MAC-valid answer clears it; anything else (timeout, lost connection, bad MAC, an
//! unmatched or unsigned answer, a crash between send and persist, an approval cancelled
//! because its receipt could not be printed) leaves it due until the host acknowledges it.

mod attention;
mod message;
mod policy;

/// Re-exported from `journal`: the store keeps them, so they sit below it.
pub use crate::journal::{ReversalCause, ReversalState};
pub use attention::{Attention, AttentionKind};
pub(crate) use message::reversal_message;
pub use policy::ReversalPolicy;
