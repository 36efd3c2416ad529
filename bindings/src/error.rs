//! The one public error of the bindings (`PosException` in Kotlin), mapped from the core's
//! internal errors; every variant carries the operator's text in Chinese and English, and
//! none carries card data or keys.

use pos_core::devices::ble::LinkError;
use pos_core::devices::printer::PrinterError;
use pos_core::i18n::Bilingual;
use pos_core::reader::ReaderError;
use pos_core::receipt::{CopyKind, ReceiptError, SlipNotPrinted};
use pos_core::report::ReportError;
use pos_core::risk::RiskError;
use pos_core::store::StoreError;
use pos_core::tamper::UnlockError;
use pos_core::terminal::TerminalError;
use pos_core::terminal::{DayEndError, SettlementError};

use crate::day_end::{DayEndBlocker, DayEndOperation};

/// Which copy of a slip (签购单).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SlipCopy {
    /// 商户存根.
    Merchant,
    /// 持卡人存根.
    Cardholder,
}

impl From<CopyKind> for SlipCopy {
    fn from(c: CopyKind) -> Self {
        match c {
            CopyKind::Merchant => SlipCopy::Merchant,
            CopyKind::Cardholder => SlipCopy::Cardholder,
        }
    }
}

/// What went wrong, as the shell and the operator need to know it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum PosError {
    /// The operator's input is not acceptable (amount, settings, original reference).
    #[error("{en}")]
    InvalidInput { zh: String, en: String },
    /// The terminal must sign in first (or again).
    #[error("{en}")]
    NotSignedIn { zh: String, en: String },
    /// No usable answer from the acquirer: never an approval. `reversal_due` says the
    /// terminal will reverse it (the host may have acted on it).
    #[error("{en}")]
    Network { zh: String, en: String, txn_id: Option<i64>, may_have_reached_host: bool, reversal_due: bool },
    /// Earlier reversals could not be delivered, so no new online request was sent.
    #[error("{en}")]
    ReversalPending { count: u32, zh: String, en: String },
    /// The payment could not be approved offline; `code` names the rule (`amount_over_limit`, ...).
    #[error("{en}")]
    OfflineRefused { code: String, zh: String, en: String },
    /// A risk rule refused the payment (`code`: `risk_blocked`, `risk_online_required`), or
    /// warns and needs the operator's confirmation (`risk_confirm`, with `confirm_token` for
    /// `Terminal.confirm_risk`, after which the payment is run again).
    #[error("{en}")]
    RiskRefused { code: String, rules: Vec<String>, confirm_token: Option<i64>, zh: String, en: String },
    /// Settlement could not be done now (`code`: `payments_stored`, `declined`, `out_of_step`,
    /// `host_error`, `upload_interrupted` — settling again resumes the upload).
    #[error("{en}")]
    Settlement { code: String, zh: String, en: String },
    /// The card read was cancelled (by the operator, or on the reader).
    #[error("{en}")]
    Cancelled { zh: String, en: String },
    /// The reader's security switch fired (系统安全已触发): it refuses every transaction.
    #[error("{en}")]
    Tampered { zh: String, en: String },
    /// The reader, printer or Bluetooth link failed; `code` is stable (`reader_timeout`, `printer_paper_out`, ...).
    #[error("{en}")]
    Device { code: String, zh: String, en: String },
    /// A slip copy did not print: print again, or cancel the payment (it is then reversed).
    #[error("{en}")]
    NotPrinted { copy: SlipCopy, printed: Vec<SlipCopy>, zh: String, en: String },
    /// No slip to print again (`code`: `no_such_voucher`, `nothing_to_reprint`, `not_approved`
    /// — declined or failed transactions have no slip —, `no_amount`: an inquiry).
    #[error("{en}")]
    NoReceipt { code: String, voucher: Option<u32>, zh: String, en: String },
    /// Sign-off, switching device, factory reset or decommission refused: `blockers` says what
    /// to do first (settle, restore the connection and sync), in that order.
    #[error("{en}")]
    DayEndRefused { operation: DayEndOperation, blockers: Vec<DayEndBlocker>, zh: String, en: String },
    /// A message from or for the host is malformed.
    #[error("{en}")]
    Protocol { zh: String, en: String },
    /// Keys, MACs or sealed data failed a check.
    #[error("{en}")]
    Security { zh: String, en: String },
    /// The terminal's database failed (nothing was lost or overwritten).
    #[error("{en}")]
    Storage { zh: String, en: String },
    /// Another process, or another open terminal in this one, owns this data directory:
    /// nothing was done (`pid`: the owner, when known).
    #[error("{en}")]
    InUse { pid: Option<u32>, zh: String, en: String },
    /// A platform capability implemented by the shell failed unexpectedly.
    #[error("{en}")]
    Platform { zh: String, en: String },
    /// A bug in the library (a task failed); the operator can retry.
    #[error("{en}")]
    Internal { zh: String, en: String },
}

