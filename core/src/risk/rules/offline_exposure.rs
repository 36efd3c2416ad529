//! The offline mode's own exposure limits, applied through its gate (not a copy of it).

use crate::i18n::Bilingual;
use crate::offline::check_amount;

use super::{Ctx, Reason};

pub(super) fn check(ctx: &Ctx<'_>) -> Option<Reason> {
    if !ctx.req.offline {
        return None;
    }
    let refusal = check_amount(ctx.limits, ctx.req.amount, &ctx.facts.queue, ctx.req.at.unix_secs).err()?;
    Some((format!("离线风险敞口：{}", refusal.zh()), format!("offline exposure: {}", refusal.en())))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fires, noon, req};
    use super::super::RuleParams;
    use crate::offline::QueueStats;
    use crate::risk::Facts;

    #[test]
    fn the_offline_limits_for_offline_payments_only() {
        let rule = RuleParams::OfflineExposure {};
        let offline = |fen| crate::risk::RiskRequest { offline: true, ..req(fen, noon()) };
        let f = Facts::default();
        // Default per payment: 500.00.
        assert!(!fires(&rule, &offline(49_999), &f));
        assert!(!fires(&rule, &offline(50_000), &f));
        assert!(fires(&rule, &offline(50_001), &f));
        assert!(!fires(&rule, &req(50_001, noon()), &f), "online");
        // Default total waiting: 5,000.00.
        let queue = Facts { queue: QueueStats { count: 10, total_minor: 450_000, oldest_unix: None }, ..f };
        assert!(!fires(&rule, &offline(50_000), &queue));
        assert!(fires(&rule, &offline(50_001), &queue));
    }
}
