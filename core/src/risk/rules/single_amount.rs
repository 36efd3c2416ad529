//! One payment above a ceiling.

use super::{Ctx, Reason};

pub(super) fn check(ctx: &Ctx<'_>, above: u64) -> Option<Reason> {
    (ctx.req.amount.minor() > above).then(|| {
        let limit = ctx.money(above);
        (format!("单笔金额超过{limit}"), format!("a single payment above {limit}"))
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::fires_on;
    use super::super::RuleParams;

    #[test]
    fn fires_only_above_the_ceiling() {
        let rule = RuleParams::SingleAmount { above_minor: 3_000_000 };
        assert!(!fires_on(&rule, 2_999_999));
        assert!(!fires_on(&rule, 3_000_000));
        assert!(fires_on(&rule, 3_000_001));
    }
}
