//! Why a terminal operation did not produce an outcome, in the operator's languages: the
//! terminal's internal error, mapped into the public [`crate::Error`] by `map.rs`.

use thiserror::Error;

use crate::acquirer::AcquirerError;
use crate::crypto::CryptoError;
use crate::i18n::Bilingual;
use crate::iso8583::{BatchNo, CodecError, Message, TxnType};
use crate::money::Amount;
use crate::offline::OfflineRefusal;
use crate::reader::ReaderError;
use crate::response_code::ResponseCode;
use crate::risk::RiskError;
use crate::store::{StoreError, TxnId, VoucherNo};

/// A request that got no usable answer: the seam for automatic reversal.
///
/// Never an approval. When `may_have_reached_host` is true and the request moves
/// money, `reversal` holds the 0400 to send (field 39 = `reversal_reason`, MAC to be
/// filled at send time): the next step of the journal persists and sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExchangeFailure {
    /// The financial type, `None` for sign-in, sign-off and echo.
    pub txn: Option<TxnType>,
    /// What went wrong on the link.
    pub error: AcquirerError,
    /// Whether the host may have acted on the request.
    pub may_have_reached_host: bool,
    /// Field 39 of the reversal: `98` no response, `A0` MAC failure, `06` other.
    pub reversal_reason: ResponseCode,
    /// The request's row in the transaction table.
    pub txn_id: Option<TxnId>,
    /// The reversal to send (reversible types that may have reached the host).
    pub reversal: Option<Message>,
}

impl std::fmt::Display for ExchangeFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exchange failed: {}", self.error)
    }
}

