//! The one public error of the core: [`Error`], what every [`crate::terminal::Terminal`]
//! operation returns. Each variant carries the data the operator and the shell need, a stable
//! [`ErrorCode`], the operator's text in Chinese and English ([`Bilingual`]), and the internal
//! error behind it as its [`std::error::Error::source`]. The internal error enums of the
//! modules are mapped into it in one place, `map.rs`, by exhaustive matches.

mod code;
mod map;
mod settlement_error;
mod terminal_error;

use std::sync::Arc;

pub use code::ErrorCode;
pub(crate) use settlement_error::{DayEndError, SettlementError};
pub(crate) use terminal_error::{ExchangeFailure, TerminalError};

use crate::i18n::Bilingual;
use crate::ids::{TxnId, VoucherNo};
use crate::iso8583::BatchNo;
use crate::money::Amount;
use crate::receipt::CopyKind;
use crate::response_code::ResponseCode;
use crate::risk::AuditId;
use crate::settlement::{DayEndOp, DayEndRefusal};

/// The operator's text of an error and the internal error behind it (its source); boxed, so
/// that [`Error`] stays small in every `Result`.
#[derive(Clone)]
pub struct Detail(Box<Texts>);

#[derive(Clone)]
struct Texts {
    zh: String,
    en: String,
    source: Option<Arc<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Detail {
    /// Texts without a source.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Detail {
        Detail(Box::new(Texts { zh: zh.into(), en: en.into(), source: None }))
    }

    /// The texts of `e`, with `e` as the source.
    pub(crate) fn of<E: Bilingual + std::error::Error + Send + Sync + 'static>(e: E) -> Detail {
        Detail(Box::new(Texts { zh: e.zh(), en: e.en(), source: Some(Arc::new(e)) }))
    }

    /// The Chinese text.
    pub fn zh(&self) -> &str {
        &self.0.zh
    }

    /// The English text.
    pub fn en(&self) -> &str {
        &self.0.en
    }

    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl PartialEq for Detail {
    /// By text: two errors with the same code, fields and texts are equal, whatever their source.
    fn eq(&self, other: &Detail) -> bool {
        self.zh() == other.zh() && self.en() == other.en()
    }
}

impl Eq for Detail {}

impl std::fmt::Debug for Detail {
    // The texts only: a source's Debug could show more than an operator should see.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detail").field("zh", &self.zh()).field("en", &self.en()).finish_non_exhaustive()
    }
}

