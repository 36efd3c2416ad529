//! SplitMix64: a small, seeded, deterministic generator for fault decisions and auth codes.

const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Sebastiano Vigna's SplitMix64; good enough for simulation, not for keys.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator whose sequence depends only on `seed`.
    pub(crate) fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GAMMA);
        mix(self.0)
    }

    /// The `n`-th output (from 1) of the generator seeded with `seed`, without the `n - 1` before it:
    /// a position kept in the ledger continues the sequence after a restart.
    pub(crate) fn nth(seed: u64, n: u64) -> u64 {
        mix(seed.wrapping_add(GAMMA.wrapping_mul(n)))
    }

    /// True with probability `percent`/100 (0 never, 100 always).
    pub(crate) fn chance(&mut self, percent: u8) -> bool {
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
    }
}
