//! One vocabulary: every word an operator reads for a transaction type, a status, a card
//! scheme, an entry method or a reconciliation result — its stable key (what JSON, the
//! journal and filters carry), Chinese and English. Slips, the CLI, the demo page, the
//! bindings and the Kotlin shell take their words from here, so one idea has one name
//! ("pending" is 处理中 everywhere, the offline sale 离线消费). The ISO profile's message names
//! (0220 离线结算 "offline sale upload") are the profile's, not operator words.

use crate::card::CardScheme;
use crate::iso8583::{EntryMethod, Reconciliation, TxnType};
use crate::journal::{HistoryStatus, ReversalState, UploadState};

/// A word of the vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    /// Stable key (snake_case), the same in JSON, the journal and filters.
    pub key: &'static str,
    /// Chinese.
    pub zh: &'static str,
    /// English, as a sentence writes it ("pre-auth completion").
    pub en: &'static str,
}

const fn t(key: &'static str, zh: &'static str, en: &'static str) -> Term {
    Term { key, zh, en }
}

impl Term {
    /// The English as a label starts a line or a cell ("Pre-auth completion").
    pub fn en_label(&self) -> String {
        let mut c = self.en.chars();
        c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
    }
}

impl crate::i18n::Bilingual for Term {
    fn zh(&self) -> String {
        self.zh.into()
    }
    fn en(&self) -> String {
        self.en.into()
    }
}

// The types' operator text is the vocabulary's (here, so that the types' modules need not
// know the vocabulary).
impl crate::i18n::Bilingual for TxnType {
    fn zh(&self) -> String {
        txn_type(*self).zh.into()
    }
    fn en(&self) -> String {
        txn_type(*self).en.into()
    }
}

impl crate::i18n::Bilingual for CardScheme {
    fn zh(&self) -> String {
        card_scheme(*self).zh.into()
    }
    fn en(&self) -> String {
        card_scheme(*self).en.into()
    }
}

impl crate::i18n::Bilingual for crate::devices::reader::CardMethod {
    /// How the screen names it ("读卡中（挥卡）"): its entry method's word.
    fn zh(&self) -> String {
        entry_method(self.entry_method()).zh.into()
    }
    fn en(&self) -> String {
        entry_method(self.entry_method()).en.into()
    }
}

/// A transaction type (its key is the journal's stored name).
pub const fn txn_type(x: TxnType) -> Term {
    match x {
        TxnType::BalanceInquiry => t("balance_inquiry", "余额查询", "balance inquiry"),
        TxnType::PreAuth => t("pre_auth", "预授权", "pre-auth"),
        TxnType::PreAuthCancel => t("pre_auth_cancel", "预授权撤销", "pre-auth cancel"),
        TxnType::PreAuthCompletion => t("pre_auth_completion", "预授权完成", "pre-auth completion"),
        TxnType::CompletionCancel => t("completion_cancel", "完成撤销", "completion cancel"),
        TxnType::Sale => t("sale", "消费", "sale"),
        TxnType::Void => t("void", "消费撤销", "void"),
        TxnType::Refund => t("refund", "退货", "refund"),
        TxnType::OfflineSale => t("offline_sale", "离线消费", "offline sale"),
        TxnType::Transfer => t("transfer", "转账", "transfer"),
    }
}

/// What became of a transaction, as history shows it.
pub const fn history_status(x: HistoryStatus) -> Term {
    match x {
        HistoryStatus::Approved => t("approved", "成功", "approved"),
        HistoryStatus::Voided => t("voided", "已撤销", "voided"),
        HistoryStatus::Reversed => t("reversed", "已冲正", "reversed"),
        HistoryStatus::Declined => t("declined", "拒绝", "declined"),
        HistoryStatus::Failed => t("failed", "失败", "failed"),
        HistoryStatus::Pending => t("pending", "处理中", "pending"),
    }
}

/// Where a stored offline payment stands.
pub const fn upload_state(x: UploadState) -> Term {
    match x {
        UploadState::Stored => t("stored", "待上送", "stored"),
        UploadState::Uploading => t("uploading", "上送中", "uploading"),
        UploadState::Accepted => t("accepted", "已上送", "accepted"),
        UploadState::Declined => t("declined", "主机拒绝", "declined by the host"),
        UploadState::Expired => t("expired", "已过期", "expired"),
    }
}

/// Where an automatic reversal stands.
pub const fn reversal_state(x: ReversalState) -> Term {
    match x {
        ReversalState::Armed => t("armed", "已准备", "armed"),
        ReversalState::Held => t("held", "待完成", "held"),
        ReversalState::Due => t("due", "待冲正", "due"),
        ReversalState::Acknowledged => t("acknowledged", "主机已确认", "acknowledged"),
    }
}

