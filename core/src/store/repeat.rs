//! Repeats of requests that are not reversed (refunds), and what an original's follow-ups add up to.
//!
//! A refund (0220/25) is not reversible in the UnionPay profile. Its request is therefore
//! kept, sealed, from the moment its STAN is taken until the host's signed answer is recorded;
//! when no answer came, the very same request (same STAN, same bytes) is sent again as a
//! repeat, which the host recognises by terminal, batch and STAN and answers from its record.
//! Whatever happened to the first copy, the refund is made at most once.

use rusqlite::{params, OptionalExtension, Transaction};
use zeroize::Zeroizing;

use super::error::StoreError;
use super::txn::{from_row, COLUMNS, COLUMN_COUNT};
use super::Store;
use crate::ids::TxnId;
use crate::iso8583::TxnType;
use crate::journal::{TxnRecord, TxnStatus};

/// What is kept with a money-moving request when it is journalled.
#[derive(Debug)]
pub(crate) enum Guard {
    /// Nothing (inquiries; offline payments have their own queue).
    None,
    /// The encoded 0400 without field 39, armed until the answer is recorded.
    Reversal(Zeroizing<Vec<u8>>),
    /// The encoded request itself (without field 64), for a repeat while its answer is unknown.
    Repeat(Zeroizing<Vec<u8>>),
}

/// A request whose answer is unknown, with its unsealed message for the repeat.
#[derive(Debug)]
pub(crate) struct DueRepeat {
    /// The request's row.
    pub txn: TxnRecord,
    /// Repeats sent so far.
    pub attempts: u32,
    /// The encoded request without field 64, wiped on drop.
    pub body: Zeroizing<Vec<u8>>,
}

/// The follow-ups of one original, as this terminal knows them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FollowUps {
    /// Approved refunds in force, in minor units.
    pub refunded_minor: u64,
    /// Refunds whose answer is unknown (a repeat is kept for each).
    pub refunds_in_doubt: Vec<TxnRecord>,
    /// The approved completion in force (neither cancelled nor reversed), for a pre-auth.
    pub completion: Option<TxnRecord>,
}

/// The follow-ups of row `?1` (or of RRN `?2`), each with whether a repeat is kept for it: two
/// searches of the partial indexes on the original, never a scan of the journal.
fn follow_ups_sql() -> String {
    let pick = |filter: &str| {
        format!(
            "SELECT {COLUMNS}, EXISTS (SELECT 1 FROM repeat p WHERE p.txn_id = txn.id) AS kept FROM txn
             WHERE {filter} AND reversed_at IS NULL"
        )
    };
    format!("{} UNION ALL {} ORDER BY id", pick("orig_txn_id = ?1"), pick("orig_rrn = ?2 AND orig_txn_id IS NULL"))
}

/// Binds a sealed repeat to its row.
pub(crate) fn aad(id: TxnId) -> Vec<u8> {
    format!("pos-core/repeat/{}", id.0).into_bytes()
}

/// Keeps the request of a new row for a repeat (in the transaction that takes its STAN).
pub(crate) fn keep(tx: &Transaction<'_>, id: TxnId, sealed: &[u8], at: &str) -> Result<(), StoreError> {
    tx.prepare_cached("INSERT INTO repeat (txn_id, sealed, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)")?
        .execute(params![id.0, sealed, at])?;
    Ok(())
}

/// The host's signed answer is recorded, or the request surely never left: no repeat needed.
pub(crate) fn drop_kept(tx: &Transaction<'_>, id: TxnId) -> Result<(), StoreError> {
    tx.prepare_cached("DELETE FROM repeat WHERE txn_id = ?1")?.execute([id.0])?;
    Ok(())
}

