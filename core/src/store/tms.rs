//! Terminal-management downloads in the store: staged page by page, applied in one
//! transaction, resumable (see migration 7).

use ring::digest;
use rusqlite::{params, OptionalExtension, Transaction};

use super::error::StoreError;
use super::Store;

/// What a download brings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TmsKind {
    /// CA public keys.
    Capk,
    /// IC parameters.
    Aid,
    /// The card blacklist.
    Blacklist,
}

impl TmsKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            TmsKind::Capk => "capk",
            TmsKind::Aid => "aid",
            TmsKind::Blacklist => "blacklist",
        }
    }
}

/// One staged or live entry: a key (CAPK id, AID, blacklist fingerprint) and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TmsItem {
    /// The key.
    pub key: Vec<u8>,
    /// The value (empty for blacklist entries).
    pub value: Vec<u8>,
}

/// Where a kind stands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TmsState {
    /// Live entries.
    pub entries: u64,
    /// SHA-256 over the live entries in key order.
    pub digest: Option<Vec<u8>>,
    /// When the live entries were applied.
    pub applied_at: Option<String>,
    /// Blacklist: entry lengths present (bit n: n digits).
    pub lengths: u32,
    /// The index to resume an unfinished download at.
    pub staging_next: Option<u32>,
    /// Blacklist: the host's index after the last entry in force (an incremental download
    /// starts there).
    pub host_next: u32,
    /// Whether the unfinished download adds to the live entries instead of replacing them.
    pub staging_merge: bool,
}

impl Store {
    /// Where `kind` stands (all zero before its first download).
    pub fn tms_state(&self, kind: TmsKind) -> Result<TmsState, StoreError> {
        let conn = self.lock();
        let row = conn
            .query_row(
                "SELECT entries, digest, applied_at, lengths, staging_next, host_next, staging_merge
                 FROM tms_state WHERE kind = ?1",
                [kind.as_str()],
                |r| {
                    Ok(TmsState {
                        entries: r.get::<_, i64>(0)?.max(0) as u64,
                        digest: r.get(1)?,
                        applied_at: r.get(2)?,
                        lengths: r.get::<_, i64>(3)? as u32,
                        staging_next: r.get::<_, Option<i64>>(4)?.map(|n| n.max(0) as u32),
                        host_next: r.get::<_, i64>(5)?.clamp(0, i64::from(u32::MAX)) as u32,
                        staging_merge: r.get::<_, i64>(6)? == 1,
                    })
                },
            )
            .optional()?;
        Ok(row.unwrap_or_default())
    }

    /// Starts a download of `kind`, or resumes the one under way: returns the index to ask
    /// for next (0 for a fresh start, which drops anything staged before).
    pub fn tms_stage_begin(&self, kind: TmsKind, now: &str) -> Result<u32, StoreError> {
        self.tms_stage_begin_from(kind, now, 0, false)
    }

