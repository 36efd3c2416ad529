//! One payment taking most of the card's limit, where the reader or host reported it.

use super::{Ctx, Reason};

pub(super) fn check(ctx: &Ctx<'_>, per_mille: u32) -> Option<Reason> {
    let limit = ctx.facts.card_limit?;
    // Integer comparison of amount / limit > per_mille / 1000.
    let over = u128::from(ctx.req.amount.minor()) * 1000 > u128::from(limit.minor()) * u128::from(per_mille);
    (over && limit.currency() == ctx.req.amount.currency()).then(|| {
        let pct = format!("{}.{}%", per_mille / 10, per_mille % 10);
        (format!("单笔超过卡片额度{limit}的{pct}"), format!("one payment above {pct} of the card's limit of {limit}"))
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fires, noon, req};
    use super::super::RuleParams;
    use crate::money::Amount;
    use crate::risk::Facts;

    #[test]
    fn sixty_percent_of_a_known_limit() {
        let rule = RuleParams::CardLimit { per_mille: 600 };
        let facts = Facts { card_limit: Amount::cny(5_000_000).ok(), ..Facts::default() };
        assert!(!fires(&rule, &req(2_999_999, noon()), &facts));
        assert!(!fires(&rule, &req(3_000_000, noon()), &facts));
        assert!(fires(&rule, &req(3_000_001, noon()), &facts));
        assert!(!fires(&rule, &req(4_000_000, noon()), &Facts::default()), "limit unknown");
    }
}
