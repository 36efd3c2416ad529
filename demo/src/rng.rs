//! A small seeded generator (SplitMix64): the same seed plays the same day.

/// SplitMix64.
#[derive(Debug, Clone)]
pub struct DayRng(u64);

impl DayRng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> DayRng {
        DayRng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi` (`lo` when the range is empty).
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.next_u64() % (hi - lo + 1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_numbers_and_ranges_hold() {
        let (mut a, mut b) = (DayRng::new(7), DayRng::new(7));
        for _ in 0..1000 {
            let x = a.between(5, 9);
            assert_eq!(x, b.between(5, 9));
            assert!((5..=9).contains(&x));
        }
        assert_eq!(DayRng::new(1).between(3, 3), 3);
        assert_ne!(DayRng::new(1).next_u64(), DayRng::new(2).next_u64());
    }
}
