//! Card accounts at the simulated issuer: funds, status, PIN and PIN tries.

use pos_core::card::Expiry;
use pos_core::deck::{AccountKind, CardStatus};
use pos_core::mask_pan_digits;
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::LedgerError;

/// PIN tries after which the card answers `75` until the issuer resets it.
pub(crate) const PIN_TRIES_LIMIT: u8 = 3;

/// One account as the host decides on it (full PAN and PIN: never logged).
pub(crate) struct Account {
    pub pan: String,
    pub kind: AccountKind,
    pub status: CardStatus,
    pub pin: String,
    pub pin_tries: u8,
    pub expiry: Option<Expiry>,
    pub pin_required: bool,
    pub available: i64,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("pan", &mask_pan_digits(&self.pan))
            .field("kind", &self.kind)
            .field("status", &self.status)
            .field("available", &self.available)
            .finish()
    }
}

pub(crate) fn kind_db(k: AccountKind) -> &'static str {
    match k {
        AccountKind::Debit => "debit",
        AccountKind::Credit => "credit",
    }
}

pub(crate) fn status_db(s: CardStatus) -> &'static str {
    match s {
        CardStatus::Normal => "normal",
        CardStatus::Lost => "lost",
        CardStatus::Stolen => "stolen",
        CardStatus::Expired => "expired",
        CardStatus::Restricted => "restricted",
    }
}

fn status_from_db(s: &str) -> Option<CardStatus> {
    [CardStatus::Normal, CardStatus::Lost, CardStatus::Stolen, CardStatus::Expired, CardStatus::Restricted]
        .into_iter()
        .find(|c| status_db(*c) == s)
}

/// The account of `pan`, if the issuer has one.
pub(crate) fn load(conn: &Connection, pan: &str) -> Result<Option<Account>, LedgerError> {
    let row = conn
        .prepare_cached(
            "SELECT kind, funds, status, pin, pin_tries, expiry, pin_required, available FROM accounts WHERE pan = ?1",
        )?
        .query_row(params![pan], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, bool>(6)?,
                r.get::<_, i64>(7)?,
            ))
        })
        .optional()?;
    let Some((kind, _funds, status, pin, tries, expiry, pin_required, available)) = row else {
        return Ok(None);
    };
    let corrupt = |what: &str| LedgerError::Corrupt(format!("account {}: {what}", mask_pan_digits(pan)));
    let kind = match kind.as_str() {
        "debit" => AccountKind::Debit,
        "credit" => AccountKind::Credit,
        _ => return Err(corrupt("kind")),
    };
    Ok(Some(Account {
        pan: pan.to_owned(),
        kind,
        status: status_from_db(&status).ok_or_else(|| corrupt("status"))?,
        pin,
        pin_tries: u8::try_from(tries).map_err(|_| corrupt("pin tries"))?,
        expiry: Expiry::parse_yymm(&expiry).ok(),
        pin_required,
        available,
    }))
}

/// Records the PIN tries used so far.
pub(crate) fn set_pin_tries(conn: &Connection, pan: &str, tries: u8) -> Result<(), LedgerError> {
    conn.execute("UPDATE accounts SET pin_tries = ?2 WHERE pan = ?1", params![pan, tries])?;
    Ok(())
}

/// PIN tries used on `pan`.
pub(crate) fn pin_tries(conn: &Connection, pan: &str) -> Result<u8, LedgerError> {
    load(conn, pan)?.map(|a| a.pin_tries).ok_or_else(|| LedgerError::UnknownAccount(mask_pan_digits(pan)))
}

/// Every account's PAN, funds and cached availability (for the invariant check and the admin port).
pub(crate) fn all(conn: &Connection) -> Result<Vec<(String, i64, i64, i64)>, LedgerError> {
    let mut stmt = conn.prepare("SELECT pan, funds, available, pin_tries FROM accounts ORDER BY pan")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
