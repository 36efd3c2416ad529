//! Settled batches and the batch upload, persisted item by item so it resumes exactly.
//!
//! The upload is planned in one SQLite transaction (every message with its STAN) before
//! the first is sent; approved 0330s are recorded a group per commit; the end message's
//! approval closes the batch and opens the next in the same commit. A crash anywhere leaves
//! each item either unacknowledged (sent again, byte for byte: the host answers a repeat from
//! its record) or acknowledged (never sent again).

use rusqlite::{params, OptionalExtension};

use super::counters::{batch, take_stan};
use super::error::StoreError;
use super::txn::each_txn;
use super::{Store, TxnRecord};
use crate::iso8583::{AdminKind, BatchNo, Stan};

/// Where a batch's settlement stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettlementState {
    /// Totals differed; the batch upload is under way.
    Uploading,
    /// Done; the next batch is open.
    Closed,
}

impl SettlementState {
    fn as_str(self) -> &'static str {
        match self {
            SettlementState::Uploading => "uploading",
            SettlementState::Closed => "closed",
        }
    }
}

/// One settled (or settling) batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementRow {
    /// The batch.
    pub batch: BatchNo,
    /// Where it stands.
    pub state: SettlementState,
    /// Field 48 as the terminal sent it.
    pub terminal_totals: String,
    /// `balanced` or `unbalanced`.
    pub result: String,
    /// Upload messages planned.
    pub items: u32,
    /// When the 0510 came.
    pub settled_at: String,
    /// When the batch was closed.
    pub closed_at: Option<String>,
}

/// One planned batch upload message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadItemRow {
    /// Position, from 0.
    pub seq: u32,
    /// Field 11 fixed at planning time.
    pub stan: Stan,
    /// The message content.
    pub kind: AdminKind,
    /// Whether the host acknowledged it.
    pub acked: bool,
}

#[cfg(test)]
/// How far an upload has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadProgressRow {
    /// Messages acknowledged.
    pub acked: u32,
    /// Messages planned.
    pub total: u32,
}

fn bad(column: &'static str) -> StoreError {
    StoreError::BadValue { table: "settlement", column }
}

fn settlement_from(r: &rusqlite::Row<'_>) -> Result<SettlementRow, StoreError> {
    let batch = u32::try_from(r.get::<_, i64>(0)?).ok().and_then(BatchNo::new).ok_or(bad("batch"))?;
    let state = match r.get::<_, String>(1)?.as_str() {
        "uploading" => SettlementState::Uploading,
        "closed" => SettlementState::Closed,
        _ => return Err(bad("state")),
    };
    Ok(SettlementRow {
        batch,
        state,
        terminal_totals: r.get(2)?,
        result: r.get(3)?,
        items: r.get(4)?,
        settled_at: r.get(5)?,
        closed_at: r.get(6)?,
    })
}

const SETTLEMENT_COLUMNS: &str = "batch, state, terminal_totals, result, items, settled_at, closed_at";

impl Store {
    /// The transactions of `batch`, oldest first.
    pub fn batch_txns(&self, b: BatchNo) -> Result<Vec<TxnRecord>, StoreError> {
        let mut rows = Vec::new();
        self.for_each_batch_txn(b, |r| rows.push(r))?;
        Ok(rows)
    }

    /// Each row of batch `b` in journal order, one at a time: a long day's batch need not fit
    /// in memory to be totalled.
    pub fn for_each_batch_txn(&self, b: BatchNo, f: impl FnMut(TxnRecord)) -> Result<(), StoreError> {
        each_txn(&self.lock(), "batch = ?1 ORDER BY id", [b.value()], f)
    }

    /// Approved rows of the current batch: what a settlement would still have to close.
    pub fn unsettled_count(&self) -> Result<u32, StoreError> {
        let conn = self.lock();
        let b = batch(&conn)?;
        Ok(conn.query_row(
            "SELECT COUNT(*) FROM txn WHERE batch = ?1 AND status = 'approved'
               AND NOT EXISTS (SELECT 1 FROM settlement s WHERE s.batch = ?1 AND s.state = 'closed')",
            [b.value()],
            |r| r.get(0),
        )?)
    }

