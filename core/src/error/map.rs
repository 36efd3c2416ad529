//! Every conversion of an internal error into the public [`Error`], in one place. Each is an
//! exhaustive `match` without a wildcard arm: an internal variant added later does not compile
//! until it is mapped here. The internal error becomes the public error's source.

use super::{DayEndError, ExchangeFailure, SettlementError, TerminalError};
use super::{Detail, Error, ErrorCode as C};
use crate::acquirer::{AcquirerError, ConnectFailure, TlsFailure};
use crate::card::CardError;
use crate::crypto::CryptoError;
use crate::devices::ble::LinkError;
use crate::devices::printer::PrinterError;
use crate::iso8583::CodecError;
use crate::money::MoneyError;
use crate::offline::OfflineRefusal;
use crate::provisioning::ProvisionError;
use crate::reader::ReaderError;
use crate::receipt::{ReceiptError, SlipNotPrinted};
use crate::report::ReportError;
use crate::risk::{PolicyError, RiskError};
use crate::store::StoreError;
use crate::tamper::UnlockError;

impl From<TerminalError> for Error {
    fn from(e: TerminalError) -> Self {
        let detail = Detail::of(e.clone());
        match e {
            TerminalError::NotSignedIn => Error::NotSignedIn { detail },
            TerminalError::HostBatchBehind { ours, host } => Error::HostBatchBehind { ours, host, detail },
            TerminalError::Exchange(f) => exchange(*f, detail),
            TerminalError::Reader(r) => r.into(),
            TerminalError::Store(s) => s.into(),
            TerminalError::Codec(c) => c.into(),
            TerminalError::Crypto(c) => c.into(),
            TerminalError::OriginalNotFound => Error::OriginalNotFound { detail },
            TerminalError::OriginalNotEligible { .. } => Error::OriginalNotEligible { detail },
            TerminalError::InvalidInput { .. } => Error::InvalidInput { code: C::Input, detail },
            TerminalError::Offline(r) => r.into(),
            TerminalError::Risk(r) => r.into(),
            TerminalError::ReversalPending { count } => Error::ReversalPending { count, detail },
            TerminalError::InUse { pid, dir } => Error::InUse { pid, dir, detail },
            TerminalError::ReadOnly { what } => Error::ReadOnly { what, detail },
            TerminalError::OwedBeforeSignIn { stored, reversals } => {
                Error::OwedBeforeSignIn { stored, reversals, detail }
            }
            TerminalError::RefundAboveRemainder { left } => Error::RefundAboveRemainder { left, detail },
            TerminalError::CompletionAboveHold { hold } => Error::CompletionAboveHold { hold, detail },
            TerminalError::RefundInDoubt { txn_id, voucher } => Error::RefundInDoubt { txn_id, voucher, detail },
        }
    }
}

/// A failed exchange: the terminal's texts (they say whether it is reversed) and error as the
/// source (its source is the acquirer's error).
fn exchange(f: ExchangeFailure, detail: Detail) -> Error {
    let (code, target) = link(&f.error);
    Error::Network {
        code,
        txn_id: f.txn_id,
        may_have_reached_host: f.may_have_reached_host,
        reversal_due: f.may_have_reached_host && f.reversal.is_some(),
        reversal_reason: Some(f.reversal_reason),
        target,
        detail,
    }
}

/// The code of a link failure, and the `host:port` for a connection that could not be made.
fn link(e: &AcquirerError) -> (C, Option<String>) {
    match e {
        AcquirerError::ConnectFailed { target, cause } => (connect(*cause), Some(target.clone())),
        AcquirerError::Timeout { .. } => (C::ResponseTimeout, None),
        AcquirerError::ConnectionLost { .. } => (C::ConnectionLost, None),
        AcquirerError::FrameTooLarge { .. } => (C::FrameTooLarge, None),
        AcquirerError::Malformed(_) => (C::Malformed, None),
        AcquirerError::MacFailed => (C::MacFailed, None),
        AcquirerError::Unmatched { .. } => (C::Unmatched, None),
        AcquirerError::DuplicateInFlight { .. } => (C::DuplicateInFlight, None),
    }
}