    /// Starts a download of `kind` at the host's index `from`, adding to the live entries at
    /// its end (`merge`) or replacing them; or resumes the one under way, whatever it was.
    /// Returns the index to ask for next.
    pub fn tms_stage_begin_from(&self, kind: TmsKind, now: &str, from: u32, merge: bool) -> Result<u32, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        ensure_row(&tx, kind)?;
        if let Some(n) = staging_next(&tx, kind)? {
            tx.commit()?;
            return Ok(n.max(0) as u32);
        }
        clear_staged(&tx, kind)?;
        tx.execute(
            "UPDATE tms_state SET staging_next = ?3, staging_started_at = ?2, staging_lengths = 0, staging_merge = ?4
             WHERE kind = ?1",
            params![kind.as_str(), now, i64::from(from), i64::from(merge)],
        )?;
        tx.commit()?;
        Ok(from)
    }

    /// Stages one page: its entries and the index to ask for next, durable together. `false`
    /// (nothing written) when no download of `kind` is under way.
    pub fn tms_stage_page(
        &self,
        kind: TmsKind,
        items: &[TmsItem],
        next: u32,
        lengths: u32,
    ) -> Result<bool, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let under_way = staging_next(&tx, kind)?;
        if under_way.is_none() {
            return Ok(false);
        }
        match kind {
            TmsKind::Blacklist => {
                let mut stmt = tx.prepare_cached("INSERT OR IGNORE INTO tms_blacklist (staged, fp) VALUES (1, ?1)")?;
                for i in items {
                    stmt.execute([&i.key])?;
                }
            }
            TmsKind::Capk | TmsKind::Aid => {
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO tms_item (kind, staged, key, value) VALUES (?1, 1, ?2, ?3)
                     ON CONFLICT (kind, staged, key) DO UPDATE SET value = excluded.value",
                )?;
                for i in items {
                    stmt.execute(params![kind.as_str(), i.key, i.value])?;
                }
            }
        }
        tx.execute(
            "UPDATE tms_state SET staging_next = ?2, staging_lengths = staging_lengths | ?3 WHERE kind = ?1",
            params![kind.as_str(), i64::from(next), i64::from(lengths)],
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Replaces the live entries of `kind` by the staged ones, in one transaction; returns the
    /// new state (`None`, nothing changed, when no download of `kind` is under way).
    pub fn tms_stage_commit(&self, kind: TmsKind, now: &str) -> Result<Option<TmsState>, StoreError> {
        {
            let mut conn = self.lock();
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let under_way = staging_next(&tx, kind)?;
            if under_way.is_none() {
                return Ok(None);
            }
            let merge: bool =
                tx.query_row("SELECT staging_merge FROM tms_state WHERE kind = ?1", [kind.as_str()], |r| {
                    r.get::<_, i64>(0).map(|m| m == 1)
                })?;
            let items = match kind {
                TmsKind::Blacklist if merge => {
                    tx.execute(
                        "INSERT OR IGNORE INTO tms_blacklist (staged, fp) SELECT 0, fp FROM tms_blacklist WHERE staged = 1",
                        [],
                    )?;
                    tx.execute("DELETE FROM tms_blacklist WHERE staged = 1", [])?;
                    tx.query_row("SELECT COUNT(*) FROM tms_blacklist WHERE staged = 0", [], |r| r.get::<_, i64>(0))?
                        as usize
                }
                TmsKind::Blacklist => {
                    tx.execute("DELETE FROM tms_blacklist WHERE staged = 0", [])?;
                    tx.execute("UPDATE tms_blacklist SET staged = 0 WHERE staged = 1", [])?
                }
                TmsKind::Capk | TmsKind::Aid => {
                    tx.execute("DELETE FROM tms_item WHERE kind = ?1 AND staged = 0", [kind.as_str()])?;
                    tx.execute("UPDATE tms_item SET staged = 0 WHERE kind = ?1 AND staged = 1", [kind.as_str()])?
                }
            };
            let digest = digest_of(&tx, kind)?;
            tx.execute(
                "UPDATE tms_state SET entries = ?2, digest = ?3, applied_at = ?4,
                     lengths = CASE staging_merge WHEN 1 THEN lengths | staging_lengths ELSE staging_lengths END,
                     host_next = staging_next, staging_lengths = 0, staging_next = NULL,
                     staging_started_at = NULL, staging_merge = 0
                 WHERE kind = ?1",
                params![kind.as_str(), items as i64, digest, now],
            )?;
            tx.commit()?;
        }
        self.tms_state(kind).map(Some)
    }

    /// Drops an unfinished download of `kind` (the live entries stay).
    pub fn tms_stage_abandon(&self, kind: TmsKind) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        clear_staged(&tx, kind)?;
        tx.execute(
            "UPDATE tms_state SET staging_next = NULL, staging_started_at = NULL, staging_lengths = 0 WHERE kind = ?1",
            [kind.as_str()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The blacklist in force: its lengths mask and its fingerprints, sorted.
    pub fn tms_blacklist(&self) -> Result<(u32, Vec<[u8; 16]>), StoreError> {
        let lengths = self.tms_state(TmsKind::Blacklist)?.lengths;
        let conn = self.lock();
        let mut stmt = conn.prepare_cached("SELECT fp FROM tms_blacklist WHERE staged = 0 ORDER BY fp")?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let fp: Vec<u8> = r.get(0)?;
            out.push(
                <[u8; 16]>::try_from(fp.as_slice())
                    .map_err(|_| StoreError::BadValue { table: "tms_blacklist", column: "fp" })?,
            );
        }
        Ok((lengths, out))
    }

    /// The live entries of `kind`, in key order.
    pub fn tms_items(&self, kind: TmsKind) -> Result<Vec<TmsItem>, StoreError> {
        let conn = self.lock();
        let item = |r: &rusqlite::Row<'_>| Ok(TmsItem { key: r.get(0)?, value: r.get(1)? });
        let rows = match kind {
            TmsKind::Blacklist => conn
                .prepare_cached("SELECT fp, x'' FROM tms_blacklist WHERE staged = 0 ORDER BY fp")?
                .query_map([], item)?
                .collect::<Result<Vec<_>, _>>()?,
            TmsKind::Capk | TmsKind::Aid => conn
                .prepare_cached("SELECT key, value FROM tms_item WHERE kind = ?1 AND staged = 0 ORDER BY key")?
                .query_map([kind.as_str()], item)?
                .collect::<Result<Vec<_>, _>>()?,
        };
        Ok(rows)
    }
}

/// The parameter document in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredParams {
    /// Its version.
    pub version: u64,
    /// The document, as the host sent it.
    pub document: Vec<u8>,
    /// When it was applied.
    pub applied_at: String,
}

