//! The store's [`Sealer`]: one data key per database, wrapped by the platform vault, kept
//! unwrapped in memory once used so that sealing a payment costs no vault round trip.

use std::sync::OnceLock;

use rusqlite::{Connection, OptionalExtension};

use super::error::StoreError;
use super::Store;
use crate::crypto::Sealer;

/// Creates the wrapped data key if the file has none, in its own committed transaction,
/// so that nothing is ever sealed under a key that a rollback could lose.
pub(crate) fn ensure_data_key(
    conn: &mut Connection,
    store_vault: &dyn crate::crypto::KeyVault,
) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let exists: Option<i64> = tx.query_row("SELECT id FROM data_key WHERE id = 1", [], |r| r.get(0)).optional()?;
    if exists.is_none() {
        let (_, wrapped) = Sealer::generate(store_vault).map_err(StoreError::Sealing)?;
        tx.execute("INSERT INTO data_key (id, wrapped) VALUES (1, ?1)", [wrapped])?;
    }
    tx.commit()?;
    Ok(())
}

/// The cache slot kept by [`Store`].
pub(crate) type SealerCell = OnceLock<Sealer>;

impl Store {
    /// The sealer, unwrapping the stored data key on first use.
    pub(crate) fn sealer(&self, conn: &Connection) -> Result<&Sealer, StoreError> {
        if let Some(s) = self.sealer.get() {
            return Ok(s);
        }
        let wrapped: Option<Vec<u8>> =
            conn.query_row("SELECT wrapped FROM data_key WHERE id = 1", [], |r| r.get(0)).optional()?;
        let wrapped = wrapped.ok_or(StoreError::BadValue { table: "data_key", column: "wrapped" })?;
        let sealer = Sealer::from_wrapped(self.vault.as_ref(), &wrapped).map_err(StoreError::Sealing)?;
        Ok(self.sealer.get_or_init(|| sealer))
    }
}
