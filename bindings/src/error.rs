//! The one public error of the bindings (`PosException` in Kotlin): the core's one error
//! ([`pos_core::Error`]) mapped variant by variant in [`From<pos_core::Error>`], plus the two
//! failures only the bindings meet (a shell callback, a task). Every variant carries the
//! operator's text in Chinese and English, and none carries card data or keys.

use pos_core::Bilingual;
use pos_core::CopyKind;
use pos_core::Error as Core;

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

impl From<Core> for PosError {
    /// One arm per core variant, no wildcard: a variant the core adds does not compile here
    /// until it is mapped. Kotlin's shape is kept: the device variants share `Device` with
    /// their stable code, the host's `Network` keeps the reversal flags.
    fn from(e: Core) -> Self {
        let (zh, en) = (e.zh(), e.en());
        let code = e.code().as_str().to_string();
        match e {
            Core::InvalidInput { .. }
            | Core::OriginalNotFound { .. }
            | Core::OriginalNotEligible { .. }
            | Core::RefundAboveRemainder { .. }
            | Core::CompletionAboveHold { .. } => PosError::InvalidInput { zh, en },
            Core::NotSignedIn { .. } => PosError::NotSignedIn { zh, en },
            // The host's batch went backwards: the answer cannot be used (as before, a protocol error).
            Core::HostBatchBehind { .. } | Core::Protocol { .. } => PosError::Protocol { zh, en },
            Core::ReversalPending { count, .. } => PosError::ReversalPending { count, zh, en },
            Core::OwedBeforeSignIn { .. } => {
                PosError::Network { zh, en, txn_id: None, may_have_reached_host: false, reversal_due: false }
            }
            Core::RefundInDoubt { txn_id, .. } => {
                PosError::Network { zh, en, txn_id: Some(txn_id.0), may_have_reached_host: false, reversal_due: false }
            }
            Core::InUse { pid, .. } => PosError::InUse { pid, zh, en },
            Core::ReadOnly { .. } | Core::Storage { .. } => PosError::Storage { zh, en },
            Core::DayEndRefused { op, blockers, .. } => PosError::DayEndRefused {
                operation: op.into(),
                blockers: blockers.iter().map(DayEndBlocker::from).collect(),
                zh,
                en,
            },
            Core::OfflineRefused { .. } => PosError::OfflineRefused { code, zh, en },
            Core::RiskRefused { rules, confirm_token, .. } => {
                PosError::RiskRefused { code, rules, confirm_token: confirm_token.map(|t| t.0), zh, en }
            }
            Core::Network { txn_id, may_have_reached_host, reversal_due, .. } => {
                PosError::Network { zh, en, txn_id: txn_id.map(|id| id.0), may_have_reached_host, reversal_due }
            }
            Core::Settlement { .. } => PosError::Settlement { code, zh, en },
            Core::Cancelled { .. } => PosError::Cancelled { zh, en },
            Core::Tampered { .. } => PosError::Tampered { zh, en },
            Core::Unlock { .. }
            | Core::Reader { .. }
            | Core::CardData { .. }
            | Core::Printer { .. }
            | Core::Link { .. } => PosError::Device { code, zh, en },
            Core::NotPrinted { copy, printed, .. } => PosError::NotPrinted {
                copy: copy.into(),
                printed: printed.into_iter().map(SlipCopy::from).collect(),
                zh,
                en,
            },
            Core::NoReceipt { voucher, .. } => PosError::NoReceipt { code, voucher, zh, en },
            Core::Security { .. } => PosError::Security { zh, en },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pos_core::Detail;
    use pos_core::ErrorCode;
    use pos_core::ReaderError;
    use pos_core::ReceiptError;
    use pos_core::ReportError;
    use pos_core::{DayEndOp, DayEndRefusal};

    #[test]
    fn reader_errors_keep_both_languages_and_a_stable_code() {
        let e = PosError::from(Core::from(ReaderError::Tampered));
        assert!(matches!(e, PosError::Tampered { .. }));
        assert!(e.zh().contains("系统安全已触发"), "{}", e.zh());
        let e = PosError::from(Core::from(ReaderError::Timeout));
        assert!(matches!(&e, PosError::Device { code, .. } if code == "reader_timeout"));
        let e = PosError::from(Core::from(ReaderError::LinkNotEncrypted));
        assert!(matches!(&e, PosError::Device { code, .. } if code == "link_not_encrypted"));
        assert!(e.zh().contains("读卡器蓝牙连接未加密") && e.en().contains("not encrypted"), "{}", e.en());
        // A reader without working keys is a sign-in, like the terminal's own.
        let e = PosError::from(Core::from(ReaderError::NoWorkingKeys));
        assert!(matches!(e, PosError::NotSignedIn { .. }), "{e:?}");
    }

    #[test]
    fn a_refused_day_end_names_every_reason_in_both_languages() {
        use crate::day_end::DayEndBlockerKind;
        let core = Core::DayEndRefused {
            op: DayEndOp::FactoryReset,
            blockers: vec![DayEndRefusal::ReversalPending { count: 1 }, DayEndRefusal::BatchUnsettled { count: 3 }],
            detail: Detail::new("暂不能恢复出厂设置", "Cannot do factory reset now"),
        };
        let e = PosError::from(core);
        let PosError::DayEndRefused { operation, blockers, zh, en } = &e else { panic!("{e:?}") };
        assert_eq!(*operation, DayEndOperation::FactoryReset);
        let kinds: Vec<_> = blockers.iter().map(|b| (b.kind, b.count)).collect();
        assert_eq!(kinds, vec![(DayEndBlockerKind::ReversalPending, 1), (DayEndBlockerKind::BatchUnsettled, 3)]);
        assert_eq!((zh.as_str(), en.as_str()), ("暂不能恢复出厂设置", "Cannot do factory reset now"));
        assert!(blockers[1].zh.contains("请先结算") && blockers[1].en.contains("settle first"), "{blockers:?}");
        assert!(blockers.iter().all(|b| !b.code.is_empty()));
    }

    #[test]
    fn report_errors_say_why_there_is_no_slip() {
        let e = PosError::from(Core::from(ReportError::Receipt(ReceiptError::NotApproved)));
        assert!(matches!(&e, PosError::NoReceipt { code, .. } if code == "not_approved"), "{e:?}");
        assert_eq!((e.zh(), e.en()), ("交易未成功，不打印签购单", "The transaction was not approved: no slip"));
        let e = PosError::from(Core::from(ReportError::NoReceipt));
        assert!(matches!(&e, PosError::NoReceipt { code, .. } if code == "nothing_to_reprint"), "{e:?}");
        let e = PosError::from(Core::from(ReportError::BadFilter { zh: "页码".into(), en: "Pages".into() }));
        assert_eq!(e, PosError::InvalidInput { zh: "页码".into(), en: "Pages".into() });
    }

    #[test]
    fn a_failed_callback_is_a_platform_error() {
        let e = PosError::from(uniffi::UnexpectedUniFFICallbackError::new("boom"));
        assert!(matches!(e, PosError::Platform { .. }));
        assert!(e.en().contains("boom"));
    }

    /// One row per core variant: what Kotlin sees, with the texts passed through unchanged.
    #[test]
    fn every_core_variant_maps_to_its_kotlin_error() {
        use pos_core::iso8583::BatchNo;
        use pos_core::Amount;
        use pos_core::{TxnId, VoucherNo};
        let d = || Detail::new("中文", "English");
        let cny = |m| Amount::cny(m).unwrap();
        let batch = |n| BatchNo::new(n).unwrap();
        let table: Vec<(Core, &str, Option<&str>)> = vec![
            (Core::InvalidInput { code: ErrorCode::AmountNegative, detail: d() }, "InvalidInput", None),
            (Core::OriginalNotFound { detail: d() }, "InvalidInput", None),
            (Core::OriginalNotEligible { detail: d() }, "InvalidInput", None),
            (Core::RefundAboveRemainder { left: cny(1), detail: d() }, "InvalidInput", None),
            (Core::CompletionAboveHold { hold: cny(1), detail: d() }, "InvalidInput", None),
            (Core::NotSignedIn { detail: d() }, "NotSignedIn", None),
            (Core::HostBatchBehind { ours: batch(5), host: batch(1), detail: d() }, "Protocol", None),
            (Core::ReversalPending { count: 2, detail: d() }, "ReversalPending", None),
            (Core::OwedBeforeSignIn { stored: 1, reversals: 1, detail: d() }, "Network", None),
            (Core::RefundInDoubt { txn_id: TxnId(7), voucher: VoucherNo::new(3), detail: d() }, "Network", None),
            (Core::InUse { pid: Some(42), dir: "d".into(), detail: d() }, "InUse", None),
            (Core::ReadOnly { what: "sell", detail: d() }, "Storage", None),
            (
                Core::DayEndRefused {
                    op: DayEndOp::SignOff,
                    blockers: vec![DayEndRefusal::UploadUnfinished],
                    detail: d(),
                },
                "DayEndRefused",
                None,
            ),
            (
                Core::OfflineRefused { code: ErrorCode::OfflineOnlinePin, detail: d() },
                "OfflineRefused",
                Some("online_pin"),
            ),
            (
                Core::RiskRefused {
                    code: ErrorCode::RiskConfirm,
                    rules: vec!["velocity".into()],
                    confirm_token: Some(pos_core::AuditId(9)),
                    reason_zh: String::new(),
                    reason_en: String::new(),
                    detail: d(),
                },
                "RiskRefused",
                Some("risk_confirm"),
            ),
            (
                Core::Network {
                    code: ErrorCode::ResponseTimeout,
                    txn_id: Some(TxnId(11)),
                    may_have_reached_host: true,
                    reversal_due: true,
                    reversal_reason: None,
                    target: None,
                    detail: d(),
                },
                "Network",
                None,
            ),
            (Core::Protocol { detail: d() }, "Protocol", None),
            (
                Core::Settlement { code: ErrorCode::SettlementOutOfStep, stored: None, progress: None, detail: d() },
                "Settlement",
                Some("out_of_step"),
            ),
            (Core::Cancelled { detail: d() }, "Cancelled", None),
            (Core::Tampered { detail: d() }, "Tampered", None),
            (
                Core::Unlock { code: ErrorCode::UnlockWait, tries_left: None, wait_secs: Some(60), detail: d() },
                "Device",
                Some("unlock_wait"),
            ),
            (Core::Reader { code: ErrorCode::ReaderBusy, detail: d() }, "Device", Some("reader_busy")),
            (Core::CardData { detail: d() }, "Device", Some("card_data")),
            (Core::Printer { code: ErrorCode::PrinterPaperOut, detail: d() }, "Device", Some("printer_paper_out")),
            (
                Core::NotPrinted {
                    copy: CopyKind::Cardholder,
                    printed: vec![CopyKind::Merchant],
                    printer: ErrorCode::PrinterCoverOpen,
                    detail: d(),
                },
                "NotPrinted",
                None,
            ),
            (Core::Link { code: ErrorCode::LinkDisconnected, detail: d() }, "Device", Some("link_disconnected")),
            (
                Core::NoReceipt { code: ErrorCode::NotApproved, voucher: Some(4), detail: d() },
                "NoReceipt",
                Some("not_approved"),
            ),
            (Core::Security { code: ErrorCode::Vault, detail: d() }, "Security", None),
            (Core::Storage { code: ErrorCode::Sqlite, detail: d() }, "Storage", None),
        ];
        // Every core variant is in the table (the core's `code()` of each row is distinct by variant).
        assert_eq!(table.len(), 29, "a core variant without a row");
        for (core, kind, code) in table {
            let e = PosError::from(core.clone());
            let name = format!("{e:?}");
            assert!(name.starts_with(kind), "{core:?} became {name}");
            assert_eq!((e.zh(), e.en()), ("中文", "English"), "{name}");
            let got = match &e {
                PosError::OfflineRefused { code, .. }
                | PosError::RiskRefused { code, .. }
                | PosError::Settlement { code, .. }
                | PosError::Device { code, .. }
                | PosError::NoReceipt { code, .. } => Some(code.as_str()),
                _ => None,
            };
            assert_eq!(got, code, "{name}");
            match (&core, &e) {
                (Core::Network { .. }, PosError::Network { txn_id, may_have_reached_host, reversal_due, .. }) => {
                    assert_eq!((*txn_id, *may_have_reached_host, *reversal_due), (Some(11), true, true));
                }
                (Core::RefundInDoubt { .. }, PosError::Network { txn_id, .. }) => assert_eq!(*txn_id, Some(7)),
                (Core::InUse { .. }, PosError::InUse { pid, .. }) => assert_eq!(*pid, Some(42)),
                (Core::ReversalPending { .. }, PosError::ReversalPending { count, .. }) => assert_eq!(*count, 2),
                (Core::RiskRefused { .. }, PosError::RiskRefused { rules, confirm_token, .. }) => {
                    assert_eq!((rules.as_slice(), *confirm_token), (&["velocity".to_string()][..], Some(9)));
                }
                (Core::NotPrinted { .. }, PosError::NotPrinted { copy, printed, .. }) => {
                    assert_eq!((*copy, printed.as_slice()), (SlipCopy::Cardholder, &[SlipCopy::Merchant][..]));
                }
                (Core::NoReceipt { .. }, PosError::NoReceipt { voucher, .. }) => assert_eq!(*voucher, Some(4)),
                _ => {}
            }
        }
    }
}