impl Store {
    /// The staged pages of a parameter download under way, in order (none: start at page 0).
    pub fn param_pages(&self) -> Result<Vec<Vec<u8>>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached("SELECT content FROM param_page ORDER BY page")?;
        let rows = stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Stages page `page` of a parameter download (durable before the next is asked for).
    pub fn param_stage_page(&self, page: u16, content: &[u8]) -> Result<(), StoreError> {
        let conn = self.lock();
        conn.execute("INSERT OR REPLACE INTO param_page (page, content) VALUES (?1, ?2)", params![page, content])?;
        Ok(())
    }

    /// Drops the pages of a download under way.
    pub fn param_stage_clear(&self) -> Result<(), StoreError> {
        self.lock().execute("DELETE FROM param_page", [])?;
        Ok(())
    }

    /// Puts `document` of `version` in force and drops the staged pages, in one transaction;
    /// `false` (nothing changed but the pages dropped) when a newer version is in force already.
    pub fn param_commit(&self, version: u64, document: &[u8], now: &str) -> Result<bool, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let current: Option<i64> =
            tx.query_row("SELECT version FROM terminal_params WHERE id = 1", [], |r| r.get(0)).optional()?;
        let version =
            i64::try_from(version).map_err(|_| StoreError::BadValue { table: "terminal_params", column: "version" })?;
        let newer = current.is_none_or(|c| version >= c);
        if newer {
            tx.execute(
                "INSERT OR REPLACE INTO terminal_params (id, version, document, applied_at) VALUES (1, ?1, ?2, ?3)",
                params![version, document, now],
            )?;
        }
        tx.execute("DELETE FROM param_page", [])?;
        tx.commit()?;
        Ok(newer)
    }

    /// The parameter document in force, if any.
    pub fn terminal_params(&self) -> Result<Option<StoredParams>, StoreError> {
        let conn = self.lock();
        Ok(conn
            .query_row("SELECT version, document, applied_at FROM terminal_params WHERE id = 1", [], |r| {
                Ok(StoredParams {
                    version: r.get::<_, i64>(0)?.max(0) as u64,
                    document: r.get(1)?,
                    applied_at: r.get(2)?,
                })
            })
            .optional()?)
    }
}

/// Where the download of `kind` under way stands; `None` when none is.
fn staging_next(tx: &Transaction<'_>, kind: TmsKind) -> Result<Option<i64>, StoreError> {
    Ok(tx
        .query_row("SELECT staging_next FROM tms_state WHERE kind = ?1", [kind.as_str()], |r| r.get(0))
        .optional()?
        .flatten())
}

fn ensure_row(tx: &Transaction<'_>, kind: TmsKind) -> Result<(), StoreError> {
    tx.execute("INSERT OR IGNORE INTO tms_state (kind) VALUES (?1)", [kind.as_str()])?;
    Ok(())
}

fn clear_staged(tx: &Transaction<'_>, kind: TmsKind) -> Result<(), StoreError> {
    match kind {
        TmsKind::Blacklist => tx.execute("DELETE FROM tms_blacklist WHERE staged = 1", [])?,
        TmsKind::Capk | TmsKind::Aid => {
            tx.execute("DELETE FROM tms_item WHERE kind = ?1 AND staged = 1", [kind.as_str()])?
        }
    };
    Ok(())
}

