//! Cents on a large payment: amounts made up to look unlike a round figure.

use super::{Ctx, Reason};

pub(super) fn check(ctx: &Ctx<'_>, above: u64, unit: u64) -> Option<Reason> {
    let amount = ctx.req.amount.minor();
    (amount > above && unit > 0 && !amount.is_multiple_of(unit)).then(|| {
        let (a, limit) = (ctx.money(amount), ctx.money(above));
        (format!("超过{limit}的金额带角分（{a}）"), format!("cents on a payment above {limit} ({a})"))
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::fires_on;
    use super::super::RuleParams;

    #[test]
    fn cents_above_a_thousand() {
        let rule = RuleParams::OddCents { above_minor: 100_000, unit_minor: 100 };
        assert!(!fires_on(&rule, 99_999), "below the threshold");
        assert!(!fires_on(&rule, 100_000), "at the threshold, whole");
        assert!(fires_on(&rule, 100_001));
        assert!(!fires_on(&rule, 100_100), "whole yuan");
        assert!(fires_on(&rule, 123_456));
    }
}
