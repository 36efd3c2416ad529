//! The same card again within minutes.

use super::{Ctx, Reason};

pub(super) fn check(ctx: &Ctx<'_>, min_secs: u32) -> Option<Reason> {
    let last = ctx.facts.card_last_unix?;
    let gap = ctx.req.at.unix_secs.saturating_sub(last);
    (ctx.req.fingerprint.is_some() && gap < i64::from(min_secs)).then(|| {
        (
            format!("同一张卡{gap}秒前刚付款（间隔需至少{min_secs}秒）"),
            format!("the same card paid {gap} s ago (at least {min_secs} s apart)"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fires, noon, req};
    use super::super::RuleParams;
    use crate::risk::Facts;

    #[test]
    fn less_than_five_minutes_apart() {
        let rule = RuleParams::CardInterval { min_secs: 300 };
        let at = noon();
        let last = |secs_ago: i64| Facts { card_last_unix: Some(at.unix_secs - secs_ago), ..Facts::default() };
        assert!(fires(&rule, &req(100, at), &last(299)));
        assert!(!fires(&rule, &req(100, at), &last(300)));
        assert!(!fires(&rule, &req(100, at), &last(301)));
        assert!(!fires(&rule, &req(100, at), &Facts::default()), "a card never seen");
    }
}