impl PosError {
    pub(crate) fn invalid(zh: &str, en: &str) -> PosError {
        PosError::InvalidInput { zh: zh.into(), en: en.into() }
    }

    pub(crate) fn internal(what: &str) -> PosError {
        PosError::Internal {
            zh: "系统内部错误，请重试".into(), en: format!("Internal error ({what}): try again")
        }
    }

    pub(crate) fn platform(what: &str) -> PosError {
        PosError::Platform {
            zh: "手机系统服务出错，请重试".into(),
            en: format!("A phone service failed ({what}): try again"),
        }
    }

    /// The Chinese text.
    pub fn zh(&self) -> &str {
        self.texts().0
    }

    /// The English text.
    pub fn en(&self) -> &str {
        self.texts().1
    }

    fn texts(&self) -> (&str, &str) {
        match self {
            PosError::InvalidInput { zh, en }
            | PosError::NotSignedIn { zh, en }
            | PosError::Network { zh, en, .. }
            | PosError::ReversalPending { zh, en, .. }
            | PosError::OfflineRefused { zh, en, .. }
            | PosError::RiskRefused { zh, en, .. }
            | PosError::Settlement { zh, en, .. }
            | PosError::Cancelled { zh, en }
            | PosError::Tampered { zh, en }
            | PosError::Device { zh, en, .. }
            | PosError::NotPrinted { zh, en, .. }
            | PosError::NoReceipt { zh, en, .. }
            | PosError::DayEndRefused { zh, en, .. }
            | PosError::Protocol { zh, en }
            | PosError::Security { zh, en }
            | PosError::Storage { zh, en }
            | PosError::InUse { zh, en, .. }
            | PosError::Platform { zh, en }
            | PosError::Internal { zh, en } => (zh, en),
        }
    }
}

impl From<uniffi::UnexpectedUniFFICallbackError> for PosError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        PosError::platform(&e.reason)
    }
}

impl From<TerminalError> for PosError {
    fn from(e: TerminalError) -> Self {
        let (zh, en) = (e.zh(), e.en());
        match &e {
            TerminalError::Exchange(f) => PosError::Network {
                zh,
                en,
                txn_id: f.txn_id.map(|id| id.0),
                may_have_reached_host: f.may_have_reached_host,
                reversal_due: f.may_have_reached_host && f.reversal.is_some(),
            },
            TerminalError::ReversalPending { count } => PosError::ReversalPending { count: *count, zh, en },
            TerminalError::InUse { pid, .. } => PosError::InUse { pid: *pid, zh, en },
            TerminalError::Reader(r) => r.clone().into(),
            TerminalError::Risk(r) => {
                let (rules, confirm_token) = match r {
                    RiskError::Blocked { rule, .. } | RiskError::OnlineRequired { rule, .. } => {
                        (vec![rule.clone()], None)
                    }
                    RiskError::ConfirmationRequired { token, rules, .. } => (rules.clone(), Some(token.0)),
                    _ => (Vec::new(), None),
                };
                PosError::RiskRefused { code: r.code().into(), rules, confirm_token, zh, en }
            }
            // Everything else as the core's public error maps it (kept in one place, the core).
            _ => pos_core::PosError::from(e).into(),
        }
    }
}

impl From<pos_core::PosError> for PosError {
    fn from(e: pos_core::PosError) -> Self {
        use pos_core::PosError as Core;
        match e {
            Core::InvalidInput { zh, en } => PosError::InvalidInput { zh, en },
            Core::Protocol { zh, en } => PosError::Protocol { zh, en },
            Core::Security { zh, en } => PosError::Security { zh, en },
            Core::CardData { zh, en } => PosError::Device { code: "card_data".into(), zh, en },
            Core::Network { zh, en } => {
                PosError::Network { zh, en, txn_id: None, may_have_reached_host: false, reversal_due: false }
            }
            Core::Device { zh, en } => PosError::Device { code: "reader".into(), zh, en },
            Core::Storage { zh, en } => PosError::Storage { zh, en },
            Core::NotSignedIn { zh, en } => PosError::NotSignedIn { zh, en },
            Core::OfflineRefused { code, zh, en } => PosError::OfflineRefused { code, zh, en },
            Core::InUse { zh, en } => PosError::InUse { pid: None, zh, en },
        }
    }
}

