//! The same card too often this week.

use super::{Ctx, Reason};

pub(super) fn check(ctx: &Ctx<'_>, max: u32) -> Option<Reason> {
    let n = ctx.facts.card_week.saturating_add(1);
    (ctx.req.fingerprint.is_some() && n > max).then(|| {
        (format!("同一张卡本周第{n}笔（上限{max}）"), format!("payment {n} of this card this week (at most {max})"))
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fires, noon, req};
    use super::super::RuleParams;
    use crate::risk::Facts;

    #[test]
    fn the_fourth_of_the_week_fires() {
        let rule = RuleParams::CardWeekly { max: 3 };
        let with = |n| Facts { card_week: n, ..Facts::default() };
        assert!(!fires(&rule, &req(100, noon()), &with(2)));
        assert!(fires(&rule, &req(100, noon()), &with(3)));
        assert!(fires(&rule, &req(100, noon()), &with(4)));
    }
}
