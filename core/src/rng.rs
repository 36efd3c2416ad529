//! SplitMix64: the one small, seeded, deterministic generator of the workspace.
//!
//! Simulators and demos need repeatable dice (fault injection, auth codes, a demo day) with
//! no dependency; nothing here is fit for keys, which come from `crypto::random`.

const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Sebastiano Vigna's SplitMix64; good enough for simulation, not for keys.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator whose sequence depends only on `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GAMMA);
        mix(self.0)
    }

    /// The `n`-th output (from 1) of the generator seeded with `seed`, without the `n - 1` before it:
    /// a position kept elsewhere (a ledger, an atomic counter) continues the sequence.
    pub fn nth(seed: u64, n: u64) -> u64 {
        mix(seed.wrapping_add(GAMMA.wrapping_mul(n)))
    }

    /// Uniform in `lo..=hi` (`lo` when the range is empty).
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.next_u64() % (hi - lo + 1)
    }

    /// True with probability `percent`/100 (0 never, 100 or more always).
    pub fn chance(&mut self, percent: u8) -> bool {
        self.next_u64() % 100 < u64::from(percent.min(100))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_sequence_and_determinism() {
        // First output for seed 1234567 from the reference implementation.
        let mut r = SplitMix64::new(1_234_567);
        assert_eq!(r.next_u64(), 6_457_827_717_110_365_317);
        let a: Vec<u64> = (0..5).map(|_| SplitMix64::new(7).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut r = SplitMix64::new(9);
        assert!((0..100).all(|_| !r.chance(0)) && (0..100).all(|_| r.chance(100)));
        let hits = (0..10_000).filter(|_| r.chance(30)).count();
        assert!((2_500..3_500).contains(&hits), "{hits}");
        let mut r = SplitMix64::new(42);
        for n in 1..=20 {
            assert_eq!(r.next_u64(), SplitMix64::nth(42, n), "output {n}");
        }
        let mut r = SplitMix64::new(1);
        assert!((0..1000).all(|_| (5..=9).contains(&r.between(5, 9))));
        assert_eq!(r.between(3, 3), 3);
    }
}