/// Why a core operation did not produce its outcome. Match on the variant, or on
/// [`Error::code`] for the stable string; [`Bilingual`] gives the operator's text. Not
/// `#[non_exhaustive]` on purpose: the bindings match it without a wildcard, so a new
/// variant does not compile until every front end maps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    // ---- Input ----
    /// The operator's input is not acceptable (an amount, a date, a filter, a policy, a setting).
    InvalidInput {
        /// Which input problem.
        code: ErrorCode,
        /// Texts and source.
        detail: Detail,
    },
    /// The original transaction referred to is not known to this terminal.
    OriginalNotFound {
        /// Texts and source.
        detail: Detail,
    },
    /// The original cannot be voided, refunded, completed or cancelled (the texts say why).
    OriginalNotEligible {
        /// Texts and source.
        detail: Detail,
    },
    /// A refund above what its original has left to refund: nothing was sent.
    RefundAboveRemainder {
        /// What is left to refund (zero when fully refunded).
        left: Amount,
        /// Texts and source.
        detail: Detail,
    },
    /// A completion above its pre-auth's amount: nothing was sent.
    CompletionAboveHold {
        /// The pre-auth's amount.
        hold: Amount,
        /// Texts and source.
        detail: Detail,
    },
    // ---- State ----
    /// The terminal (or its reader) must sign in first, or again.
    NotSignedIn {
        /// Texts and source.
        detail: Detail,
    },
    /// The host answered a sign-in with a batch below the terminal's: refused, nothing changed.
    HostBatchBehind {
        /// The terminal's batch.
        ours: BatchNo,
        /// The host's batch.
        host: BatchNo,
        /// Texts and source.
        detail: Detail,
    },
    /// Earlier reversals could not be delivered, so no new online request (or settlement) went.
    ReversalPending {
        /// Reversals still due.
        count: u32,
        /// Texts and source.
        detail: Detail,
    },
    /// A sign-in would replace the keys that payments and reversals still owed need: refused.
    OwedBeforeSignIn {
        /// Stored offline payments still waiting.
        stored: u32,
        /// Reversals still due.
        reversals: u32,
        /// Texts and source.
        detail: Detail,
    },
    /// An earlier refund of the same original is not confirmed by the host yet.
    RefundInDoubt {
        /// The unconfirmed refund's row.
        txn_id: TxnId,
        /// Its slip number.
        voucher: Option<VoucherNo>,
        /// Texts and source.
        detail: Detail,
    },
    /// Another process owns the terminal's data directory: nothing was done.
    InUse {
        /// The owner's process ID, when known.
        pid: Option<u32>,
        /// The data directory.
        dir: String,
        /// Texts and source.
        detail: Detail,
    },
    /// A read-only view was asked to write or send: nothing was done.
    ReadOnly {
        /// What was asked (English).
        what: &'static str,
        /// Texts and source.
        detail: Detail,
    },
    /// A day-end operation (sign-off, switch device, reset, ...) refused: `blockers` says what
    /// to do first, in order.
    DayEndRefused {
        /// The operation asked for.
        op: DayEndOp,
        /// Every reason, each with its own code.
        blockers: Vec<DayEndRefusal>,
        /// Texts and source.
        detail: Detail,
    },
    // ---- Refusals ----
    /// The payment could not be approved offline (and was not sent online).
    OfflineRefused {
        /// Which limit or rule (`amount_over_limit`, `online_pin`, ...).
        code: ErrorCode,
        /// Texts and source.
        detail: Detail,
    },
    /// The risk engine stopped the payment before the card was charged.
    RiskRefused {
        /// `risk_blocked`, `risk_confirm`, `risk_online_required` or `risk_unknown_confirmation`.
        code: ErrorCode,
        /// The rules that fired.
        rules: Vec<String>,
        /// For `risk_confirm`: the evaluation to confirm with `Terminal::confirm_risk`.
        confirm_token: Option<AuditId>,
        /// The rules' own reason, Chinese (empty for `risk_unknown_confirmation`).
        reason_zh: String,
        /// The rules' own reason, English (empty for `risk_unknown_confirmation`).
        reason_en: String,
        /// Texts and source.
        detail: Detail,
    },
    // ---- Host ----
    /// No usable answer from the acquirer: never an approval.
    Network {
        /// What failed on the link (`connect_refused`, `response_timeout`, `mac_failed`, ...).
        code: ErrorCode,
        /// The request's row, when one was journaled.
        txn_id: Option<TxnId>,
        /// Whether the host may have acted on the request.
        may_have_reached_host: bool,
        /// True when the terminal will reverse it.
        reversal_due: bool,
        /// Field 39 a reversal of it carries (`98`, `A0`, `06`), for a request that was journaled.
        reversal_reason: Option<ResponseCode>,
        /// The `host:port` that could not be reached, for a connection failure.
        target: Option<String>,
        /// Texts and source.
        detail: Detail,
    },
    /// A message from or for the host is malformed.
    Protocol {
        /// Texts and source.
        detail: Detail,
    },
    /// A settlement stopped; what was done is kept and settling again goes on from it.
    Settlement {
        /// `payments_stored`, `declined`, `out_of_step`, `host_error` or `upload_interrupted`.
        code: ErrorCode,
        /// For `payments_stored`: the offline payments still waiting.
        stored: Option<u32>,
        /// For `upload_interrupted`: messages acknowledged and planned (settling again resumes).
        progress: Option<(u32, u32)>,
        /// Texts and source.
        detail: Detail,
    },
    // ---- Devices ----
    /// The card read was cancelled (by the operator, or on the reader).
    Cancelled {
        /// Texts and source.
        detail: Detail,
    },
    /// The reader's security switch fired: it refuses every transaction until unlocked.
    Tampered {
        /// Texts and source.
        detail: Detail,
    },
    /// An unlock (or help-desk reset) was refused.
    Unlock {
        /// `unlock_refused`, `unlock_wait`, `unlock_locked_out`, ...
        code: ErrorCode,
        /// Wrong codes still allowed before the lockout (wrong code only).
        tries_left: Option<u32>,
        /// Seconds before the next try is accepted, when there is a wait.
        wait_secs: Option<u64>,
        /// Texts and source.
        detail: Detail,
    },
    /// The card reader failed or is not connected.
    Reader {
        /// `reader_timeout`, `reader_disconnected`, `card_removed`, ...
        code: ErrorCode,
        /// Texts and source.
        detail: Detail,
    },
    /// Card data from the reader is unusable.
    CardData {
        /// Texts and source.
        detail: Detail,
    },
    /// The printer failed.
    Printer {
        /// `printer_paper_out`, `printer_cover_open`, ...
        code: ErrorCode,
        /// Texts and source.
        detail: Detail,
    },
    /// A slip copy did not print: print again, or cancel the payment (it is then reversed).
    NotPrinted {
        /// The copy that failed.
        copy: CopyKind,
        /// Copies that printed before it.
        printed: Vec<CopyKind>,
        /// What the printer said.
        printer: ErrorCode,
        /// Texts and source.
        detail: Detail,
    },
    /// A Bluetooth link failed.
    Link {
        /// `link_disconnected`, `link_write_failed`, `ble_*`.
        code: ErrorCode,
        /// Texts and source.
        detail: Detail,
    },
    /// No slip to print (again).
    NoReceipt {
        /// `no_such_voucher`, `nothing_to_reprint`, `not_approved`, `no_amount`.
        code: ErrorCode,
        /// The voucher asked for, when one was.
        voucher: Option<u32>,
        /// Texts and source.
        detail: Detail,
    },
    // ---- Security ----
    /// Keys, MACs, PIN blocks or sealed data failed a check.
    Security {
        /// `key_check`, `key_format`, `mac`, `pin_block`, `seal`, `vault`, ...
        code: ErrorCode,
        /// Texts and source.
        detail: Detail,
    },
    // ---- Storage ----
    /// The terminal's database failed (nothing was lost or overwritten).
    Storage {
        /// `store_open`, `store_corrupt`, `disk_full`, `sqlite`, ...
        code: ErrorCode,
        /// Texts and source.
        detail: Detail,
    },
}

