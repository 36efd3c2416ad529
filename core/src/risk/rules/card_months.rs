//! The same card month after month: a regular customer of a merchant that should not have one
//! is how acquirers spot cash-out through a terminal.

use super::{Ctx, Reason};

pub(super) fn check(ctx: &Ctx<'_>, months: u32) -> Option<Reason> {
    // The months before this one that each had a payment, counted back without a gap.
    let streak = ctx.facts.card_month_streak.saturating_add(1);
    (ctx.req.fingerprint.is_some() && months >= 2 && streak >= months).then(|| {
        (format!("同一张卡连续{streak}个月在本终端付款"), format!("the same card in {streak} consecutive months"))
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fires, noon, req};
    use super::super::RuleParams;
    use crate::risk::Facts;

    #[test]
    fn two_consecutive_months_fire() {
        let rule = RuleParams::CardMonths { months: 2 };
        let with = |n| Facts { card_month_streak: n, ..Facts::default() };
        assert!(!fires(&rule, &req(100, noon()), &with(0)));
        assert!(fires(&rule, &req(100, noon()), &with(1)));
        let three = RuleParams::CardMonths { months: 3 };
        assert!(!fires(&three, &req(100, noon()), &with(1)));
        assert!(fires(&three, &req(100, noon()), &with(2)));
    }
}