impl From<AcquirerError> for Error {
    fn from(e: AcquirerError) -> Self {
        let (code, target) = link(&e);
        Error::Network {
            code,
            txn_id: None,
            may_have_reached_host: e.may_have_reached_host(),
            reversal_due: false,
            reversal_reason: None,
            target,
            detail: Detail::of(e),
        }
    }
}

fn connect(cause: ConnectFailure) -> C {
    match cause {
        ConnectFailure::Dns => C::ConnectDns,
        ConnectFailure::Refused => C::ConnectRefused,
        ConnectFailure::Unreachable => C::ConnectUnreachable,
        ConnectFailure::TimedOut => C::ConnectTimedOut,
        ConnectFailure::Tls(t) => match t {
            TlsFailure::NotProvisioned => C::TlsNotProvisioned,
            TlsFailure::WrongName => C::TlsWrongName,
            TlsFailure::Expired => C::TlsExpired,
            TlsFailure::NotTls => C::TlsNotTls,
            TlsFailure::NoPin => C::TlsNoPin,
            TlsFailure::BadPin => C::TlsBadPin,
            TlsFailure::BadServerName => C::TlsBadServerName,
            TlsFailure::Handshake => C::TlsHandshake,
        },
    }
}

impl From<SettlementError> for Error {
    fn from(e: SettlementError) -> Self {
        let detail = Detail::of(e.clone());
        let (code, stored, progress) = match e {
            SettlementError::Terminal(t) => return t.into(),
            SettlementError::ReversalsPending { count } => return Error::ReversalPending { count, detail },
            SettlementError::PaymentsStored { count } => (C::SettlementPaymentsStored, Some(count), None),
            SettlementError::Declined { .. } => (C::SettlementDeclined, None, None),
            SettlementError::OutOfStep => (C::SettlementOutOfStep, None, None),
            SettlementError::HostError => (C::SettlementHostError, None, None),
            SettlementError::UploadInterrupted { acked, total, .. } => {
                (C::SettlementUploadInterrupted, None, Some((acked, total)))
            }
        };
        Error::Settlement { code, stored, progress, detail }
    }
}

impl From<DayEndError> for Error {
    fn from(e: DayEndError) -> Self {
        let detail = Detail::of(e.clone());
        match e {
            DayEndError::Terminal(t) => t.into(),
            DayEndError::Refused { op, reasons } => Error::DayEndRefused { op, blockers: reasons, detail },
        }
    }
}

impl From<ReaderError> for Error {
    fn from(e: ReaderError) -> Self {
        let detail = Detail::of(e.clone());
        let code = match e {
            ReaderError::Cancelled => return Error::Cancelled { detail },
            ReaderError::Tampered => return Error::Tampered { detail },
            // A reader without keys (restarted, swapped) needs a sign-in like the terminal.
            ReaderError::NoWorkingKeys => return Error::NotSignedIn { detail },
            ReaderError::Unlock(u) => return u.into(),
            ReaderError::Card(c) => return c.into(),
            ReaderError::Timeout => C::ReaderTimeout,
            ReaderError::Disconnected => C::ReaderDisconnected,
            ReaderError::CardRemoved => C::CardRemoved,
            ReaderError::Busy => C::ReaderBusy,
            ReaderError::KeyCheckFailed(_) | ReaderError::BadKeyBlock(_) | ReaderError::Crypto(_) => C::ReaderKeys,
            ReaderError::Protocol(_) => C::ReaderProtocol,
            ReaderError::Unsupported => C::Unsupported,
            ReaderError::LinkNotEncrypted => C::LinkNotEncrypted,
            ReaderError::WrappedKeyRefused => C::ReaderKeyWrap,
            ReaderError::NoLinkKey => C::ReaderLinkKey,
        };
        Error::Reader { code, detail }
    }
}