impl std::error::Error for ExchangeFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// A terminal operation that ended without an outcome.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum TerminalError {
    /// No valid sign-in: the keys are missing, or the host asked for a new sign-in.
    #[error("not signed in")]
    NotSignedIn,
    /// The host answered a sign-in with a batch number below the terminal's (its books were reset
    /// or restored): refused before anything changed, keys and batch included.
    #[error("the host's batch {host} is below the terminal's {ours}")]
    HostBatchBehind {
        /// The terminal's batch number.
        ours: BatchNo,
        /// The batch number the host answered.
        host: BatchNo,
    },
    /// The acquirer exchange failed (never an approval).
    #[error("{}", .0.error)]
    Exchange(#[source] Box<ExchangeFailure>),
    /// The card reader failed.
    #[error("reader: {0}")]
    Reader(#[source] ReaderError),
    /// The database failed.
    #[error("store: {0}")]
    Store(#[source] StoreError),
    /// A request could not be built, or a response could not be read.
    #[error("codec: {0}")]
    Codec(#[source] CodecError),
    /// A key check failed (sign-in key block, check values).
    #[error("crypto: {0}")]
    Crypto(#[source] CryptoError),
    /// The original transaction referred to is not known to this terminal.
    #[error("original transaction not found")]
    OriginalNotFound,
    /// The original cannot be voided, refunded, completed or cancelled (see the texts).
    #[error("{en}")]
    OriginalNotEligible {
        /// Chinese text.
        zh: String,
        /// English text.
        en: String,
    },
    /// The operator's input is not acceptable.
    #[error("{en}")]
    InvalidInput {
        /// Chinese text.
        zh: String,
        /// English text.
        en: String,
    },
    /// The payment could not be approved offline (and was not sent online).
    #[error("offline: {0}")]
    Offline(#[source] OfflineRefusal),
    /// The risk engine stopped the payment before the card was charged.
    #[error("risk: {0}")]
    Risk(#[source] RiskError),
    /// Earlier reversals could not be delivered, so no new online request was sent.
    #[error("{count} reversal(s) could not be delivered")]
    ReversalPending {
        /// Reversals still due.
        count: u32,
    },
    /// Another process owns this terminal's data directory: nothing was done.
    #[error("the terminal in {dir} is in use by process {}", pid.map(|p| p.to_string()).unwrap_or_else(|| "?".into()))]
    InUse {
        /// The owner's process ID, when it could be read.
        pid: Option<u32>,
        /// The data directory.
        dir: String,
    },
    /// A read-only view was asked to write or send: nothing was done.
    #[error("read-only view: {what} needs the terminal itself")]
    ReadOnly {
        /// What was asked (English).
        what: &'static str,
    },
    /// Payments or reversals owed under the keys in force could not reach the host, and a
    /// sign-in would replace those keys: refused, nothing changed.
    #[error("{stored} stored payment(s) and {reversals} reversal(s) must reach the host before new keys")]
    OwedBeforeSignIn {
        /// Stored offline payments still waiting.
        stored: u32,
        /// Reversals still due.
        reversals: u32,
    },
    /// A refund for more than its original has left to refund: refused before anything is sent.
    #[error("at most {left} left to refund")]
    RefundAboveRemainder {
        /// What is left to refund (zero when the original is fully refunded).
        left: Amount,
    },
    /// A completion above its pre-auth's amount: refused before anything is sent.
    #[error("a completion can be at most {hold}")]
    CompletionAboveHold {
        /// The pre-auth's amount, the most a completion may capture.
        hold: Amount,
    },
    /// An earlier refund of the same original got no answer and the host could not be asked
    /// about it yet: nothing more is sent for that original until it can.
    #[error("an earlier refund of this payment is not confirmed by the host")]
    RefundInDoubt {
        /// The unconfirmed refund's row.
        txn_id: TxnId,
        /// Its slip number.
        voucher: Option<VoucherNo>,
    },
}

impl TerminalError {
    pub(crate) fn not_eligible(zh: &str, en: &str) -> TerminalError {
        TerminalError::OriginalNotEligible { zh: zh.into(), en: en.into() }
    }

    pub(crate) fn invalid(zh: &str, en: &str) -> TerminalError {
        TerminalError::InvalidInput { zh: zh.into(), en: en.into() }
    }

    /// The exchange failure, if this is one.
    pub fn exchange_failure(&self) -> Option<&ExchangeFailure> {
        match self {
            TerminalError::Exchange(f) => Some(f),
            _ => None,
        }
    }
}

impl From<crate::provisioning::ProvisionError> for TerminalError {
    fn from(e: crate::provisioning::ProvisionError) -> Self {
        use crate::i18n::Bilingual;
        match e {
            crate::provisioning::ProvisionError::Sealed(c) => TerminalError::Crypto(c),
            invalid => TerminalError::InvalidInput { zh: invalid.zh(), en: invalid.en() },
        }
    }
}

impl From<OfflineRefusal> for TerminalError {
    fn from(r: OfflineRefusal) -> Self {
        TerminalError::Offline(r)
    }
}

impl From<RiskError> for TerminalError {
    fn from(r: RiskError) -> Self {
        TerminalError::Risk(r)
    }
}

impl From<ReaderError> for TerminalError {
    fn from(e: ReaderError) -> Self {
        match e {
            // A reader without keys (restarted, swapped) needs a sign-in like the terminal.
            ReaderError::NoWorkingKeys => TerminalError::NotSignedIn,
            e => TerminalError::Reader(e),
        }
    }
}

impl TerminalError {
    /// Whether this is the storage being full or failing to take a write.
    pub(crate) fn is_disk_full(&self) -> bool {
        matches!(self, TerminalError::Store(StoreError::DiskFull | StoreError::WriteFailed))
    }
}

impl From<StoreError> for TerminalError {
    fn from(e: StoreError) -> Self {
        TerminalError::Store(e)
    }
}

impl From<CodecError> for TerminalError {
    fn from(e: CodecError) -> Self {
        TerminalError::Codec(e)
    }
}

impl From<CryptoError> for TerminalError {
    fn from(e: CryptoError) -> Self {
        TerminalError::Crypto(e)
    }
}

impl Bilingual for TerminalError {
    fn zh(&self) -> String {
        match self {
            TerminalError::NotSignedIn => "请重新签到".into(),
            TerminalError::HostBatchBehind { ours, host } => format!(
                "收单主机返回的批次号 {host} 小于本终端的批次号 {ours}（主机的批次号倒退了），签到被拒绝，\
                 终端未做任何更改。请勿继续交易，联系收单机构或客服热线核对主机的批次"
            ),
            TerminalError::Exchange(f) if f.may_have_reached_host && f.reversal.is_some() => {
                format!("{}，交易未成功，需冲正", f.error.zh())
            }
            TerminalError::Exchange(f) => format!("{}，交易未成功", f.error.zh()),
            TerminalError::Reader(e) => e.zh(),
            TerminalError::Store(e) => e.zh(),
            TerminalError::Codec(e) => e.zh(),
            TerminalError::Crypto(e) => e.zh(),
            TerminalError::OriginalNotFound => "找不到原交易".into(),
            TerminalError::OriginalNotEligible { zh, .. } | TerminalError::InvalidInput { zh, .. } => zh.clone(),
            TerminalError::Offline(r) => r.zh(),
            TerminalError::Risk(r) => r.zh(),
            TerminalError::ReversalPending { count } => {
                format!("有{count}笔冲正尚未送达主机，请检查网络后重试（冲正会自动重发）")
            }
            // The directory stays out of what the operator reads (a phone's private path means
            // nothing to a merchant, and its digits can look like a card number); it is in the
            // error's own text, for the log.
            TerminalError::InUse { pid, .. } => format!(
                "该终端正由进程 {} 使用，本次未做任何操作。请等该操作结束或关闭它后重试；\
                 查询类操作（交易查询、报表、离线队列）可同时进行",
                pid.map(|p| p.to_string()).unwrap_or_else(|| "（未知）".into())
            ),
            TerminalError::ReadOnly { .. } => "当前为只读查看，不能发起交易、写入或联机；请用终端本身操作".into(),
            TerminalError::OwedBeforeSignIn { stored, reversals } => format!(
                "签到会更换密钥，但还有{stored}笔离线交易和{reversals}笔冲正未送达主机（只能用当前密钥上送），\
                 签到未进行。请检查网络，全部上送成功后再签到"
            ),
            TerminalError::RefundAboveRemainder { left } if left.minor() == 0 => "原交易已全额退货，不能再退".into(),
            TerminalError::RefundAboveRemainder { left } => format!("退货金额超过可退金额：最多还可退 {left}"),
            TerminalError::CompletionAboveHold { hold } => format!("完成金额不能超过预授权金额 {hold}"),
            TerminalError::RefundInDoubt { voucher, .. } => format!(
                "原交易的上一笔退货{}尚未得到主机确认，请检查网络后重试（不会重复退货）",
                voucher.map(|v| format!("（凭证号{v}）")).unwrap_or_default()
            ),
        }
    }

    fn en(&self) -> String {
        match self {
            TerminalError::NotSignedIn => "Please sign in again".into(),
            TerminalError::HostBatchBehind { ours, host } => format!(
                "The host answered batch number {host}, below this terminal's {ours}: the host's batch went \
                 backwards. Sign-in refused, nothing was changed on the terminal. Do not transact; contact the \
                 acquirer's help desk to have the host's batch checked"
            ),
            TerminalError::Exchange(f) if f.may_have_reached_host && f.reversal.is_some() => {
                format!("{}: not approved, to be reversed", f.error.en())
            }
            TerminalError::Exchange(f) => format!("{}: not approved", f.error.en()),
            TerminalError::Reader(e) => e.en(),
            TerminalError::Store(e) => e.en(),
            TerminalError::Codec(e) => e.en(),
            TerminalError::Crypto(e) => e.en(),
            TerminalError::OriginalNotFound => "Original transaction not found".into(),
            TerminalError::OriginalNotEligible { en, .. } | TerminalError::InvalidInput { en, .. } => en.clone(),
            TerminalError::Offline(r) => r.en(),
            TerminalError::Risk(r) => r.en(),
            TerminalError::ReversalPending { count } => format!(
                "{count} reversal(s) have not reached the host yet: check the connection and try again \
                 (reversals are resent automatically)"
            ),
            TerminalError::InUse { pid, .. } => format!(
                "this terminal is in use by process {}: nothing was done. Wait for that operation to \
                 finish or close it, then try again; read-only views (history, reports, the queue) work meanwhile",
                pid.map(|p| p.to_string()).unwrap_or_else(|| "(unknown)".into())
            ),
            TerminalError::ReadOnly { what } => {
                format!("this is a read-only view: it cannot {what}. Use the terminal itself for that")
            }
            TerminalError::OwedBeforeSignIn { stored, reversals } => format!(
                "sign-in would replace the keys, but {stored} stored payment(s) and {reversals} reversal(s) have not \
                 reached the host (they can only go under the current keys): not signed in. Check the connection, \
                 sync until everything is sent, then sign in"
            ),
            TerminalError::RefundAboveRemainder { left } if left.minor() == 0 => {
                "nothing left to refund: the original is fully refunded".into()
            }
            TerminalError::RefundAboveRemainder { left } => {
                format!("the refund is more than is left: at most {left} left to refund")
            }
            TerminalError::CompletionAboveHold { hold } => {
                format!("a completion can be at most the pre-auth amount, {hold}")
            }
            TerminalError::RefundInDoubt { voucher, .. } => format!(
                "an earlier refund of this payment{} has not been confirmed by the host yet: check the \
                 connection and try again (it will not be refunded twice)",
                voucher.map(|v| format!(" (voucher {v})")).unwrap_or_default()
            ),
        }
    }
}