/// A card scheme (its key is the history filter's).
pub const fn card_scheme(x: CardScheme) -> Term {
    match x {
        CardScheme::UnionPay => t("unionpay", "银联", "UnionPay"),
        CardScheme::Visa => t("visa", "维萨", "Visa"),
        CardScheme::Mastercard => t("mastercard", "万事达", "Mastercard"),
        CardScheme::Jcb => t("jcb", "JCB", "JCB"),
        CardScheme::Amex => t("amex", "美国运通", "American Express"),
        CardScheme::Other => t("other", "其他", "Other"),
    }
}

/// How the card was read.
pub(crate) const fn entry_method(x: EntryMethod) -> Term {
    match x {
        EntryMethod::Manual => t("manual", "手输", "keyed"),
        EntryMethod::Swipe => t("swipe", "刷卡", "swiped"),
        EntryMethod::Chip => t("chip", "插卡", "chip"),
        EntryMethod::Contactless => t("contactless", "挥卡", "contactless"),
        EntryMethod::Fallback => t("fallback", "降级刷卡", "fallback swipe"),
    }
}

/// The settlement's reconciliation result.
pub const fn reconciliation(x: Reconciliation) -> Term {
    match x {
        Reconciliation::NotReconciled => t("not_reconciled", "未对账", "not reconciled"),
        Reconciliation::Balanced => t("balanced", "对账平", "balanced"),
        Reconciliation::Unbalanced => t("unbalanced", "对账不平", "unbalanced"),
        Reconciliation::Error => t("error", "对账出错", "reconciliation error"),
    }
}

/// Every term by group, for the bindings' export and the tests.
pub fn all() -> Vec<(&'static str, Term)> {
    let mut out = Vec::new();
    out.extend(TxnType::ALL.iter().map(|x| ("txn_type", txn_type(*x))));
    for s in [
        HistoryStatus::Approved,
        HistoryStatus::Voided,
        HistoryStatus::Reversed,
        HistoryStatus::Declined,
        HistoryStatus::Failed,
        HistoryStatus::Pending,
    ] {
        out.push(("history_status", history_status(s)));
    }
    for s in [
        UploadState::Stored,
        UploadState::Uploading,
        UploadState::Accepted,
        UploadState::Declined,
        UploadState::Expired,
    ] {
        out.push(("upload_state", upload_state(s)));
    }
    for s in [ReversalState::Armed, ReversalState::Held, ReversalState::Due, ReversalState::Acknowledged] {
        out.push(("reversal_state", reversal_state(s)));
    }
    for s in [
        CardScheme::UnionPay,
        CardScheme::Visa,
        CardScheme::Mastercard,
        CardScheme::Jcb,
        CardScheme::Amex,
        CardScheme::Other,
    ] {
        out.push(("card_scheme", card_scheme(s)));
    }
    for m in
        [EntryMethod::Manual, EntryMethod::Swipe, EntryMethod::Chip, EntryMethod::Contactless, EntryMethod::Fallback]
    {
        out.push(("entry_method", entry_method(m)));
    }
    for r in
        [Reconciliation::NotReconciled, Reconciliation::Balanced, Reconciliation::Unbalanced, Reconciliation::Error]
    {
        out.push(("reconciliation", reconciliation(r)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys are the ones stored and filtered on; within a group no key and no word repeats.
    #[test]
    fn keys_are_the_stored_names_and_nothing_repeats_within_a_group() {
        for x in TxnType::ALL {
            assert_eq!(txn_type(x).key, crate::journal::type_name(x));
        }
        for s in [CardScheme::UnionPay, CardScheme::Visa, CardScheme::Amex, CardScheme::Other] {
            assert_eq!(card_scheme(s).key, crate::journal::scheme_key(s));
        }
        for s in [HistoryStatus::Approved, HistoryStatus::Pending, HistoryStatus::Voided] {
            assert_eq!(history_status(s).key, s.as_str());
        }
        for s in [UploadState::Stored, UploadState::Expired] {
            assert_eq!(upload_state(s).key, s.as_str());
        }
        let all = all();
        for (i, (g, a)) in all.iter().enumerate() {
            for (h, b) in &all[i + 1..] {
                if g == h {
                    assert!(a.key != b.key && a.zh != b.zh && a.en != b.en, "{g}: {a:?} and {b:?}");
                }
            }
        }
        assert_eq!(history_status(HistoryStatus::Pending).zh, "处理中");
        assert_eq!(txn_type(TxnType::OfflineSale).zh, "离线消费");
    }
}