impl Error {
    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        use ErrorCode as C;
        match self {
            Error::InvalidInput { code, .. }
            | Error::OfflineRefused { code, .. }
            | Error::RiskRefused { code, .. }
            | Error::Network { code, .. }
            | Error::Settlement { code, .. }
            | Error::Unlock { code, .. }
            | Error::Reader { code, .. }
            | Error::Printer { code, .. }
            | Error::Link { code, .. }
            | Error::NoReceipt { code, .. }
            | Error::Security { code, .. }
            | Error::Storage { code, .. } => *code,
            Error::OriginalNotFound { .. } => C::OriginalNotFound,
            Error::OriginalNotEligible { .. } => C::OriginalNotEligible,
            Error::RefundAboveRemainder { .. } => C::RefundAboveRemainder,
            Error::CompletionAboveHold { .. } => C::CompletionAboveHold,
            Error::NotSignedIn { .. } => C::NotSignedIn,
            Error::HostBatchBehind { .. } => C::HostBatchBehind,
            Error::ReversalPending { .. } => C::ReversalPending,
            Error::OwedBeforeSignIn { .. } => C::OwedBeforeSignIn,
            Error::RefundInDoubt { .. } => C::RefundInDoubt,
            Error::InUse { .. } => C::InUse,
            Error::ReadOnly { .. } => C::ReadOnly,
            Error::DayEndRefused { .. } => C::DayEndRefused,
            Error::Protocol { .. } => C::Protocol,
            Error::Cancelled { .. } => C::Cancelled,
            Error::Tampered { .. } => C::Tampered,
            Error::CardData { .. } => C::CardData,
            Error::NotPrinted { .. } => C::NotPrinted,
        }
    }

    /// The texts and source.
    pub fn detail(&self) -> &Detail {
        match self {
            Error::InvalidInput { detail, .. }
            | Error::OriginalNotFound { detail }
            | Error::OriginalNotEligible { detail }
            | Error::RefundAboveRemainder { detail, .. }
            | Error::CompletionAboveHold { detail, .. }
            | Error::NotSignedIn { detail }
            | Error::HostBatchBehind { detail, .. }
            | Error::ReversalPending { detail, .. }
            | Error::OwedBeforeSignIn { detail, .. }
            | Error::RefundInDoubt { detail, .. }
            | Error::InUse { detail, .. }
            | Error::ReadOnly { detail, .. }
            | Error::DayEndRefused { detail, .. }
            | Error::OfflineRefused { detail, .. }
            | Error::RiskRefused { detail, .. }
            | Error::Network { detail, .. }
            | Error::Protocol { detail }
            | Error::Settlement { detail, .. }
            | Error::Cancelled { detail }
            | Error::Tampered { detail }
            | Error::Unlock { detail, .. }
            | Error::Reader { detail, .. }
            | Error::CardData { detail }
            | Error::Printer { detail, .. }
            | Error::NotPrinted { detail, .. }
            | Error::Link { detail, .. }
            | Error::NoReceipt { detail, .. }
            | Error::Security { detail, .. }
            | Error::Storage { detail, .. } => detail,
        }
    }

    /// Operator input that is not acceptable (`code` [`ErrorCode::Input`]), in both languages.
    pub fn invalid_input(zh: impl Into<String>, en: impl Into<String>) -> Error {
        Error::InvalidInput { code: ErrorCode::Input, detail: Detail::new(zh, en) }
    }

    /// True for a failed exchange with the acquirer ([`Error::Network`]).
    pub fn is_network(&self) -> bool {
        matches!(self, Error::Network { .. })
    }

    /// The journaled request's row of a failed exchange, if any.
    pub fn txn_id(&self) -> Option<TxnId> {
        match self {
            Error::Network { txn_id, .. } => *txn_id,
            Error::RefundInDoubt { txn_id, .. } => Some(*txn_id),
            _ => None,
        }
    }
}

#[cfg(test)]
impl Error {
    /// The terminal's record of a failed exchange (tests inside the core look at its reversal).
    pub(crate) fn exchange_failure(&self) -> Option<&ExchangeFailure> {
        use std::error::Error as _;
        self.source()?.downcast_ref::<TerminalError>()?.exchange_failure()
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.detail().en())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.detail().source()
    }
}

impl Bilingual for Error {
    fn zh(&self) -> String {
        self.detail().zh().to_string()
    }
    fn en(&self) -> String {
        self.detail().en().to_string()
    }
}