impl From<UnlockError> for Error {
    fn from(e: UnlockError) -> Self {
        let (code, tries_left, wait_secs) = match e {
            UnlockError::WrongCode { tries_left, wait_secs } => (C::UnlockRefused, Some(tries_left), Some(wait_secs)),
            UnlockError::Wait { wait_secs } => (C::UnlockWait, None, Some(wait_secs)),
            UnlockError::LockedOut => (C::UnlockLockedOut, None, None),
            UnlockError::WrongResetCode { wait_secs } => (C::UnlockResetRefused, None, Some(wait_secs)),
            UnlockError::NoChallenge => (C::UnlockNoChallenge, None, None),
            UnlockError::NotProvisioned => (C::UnlockNotProvisioned, None, None),
        };
        Error::Unlock { code, tries_left, wait_secs, detail: Detail::of(e) }
    }
}

impl From<CardError> for Error {
    /// Every card data problem is one code (`card_data`); the source says which.
    fn from(e: CardError) -> Self {
        Error::CardData { detail: Detail::of(e) }
    }
}

impl From<crate::tms::TmsError> for Error {
    /// A download the terminal refused: a key whose check sum fails is a security matter, the
    /// rest (malformed, missing, out of range, unsupported) a protocol one.
    fn from(e: crate::tms::TmsError) -> Self {
        use crate::tms::TmsError as T;
        match &e {
            T::ChecksumMismatch { .. } => Error::Security { code: C::CapkChecksum, detail: Detail::of(e) },
            T::Malformed { .. } | T::Missing { .. } | T::OutOfRange { .. } | T::Unsupported { .. } => {
                Error::Protocol { detail: Detail::of(e) }
            }
        }
    }
}

impl From<CodecError> for Error {
    /// Every codec problem is one code (`protocol`); the source says which.
    fn from(e: CodecError) -> Self {
        Error::Protocol { detail: Detail::of(e) }
    }
}

impl From<CryptoError> for Error {
    fn from(e: CryptoError) -> Self {
        let code = match &e {
            CryptoError::BadKeyHex | CryptoError::BadKeyLength { .. } => C::KeyFormat,
            CryptoError::CheckValueMismatch { .. } | CryptoError::BadField62Length { .. } => C::KeyCheck,
            CryptoError::WrongKeyLength { .. }
            | CryptoError::BadDataLength { .. }
            | CryptoError::UnknownKeyMode { .. }
            | CryptoError::KeyLengthForMode { .. }
            | CryptoError::MissingTdk => C::KeyUsage,
            CryptoError::BadPin
            | CryptoError::BadPan
            | CryptoError::BadPinBlockFormat { .. }
            | CryptoError::BadPinBlock => C::PinBlock,
            CryptoError::BadKsn | CryptoError::BadKsnCounter | CryptoError::BadTrack => C::TrackData,
            CryptoError::UnknownMacAlgorithm { .. } => C::Mac,
            CryptoError::RandomFailed => C::Random,
            CryptoError::SealFailed
            | CryptoError::SealedTooShort { .. }
            | CryptoError::UnknownSealVersion { .. }
            | CryptoError::WrapFailed
            | CryptoError::BadDataKeyLength { .. } => C::Seal,
            CryptoError::OpenFailed
            | CryptoError::UnwrapFailed
            | CryptoError::VaultIo { .. }
            | CryptoError::BadVaultFile { .. } => C::Vault,
        };
        Error::Security { code, detail: Detail::of(e) }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        let code = match &e {
            StoreError::Open { .. } => C::StoreOpen,
            StoreError::Corrupt { .. } | StoreError::Lost { .. } => C::StoreCorrupt,
            StoreError::TooNew { .. } => C::StoreTooNew,
            StoreError::DiskFull | StoreError::WriteFailed | StoreError::AnswerUnrecorded => C::DiskFull,
            StoreError::Sqlite { .. } => C::Sqlite,
            StoreError::BadValue { .. } => C::StoreBadValue,
            StoreError::Sealing(_) => C::StoreSealing,
            StoreError::BatchFull { .. } => C::BatchFull,
            StoreError::Missing { .. } => C::StoreMissing,
            StoreError::NeedsUpgrade { .. } => C::NeedsUpgrade,
            StoreError::ReadOnly => C::StoreReadOnly,
            StoreError::MissingTxn(_) => C::StoreMissingTxn,
        };
        Error::Storage { code, detail: Detail::of(e) }
    }
}

