//! The core's vocabulary for the shell: the one word for each transaction type, status and
//! card scheme, so that Kotlin translates nothing the core already names.

use crate::history::{CardScheme, HistoryStatus};
use crate::outcome::TxnKind;
use crate::queue::UploadState;

/// A word of the vocabulary: its stable key, Chinese and English.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Label {
    /// Stable key (snake_case), as JSON and filters carry it.
    pub key: String,
    /// Chinese.
    pub zh: String,
    /// English, as a sentence writes it ("pre-auth completion").
    pub en: String,
}

impl From<pos_core::vocab::Term> for Label {
    fn from(t: pos_core::vocab::Term) -> Self {
        Label { key: t.key.into(), zh: t.zh.into(), en: t.en.into() }
    }
}

/// The name of a transaction type.
#[uniffi::export]
pub fn txn_kind_label(kind: TxnKind) -> Label {
    pos_core::vocab::txn_type(kind.into()).into()
}

/// The name of a history status.
#[uniffi::export]
pub fn history_status_label(status: HistoryStatus) -> Label {
    pos_core::vocab::history_status(status.into()).into()
}

/// The name of a card scheme.
#[uniffi::export]
pub fn card_scheme_label(scheme: CardScheme) -> Label {
    pos_core::vocab::card_scheme(scheme.into()).into()
}

/// The name of a stored offline payment's upload state.
#[uniffi::export]
pub fn upload_state_label(state: UploadState) -> Label {
    pos_core::vocab::upload_state(state.into()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shell_gets_the_core_words() {
        assert_eq!(txn_kind_label(TxnKind::OfflineSale).zh, "离线消费");
        assert_eq!(history_status_label(HistoryStatus::Pending).zh, "处理中");
        assert_eq!(card_scheme_label(CardScheme::UnionPay).key, "unionpay");
        assert_eq!(upload_state_label(UploadState::Stored).key, "stored");
    }
}
