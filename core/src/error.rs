//! The public error of the core: a small enum the shell can match on, mapped from
//! the internal error enums, each carrying its operator text in Chinese and English.

use thiserror::Error;

use crate::acquirer::AcquirerError;
use crate::card::CardError;
use crate::crypto::CryptoError;
use crate::i18n::Bilingual;
use crate::iso8583::CodecError;
use crate::money::MoneyError;
use crate::reader::ReaderError;
use crate::store::StoreError;
use crate::terminal::{DayEndError, SettlementError, TerminalError};

/// What went wrong, as the shell and the operator need to know it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PosError {
    /// The operator's input (an amount, a hex string) is not acceptable.
    #[error("{en}")]
    InvalidInput {
        /// Chinese text.
        zh: String,
        /// English text.
        en: String,
    },
    /// A message from or for the host is malformed.
    #[error("{en}")]
    Protocol {
        /// Chinese text.
        zh: String,
        /// English text.
        en: String,
    },
    /// Keys, MACs, PIN blocks or sealed data failed a check.
    #[error("{en}")]
    Security {
        /// Chinese text.
        zh: String,
        /// English text.
        en: String,
    },
    /// Card data from the reader is unusable.
    #[error("{en}")]
    CardData {
        /// Chinese text.
        zh: String,
        /// English text.
        en: String,
    },
    /// No usable answer from the acquirer (never an approval).
    #[error("{en}")]
    Network {
        /// Chinese text.
        zh: String,
        /// English text.
        en: String,
    },
    /// The card reader failed or is not connected.
    #[error("{en}")]
    Device {
        /// Chinese text.
        zh: String,
        /// English text.
        en: String,
    },
    /// The terminal's database failed (nothing was lost or overwritten).
    #[error("{en}")]
    Storage {
        /// Chinese text.
        zh: String,
        /// English text.
        en: String,
    },
    /// The terminal must sign in before it can transact.
    #[error("{en}")]
    NotSignedIn {
        /// Chinese text.
        zh: String,
        /// English text.
        en: String,
    },
    /// The payment could not be approved offline; `code` says which limit or rule refused it.
    #[error("{en}")]
    OfflineRefused {
        /// The refusal's stable code (`amount_over_limit`, `online_pin`, ...).
        code: String,
        /// Chinese text.
        zh: String,
        /// English text.
        en: String,
    },
    /// Another process (or another open in this one) owns the terminal's data directory.
    #[error("{en}")]
    InUse {
        /// Chinese text.
        zh: String,
        /// English text.
        en: String,
    },
}

impl PosError {
    fn texts(&self) -> (&str, &str) {
        match self {
            PosError::InvalidInput { zh, en }
            | PosError::Protocol { zh, en }
            | PosError::Security { zh, en }
            | PosError::CardData { zh, en }
            | PosError::Network { zh, en }
            | PosError::Device { zh, en }
            | PosError::Storage { zh, en }
            | PosError::NotSignedIn { zh, en }
            | PosError::InUse { zh, en }
            | PosError::OfflineRefused { zh, en, .. } => (zh, en),
        }
    }
}

impl Bilingual for PosError {
    fn zh(&self) -> String {
        self.texts().0.to_string()
    }
    fn en(&self) -> String {
        self.texts().1.to_string()
    }
}

macro_rules! map_error {
    ($from:ty => $variant:ident) => {
        impl From<$from> for PosError {
            fn from(e: $from) -> Self {
                PosError::$variant { zh: e.zh(), en: e.en() }
            }
        }
    };
}

map_error!(MoneyError => InvalidInput);
map_error!(CodecError => Protocol);
map_error!(CryptoError => Security);
map_error!(CardError => CardData);
map_error!(AcquirerError => Network);
map_error!(ReaderError => Device);
map_error!(StoreError => Storage);

impl From<crate::report::ReportError> for PosError {
    fn from(e: crate::report::ReportError) -> Self {
        let (zh, en) = (e.zh(), e.en());
        match e {
            crate::report::ReportError::Store(_) => PosError::Storage { zh, en },
            _ => PosError::InvalidInput { zh, en },
        }
    }
}

impl From<TerminalError> for PosError {
    fn from(e: TerminalError) -> Self {
        let (zh, en) = (e.zh(), e.en());
        match e {
            TerminalError::NotSignedIn => PosError::NotSignedIn { zh, en },
            TerminalError::Exchange(_)
            | TerminalError::ReversalPending { .. }
            | TerminalError::OwedBeforeSignIn { .. }
            | TerminalError::RefundInDoubt { .. } => PosError::Network { zh, en },
            TerminalError::InUse { .. } => PosError::InUse { zh, en },
            TerminalError::ReadOnly { .. } => PosError::Storage { zh, en },
            TerminalError::Offline(r) => PosError::OfflineRefused { code: r.code().into(), zh, en },
            // Same shape as an offline refusal: a stable code and both texts (`risk_blocked`, ...).
            TerminalError::Risk(r) => PosError::OfflineRefused { code: r.code().into(), zh, en },
            TerminalError::Reader(_) => PosError::Device { zh, en },
            TerminalError::Store(_) => PosError::Storage { zh, en },
            TerminalError::Codec(_) | TerminalError::HostBatchBehind { .. } => PosError::Protocol { zh, en },
            TerminalError::Crypto(_) => PosError::Security { zh, en },
            TerminalError::OriginalNotFound
            | TerminalError::OriginalNotEligible { .. }
            | TerminalError::InvalidInput { .. }
            | TerminalError::RefundAboveRemainder { .. }
            | TerminalError::CompletionAboveHold { .. } => PosError::InvalidInput { zh, en },
        }
    }
}

impl From<SettlementError> for PosError {
    fn from(e: SettlementError) -> Self {
        let (zh, en) = (e.zh(), e.en());
        match e {
            SettlementError::Terminal(t) => t.into(),
            SettlementError::Declined { .. } | SettlementError::OutOfStep | SettlementError::HostError => {
                PosError::Protocol { zh, en }
            }
            SettlementError::ReversalsPending { .. }
            | SettlementError::PaymentsStored { .. }
            | SettlementError::UploadInterrupted { .. } => PosError::Network { zh, en },
        }
    }
}

impl From<DayEndError> for PosError {
    fn from(e: DayEndError) -> Self {
        let (zh, en) = (e.zh(), e.en());
        match e {
            DayEndError::Terminal(t) => t.into(),
            DayEndError::Refused { .. } => PosError::InvalidInput { zh, en },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_map_with_both_languages() {
        let e: PosError = MoneyError::Negative.into();
        assert!(matches!(e, PosError::InvalidInput { .. }));
        assert_eq!(e.zh(), "金额不能为负");
        let e: PosError = CodecError::MissingField(39).into();
        assert!(matches!(e, PosError::Protocol { .. }));
        assert!(e.zh().contains("缺少域39"), "{}", e.zh());
        assert!(e.en().contains("field 39 missing"), "{}", e.en());
        let e: PosError = TerminalError::NotSignedIn.into();
        assert_eq!((e.zh().as_str(), e.en().as_str()), ("请重新签到", "Please sign in again"));
        assert!(matches!(e, PosError::NotSignedIn { .. }));
        let e: PosError = AcquirerError::MacFailed.into();
        assert!(matches!(e, PosError::Network { .. }));
    }
}
