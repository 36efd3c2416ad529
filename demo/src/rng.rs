//! A small seeded generator: the same seed plays the same day (the core's SplitMix64).

/// SplitMix64, the core's one copy.
pub type DayRng = pos_core::rng::SplitMix64;
