//! Finding the original a void, refund, completion or cancel refers to, and checking it may be.

use crate::card::CardFingerprint;
use crate::iso8583::{BatchNo, CodecError, OriginalData, Stan, TxnType};
use crate::money::Amount;
use crate::store::{OriginalRefs, Store, TxnLookup, TxnRecord, TxnStatus, VoucherNo};

use crate::error::TerminalError;

/// How the operator names the original transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginalRef {
    /// A slip number of this terminal (凭证号).
    Voucher(VoucherNo),
    /// A STAN of this terminal in the current batch (流水号).
    Stan(Stan),
    /// A transaction of another terminal or day: its retrieval reference and date MMDD (refunds).
    Host {
        /// Field 37 of the original (12 characters).
        rrn: String,
        /// The original's date, MMDD.
        date: String,
    },
    /// A pre-auth known by its authorization code and date MMDD (cancel and completion).
    Auth {
        /// Field 38 of the original (6 characters).
        auth_code: String,
        /// The original's date, MMDD.
        date: String,
    },
}

/// The original as the request will carry it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Resolved {
    /// Stored references (row, batch, STAN, RRN, auth code, date).
    pub refs: OriginalRefs,
    /// The original's amount when known.
    pub amount: Option<Amount>,
    /// The original card, when known, to check the card presented now.
    pub fingerprint: Option<CardFingerprint>,
    /// The original's row, when it is this terminal's.
    pub record: Option<TxnRecord>,
}

impl Resolved {
    /// Field 61 for this original.
    pub(crate) fn field61(&self, with_date: bool) -> Result<OriginalData, TerminalError> {
        // An original from elsewhere is known by RRN or auth code: 61.1 and 61.2 go as zeros.
        let batch = self.refs.batch.or(BatchNo::new(0)).ok_or(CodecError::MissingField(61))?;
        Ok(OriginalData {
            batch,
            stan: self.refs.stan,
            date: if with_date { self.refs.date.clone() } else { None },
            rest: String::new(),
        })
    }
}

/// The transaction types each kind of follow-up may refer to (the profile's table: a void
/// 消费撤销 undoes a sale 消费 only; an offline sale 离线结算 is given back by a refund 退货).
fn acceptable_originals(txn: TxnType) -> &'static [TxnType] {
    match txn {
        TxnType::Void => &[TxnType::Sale],
        TxnType::CompletionCancel => &[TxnType::PreAuthCompletion],
        TxnType::PreAuthCancel | TxnType::PreAuthCompletion => &[TxnType::PreAuth],
        TxnType::Refund => &[TxnType::Sale, TxnType::PreAuthCompletion, TxnType::OfflineSale],
        _ => &[],
    }
}

/// The follow-up that gives back the money of an original `txn` does not apply to, if any.
fn instead(txn: TxnType, original: TxnType) -> Option<TerminalError> {
    match (txn, original) {
        (TxnType::Void, TxnType::OfflineSale) => Some(TerminalError::not_eligible(
            "离线交易不能撤销，请改用退货",
            "an offline sale cannot be voided: use a refund",
        )),
        (TxnType::Void, TxnType::PreAuthCompletion) => Some(TerminalError::not_eligible(
            "预授权完成请用完成撤销",
            "a pre-auth completion is undone by a completion cancel",
        )),
        (TxnType::PreAuthCancel, TxnType::PreAuthCompletion) => {
            Some(TerminalError::not_eligible("预授权完成请用完成撤销", "use a completion cancel for a completion"))
        }
        _ => None,
    }
}

/// True when the original must lie in the current batch (voids and cancels of completions).
fn same_batch_only(txn: TxnType) -> bool {
    matches!(txn, TxnType::Void | TxnType::CompletionCancel)
}

fn check_mmdd(date: &str) -> Result<(), TerminalError> {
    let ok = date.len() == 4
        && date.bytes().all(|b| b.is_ascii_digit())
        && date.get(..2).and_then(|m| m.parse::<u8>().ok()).is_some_and(|m| (1..=12).contains(&m))
        && date.get(2..).and_then(|d| d.parse::<u8>().ok()).is_some_and(|d| (1..=31).contains(&d));
    if ok {
        Ok(())
    } else {
        Err(TerminalError::invalid("原交易日期应为MMDD", "original date must be MMDD"))
    }
}