impl From<SettlementError> for PosError {
    fn from(e: SettlementError) -> Self {
        let (zh, en) = (e.zh(), e.en());
        let code = match e {
            SettlementError::Terminal(t) => return t.into(),
            SettlementError::ReversalsPending { count } => return PosError::ReversalPending { count, zh, en },
            SettlementError::PaymentsStored { .. } => "payments_stored",
            SettlementError::Declined { .. } => "declined",
            SettlementError::OutOfStep => "out_of_step",
            SettlementError::HostError => "host_error",
            SettlementError::UploadInterrupted { .. } => "upload_interrupted",
        };
        PosError::Settlement { code: code.into(), zh, en }
    }
}

impl From<StoreError> for PosError {
    fn from(e: StoreError) -> Self {
        pos_core::PosError::from(e).into()
    }
}

impl From<ReaderError> for PosError {
    fn from(e: ReaderError) -> Self {
        let (zh, en) = (e.zh(), e.en());
        let code = match e {
            ReaderError::Cancelled => return PosError::Cancelled { zh, en },
            ReaderError::Tampered => return PosError::Tampered { zh, en },
            ReaderError::NoWorkingKeys => return PosError::NotSignedIn { zh, en },
            ReaderError::Timeout => "reader_timeout",
            ReaderError::Disconnected => "reader_disconnected",
            ReaderError::CardRemoved => "card_removed",
            ReaderError::Busy => "reader_busy",
            ReaderError::Card(_) => "card_data",
            ReaderError::KeyCheckFailed(_) | ReaderError::BadKeyBlock(_) | ReaderError::Crypto(_) => "reader_keys",
            ReaderError::Protocol(_) => "reader_protocol",
            ReaderError::Unlock(u) => match u {
                UnlockError::WrongCode { .. } => "unlock_refused",
                UnlockError::Wait { .. } => "unlock_wait",
                UnlockError::LockedOut => "unlock_locked_out",
                UnlockError::WrongResetCode { .. } => "unlock_reset_refused",
                UnlockError::NoChallenge => "unlock_no_challenge",
                UnlockError::NotProvisioned => "unlock_not_provisioned",
            },
            ReaderError::Unsupported => "unsupported",
            ReaderError::LinkNotEncrypted => "link_not_encrypted",
            ReaderError::WrappedKeyRefused => "reader_key_wrap",
            ReaderError::NoLinkKey => "reader_link_key",
            // Variants the core adds later (the tamper unlock, say) keep a generic code.
            #[allow(unreachable_patterns)]
            _ => "reader",
        };
        PosError::Device { code: code.into(), zh, en }
    }
}

impl From<PrinterError> for PosError {
    fn from(e: PrinterError) -> Self {
        let code = match e {
            PrinterError::PaperOut => "printer_paper_out",
            PrinterError::CoverOpen => "printer_cover_open",
            PrinterError::Fault => "printer_fault",
            PrinterError::NoAnswer => "printer_no_answer",
            PrinterError::Disconnected { .. } => "printer_disconnected",
            PrinterError::Link(_) => "printer_link",
            PrinterError::JobTooLarge(_) => "printer_job_too_large",
        };
        PosError::Device { code: code.into(), zh: e.zh(), en: e.en() }
    }
}

impl From<SlipNotPrinted> for PosError {
    fn from(e: SlipNotPrinted) -> Self {
        PosError::NotPrinted {
            copy: e.copy.into(),
            printed: e.printed.iter().copied().map(SlipCopy::from).collect(),
            zh: e.zh(),
            en: e.en(),
        }
    }
}

impl From<ReceiptError> for PosError {
    fn from(e: ReceiptError) -> Self {
        PosError::InvalidInput { zh: e.zh(), en: e.en() }
    }
}

impl From<ReportError> for PosError {
    fn from(e: ReportError) -> Self {
        let (zh, en) = (e.zh(), e.en());
        let code = match e {
            ReportError::Store(s) => return s.into(),
            ReportError::BadDay(_) | ReportError::BadFilter { .. } => return PosError::InvalidInput { zh, en },
            ReportError::NoReceipt => "nothing_to_reprint",
            ReportError::Receipt(ReceiptError::NotApproved) => "not_approved",
            ReportError::Receipt(ReceiptError::NoAmount) => "no_amount",
        };
        PosError::NoReceipt { code: code.into(), voucher: None, zh, en }
    }
}

