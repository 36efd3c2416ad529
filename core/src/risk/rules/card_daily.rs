//! The same card too often today.

use super::{Ctx, Reason};

pub(super) fn check(ctx: &Ctx<'_>, max: u32) -> Option<Reason> {
    let n = ctx.facts.card_today.saturating_add(1);
    (ctx.req.fingerprint.is_some() && n > max).then(|| {
        (format!("同一张卡今日第{n}笔（上限{max}）"), format!("payment {n} of this card today (at most {max})"))
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fires, noon, req};
    use super::super::RuleParams;
    use crate::risk::Facts;

    #[test]
    fn the_third_of_the_day_fires() {
        let rule = RuleParams::CardDaily { max: 2 };
        let with = |n| Facts { card_today: n, ..Facts::default() };
        assert!(!fires(&rule, &req(100, noon()), &with(1)), "second");
        assert!(fires(&rule, &req(100, noon()), &with(2)), "third");
        assert!(fires(&rule, &req(100, noon()), &with(3)));
    }
}
