//! Stored answers, so that a repeated request gets the same bytes and no second effect.

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::LedgerError;

/// Requests and reversals with the same terminal, batch and STAN are different keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReplyClass {
    /// Financial, settlement and upload requests.
    Request,
    /// 0400 reversals.
    Reversal,
}

impl ReplyClass {
    fn as_db(self) -> &'static str {
        match self {
            ReplyClass::Request => "request",
            ReplyClass::Reversal => "reversal",
        }
    }
}

/// What the store knows about a request key.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Seen {
    /// Never answered.
    New,
    /// Answered before, for the same content: these are the bytes sent.
    Same(Vec<u8>),
    /// Answered before, for different content.
    Different,
}

/// Looks a request up by key and content fingerprint.
pub(crate) fn lookup(
    conn: &Connection,
    tid: &str,
    batch: u32,
    stan: u32,
    class: ReplyClass,
    content: &[u8],
) -> Result<Seen, LedgerError> {
    let found: Option<(Vec<u8>, Vec<u8>)> = conn
        .prepare_cached(
            "SELECT content, reply FROM replies WHERE tid = ?1 AND batch = ?2 AND stan = ?3 AND class = ?4",
        )?
        .query_row(params![tid, batch, stan, class.as_db()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(match found {
        None => Seen::New,
        Some((c, reply)) if c == content => Seen::Same(reply),
        Some(_) => Seen::Different,
    })
}

/// Stores the answer to a request key (the first answer wins).
pub(crate) fn store(
    conn: &Connection,
    tid: &str,
    batch: u32,
    stan: u32,
    class: ReplyClass,
    content: &[u8],
    reply: &[u8],
) -> Result<(), LedgerError> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO replies (tid, batch, stan, class, content, reply) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![tid, batch, stan, class.as_db(), content, reply])?;
    Ok(())
}