    /// The settlement whose batch upload is unfinished, if any.
    pub(crate) fn open_settlement(&self) -> Result<Option<SettlementRow>, StoreError> {
        let conn = self.lock();
        conn.query_row(
            &format!(
                "SELECT {SETTLEMENT_COLUMNS} FROM settlement WHERE state = 'uploading' ORDER BY settled_at LIMIT 1"
            ),
            [],
            |r| Ok(settlement_from(r)),
        )
        .optional()?
        .transpose()
    }

    #[cfg(test)]
    /// Settlements, newest first.
    pub fn settlements(&self, limit: u32) -> Result<Vec<SettlementRow>, StoreError> {
        let conn = self.lock();
        let mut stmt =
            conn.prepare(&format!("SELECT {SETTLEMENT_COLUMNS} FROM settlement ORDER BY closed_at DESC LIMIT ?1"))?;
        let rows = stmt.query_map([limit], |r| Ok(settlement_from(r)))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row??);
        }
        Ok(out)
    }

    /// Records an unbalanced settlement and plans its upload: each message gets its STAN
    /// now, all in one SQLite transaction.
    pub fn plan_upload(&self, b: BatchNo, totals: &str, items: &[AdminKind], at: &str) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM batch_upload WHERE batch = ?1", [b.value()])?;
        tx.execute(
            "INSERT OR REPLACE INTO settlement (batch, state, terminal_totals, result, items, settled_at)
             VALUES (?1, 'uploading', ?2, 'unbalanced', ?3, ?4)",
            params![b.value(), totals, items.len() as i64, at],
        )?;
        for (seq, kind) in items.iter().enumerate() {
            let stan = take_stan(&tx, b)?;
            let body = serde_json::to_string(kind).map_err(|_| bad("body"))?;
            tx.execute(
                "INSERT INTO batch_upload (batch, seq, stan, body) VALUES (?1, ?2, ?3, ?4)",
                params![b.value(), seq as i64, stan.value(), body],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The planned upload of `b`, in order.
    pub fn upload_items(&self, b: BatchNo) -> Result<Vec<UploadItemRow>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare("SELECT seq, stan, body, acked FROM batch_upload WHERE batch = ?1 ORDER BY seq")?;
        let rows = stmt.query_map([b.value()], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, stan, body, acked) = row?;
            out.push(UploadItemRow {
                seq: u32::try_from(seq).map_err(|_| bad("seq"))?,
                stan: u32::try_from(stan).ok().and_then(Stan::new).ok_or(bad("stan"))?,
                kind: serde_json::from_str(&body).map_err(|_| bad("body"))?,
                acked: acked != 0,
            });
        }
        Ok(out)
    }

    #[cfg(test)]
    /// Acknowledged and planned messages of `b`'s upload.
    pub fn upload_progress(&self, b: BatchNo) -> Result<UploadProgressRow, StoreError> {
        let conn = self.lock();
        let (acked, total): (u32, u32) = conn.query_row(
            "SELECT COALESCE(SUM(acked), 0), COUNT(*) FROM batch_upload WHERE batch = ?1",
            [b.value()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(UploadProgressRow { acked, total })
    }

    /// Records the host's approval of upload message `seq`; the last one closes the batch
    /// in the same commit. Returns the next batch when it did.
    #[cfg(test)]
    pub(crate) fn ack_upload_item(&self, b: BatchNo, seq: u32, at: &str) -> Result<Option<BatchNo>, StoreError> {
        self.ack_upload_items(b, &[seq], at)
    }

    /// Records the host's approvals of upload messages `seqs` in one commit; when none is
    /// left unacknowledged the batch closes in the same commit. Returns the next batch when it did.
    pub(crate) fn ack_upload_items(&self, b: BatchNo, seqs: &[u32], at: &str) -> Result<Option<BatchNo>, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut ack = tx.prepare_cached("UPDATE batch_upload SET acked = 1 WHERE batch = ?1 AND seq = ?2")?;
            for seq in seqs {
                ack.execute(params![b.value(), seq])?;
            }
        }
        let left: u32 =
            tx.query_row("SELECT COUNT(*) FROM batch_upload WHERE batch = ?1 AND acked = 0", [b.value()], |r| {
                r.get(0)
            })?;
        let next = if left == 0 { Some(close(&tx, b, at)?) } else { None };
        tx.commit()?;
        Ok(next)
    }

    /// Records a balanced settlement: the batch is closed and the next one opened.
    pub(crate) fn close_balanced(&self, b: BatchNo, totals: &str, at: &str) -> Result<BatchNo, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT OR REPLACE INTO settlement (batch, state, terminal_totals, result, items, settled_at)
             VALUES (?1, 'uploading', ?2, 'balanced', 0, ?3)",
            params![b.value(), totals, at],
        )?;
        let next = close(&tx, b, at)?;
        tx.commit()?;
        Ok(next)
    }
}

