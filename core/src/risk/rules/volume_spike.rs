//! A sudden spike of the terminal's daily volume against its own trailing average.

use super::{Ctx, Reason};

pub(super) fn check(ctx: &Ctx<'_>, factor_pm: u32, days: u32, min_active: u32, min_total: u64) -> Option<Reason> {
    let f = ctx.facts;
    if days == 0 || f.trailing_active_days < min_active.max(1) {
        // Too little history for an average to mean anything.
        return None;
    }
    let today = f.day_total_minor.saturating_add(ctx.req.amount.minor());
    // today > factor/1000 * (trailing total / days), in integers.
    let spike =
        u128::from(today) * 1000 * u128::from(days) > u128::from(factor_pm) * u128::from(f.trailing_total_minor);
    (spike && today > min_total).then(|| {
        let avg = ctx.money(f.trailing_total_minor / u64::from(days));
        let (t, x) = (ctx.money(today), format!("{}.{:03}", factor_pm / 1000, factor_pm % 1000));
        (
            format!("今日交易额{t}超过近{days}日日均{avg}的{x}倍"),
            format!("today's volume {t} is above {x} times the {days}-day average of {avg}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fires, noon, req};
    use super::super::RuleParams;
    use crate::risk::Facts;

    fn rule() -> RuleParams {
        RuleParams::VolumeSpike {
            factor_per_mille: 3000,
            trailing_days: 30,
            min_active_days: 7,
            min_total_minor: 1_000_000,
        }
    }

    #[test]
    fn three_times_the_average() {
        // 30 days of 1,000,000 fen each: average 1,000,000, spike above 3,000,000.
        let facts = Facts { trailing_total_minor: 30_000_000, trailing_active_days: 30, ..Facts::default() };
        assert!(!fires(&rule(), &req(2_999_999, noon()), &facts));
        assert!(!fires(&rule(), &req(3_000_000, noon()), &facts));
        assert!(fires(&rule(), &req(3_000_001, noon()), &facts));
        let earlier = Facts { day_total_minor: 3_000_000, ..facts };
        assert!(fires(&rule(), &req(1, noon()), &earlier), "today's earlier payments count");
    }

    #[test]
    fn needs_history_and_a_floor() {
        let young = Facts { trailing_total_minor: 6_000, trailing_active_days: 6, ..Facts::default() };
        assert!(!fires(&rule(), &req(9_000_000, noon()), &young), "six active days");
        let seven = Facts { trailing_active_days: 7, ..young };
        assert!(fires(&rule(), &req(1_000_001, noon()), &seven));
        assert!(!fires(&rule(), &req(1_000_000, noon()), &seven), "at the floor");
    }
}
