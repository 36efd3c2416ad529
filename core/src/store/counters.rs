//! STAN, batch and voucher counters, taken atomically inside the caller's SQLite transaction.

use rusqlite::{params, Connection, OptionalExtension};

use super::error::StoreError;
use super::Store;
use crate::ids::VoucherNo;
use crate::iso8583::{BatchNo, Stan};

fn read(conn: &Connection, name: &'static str) -> Result<u32, StoreError> {
    // Cached statements: these run in every payment's transaction.
    let v: Option<i64> = conn
        .prepare_cached("SELECT value FROM counters WHERE name = ?1")?
        .query_row([name], |r| r.get(0))
        .optional()?;
    v.and_then(|v| u32::try_from(v).ok()).ok_or(StoreError::BadValue { table: "counters", column: name })
}

fn write(conn: &Connection, name: &'static str, value: u32) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE counters SET value = ?2 WHERE name = ?1")?.execute(params![name, value])?;
    Ok(())
}

/// The current batch.
pub(crate) fn batch(conn: &Connection) -> Result<BatchNo, StoreError> {
    BatchNo::new(read(conn, "batch")?).ok_or(StoreError::BadValue { table: "counters", column: "batch" })
}

/// Moves a counter of 000001-999999 on by one (wrapping) and returns the new value.
///
/// A read and a single-row write, not `UPDATE ... RETURNING`: SQLite runs a RETURNING
/// statement through a temporary table and a statement journal, which cost more than both
/// statements together in every payment's transaction.
fn advance(conn: &Connection, name: &'static str) -> Result<u32, StoreError> {
    let value = read(conn, name)?;
    let next = if !(1..999_999).contains(&value) { 1 } else { value + 1 };
    write(conn, name, next)?;
    Ok(next)
}

/// Takes the next STAN, skipping any already used by a transaction of `batch`
/// (after a wrap, so a STAN never repeats within a batch).
pub(crate) fn take_stan(conn: &Connection, batch: BatchNo) -> Result<Stan, StoreError> {
    for _ in 0..999_999 {
        let stan =
            Stan::new(advance(conn, "stan")?).ok_or(StoreError::BadValue { table: "counters", column: "stan" })?;
        let used: bool = conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM txn WHERE batch = ?1 AND stan = ?2)")?
            .query_row(params![batch.value(), stan.value()], |r| r.get(0))?;
        if !used {
            return Ok(stan);
        }
    }
    Err(StoreError::BatchFull { batch: batch.value() })
}

/// Takes the next voucher number.
pub(crate) fn take_voucher(conn: &Connection) -> Result<VoucherNo, StoreError> {
    VoucherNo::new(advance(conn, "voucher")?).ok_or(StoreError::BadValue { table: "counters", column: "voucher" })
}

impl Store {
    /// Takes a STAN for a message that is not journalled (sign-in, echo).
    pub fn next_stan(&self) -> Result<Stan, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let stan = take_stan(&tx, batch(&tx)?)?;
        tx.commit()?;
        Ok(stan)
    }

    /// The current batch number.
    pub fn batch(&self) -> Result<BatchNo, StoreError> {
        batch(&self.lock())
    }

    /// Sets the batch number (the host's, from sign-in; the next one after settlement).
    pub fn set_batch(&self, b: BatchNo) -> Result<(), StoreError> {
        write(&self.lock(), "batch", b.value())
    }

    /// The last STAN taken (`None` on a fresh terminal).
    pub fn last_stan(&self) -> Result<Option<Stan>, StoreError> {
        Ok(Stan::new(read(&self.lock(), "stan")?))
    }
}

#[cfg(test)]
impl Store {
    /// Sets the STAN and voucher counters (tests of wrapping).
    pub(crate) fn set_counters_for_test(&self, stan: u32, voucher: u32) -> Result<(), StoreError> {
        let conn = self.lock();
        write(&conn, "stan", stan)?;
        write(&conn, "voucher", voucher)
    }
}