/// Marks `b` closed and moves the batch counter on when it still names `b` (a sign-in may
/// already have set the host's number).
fn close(tx: &rusqlite::Transaction<'_>, b: BatchNo, at: &str) -> Result<BatchNo, StoreError> {
    tx.execute(
        "UPDATE settlement SET state = ?2, closed_at = ?3 WHERE batch = ?1",
        params![b.value(), SettlementState::Closed.as_str(), at],
    )?;
    let current = batch(tx)?;
    let next = if current == b { b.next() } else { current };
    tx.execute("UPDATE counters SET value = ?1 WHERE name = 'batch'", [next.value()])?;
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iso8583::{BatchRecord, NetCode};
    use crate::store::tests::{open, TempDir};

    fn open_temp() -> (Store, TempDir) {
        let dir = TempDir::new("settle");
        (open(&dir), dir)
    }

    fn records(n: u32) -> AdminKind {
        AdminKind::BatchUpload(
            (1..=n)
                .map(|i| BatchRecord {
                    card_org: 0,
                    stan: Stan::new(i).unwrap(),
                    card: "6228480000001234".into(),
                    amount: u64::from(i),
                })
                .collect(),
        )
    }

    #[test]
    fn upload_is_planned_acked_item_by_item_and_closes_the_batch() {
        let (store, _dir) = open_temp();
        let b = store.batch().unwrap();
        let items = vec![records(8), records(2), AdminKind::BatchEnd { code: NetCode::BatchEnd, count: 10 }];
        store.plan_upload(b, "0".repeat(62).as_str(), &items, "t0").unwrap();
        assert_eq!(store.open_settlement().unwrap().unwrap().state, SettlementState::Uploading);
        let planned = store.upload_items(b).unwrap();
        assert_eq!(planned.len(), 3);
        assert_eq!(planned[1].kind, items[1]);
        let stans: std::collections::HashSet<_> = planned.iter().map(|i| i.stan).collect();
        assert_eq!(stans.len(), 3, "one STAN per message");
        assert_eq!(store.ack_upload_item(b, 0, "t1").unwrap(), None);
        assert_eq!(store.upload_progress(b).unwrap(), UploadProgressRow { acked: 1, total: 3 });
        assert_eq!(store.ack_upload_item(b, 1, "t1").unwrap(), None);
        assert_eq!(store.ack_upload_item(b, 2, "t2").unwrap(), Some(b.next()));
        assert_eq!(store.batch().unwrap(), b.next());
        assert!(store.open_settlement().unwrap().is_none());
        assert_eq!(store.settlements(5).unwrap()[0].state, SettlementState::Closed);
    }

    #[test]
    fn balanced_settlement_closes_at_once() {
        let (store, _dir) = open_temp();
        let b = store.batch().unwrap();
        assert_eq!(store.close_balanced(b, "x", "t").unwrap(), b.next());
        assert_eq!(store.batch().unwrap(), b.next());
        assert_eq!(store.unsettled_count().unwrap(), 0);
    }
}
