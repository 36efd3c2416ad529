//! Round large amounts: cash-out and split-payment patterns acquirers look for.

use super::{Ctx, Reason};

pub(super) fn check(ctx: &Ctx<'_>, exactly: &[u64], unit: u64, above: u64) -> Option<Reason> {
    let amount = ctx.req.amount.minor();
    let round = exactly.contains(&amount) || (amount > above && unit > 0 && amount.is_multiple_of(unit));
    round.then(|| {
        let a = ctx.money(amount);
        (format!("整数大额{a}"), format!("a round large amount ({a})"))
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::fires_on;
    use super::super::RuleParams;

    fn rule() -> RuleParams {
        RuleParams::RoundAmount { exactly_minor: vec![1_000_000], multiple_of_minor: 100_000, above_minor: 500_000 }
    }

    #[test]
    fn exactly_ten_thousand() {
        assert!(fires_on(&rule(), 1_000_000));
        assert!(!fires_on(&rule(), 999_999));
        assert!(!fires_on(&rule(), 1_000_001));
    }

    #[test]
    fn multiples_of_a_thousand_above_five_thousand() {
        assert!(!fires_on(&rule(), 500_000), "5,000.00 itself is not above");
        assert!(!fires_on(&rule(), 400_000));
        assert!(fires_on(&rule(), 600_000));
        assert!(!fires_on(&rule(), 599_999));
        assert!(!fires_on(&rule(), 600_100), "a multiple of 1.00 only");
    }
}
