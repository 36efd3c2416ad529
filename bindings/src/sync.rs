//! Sync progress and results for the UI: reports, stop reasons, forwarding results,
//! items needing the operator.

use pos_core::terminal::{Attention, AttentionKind as CoreKind};
use pos_core::terminal::{SyncEvent as CoreEvent, SyncReport as CoreReport, SyncStop as CoreStop};
use pos_core::Bilingual;

use crate::money::Money;
use crate::queue::UploadState;

/// Why a sync stopped before everything was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SyncStopKind {
    /// No network.
    Offline,
    /// The host could not be reached.
    HostUnreachable,
    /// Sent, but no usable answer.
    NoAnswer,
    /// Sign in again first.
    NeedsSignIn,
    /// The host said "not now".
    HostTrouble,
}

/// A stop reason with its operator text.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncStop {
    /// Which reason.
    pub kind: SyncStopKind,
    /// The host's code for `HostTrouble`.
    pub response_code: Option<String>,
    /// Chinese text.
    pub zh: String,
    /// English text.
    pub en: String,
    /// Trying again later, unchanged, may succeed (the background sync retries).
    pub transient: bool,
}

impl From<&CoreStop> for SyncStop {
    fn from(s: &CoreStop) -> Self {
        let (kind, response_code) = match s {
            CoreStop::Offline => (SyncStopKind::Offline, None),
            CoreStop::HostUnreachable => (SyncStopKind::HostUnreachable, None),
            CoreStop::NoAnswer => (SyncStopKind::NoAnswer, None),
            CoreStop::NeedsSignIn => (SyncStopKind::NeedsSignIn, None),
            CoreStop::HostTrouble { code } => (SyncStopKind::HostTrouble, Some(code.as_str().to_string())),
        };
        SyncStop { kind, response_code, zh: s.zh(), en: s.en(), transient: s.is_transient() }
    }
}

/// What one sync achieved.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    /// Reversals the host acknowledged.
    pub reversals_acknowledged: u32,
    /// Reversals still due.
    pub reversals_left: u32,
    /// Offline payments accepted by the host.
    pub accepted: u32,
    /// Offline payments declined by the host.
    pub declined: u32,
    /// Offline payments past their upload deadline.
    pub expired: u32,
    /// Payments still waiting.
    pub left: u32,
    /// Their total.
    pub left_amount: Money,
    /// Why it stopped early.
    pub stop: Option<SyncStop>,
    /// The report in Chinese.
    pub summary_zh: String,
    /// The report in English.
    pub summary_en: String,
}

impl From<&CoreReport> for SyncReport {
    fn from(r: &CoreReport) -> Self {
        SyncReport {
            reversals_acknowledged: r.reversals_acknowledged,
            reversals_left: r.reversals_left,
            accepted: r.accepted,
            declined: r.declined,
            expired: r.expired,
            left: r.left,
            left_amount: r.left_amount.into(),
            stop: r.stop.as_ref().map(SyncStop::from),
            summary_zh: r.zh(),
            summary_en: r.en(),
        }
    }
}

/// What needs the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AttentionKind {
    /// A reversal the host has not acknowledged after repeated attempts.
    ReversalStuck,
    /// An offline payment the host declined on upload.
    UploadDeclined,
    /// An offline payment not uploaded in time.
    UploadExpired,
}

/// One item needing the operator, with what to tell the customer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AttentionItem {
    /// What it is.
    pub kind: AttentionKind,
    /// The transaction.
    pub txn_id: i64,
    /// Slip number.
    pub voucher: Option<u32>,
    /// Amount.
    pub amount: Option<Money>,
    /// The card, masked.
    pub masked_pan: Option<String>,
    /// The host's code (declined uploads).
    pub response_code: Option<String>,
    /// Failed attempts (reversals).
    pub attempts: u32,
    /// For the operator, Chinese.
    pub zh: String,
    /// For the operator, English.
    pub en: String,
    /// What to tell the customer, Chinese.
    pub tell_customer_zh: String,
    /// What to tell the customer, English.
    pub tell_customer_en: String,
}

impl From<&Attention> for AttentionItem {
    fn from(a: &Attention) -> Self {
        AttentionItem {
            kind: match a.kind {
                CoreKind::ReversalStuck => AttentionKind::ReversalStuck,
                CoreKind::UploadDeclined => AttentionKind::UploadDeclined,
                CoreKind::UploadExpired => AttentionKind::UploadExpired,
            },
            txn_id: a.txn_id.0,
            voucher: a.voucher.map(|v| v.value()),
            amount: a.amount.map(Money::from),
            masked_pan: a.masked_pan.as_ref().map(|p| p.as_str().to_string()),
            response_code: a.response_code.map(|c| c.as_str().to_string()),
            attempts: a.attempts,
            zh: a.zh(),
            en: a.en(),
            tell_customer_zh: a.tell_customer_zh(),
            tell_customer_en: a.tell_customer_en(),
        }
    }
}

/// The result of forwarding one offline payment (or its expiry).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ForwardingResult {
    /// The payment.
    pub txn_id: i64,
    /// Slip number.
    pub voucher: Option<u32>,
    /// Amount.
    pub amount: Option<Money>,
    /// Its new state.
    pub state: UploadState,
    /// The host's code, when it answered.
    pub response_code: Option<String>,
}

/// Something the sync or the connection did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SyncEvent {
    /// Worth trying the host now, or not.
    Connectivity { online: bool },
    /// A sync started with this much to send.
    Started { reversals: u32, payments: u32, amount: Money },
    /// The host acknowledged a reversal.
    ReversalAcknowledged { txn_id: i64 },
    /// A reversal attempt failed; it stays due.
    ReversalFailed { txn_id: i64, rounds: u32 },
    /// One offline payment changed state.
    Forwarded { result: ForwardingResult },
    /// Counts still to go.
    Progress { done: u32, left: u32, left_amount: Money },
    /// Something needs the operator.
    Attention { item: AttentionItem },
    /// The sync ended.
    Finished { report: SyncReport },
}

impl From<&CoreEvent> for SyncEvent {
    fn from(e: &CoreEvent) -> Self {
        match e {
            CoreEvent::Connectivity { online } => SyncEvent::Connectivity { online: *online },
            CoreEvent::Started { reversals, payments, amount } => {
                SyncEvent::Started { reversals: *reversals, payments: *payments, amount: (*amount).into() }
            }
            CoreEvent::ReversalAcknowledged { txn_id } => SyncEvent::ReversalAcknowledged { txn_id: txn_id.0 },
            CoreEvent::ReversalFailed { txn_id, rounds } => {
                SyncEvent::ReversalFailed { txn_id: txn_id.0, rounds: *rounds }
            }
            CoreEvent::Payment { txn_id, voucher, amount, state, response_code } => SyncEvent::Forwarded {
                result: ForwardingResult {
                    txn_id: txn_id.0,
                    voucher: voucher.map(|v| v.value()),
                    amount: amount.map(Money::from),
                    state: (*state).into(),
                    response_code: response_code.map(|c| c.as_str().to_string()),
                },
            },
            CoreEvent::Progress { done, left, left_amount } => {
                SyncEvent::Progress { done: *done, left: *left, left_amount: (*left_amount).into() }
            }
            CoreEvent::Attention(a) => SyncEvent::Attention { item: a.into() },
            CoreEvent::Finished(r) => SyncEvent::Finished { report: r.into() },
        }
    }
}