impl Store {
    /// Requests whose answer is unknown (failed, or declined without a valid MAC; not one still
    /// in flight), oldest first, with their messages unsealed.
    pub(crate) fn due_repeats(&self) -> Result<Vec<DueRepeat>, StoreError> {
        let conn = self.lock();
        let columns = COLUMNS.split(',').map(|c| format!("t.{}", c.trim())).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT {columns}, p.attempts, p.sealed FROM repeat p JOIN txn t ON t.id = p.txn_id
             WHERE t.status IN ('failed', 'declined') ORDER BY p.txn_id"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([], |r| {
            Ok((from_row(r), r.get::<_, i64>(COLUMN_COUNT)?, r.get::<_, Vec<u8>>(COLUMN_COUNT + 1)?))
        })?;
        let mut found = Vec::new();
        for row in rows {
            let (txn, attempts, sealed) = row?;
            let attempts =
                u32::try_from(attempts).map_err(|_| StoreError::BadValue { table: "repeat", column: "attempts" })?;
            found.push((txn?, attempts, sealed));
        }
        let sealer = self.sealer(&conn)?;
        found
            .into_iter()
            .map(|(txn, attempts, sealed)| {
                let body = sealer.open(&aad(txn.id), &sealed).map_err(StoreError::Sealing)?;
                Ok(DueRepeat { txn, attempts, body })
            })
            .collect()
    }

    /// How many requests wait for a repeat.
    pub(crate) fn due_repeat_count(&self) -> Result<u32, StoreError> {
        Ok(self.lock().query_row(
            "SELECT COUNT(*) FROM repeat p JOIN txn t ON t.id = p.txn_id WHERE t.status IN ('failed', 'declined')",
            [],
            |r| r.get(0),
        )?)
    }

    /// A repeat went unanswered (or was answered in a way that settles nothing).
    pub(crate) fn repeat_failed(&self, id: TxnId, error: &str, at: &str) -> Result<(), StoreError> {
        self.lock().execute(
            "UPDATE repeat SET attempts = attempts + 1, last_error = ?2, updated_at = ?3 WHERE txn_id = ?1",
            params![id.0, error, at],
        )?;
        Ok(())
    }

    /// Drops the request kept for a repeat of `id`: the host's answer to the repeat settled it.
    pub(crate) fn drop_repeat(&self, id: TxnId) -> Result<(), StoreError> {
        self.lock().execute("DELETE FROM repeat WHERE txn_id = ?1", [id.0])?;
        Ok(())
    }

    /// Whether transaction `id` keeps a repeat (its answer is not known yet).
    pub(crate) fn has_repeat(&self, id: TxnId) -> Result<bool, StoreError> {
        Ok(self.lock().query_row("SELECT 1 FROM repeat WHERE txn_id = ?1", [id.0], |_| Ok(())).optional()?.is_some())
    }

    /// What the follow-ups of `original` add up to: refunds named by its row or by its RRN,
    /// and the completion in force of a pre-auth. Reversed rows count for nothing.
    pub fn follow_ups(&self, original: &TxnRecord) -> Result<FollowUps, StoreError> {
        let conn = self.lock();
        let sql = follow_ups_sql();
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(params![original.id.0, original.rrn], |r| Ok((from_row(r), r.get::<_, bool>(COLUMN_COUNT)?)))?;
        let mut out = FollowUps::default();
        for row in rows {
            let (t, kept) = row?;
            let t = t?;
            match (t.txn_type, t.status) {
                (TxnType::Refund, TxnStatus::Approved) => {
                    out.refunded_minor = out.refunded_minor.saturating_add(t.amount.map_or(0, |a| a.minor()));
                }
                // Failed, or declined unsigned (an answer anyone could send); not one still in flight.
                (TxnType::Refund, TxnStatus::Failed | TxnStatus::Declined) if kept => out.refunds_in_doubt.push(t),
                (TxnType::PreAuthCompletion, TxnStatus::Approved) if t.cancelled_by.is_none() => {
                    out.completion = Some(t);
                }
                _ => {}
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iso8583::{Stan, TxnType};
    use crate::journal::ReversalCause;
    use crate::money::Amount;
    use crate::response_code::ResponseCode;
    use crate::store::tests::{open, TempDir};
    use crate::store::{Failure, HostAnswer, NewTxn, OriginalRefs};

    fn refund_of(store: &Store, original: &TxnRecord) -> TxnRecord {
        let new = NewTxn {
            txn_type: TxnType::Refund,
            amount: Amount::cny(500).ok(),
            masked_pan: None,
            fingerprint: None,
            entry_mode: None,
            original: OriginalRefs { txn_id: Some(original.id), ..OriginalRefs::default() },
            local_date: "0301".into(),
            at: "2025-03-01T10:00:00+08:00".into(),
            payee: None,
        };
        let body = || Ok::<_, StoreError>(((), Guard::Repeat(Zeroizing::new(b"0220 body".to_vec()))));
        store.begin_guarded(&new, |_| body()).unwrap().0
    }

    fn answer(code: &str, authenticated: bool) -> HostAnswer {
        HostAnswer {
            response_code: ResponseCode::parse(code).unwrap(),
            rrn: None,
            auth_code: None,
            host_date: None,
            host_time: None,
            authenticated,
        }
    }

    #[test]
    fn a_refund_is_kept_for_a_repeat_until_the_host_has_surely_answered() {
        let dir = TempDir::new("repeat");
        let store = open(&dir);
        let sale = store.begin_txn(&crate::store::tests::sale(1_000)).unwrap();
        store.record_answer(sale.id, &answer("00", true), "t").unwrap();
        let at = "2025-03-01T10:00:01+08:00";

        // No answer, may have reached the host: in doubt, counted, its request kept sealed.
        let a = refund_of(&store, &sale);
        let lost = Failure { text: "timeout", may_have_reached_host: true, cause: ReversalCause::NoResponse };
        store.record_failure(a.id, &lost, at).unwrap();
        let due = store.due_repeats().unwrap();
        assert_eq!((due.len(), due[0].txn.id, due[0].body.as_slice()), (1, a.id, &b"0220 body"[..]));
        assert_eq!(store.follow_ups(&sale).unwrap().refunds_in_doubt.len(), 1);
        assert!(store.reversal(a.id).unwrap().is_none(), "a refund is never reversed");
        // Its signed answer settles it.
        store.record_answer(a.id, &answer("00", true), at).unwrap();
        assert!(!store.has_repeat(a.id).unwrap());
        let f = store.follow_ups(&sale).unwrap();
        assert_eq!((f.refunded_minor, f.refunds_in_doubt.len()), (500, 0));

        // Surely never sent: nothing to repeat.
        let b = refund_of(&store, &sale);
        let unsent = Failure { text: "no route", may_have_reached_host: false, cause: ReversalCause::NoResponse };
        store.record_failure(b.id, &unsent, at).unwrap();
        assert!(!store.has_repeat(b.id).unwrap());

        // An unsigned decline settles nothing by itself.
        let c = refund_of(&store, &sale);
        store.record_answer(c.id, &answer("05", false), at).unwrap();
        assert!(store.has_repeat(c.id).unwrap());
        assert_eq!(store.due_repeat_count().unwrap(), 1);
        store.repeat_failed(c.id, "no answer", at).unwrap();
        assert_eq!(store.due_repeats().unwrap()[0].attempts, 1);
        store.drop_repeat(c.id).unwrap();
        assert_eq!(store.due_repeat_count().unwrap(), 0);
        // Numbers were taken as for any request (the guard does not change them).
        assert_eq!(c.numbers.stan, Stan::new(sale.numbers.stan.value() + 3).unwrap());
    }

    #[test]
    fn follow_ups_are_found_by_index() {
        let dir = TempDir::new("repeat");
        let store = open(&dir);
        let conn = store.lock();
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {}", follow_ups_sql())).unwrap();
        let plan: Vec<String> = stmt
            .query_map(params![1, "000000000001"], |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(plan.iter().any(|l| l.contains("txn_by_original ")), "{plan:?}");
        assert!(plan.iter().any(|l| l.contains("txn_by_original_rrn")), "{plan:?}");
        assert!(!plan.iter().any(|l| l.starts_with("SCAN txn")), "{plan:?}");
    }
}
