//! The signed-in session: key mode, check values and the MAK sealed at rest.
//!
//! The MAK is sealed with a [`Sealer`] whose data key is wrapped by the platform
//! [`KeyVault`](crate::crypto::KeyVault); the database holds only ciphertext. PIK
//! and TDK are not here at all: they live in the reader.

use rusqlite::{params, OptionalExtension};
use zeroize::Zeroizing;

use super::error::StoreError;
use super::Store;
use crate::crypto::kcv::check_value_matches;
use crate::crypto::{KeyMode, MacAlgorithm, SecretKey};
use crate::iso8583::TerminalId;

/// What a successful sign-in leaves behind.
#[derive(Debug)]
pub(crate) struct NewSession<'a> {
    /// The terminal the keys belong to.
    pub tid: &'a TerminalId,
    /// Which keys the host delivered.
    pub key_mode: KeyMode,
    /// The MAC algorithm in use.
    pub mac_algorithm: MacAlgorithm,
    /// The clear MAK (sealed before it is written).
    pub mak: &'a SecretKey,
    /// Check values as the host sent them.
    pub mak_kcv: [u8; 4],
    /// PIK check value (the key itself stays in the reader).
    pub pik_kcv: [u8; 4],
    /// TDK check value (mode 004).
    pub tdk_kcv: Option<[u8; 4]>,
    /// When (RFC 3339 local time).
    pub at: &'a str,
}

/// The session in force, with the MAK unsealed in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The terminal the keys belong to.
    pub tid: TerminalId,
    /// Which keys the host delivered.
    pub key_mode: KeyMode,
    /// The MAC algorithm in use.
    pub mac_algorithm: MacAlgorithm,
    /// The MAK (SecretKey: wiped on drop, Debug shows its length only).
    pub mak: SecretKey,
    /// MAK check value.
    pub mak_kcv: [u8; 4],
    /// PIK check value.
    pub pik_kcv: [u8; 4],
    /// TDK check value.
    pub tdk_kcv: Option<[u8; 4]>,
    /// When the terminal signed in.
    pub signed_in_at: String,
}

/// Binds the sealed MAK to its row and terminal: a copy elsewhere does not open.
fn mak_aad(tid: &TerminalId) -> Vec<u8> {
    format!("pos-core/session/mak/{}", tid.as_str()).into_bytes()
}

fn kcv(bytes: Option<Vec<u8>>, column: &'static str) -> Result<Option<[u8; 4]>, StoreError> {
    bytes
        .map(|b| <[u8; 4]>::try_from(b.as_slice()).map_err(|_| StoreError::BadValue { table: "session", column }))
        .transpose()
}

impl Store {
    /// Records a sign-in, replacing any previous session.
    pub(crate) fn save_session(&self, s: &NewSession<'_>) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let sealed = self.sealer(&tx)?.seal(&mak_aad(s.tid), s.mak.as_bytes()).map_err(StoreError::Sealing)?;
        tx.execute(
            "INSERT OR REPLACE INTO session
               (id, tid, key_mode, mac_algorithm, mak_sealed, mak_kcv, pik_kcv, tdk_kcv, signed_in_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                s.tid.as_str(),
                s.key_mode.code(),
                s.mac_algorithm.name(),
                sealed,
                s.mak_kcv.as_slice(),
                s.pik_kcv.as_slice(),
                s.tdk_kcv.as_ref().map(|k| k.as_slice()),
                s.at,
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The session in force, the MAK unsealed and checked against its check value.
    pub fn session(&self) -> Result<Option<Session>, StoreError> {
        let conn = self.lock();
        type Row = (String, String, String, Vec<u8>, Vec<u8>, Vec<u8>, Option<Vec<u8>>, String);
        let row: Option<Row> = conn
            .query_row(
                "SELECT tid, key_mode, mac_algorithm, mak_sealed, mak_kcv, pik_kcv, tdk_kcv, signed_in_at
                 FROM session WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)),
            )
            .optional()?;
        let Some((tid, mode, algo, sealed, mak_kcv, pik_kcv, tdk_kcv, at)) = row else { return Ok(None) };
        let bad = |column| StoreError::BadValue { table: "session", column };
        let tid = TerminalId::new(&tid).map_err(|_| bad("tid"))?;
        let key_mode = KeyMode::from_code(&mode).map_err(|_| bad("key_mode"))?;
        let mac_algorithm: MacAlgorithm = algo.parse().map_err(|_| bad("mac_algorithm"))?;
        let clear: Zeroizing<Vec<u8>> =
            self.sealer(&conn)?.open(&mak_aad(&tid), &sealed).map_err(StoreError::Sealing)?;
        let mak = SecretKey::from_slice(&clear).map_err(StoreError::Sealing)?;
        let mak_kcv = kcv(Some(mak_kcv), "mak_kcv")?.ok_or(bad("mak_kcv"))?;
        if !check_value_matches(&mak, &mak_kcv) {
            return Err(bad("mak_kcv"));
        }
        Ok(Some(Session {
            tid,
            key_mode,
            mac_algorithm,
            mak,
            mak_kcv,
            pik_kcv: kcv(Some(pik_kcv), "pik_kcv")?.ok_or(bad("pik_kcv"))?,
            tdk_kcv: kcv(tdk_kcv, "tdk_kcv")?,
            signed_in_at: at,
        }))
    }

    /// Forgets the session (sign-off, or the host asked for a new sign-in).
    pub(crate) fn clear_session(&self) -> Result<(), StoreError> {
        self.lock().execute("DELETE FROM session", [])?;
        Ok(())
    }
}
