//! The terminal's total today, this payment included, above a ceiling.

use super::{Ctx, Reason};

pub(super) fn check(ctx: &Ctx<'_>, above: u64) -> Option<Reason> {
    let total = ctx.facts.day_total_minor.saturating_add(ctx.req.amount.minor());
    (total > above).then(|| {
        let (limit, total) = (ctx.money(above), ctx.money(total));
        (
            format!("本终端今日累计{total}，超过{limit}"),
            format!("the terminal's total today would be {total}, above {limit}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fires, noon, req};
    use super::super::RuleParams;
    use crate::risk::Facts;

    #[test]
    fn counts_today_and_this_payment() {
        let rule = RuleParams::DailyTotal { above_minor: 10_000_000 };
        let facts = Facts { day_total_minor: 9_000_000, ..Facts::default() };
        assert!(!fires(&rule, &req(999_999, noon()), &facts));
        assert!(!fires(&rule, &req(1_000_000, noon()), &facts));
        assert!(fires(&rule, &req(1_000_001, noon()), &facts));
    }
}
