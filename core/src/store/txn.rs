//! One row per online financial request: what was asked, with which numbers, and what came back.
//!
//! The row is written, pending, in the same SQLite transaction that takes its STAN and
//! (for reversible types) arms its reversal, before anything is sent; the outcome is
//! written when a matched answer arrives, or the failure when none does, in the same
//! SQLite transaction that clears, holds or schedules the reversal.

use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
#[cfg(test)]
use zeroize::Zeroizing;

use super::counters::{batch, take_stan, take_voucher};
use super::error::StoreError;
use super::repeat::Guard;
use super::Store;
use crate::card::{CardFingerprint, MaskedPan};
use crate::ids::{TxnId, VoucherNo};
use crate::iso8583::{BatchNo, EntryMode, Stan, TxnType};
use crate::journal::ReversalCause;
use crate::journal::{type_name, OriginalRefs, TxnNumbers, TxnRecord, TxnStatus};
use crate::money::{Amount, Currency};
use crate::response_code::ResponseCode;

/// What is known before sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTxn {
    /// Type.
    pub txn_type: TxnType,
    /// Amount (none for inquiries).
    pub amount: Option<Amount>,
    /// The card, masked.
    pub masked_pan: Option<MaskedPan>,
    /// The card's keyed fingerprint.
    pub fingerprint: Option<CardFingerprint>,
    /// Field 22.
    pub entry_mode: Option<EntryMode>,
    /// The original, for types that refer to one.
    pub original: OriginalRefs,
    /// Local date MMDD (terminal clock).
    pub local_date: String,
    /// Local time, RFC 3339.
    pub at: String,
    /// A transfer's payee account, masked (first 6, last 4).
    pub payee: Option<String>,
}

/// A matched, MAC-checked answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HostAnswer {
    /// Field 39.
    pub response_code: ResponseCode,
    /// Field 37.
    pub rrn: Option<String>,
    /// Field 38.
    pub auth_code: Option<String>,
    /// Field 13 MMDD.
    pub host_date: Option<String>,
    /// Field 12 hhmmss.
    pub host_time: Option<String>,
    /// The answer carried a MAC that verified. Only such an answer clears a pending
    /// reversal: an unsigned decline could come from anyone.
    pub authenticated: bool,
}

/// A request that got no usable answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Failure<'a> {
    /// Why (operator text, English).
    pub text: &'a str,
    /// Whether the request may have reached the host.
    pub may_have_reached_host: bool,
    /// Why its reversal (if it has one) becomes due.
    pub cause: ReversalCause,
}

/// How to find an earlier transaction of this terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TxnLookup {
    /// By slip number (the most recent if it wrapped).
    Voucher(VoucherNo),
    /// By STAN within a batch.
    Stan {
        /// Batch.
        batch: BatchNo,
        /// STAN.
        stan: Stan,
    },
}

/// True for the types whose approval cancels their original.
fn cancels_original(t: TxnType) -> bool {
    matches!(t, TxnType::Void | TxnType::PreAuthCancel | TxnType::CompletionCancel)
}

/// How many columns [`COLUMNS`] lists: queries that select more after them read those from here.
pub(crate) const COLUMN_COUNT: usize = 30;

pub(crate) const COLUMNS: &str =
    "id, txn_type, stan, batch, voucher, amount_minor, currency, masked_pan, card_fingerprint,
    entry_mode, status, response_code, rrn, auth_code, host_date, host_time, failure, may_have_reached_host,
    orig_txn_id, orig_batch, orig_stan, orig_rrn, orig_auth, orig_date, cancelled_by, local_date, created_at,
    updated_at, reversed_at, payee";

fn bad(column: &'static str) -> StoreError {
    StoreError::BadValue { table: "txn", column }
}