impl From<OfflineRefusal> for Error {
    fn from(e: OfflineRefusal) -> Self {
        let code = match &e {
            OfflineRefusal::Disabled => C::OfflineDisabled,
            OfflineRefusal::OnlineRequired => C::OfflineOnlineRequired,
            OfflineRefusal::OnlineOnly { .. } => C::OfflineOnlineOnly,
            OfflineRefusal::NotChip => C::OfflineNotChip,
            OfflineRefusal::OnlinePin => C::OfflineOnlinePin,
            OfflineRefusal::AmountOverLimit { .. } => C::OfflineAmountOverLimit,
            OfflineRefusal::TotalOverLimit { .. } => C::OfflineTotalOverLimit,
            OfflineRefusal::CountOverLimit { .. } => C::OfflineCountOverLimit,
            OfflineRefusal::QueueTooOld { .. } => C::OfflineQueueTooOld,
            OfflineRefusal::CardDailyLimit { .. } => C::OfflineCardDailyLimit,
            OfflineRefusal::NotSignedIn => C::OfflineNotSignedIn,
            OfflineRefusal::Blacklisted => C::OfflineBlacklisted,
            OfflineRefusal::NotAuthenticated => C::OfflineNotAuthenticated,
        };
        Error::OfflineRefused { code, detail: Detail::of(e) }
    }
}

impl From<RiskError> for Error {
    fn from(e: RiskError) -> Self {
        let detail = Detail::of(e.clone());
        let (code, rules, confirm_token, reason_zh, reason_en) = match e {
            RiskError::Blocked { rule, zh, en } => (C::RiskBlocked, vec![rule], None, zh, en),
            RiskError::OnlineRequired { rule, zh, en } => (C::RiskOnlineRequired, vec![rule], None, zh, en),
            RiskError::ConfirmationRequired { token, rules, zh, en } => (C::RiskConfirm, rules, Some(token), zh, en),
            RiskError::UnknownConfirmation(_) => {
                (C::RiskUnknownConfirmation, Vec::new(), None, String::new(), String::new())
            }
            RiskError::Policy(p) => return p.into(),
        };
        Error::RiskRefused { code, rules, confirm_token, reason_zh, reason_en, detail }
    }
}

impl From<PolicyError> for Error {
    fn from(e: PolicyError) -> Self {
        let code = match &e {
            PolicyError::Parse { .. } => C::RiskPolicyParse,
            PolicyError::Invalid { .. } => C::RiskPolicyInvalid,
            PolicyError::Stale { .. } => C::RiskPolicyStale,
        };
        Error::InvalidInput { code, detail: Detail::of(e) }
    }
}

/// A test card the simulated reader does not have (simulator builds only).
#[cfg(any(test, feature = "sim"))]
impl From<crate::reader::UnknownTestCard> for Error {
    fn from(e: crate::reader::UnknownTestCard) -> Self {
        Error::InvalidInput { code: C::UnknownCard, detail: Detail::of(e) }
    }
}

impl From<MoneyError> for Error {
    fn from(e: MoneyError) -> Self {
        let code = match &e {
            MoneyError::Empty => C::AmountEmpty,
            MoneyError::Negative => C::AmountNegative,
            MoneyError::TooManyDecimals { .. } => C::AmountDecimals,
            MoneyError::Overflow => C::AmountOverflow,
            MoneyError::Garbage(_) => C::AmountGarbage,
            MoneyError::CurrencyMismatch => C::CurrencyMismatch,
        };
        Error::InvalidInput { code, detail: Detail::of(e) }
    }
}

impl From<ReportError> for Error {
    fn from(e: ReportError) -> Self {
        let detail = Detail::of(e.clone());
        match e {
            ReportError::BadDay(_) => Error::InvalidInput { code: C::BadDay, detail },
            ReportError::BadFilter { .. } => Error::InvalidInput { code: C::BadFilter, detail },
            ReportError::NoReceipt => Error::NoReceipt { code: C::NothingToReprint, voucher: None, detail },
            ReportError::Receipt(r) => r.into(),
            ReportError::Store(s) => s.into(),
        }
    }
}