impl From<pos_core::terminal::PrintError> for PosError {
    fn from(e: pos_core::terminal::PrintError) -> Self {
        use pos_core::terminal::PrintError;
        match e {
            PrintError::NoSlip(e) => e.into(),
            PrintError::NotPrinted(e) => e.into(),
            PrintError::Terminal(e) => e.into(),
        }
    }
}

impl From<DayEndError> for PosError {
    fn from(e: DayEndError) -> Self {
        let (zh, en) = (e.zh(), e.en());
        match e {
            DayEndError::Terminal(t) => t.into(),
            DayEndError::Refused { op, reasons } => PosError::DayEndRefused {
                operation: op.into(),
                blockers: reasons.iter().map(DayEndBlocker::from).collect(),
                zh,
                en,
            },
        }
    }
}

impl From<LinkError> for PosError {
    fn from(e: LinkError) -> Self {
        let code = match e {
            LinkError::Disconnected => "link_disconnected",
            LinkError::WriteFailed(_) => "link_write_failed",
        };
        PosError::Device { code: code.into(), zh: e.zh(), en: e.en() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_errors_keep_both_languages_and_a_stable_code() {
        let e = PosError::from(ReaderError::Tampered);
        assert!(matches!(e, PosError::Tampered { .. }));
        assert!(e.zh().contains("系统安全已触发"), "{}", e.zh());
        let e = PosError::from(TerminalError::Reader(ReaderError::Timeout));
        assert!(matches!(&e, PosError::Device { code, .. } if code == "reader_timeout"));
        let e = PosError::from(TerminalError::Reader(ReaderError::LinkNotEncrypted));
        assert!(matches!(&e, PosError::Device { code, .. } if code == "link_not_encrypted"));
        assert!(e.zh().contains("读卡器蓝牙连接未加密") && e.en().contains("not encrypted"), "{}", e.en());
        let e = PosError::from(TerminalError::NotSignedIn);
        assert_eq!((e.zh(), e.en()), ("请重新签到", "Please sign in again"));
    }

    #[test]
    fn a_refused_day_end_names_every_reason_in_both_languages() {
        use crate::day_end::DayEndBlockerKind;
        use pos_core::settlement::{DayEndOp, DayEndRefusal};
        let e = PosError::from(DayEndError::Refused {
            op: DayEndOp::FactoryReset,
            reasons: vec![DayEndRefusal::ReversalPending { count: 1 }, DayEndRefusal::BatchUnsettled { count: 3 }],
        });
        let PosError::DayEndRefused { operation, blockers, zh, en } = &e else { panic!("{e:?}") };
        assert_eq!(*operation, DayEndOperation::FactoryReset);
        let kinds: Vec<_> = blockers.iter().map(|b| (b.kind, b.count)).collect();
        assert_eq!(kinds, vec![(DayEndBlockerKind::ReversalPending, 1), (DayEndBlockerKind::BatchUnsettled, 3)]);
        assert!(zh.contains("恢复出厂设置") && zh.contains("3笔交易未结算"), "{zh}");
        assert!(en.contains("factory reset") && en.contains("settle first"), "{en}");
        assert!(blockers[1].zh.contains("请先结算") && blockers[1].en.contains("settle first"), "{blockers:?}");
        assert!(blockers.iter().all(|b| !b.code.is_empty()));
        // An allowed operation that then fails keeps the terminal's own error.
        let e = PosError::from(DayEndError::Terminal(TerminalError::NotSignedIn));
        assert!(matches!(e, PosError::NotSignedIn { .. }), "{e:?}");
    }

    #[test]
    fn report_errors_say_why_there_is_no_slip() {
        let e = PosError::from(ReportError::Receipt(ReceiptError::NotApproved));
        assert!(matches!(&e, PosError::NoReceipt { code, .. } if code == "not_approved"), "{e:?}");
        assert_eq!((e.zh(), e.en()), ("交易未成功，不打印签购单", "The transaction was not approved: no slip"));
        let e = PosError::from(ReportError::NoReceipt);
        assert!(matches!(&e, PosError::NoReceipt { code, .. } if code == "nothing_to_reprint"), "{e:?}");
        let e = PosError::from(ReportError::BadFilter { zh: "页码".into(), en: "Pages".into() });
        assert_eq!(e, PosError::InvalidInput { zh: "页码".into(), en: "Pages".into() });
    }

    #[test]
    fn a_failed_callback_is_a_platform_error() {
        let e = PosError::from(uniffi::UnexpectedUniFFICallbackError::new("boom"));
        assert!(matches!(e, PosError::Platform { .. }));
        assert!(e.en().contains("boom"));
    }
}