pub(crate) fn from_row(r: &Row<'_>) -> Result<TxnRecord, StoreError> {
    let s = |i: usize| r.get::<_, Option<String>>(i);
    let n = |i: usize| r.get::<_, Option<i64>>(i);
    let u32_of = |v: Option<i64>| v.and_then(|v| u32::try_from(v).ok());
    let type_text: String = r.get(1)?;
    let txn_type = TxnType::ALL.into_iter().find(|t| type_name(*t) == type_text).ok_or(bad("txn_type"))?;
    let stan = u32_of(n(2)?).and_then(Stan::new).ok_or(bad("stan"))?;
    let batch = u32_of(n(3)?).and_then(BatchNo::new).ok_or(bad("batch"))?;
    let voucher = match n(4)? {
        None => None,
        v => Some(u32_of(v).and_then(VoucherNo::new).ok_or(bad("voucher"))?),
    };
    let amount = match (n(5)?, n(6)?) {
        (Some(minor), Some(cur)) => {
            let currency = u16::try_from(cur).ok().and_then(Currency::from_numeric).ok_or(bad("currency"))?;
            let minor = u64::try_from(minor).map_err(|_| bad("amount_minor"))?;
            Some(Amount::from_minor(minor, currency).map_err(|_| bad("amount_minor"))?)
        }
        _ => None,
    };
    let masked_pan = s(7)?.map(|p| MaskedPan::parse(&p)).transpose().map_err(|_| bad("masked_pan"))?;
    let fingerprint = s(8)?.map(|f| f.parse()).transpose().map_err(|_| bad("card_fingerprint"))?;
    let entry_mode = s(9)?.map(|e| EntryMode::parse(e.as_bytes())).transpose().map_err(|_| bad("entry_mode"))?;
    let status = TxnStatus::parse(&r.get::<_, String>(10)?).ok_or(bad("status"))?;
    let response_code = s(11)?.map(|c| ResponseCode::parse(&c).ok_or(bad("response_code"))).transpose()?;
    let original = OriginalRefs {
        txn_id: n(18)?.map(TxnId),
        batch: match n(19)? {
            None => None,
            v => Some(u32_of(v).and_then(BatchNo::new).ok_or(bad("orig_batch"))?),
        },
        stan: match n(20)? {
            None => None,
            v => Some(u32_of(v).and_then(Stan::new).ok_or(bad("orig_stan"))?),
        },
        rrn: s(21)?,
        auth_code: s(22)?,
        date: s(23)?,
    };
    Ok(TxnRecord {
        id: TxnId(r.get(0)?),
        txn_type,
        numbers: TxnNumbers { stan, batch, voucher },
        amount,
        masked_pan,
        fingerprint,
        entry_mode,
        status,
        response_code,
        rrn: s(12)?,
        auth_code: s(13)?,
        host_date: s(14)?,
        host_time: s(15)?,
        failure: s(16)?,
        may_have_reached_host: r.get::<_, i64>(17)? != 0,
        original,
        cancelled_by: n(24)?.map(TxnId),
        local_date: r.get(25)?,
        created_at: r.get(26)?,
        updated_at: r.get(27)?,
        reversed_at: s(28)?,
        payee: s(29)?,
    })
}

pub(crate) fn load(conn: &Connection, id: TxnId) -> Result<Option<TxnRecord>, StoreError> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM txn WHERE id = ?1"))?
        .query_row([id.0], |r| Ok(from_row(r)))
        .optional()?
        .transpose()
}

/// How the new row starts.
pub(crate) struct Initial<'a> {
    pub status: TxnStatus,
    pub response_code: Option<&'a str>,
    pub auth_code: Option<&'a str>,
}

impl Initial<'_> {
    pub(crate) const PENDING: Initial<'static> =
        Initial { status: TxnStatus::Pending, response_code: None, auth_code: None };
}

/// Each journal row `tail` selects (a WHERE and ORDER BY clause over `txn`), one at a time:
/// the reads that collect rows and those that fold them (a long day) share it.
pub(super) fn each_txn(
    conn: &rusqlite::Connection,
    tail: &str,
    args: impl rusqlite::Params,
    mut f: impl FnMut(TxnRecord),
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM txn WHERE {tail}"))?;
    let mut rows = stmt.query(args)?;
    while let Some(row) = rows.next()? {
        f(from_row(row)?);
    }
    Ok(())
}