impl From<ReceiptError> for Error {
    fn from(e: ReceiptError) -> Self {
        let code = match &e {
            ReceiptError::NotApproved => C::NotApproved,
            ReceiptError::NoAmount => C::NoAmount,
        };
        Error::NoReceipt { code, voucher: None, detail: Detail::of(e) }
    }
}

impl From<SlipNotPrinted> for Error {
    fn from(e: SlipNotPrinted) -> Self {
        Error::NotPrinted {
            copy: e.copy,
            printed: e.printed.clone(),
            printer: printer_code(&e.error),
            detail: Detail::of(e),
        }
    }
}

fn printer_code(e: &PrinterError) -> C {
    match e {
        PrinterError::PaperOut => C::PrinterPaperOut,
        PrinterError::CoverOpen => C::PrinterCoverOpen,
        PrinterError::Fault => C::PrinterFault,
        PrinterError::NoAnswer => C::PrinterNoAnswer,
        PrinterError::Disconnected { .. } => C::PrinterDisconnected,
        PrinterError::Link(_) => C::PrinterLink,
        PrinterError::JobTooLarge(_) => C::PrinterJobTooLarge,
    }
}

impl From<PrinterError> for Error {
    fn from(e: PrinterError) -> Self {
        Error::Printer { code: printer_code(&e), detail: Detail::of(e) }
    }
}

impl From<LinkError> for Error {
    fn from(e: LinkError) -> Self {
        let code = match &e {
            LinkError::Disconnected => C::LinkDisconnected,
            LinkError::WriteFailed(_) => C::LinkWriteFailed,
        };
        Error::Link { code, detail: Detail::of(e) }
    }
}

#[cfg(feature = "ble")]
impl From<crate::devices::ble::btleplug_link::BleSetupError> for Error {
    fn from(e: crate::devices::ble::btleplug_link::BleSetupError) -> Self {
        use crate::devices::ble::btleplug_link::BleSetupError as B;
        let code = match &e {
            B::NoAdapter(_) => C::BleNoAdapter,
            B::NotFound(_) => C::BleNotFound,
            B::WrongDevice => C::BleWrongDevice,
            B::Platform(_) => C::BlePlatform,
        };
        Error::Link { code, detail: Detail::of(e) }
    }
}

