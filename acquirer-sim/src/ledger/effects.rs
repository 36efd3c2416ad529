//! Money movements: the rows every balance is derived from.
//!
//! `available(pan) = funds - sum(effects.amount)`; the accounts table caches the
//! result and [`super::invariants`] recomputes it.

use rusqlite::{params, Connection};

use crate::error::LedgerError;

/// What a movement does to the card's available amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EffectKind {
    /// Money taken (sale, completion, offline sale): positive.
    Debit,
    /// Money given back (void, refund, completion cancel): negative.
    Credit,
    /// Money reserved by a pre-auth: positive.
    Hold,
    /// A reservation lifted (cancel, completion): negative.
    Release,
}

impl EffectKind {
    fn as_db(self) -> &'static str {
        match self {
            EffectKind::Debit => "debit",
            EffectKind::Credit => "credit",
            EffectKind::Hold => "hold",
            EffectKind::Release => "release",
        }
    }

    pub(crate) fn from_db(s: &str) -> Option<EffectKind> {
        [EffectKind::Debit, EffectKind::Credit, EffectKind::Hold, EffectKind::Release]
            .into_iter()
            .find(|k| k.as_db() == s)
    }

    /// +1 for debits and holds, -1 for credits and releases.
    pub(crate) fn sign(self) -> i64 {
        match self {
            EffectKind::Debit | EffectKind::Hold => 1,
            EffectKind::Credit | EffectKind::Release => -1,
        }
    }

    /// The movement that cancels this one (used by reversals).
    pub(crate) fn opposite(self) -> EffectKind {
        match self {
            EffectKind::Debit => EffectKind::Credit,
            EffectKind::Credit => EffectKind::Debit,
            EffectKind::Hold => EffectKind::Release,
            EffectKind::Release => EffectKind::Hold,
        }
    }

    /// True for holds and releases (pre-auth money), false for captured money.
    pub(crate) fn is_hold(self) -> bool {
        matches!(self, EffectKind::Hold | EffectKind::Release)
    }
}

/// One stored movement.
#[derive(Debug, Clone)]
pub(crate) struct Effect {
    pub pan: String,
    pub txn_id: i64,
    pub anchor_id: i64,
    pub kind: EffectKind,
    pub amount: i64,
}

/// Records a movement of `magnitude` fen made by `txn_id` on the money of `anchor_id`,
/// and updates the card's cached availability in the same SQLite transaction.
pub(crate) fn add(
    conn: &Connection,
    pan: &str,
    txn_id: i64,
    anchor_id: i64,
    kind: EffectKind,
    magnitude: u64,
) -> Result<(), LedgerError> {
    let magnitude = i64::try_from(magnitude).map_err(|_| LedgerError::Corrupt("effect out of range".into()))?;
    let amount = kind.sign() * magnitude;
    conn.prepare_cached("INSERT INTO effects (pan, txn_id, anchor_id, kind, amount) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![pan, txn_id, anchor_id, kind.as_db(), amount])?;
    conn.prepare_cached("UPDATE accounts SET available = available - ?2 WHERE pan = ?1")?
        .execute(params![pan, amount])?;
    Ok(())
}

fn select(conn: &Connection, where_clause: &str, args: impl rusqlite::Params) -> Result<Vec<Effect>, LedgerError> {
    let sql = format!("SELECT pan, txn_id, anchor_id, kind, amount FROM effects WHERE {where_clause} ORDER BY id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let raw = stmt
        .query_map(args, |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?, r.get::<_, String>(3)?, r.get(4)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    raw.into_iter()
        .map(|(pan, txn_id, anchor_id, kind, amount)| {
            let kind =
                EffectKind::from_db(&kind).ok_or_else(|| LedgerError::Corrupt(format!("effect kind {kind:?}")))?;
            Ok(Effect { pan, txn_id, anchor_id, kind, amount })
        })
        .collect()
}

/// The movements a transaction made.
pub(crate) fn made_by(conn: &Connection, txn_id: i64) -> Result<Vec<Effect>, LedgerError> {
    select(conn, "txn_id = ?1", params![txn_id])
}

/// Every movement (for the invariant check).
pub(crate) fn all(conn: &Connection) -> Result<Vec<Effect>, LedgerError> {
    select(conn, "1 = 1", [])
}

/// The net hold still on a pre-auth.
pub(crate) fn held_on(conn: &Connection, preauth_id: i64) -> Result<i64, LedgerError> {
    Ok(conn
        .prepare_cached(
            "SELECT COALESCE(SUM(amount), 0) FROM effects WHERE anchor_id = ?1 AND kind IN ('hold', 'release')",
        )?
        .query_row(params![preauth_id], |r| r.get(0))?)
}