/// Takes the numbers of `new` and inserts its row, inside the caller's transaction.
pub(crate) fn insert(tx: &Transaction<'_>, new: &NewTxn, initial: &Initial<'_>) -> Result<TxnRecord, StoreError> {
    let batch = batch(tx)?;
    let stan = take_stan(tx, batch)?;
    let voucher = if new.txn_type == TxnType::BalanceInquiry { None } else { Some(take_voucher(tx)?) };
    let o = &new.original;
    tx.prepare_cached(
        "INSERT INTO txn (txn_type, stan, batch, voucher, amount_minor, currency, masked_pan, card_fingerprint,
            entry_mode, status, orig_txn_id, orig_batch, orig_stan, orig_rrn, orig_auth, orig_date, local_date,
            created_at, updated_at, response_code, auth_code, payee)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?18, ?19, ?20, ?21)",
    )?
    .execute(params![
        type_name(new.txn_type),
        stan.value(),
        batch.value(),
        voucher.map(|v| v.value()),
        // Amounts stop at 999,999,999,999 (field 4), far inside i64.
        new.amount.map(|a| a.minor() as i64),
        new.amount.map(|a| a.currency().numeric),
        new.masked_pan.as_ref().map(MaskedPan::as_str),
        new.fingerprint.map(|f| f.to_string()),
        new.entry_mode.map(|e| e.to_field()),
        initial.status.as_str(),
        o.txn_id.map(|t| t.0),
        o.batch.map(|b| b.value()),
        o.stan.map(|s| s.value()),
        o.rrn,
        o.auth_code,
        o.date,
        new.local_date,
        new.at,
        initial.response_code,
        initial.auth_code,
        new.payee,
    ])?;
    // Built from what was written rather than read back: this runs in every payment.
    let response_code =
        initial.response_code.map(|c| ResponseCode::parse(c).ok_or(bad("response_code"))).transpose()?;
    Ok(TxnRecord {
        id: TxnId(tx.last_insert_rowid()),
        txn_type: new.txn_type,
        numbers: TxnNumbers { stan, batch, voucher },
        amount: new.amount,
        masked_pan: new.masked_pan.clone(),
        fingerprint: new.fingerprint,
        entry_mode: new.entry_mode,
        status: initial.status,
        response_code,
        rrn: None,
        auth_code: initial.auth_code.map(str::to_string),
        host_date: None,
        host_time: None,
        failure: None,
        may_have_reached_host: false,
        original: new.original.clone(),
        cancelled_by: None,
        local_date: new.local_date.clone(),
        created_at: new.at.clone(),
        updated_at: new.at.clone(),
        reversed_at: None,
        payee: new.payee.clone(),
    })
}