impl From<ProvisionError> for Error {
    fn from(e: ProvisionError) -> Self {
        match e {
            ProvisionError::Sealed(c) => c.into(),
            ProvisionError::Invalid { .. } => {
                Error::InvalidInput { code: C::ProvisioningInvalid, detail: Detail::of(e) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Bilingual;
    use std::error::Error as _;

    #[test]
    fn internal_errors_map_with_both_languages_and_a_code() {
        let e: Error = MoneyError::Negative.into();
        assert!(matches!(e, Error::InvalidInput { code: C::AmountNegative, .. }));
        assert_eq!(e.zh(), "金额不能为负");
        let e: Error = CodecError::MissingField(39).into();
        assert!(matches!(e, Error::Protocol { .. }));
        assert!(e.zh().contains("缺少域39"), "{}", e.zh());
        assert!(e.en().contains("field 39 missing"), "{}", e.en());
        let e: Error = TerminalError::NotSignedIn.into();
        assert_eq!((e.zh().as_str(), e.en().as_str()), ("请重新签到", "Please sign in again"));
        assert!(matches!(e, Error::NotSignedIn { .. }));
        assert_eq!(e.code().as_str(), "sign_in_required");
        let e: Error = AcquirerError::MacFailed.into();
        assert!(matches!(e, Error::Network { code: C::MacFailed, .. }));
        let e: Error = TerminalError::Reader(ReaderError::NoWorkingKeys).into();
        assert!(matches!(e, Error::NotSignedIn { .. }));
        let e: Error = OfflineRefusal::OnlinePin.into();
        assert_eq!(e.code().as_str(), "online_pin");
    }

    #[test]
    fn the_source_is_the_internal_error() {
        let e: Error = TerminalError::Reader(ReaderError::Timeout).into();
        let src = e.source().expect("a source");
        assert_eq!(src.downcast_ref::<ReaderError>(), Some(&ReaderError::Timeout));
        // Equality is by code, fields and texts, not by source.
        assert_eq!(e, Error::from(ReaderError::Timeout));
    }

    #[test]
    fn a_sqlite_failure_keeps_sqlite_s_error_in_the_source_chain() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let raw = conn.execute("NOT SQL AT ALL", []).unwrap_err();
        let store = StoreError::from(raw);
        assert!(matches!(store, StoreError::Sqlite(_)), "{store:?}");
        let e: Error = TerminalError::Store(store).into();
        assert_eq!(e.code(), C::Sqlite);
        assert!(e.en().starts_with("Transaction database error: ") && e.en().contains("syntax error"), "{}", e.en());
        // Error -> StoreError -> SqliteFailure -> rusqlite::Error.
        let mut chain: Vec<&(dyn std::error::Error + 'static)> = Vec::new();
        let mut next = e.source();
        while let Some(s) = next {
            chain.push(s);
            next = s.source();
        }
        assert!(chain.first().is_some_and(|s| s.is::<StoreError>()), "{chain:?}");
        let sqlite = chain.iter().find_map(|s| s.downcast_ref::<rusqlite::Error>()).expect("rusqlite's error");
        assert!(sqlite.to_string().contains("syntax error"), "{sqlite}");
    }

    #[test]
    fn wrappers_keep_their_inner_error_as_the_source() {
        let e: Error = SettlementError::Terminal(TerminalError::Reader(ReaderError::Busy)).into();
        assert!(matches!(e, Error::Reader { code: C::ReaderBusy, .. }));
        let e: Error = ReportError::Store(StoreError::DiskFull).into();
        assert_eq!(e.code(), C::DiskFull);
        assert_eq!(e.source().and_then(|s| s.downcast_ref::<StoreError>()), Some(&StoreError::DiskFull));
        let e: Error = TerminalError::Risk(RiskError::Policy(PolicyError::Stale { offered: 1, installed: 2 })).into();
        assert_eq!(e.code(), C::RiskPolicyStale);
    }

    #[test]
    fn a_refused_day_end_names_every_reason_in_both_languages() {
        use crate::settlement::{DayEndOp, DayEndRefusal};
        let reasons = vec![DayEndRefusal::ReversalPending { count: 1 }, DayEndRefusal::BatchUnsettled { count: 3 }];
        let e: Error = DayEndError::Refused { op: DayEndOp::FactoryReset, reasons: reasons.clone() }.into();
        let Error::DayEndRefused { op, blockers, .. } = &e else { panic!("{e:?}") };
        assert_eq!((*op, blockers), (DayEndOp::FactoryReset, &reasons));
        assert!(e.zh().contains("恢复出厂设置") && e.zh().contains("3笔交易未结算"), "{}", e.zh());
        assert!(e.en().contains("factory reset") && e.en().contains("settle first"), "{}", e.en());
        // An allowed operation that then fails keeps the terminal's own error.
        let e: Error = DayEndError::Terminal(TerminalError::NotSignedIn).into();
        assert!(matches!(e, Error::NotSignedIn { .. }), "{e:?}");
    }

    #[test]
    fn settlement_refusals_carry_their_counts() {
        let e: Error = SettlementError::PaymentsStored { count: 2 }.into();
        assert!(matches!(e, Error::Settlement { code: C::SettlementPaymentsStored, stored: Some(2), .. }));
        let e: Error = SettlementError::ReversalsPending { count: 1 }.into();
        assert!(matches!(e, Error::ReversalPending { count: 1, .. }));
        let e: Error =
            SettlementError::UploadInterrupted { acked: 3, total: 5, zh: "断开".into(), en: "closed".into() }.into();
        assert!(matches!(e, Error::Settlement { progress: Some((3, 5)), .. }), "{e:?}");
        assert_eq!(e.code().as_str(), "upload_interrupted");
    }
}