/// Resolves `r` for a `txn` against this terminal's records.
pub(crate) fn resolve(store: &Store, txn: TxnType, r: &OriginalRef) -> Result<Resolved, TerminalError> {
    let current = store.batch()?;
    let record = match r {
        OriginalRef::Voucher(v) => store.find_txn(TxnLookup::Voucher(*v))?.ok_or(TerminalError::OriginalNotFound)?,
        OriginalRef::Stan(s) if txn != TxnType::Refund => {
            store.find_txn(TxnLookup::Stan { batch: current, stan: *s })?.ok_or(TerminalError::OriginalNotFound)?
        }
        OriginalRef::Host { rrn, date } if txn == TxnType::Refund => {
            check_mmdd(date)?;
            if rrn.len() != 12 || !rrn.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(TerminalError::invalid("参考号应为12位", "reference number must have 12 characters"));
            }
            let refs = OriginalRefs { rrn: Some(rrn.clone()), date: Some(date.clone()), ..OriginalRefs::default() };
            return Ok(Resolved { refs, ..Resolved::default() });
        }
        OriginalRef::Auth { auth_code, date } if matches!(txn, TxnType::PreAuthCancel | TxnType::PreAuthCompletion) => {
            check_mmdd(date)?;
            if auth_code.len() != 6 || !auth_code.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(TerminalError::invalid("授权码应为6位", "authorization code must have 6 characters"));
            }
            let refs = OriginalRefs {
                auth_code: Some(auth_code.clone()),
                date: Some(date.clone()),
                ..OriginalRefs::default()
            };
            return Ok(Resolved { refs, ..Resolved::default() });
        }
        _ => {
            let (zh, en) = ways(txn);
            let term = crate::vocab::txn_type(txn);
            return Err(TerminalError::invalid(
                &format!("{}的原交易只能用{zh}指定", term.zh),
                &format!("the original of a {} is named by {en}", term.en),
            ));
        }
    };
    check_eligible(txn, &record, current)?;
    check_follow_ups(store, txn, &record)?;
    Ok(Resolved {
        refs: OriginalRefs {
            txn_id: Some(record.id),
            batch: Some(record.numbers.batch),
            stan: Some(record.numbers.stan),
            rrn: record.rrn.clone(),
            auth_code: record.auth_code.clone(),
            date: Some(record.host_date.clone().unwrap_or_else(|| record.local_date.clone())),
        },
        amount: record.amount,
        fingerprint: record.fingerprint,
        record: Some(record),
    })
}

/// How the original of `txn` may be named (the arms of [`resolve`]).
fn ways(txn: TxnType) -> (&'static str, &'static str) {
    match txn {
        TxnType::Refund => ("凭证号，或参考号加日期", "its voucher number, or its reference number (RRN) and date"),
        TxnType::PreAuthCancel | TxnType::PreAuthCompletion => (
            "凭证号、本批次的流水号，或授权码加日期",
            "its voucher number, its trace number (STAN) in this batch, or its authorization code and date",
        ),
        _ => ("凭证号或本批次的流水号", "its voucher number or its trace number (STAN) in this batch"),
    }
}

fn check_eligible(txn: TxnType, o: &TxnRecord, current: BatchNo) -> Result<(), TerminalError> {
    if !acceptable_originals(txn).contains(&o.txn_type) {
        return Err(instead(txn, o.txn_type).unwrap_or_else(|| {
            // Name both types: the operator picked the wrong voucher, or the wrong operation.
            let (this, found) = (crate::vocab::txn_type(txn), crate::vocab::txn_type(o.txn_type));
            let wanted = acceptable_originals(txn);
            let zh: Vec<&str> = wanted.iter().map(|t| crate::vocab::txn_type(*t).zh).collect();
            let en: Vec<&str> = wanted.iter().map(|t| crate::vocab::txn_type(*t).en).collect();
            TerminalError::not_eligible(
                &format!("原交易是{}，{}只适用于{}：请核对凭证号", found.zh, this.zh, zh.join("、")),
                &format!(
                    "the original is a {}; a {} applies to a {} only: check the voucher number",
                    found.en,
                    this.en,
                    en.join(" or ")
                ),
            )
        }));
    }
    if o.status != TxnStatus::Approved {
        return Err(TerminalError::not_eligible("原交易未成功", "the original was not approved"));
    }
    if o.reversed_at.is_some() {
        return Err(TerminalError::not_eligible("原交易已冲正", "the original was reversed: it counts for nothing"));
    }
    // Approved offline, the host learns of it from its upload: until then there is nothing to give back.
    if o.txn_type == TxnType::OfflineSale && o.response_code.is_none_or(|c| !c.is_approved()) {
        return Err(TerminalError::not_eligible(
            "原离线交易尚未上送主机，请先同步上送后再退货",
            "the original offline payment has not been uploaded yet: sync first, then refund",
        ));
    }
    if o.cancelled_by.is_some() {
        return Err(TerminalError::not_eligible("原交易已撤销", "the original has already been cancelled"));
    }
    if same_batch_only(txn) && o.numbers.batch != current {
        return Err(TerminalError::not_eligible(
            "原交易不在当前批次，请改用退货",
            "the original is not in the current batch: use a refund",
        ));
    }
    Ok(())
}

/// What the original's earlier follow-ups rule out: a pre-auth whose completion stands can be
/// neither completed again nor cancelled (cancel the completion first, which opens it again);
/// a sale refunded in part (or with a refund whose answer is unknown) cannot be voided.
fn check_follow_ups(store: &Store, txn: TxnType, o: &TxnRecord) -> Result<(), TerminalError> {
    if !matches!(txn, TxnType::PreAuthCompletion | TxnType::PreAuthCancel | TxnType::Void) {
        return Ok(());
    }
    let f = store.follow_ups(o)?;
    if matches!(txn, TxnType::PreAuthCompletion | TxnType::PreAuthCancel) && f.completion.is_some() {
        return Err(TerminalError::not_eligible(
            "预授权已完成：如需重新完成或撤销，请先做完成撤销",
            "the pre-auth is already completed: cancel the completion first to complete it again or cancel it",
        ));
    }
    if txn == TxnType::Void && (f.refunded_minor > 0 || !f.refunds_in_doubt.is_empty()) {
        return Err(TerminalError::not_eligible(
            "原交易已有退货，不能撤销，请对余额做退货",
            "the original has been refunded in part and cannot be voided: refund the rest instead",
        ));
    }
    Ok(())
}