fn digest_of(tx: &Transaction<'_>, kind: TmsKind) -> Result<Vec<u8>, StoreError> {
    let mut ctx = digest::Context::new(&digest::SHA256);
    let mut add = |key: &[u8], value: &[u8]| {
        ctx.update(&(key.len() as u32).to_be_bytes());
        ctx.update(key);
        ctx.update(&(value.len() as u32).to_be_bytes());
        ctx.update(value);
    };
    match kind {
        TmsKind::Blacklist => {
            let mut stmt = tx.prepare_cached("SELECT fp FROM tms_blacklist WHERE staged = 0 ORDER BY fp")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                add(&r.get::<_, Vec<u8>>(0)?, &[]);
            }
        }
        TmsKind::Capk | TmsKind::Aid => {
            let mut stmt =
                tx.prepare_cached("SELECT key, value FROM tms_item WHERE kind = ?1 AND staged = 0 ORDER BY key")?;
            let mut rows = stmt.query([kind.as_str()])?;
            while let Some(r) = rows.next()? {
                add(&r.get::<_, Vec<u8>>(0)?, &r.get::<_, Vec<u8>>(1)?);
            }
        }
    }
    Ok(ctx.finish().as_ref().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::{open, TempDir, NOW};

    fn item(k: u8, v: &[u8]) -> TmsItem {
        TmsItem { key: vec![k; 6], value: v.to_vec() }
    }

    #[test]
    fn a_download_applies_only_when_complete_and_resumes_after_a_restart() {
        let dir = TempDir::new("tms");
        let store = open(&dir);
        assert_eq!(store.tms_state(TmsKind::Capk).unwrap(), TmsState::default());
        assert!(!store.tms_stage_page(TmsKind::Capk, &[item(1, b"a")], 1, 0).unwrap(), "nothing under way");
        assert_eq!(store.tms_stage_commit(TmsKind::Capk, NOW).unwrap(), None);

        // A first complete download.
        assert_eq!(store.tms_stage_begin(TmsKind::Capk, NOW).unwrap(), 0);
        assert!(store.tms_stage_page(TmsKind::Capk, &[item(1, b"a"), item(2, b"b")], 2, 0).unwrap());
        assert!(store.tms_items(TmsKind::Capk).unwrap().is_empty(), "staged rows are not live");
        let applied = store.tms_stage_commit(TmsKind::Capk, NOW).unwrap().unwrap();
        assert_eq!((applied.entries, applied.staging_next), (2, None));
        let first_digest = applied.digest.clone().unwrap();

        // A second one cut off after its first page, then the process restarts.
        assert_eq!(store.tms_stage_begin(TmsKind::Capk, NOW).unwrap(), 0);
        assert!(store.tms_stage_page(TmsKind::Capk, &[item(3, b"c")], 1, 0).unwrap());
        drop(store);
        let store = open(&dir);
        assert_eq!(store.tms_items(TmsKind::Capk).unwrap(), vec![item(1, b"a"), item(2, b"b")], "old keys still live");
        assert_eq!(store.tms_state(TmsKind::Capk).unwrap().staging_next, Some(1));
        assert_eq!(store.tms_stage_begin(TmsKind::Capk, NOW).unwrap(), 1, "resumes at the next index");
        assert!(store.tms_stage_page(TmsKind::Capk, &[item(4, b"d")], 2, 0).unwrap());
        let applied = store.tms_stage_commit(TmsKind::Capk, NOW).unwrap().unwrap();
        assert_eq!(store.tms_items(TmsKind::Capk).unwrap(), vec![item(3, b"c"), item(4, b"d")], "replaced whole");
        assert_eq!(applied.entries, 2);
        assert_ne!(applied.digest.unwrap(), first_digest);
        // Other kinds are untouched.
        assert_eq!(store.tms_state(TmsKind::Aid).unwrap(), TmsState::default());
    }

    #[test]
    fn an_abandoned_download_leaves_the_live_entries_and_the_blacklist_keeps_its_lengths() {
        let dir = TempDir::new("tms-bl");
        let store = open(&dir);
        store.tms_stage_begin(TmsKind::Blacklist, NOW).unwrap();
        let fp = |b: u8| TmsItem { key: vec![b; 16], value: vec![] };
        store.tms_stage_page(TmsKind::Blacklist, &[fp(1), fp(2)], 2, 1 << 6).unwrap();
        store.tms_stage_page(TmsKind::Blacklist, &[fp(2), fp(3)], 4, 1 << 16).unwrap();
        let state = store.tms_stage_commit(TmsKind::Blacklist, NOW).unwrap().unwrap();
        assert_eq!((state.entries, state.lengths), (3, (1 << 6) | (1 << 16)), "a repeated entry kept once");
        store.tms_stage_begin(TmsKind::Blacklist, NOW).unwrap();
        store.tms_stage_page(TmsKind::Blacklist, &[fp(9)], 1, 1 << 19).unwrap();
        store.tms_stage_abandon(TmsKind::Blacklist).unwrap();
        assert_eq!(store.tms_items(TmsKind::Blacklist).unwrap(), vec![fp(1), fp(2), fp(3)]);
        let state = store.tms_state(TmsKind::Blacklist).unwrap();
        assert_eq!((state.lengths, state.staging_next), ((1 << 6) | (1 << 16), None));
        assert_eq!(store.tms_stage_begin(TmsKind::Blacklist, NOW).unwrap(), 0, "a fresh start");
    }
}
