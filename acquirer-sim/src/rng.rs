//! The simulator's seeded generator is the core's SplitMix64 (one copy in the workspace).

pub(crate) use pos_core::rng::SplitMix64;