impl Store {
    #[cfg(test)]
    /// Takes the STAN (and a voucher, for all but inquiries) and records the request as
    /// pending, in one SQLite transaction: a crash leaves both or neither.
    pub fn begin_txn(&self, new: &NewTxn) -> Result<TxnRecord, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        super::reversal::complete_held(&tx)?;
        let record = insert(&tx, new, &Initial::PENDING)?;
        tx.commit()?;
        Ok(record)
    }

    #[cfg(test)]
    /// As [`Store::begin_txn`], then `build` makes the request from the numbered row; when
    /// it also returns the (unsigned, encoded) reversal, that is sealed and armed in the
    /// same SQLite transaction. Nothing is written if `build` fails.
    ///
    /// Starting a payment also completes the previous one: reversals held in case a
    /// receipt could not be printed are dropped.
    pub fn begin_journaled<T, E: From<StoreError>>(
        &self,
        new: &NewTxn,
        build: impl FnOnce(&TxnRecord) -> Result<(T, Option<Zeroizing<Vec<u8>>>), E>,
    ) -> Result<(TxnRecord, T), E> {
        self.begin_guarded(new, |record| {
            let (value, reversal) = build(record)?;
            Ok((value, reversal.map_or(Guard::None, Guard::Reversal)))
        })
    }

    /// As [`Store::begin_journaled`], with the guard the request's type needs: an armed
    /// reversal, or (for types that are not reversed) the request kept for a repeat. Either is
    /// sealed and written in the transaction that takes the STAN.
    pub(crate) fn begin_guarded<T, E: From<StoreError>>(
        &self,
        new: &NewTxn,
        build: impl FnOnce(&TxnRecord) -> Result<(T, Guard), E>,
    ) -> Result<(TxnRecord, T), E> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(StoreError::from)?;
        super::reversal::complete_held(&tx)?;
        let record = insert(&tx, new, &Initial::PENDING)?;
        let (value, guard) = build(&record)?;
        match guard {
            Guard::None => {}
            Guard::Reversal(body) => {
                let sealed =
                    self.sealer(&tx)?.seal(&super::reversal::aad(record.id), &body).map_err(StoreError::Sealing)?;
                super::reversal::arm(&tx, record.id, &sealed, &new.at)?;
            }
            Guard::Repeat(body) => {
                let sealed =
                    self.sealer(&tx)?.seal(&super::repeat::aad(record.id), &body).map_err(StoreError::Sealing)?;
                super::repeat::keep(&tx, record.id, &sealed, &new.at)?;
            }
        }
        tx.commit().map_err(StoreError::from)?;
        Ok((record, value))
    }

    /// Records the host's answer; an approved void or cancel marks its original cancelled.
    ///
    /// In the same SQLite transaction the request's reversal is settled: an authenticated
    /// approval holds it (until the receipt is confirmed), an authenticated decline
    /// clears it, an unauthenticated answer makes it due. An authenticated answer also drops
    /// the request kept for a repeat.
    pub(crate) fn record_answer(&self, id: TxnId, answer: &HostAnswer, at: &str) -> Result<TxnRecord, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let status = if answer.response_code.is_approved() { TxnStatus::Approved } else { TxnStatus::Declined };
        let changed = tx
            .prepare_cached(
                "UPDATE txn SET status = ?2, response_code = ?3, rrn = ?4, auth_code = ?5, host_date = ?6,
                    host_time = ?7, failure = NULL, updated_at = ?8
                 WHERE id = ?1",
            )?
            .execute(params![
                id.0,
                status.as_str(),
                answer.response_code.as_str(),
                answer.rrn,
                answer.auth_code,
                answer.host_date,
                answer.host_time,
                at
            ])?;
        if changed == 0 {
            return Err(StoreError::MissingTxn(id.0));
        }
        let record = load(&tx, id)?.ok_or(StoreError::MissingTxn(id.0))?;
        if let (TxnStatus::Approved, true, Some(orig)) =
            (status, cancels_original(record.txn_type), record.original.txn_id)
        {
            tx.execute("UPDATE txn SET cancelled_by = ?2, updated_at = ?3 WHERE id = ?1", params![orig.0, id.0, at])?;
        }
        if answer.authenticated {
            // The host's own answer: a repeat would only be answered the same.
            super::repeat::drop_kept(&tx, id)?;
        }
        match (answer.authenticated, status) {
            (true, TxnStatus::Approved) => super::reversal::hold(&tx, id, at)?,
            (true, _) => super::reversal::clear(&tx, id)?,
            (false, _) => {
                super::reversal::make_due(&tx, id, ReversalCause::UnsignedAnswer, None, at)?;
            }
        }
        tx.commit()?;
        Ok(record)
    }

    /// Records that no usable answer came; the row is never approved. Its reversal
    /// becomes due when the request may have reached the host, and is cleared when not
    /// (as is a request kept for a repeat).
    pub(crate) fn record_failure(&self, id: TxnId, failure: &Failure<'_>, at: &str) -> Result<TxnRecord, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE txn SET status = 'failed', failure = ?2, may_have_reached_host = ?3, updated_at = ?4
             WHERE id = ?1",
            params![id.0, failure.text, failure.may_have_reached_host, at],
        )?;
        if changed == 0 {
            return Err(StoreError::MissingTxn(id.0));
        }
        if failure.may_have_reached_host {
            super::reversal::make_due(&tx, id, failure.cause, Some(failure.text), at)?;
        } else {
            super::reversal::clear(&tx, id)?;
            super::repeat::drop_kept(&tx, id)?;
        }
        let record = load(&tx, id)?.ok_or(StoreError::MissingTxn(id.0))?;
        tx.commit()?;
        Ok(record)
    }

    /// A transaction by row id.
    pub fn txn(&self, id: TxnId) -> Result<Option<TxnRecord>, StoreError> {
        load(&self.lock(), id)
    }

    /// The most recent transaction matching `lookup`.
    pub(crate) fn find_txn(&self, lookup: TxnLookup) -> Result<Option<TxnRecord>, StoreError> {
        let conn = self.lock();
        let (sql, a, b) = match lookup {
            TxnLookup::Voucher(v) => ("voucher = ?1 AND ?2 = ?2", v.value(), 0),
            TxnLookup::Stan { batch, stan } => ("batch = ?1 AND stan = ?2", batch.value(), stan.value()),
        };
        conn.query_row(&format!("SELECT {COLUMNS} FROM txn WHERE {sql} ORDER BY id DESC LIMIT 1"), params![a, b], |r| {
            Ok(from_row(r))
        })
        .optional()?
        .transpose()
    }

    /// The latest `limit` transactions, newest first.
    pub fn recent_txns(&self, limit: u32) -> Result<Vec<TxnRecord>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM txn ORDER BY id DESC LIMIT ?1"))?;
        let rows = stmt.query_map([limit], |r| Ok(from_row(r)))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row??);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod column_tests {
    #[test]
    fn the_column_count_is_the_columns_listed() {
        assert_eq!(super::COLUMNS.split(',').count(), super::COLUMN_COUNT);
    }
}
