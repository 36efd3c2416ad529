//! Transaction history from the journal: filtered, paged, newest first, and the rows of one day.
//!
//! Dates bound `created_at` (RFC 3339 local time, so a day is a string range and the
//! `(created_at, id)` index serves both the range and the order). The card scheme is
//! computed in SQL from the masked PAN's BIN, the same prefixes as
//! [`CardScheme::from_bin`]; no full card number exists to filter on.

use rusqlite::params_from_iter;
use rusqlite::types::Value;

use super::error::StoreError;
use super::txn::{each_txn, from_row, COLUMNS};
use super::Store;
use crate::card::CardScheme;
use crate::clock::Day;
use crate::iso8583::TxnType;
use crate::journal::{scheme_key, type_name, HistoryStatus, TxnRecord};

/// Rows per page unless asked otherwise.
pub(crate) const DEFAULT_PAGE_SIZE: u32 = 20;
/// Most rows one page may hold.
pub(crate) const MAX_PAGE_SIZE: u32 = 500;

/// The SQL condition selecting rows in this status (mirrors `HistoryStatus::of`).
fn status_sql(h: HistoryStatus) -> &'static str {
    match h {
        HistoryStatus::Reversed => "reversed_at IS NOT NULL",
        HistoryStatus::Voided => "(reversed_at IS NULL AND status = 'approved' AND cancelled_by IS NOT NULL)",
        HistoryStatus::Approved => "(reversed_at IS NULL AND status = 'approved' AND cancelled_by IS NULL)",
        HistoryStatus::Declined => "(reversed_at IS NULL AND status = 'declined')",
        HistoryStatus::Failed => "(reversed_at IS NULL AND status = 'failed')",
        HistoryStatus::Pending => "(reversed_at IS NULL AND status = 'pending')",
    }
}

/// [`CardScheme::from_bin`] over `masked_pan` in SQL (NULL without a card); kept in step by a test.
const SCHEME_SQL: &str = "(CASE
    WHEN masked_pan IS NULL THEN NULL
    WHEN substr(masked_pan, 1, 2) = '62' THEN 'unionpay'
    WHEN substr(masked_pan, 1, 1) = '4' THEN 'visa'
    WHEN substr(masked_pan, 1, 2) IN ('34', '37') THEN 'amex'
    WHEN substr(masked_pan, 1, 4) BETWEEN '3528' AND '3589' THEN 'jcb'
    WHEN substr(masked_pan, 1, 2) BETWEEN '51' AND '55' OR substr(masked_pan, 1, 4) BETWEEN '2221' AND '2720'
        THEN 'mastercard'
    ELSE 'other' END)";

/// What to list. Empty lists and `None` bounds do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryFilter {
    /// First local day included.
    pub from: Option<Day>,
    /// Last local day included.
    pub to: Option<Day>,
    /// Any of these types.
    pub types: Vec<TxnType>,
    /// Any of these statuses.
    pub statuses: Vec<HistoryStatus>,
    /// Any of these card schemes (rows without a card never match).
    pub schemes: Vec<CardScheme>,
    /// Smallest amount, minor units, included.
    pub min_amount: Option<u64>,
    /// Largest amount, minor units, included.
    pub max_amount: Option<u64>,
}

impl HistoryFilter {
    /// The transactions of one local day.
    pub fn day(d: Day) -> HistoryFilter {
        HistoryFilter { from: Some(d), to: Some(d), ..HistoryFilter::default() }
    }

    /// The WHERE clause and its parameters.
    fn clause(&self) -> (String, Vec<Value>) {
        let mut conds: Vec<String> = Vec::new();
        let mut args: Vec<Value> = Vec::new();
        if let Some(d) = self.from {
            args.push(Value::Text(d.to_string()));
            conds.push(format!("created_at >= ?{}", args.len()));
        }
        if let Some(d) = self.to {
            // Every timestamp of the day sorts below the next day's date.
            args.push(Value::Text(d.next().to_string()));
            conds.push(format!("created_at < ?{}", args.len()));
        }
        if !self.types.is_empty() {
            let mut marks = Vec::new();
            for t in &self.types {
                args.push(Value::Text(type_name(*t).into()));
                marks.push(format!("?{}", args.len()));
            }
            conds.push(format!("txn_type IN ({})", marks.join(", ")));
        }
        if !self.statuses.is_empty() {
            let any: Vec<&str> = self.statuses.iter().map(|s| status_sql(*s)).collect();
            conds.push(format!("({})", any.join(" OR ")));
        }
        if !self.schemes.is_empty() {
            let mut marks = Vec::new();
            for s in &self.schemes {
                args.push(Value::Text(scheme_key(*s).into()));
                marks.push(format!("?{}", args.len()));
            }
            conds.push(format!("{SCHEME_SQL} IN ({})", marks.join(", ")));
        }
        // Amounts stop at 999,999,999,999 (field 4); larger bounds saturate.
        if let Some(min) = self.min_amount {
            args.push(Value::Integer(i64::try_from(min).unwrap_or(i64::MAX)));
            conds.push(format!("amount_minor >= ?{}", args.len()));
        }
        if let Some(max) = self.max_amount {
            args.push(Value::Integer(i64::try_from(max).unwrap_or(i64::MAX)));
            conds.push(format!("amount_minor <= ?{}", args.len()));
        }
        let clause = if conds.is_empty() { "1".to_string() } else { conds.join(" AND ") };
        (clause, args)
    }
}

/// One page of rows with the number of rows matching in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnPage {
    /// The rows, newest first.
    pub rows: Vec<TxnRecord>,
    /// Rows matching the filter.
    pub total: u64,
}

impl Store {
    /// Rows matching `filter`, newest first: `limit` of them after skipping `offset`.
    pub fn history(&self, filter: &HistoryFilter, limit: u32, offset: u64) -> Result<TxnPage, StoreError> {
        let (clause, mut args) = filter.clause();
        let conn = self.lock();
        let total: i64 = conn
            .prepare_cached(&format!("SELECT COUNT(*) FROM txn WHERE {clause}"))?
            .query_row(params_from_iter(args.iter()), |r| r.get(0))?;
        args.push(Value::Integer(i64::from(limit.min(MAX_PAGE_SIZE))));
        args.push(Value::Integer(i64::try_from(offset).unwrap_or(i64::MAX)));
        let n = args.len();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM txn WHERE {clause} ORDER BY created_at DESC, id DESC LIMIT ?{} OFFSET ?{n}",
            n - 1
        ))?;
        let mut rows = Vec::new();
        for row in stmt.query_map(params_from_iter(args.iter()), |r| Ok(from_row(r)))? {
            rows.push(row??);
        }
        Ok(TxnPage { rows, total: u64::try_from(total).unwrap_or(0) })
    }

    /// Every row of local day `d`, oldest first (the daily report's input).
    pub fn day_txns(&self, d: Day) -> Result<Vec<TxnRecord>, StoreError> {
        let mut rows = Vec::new();
        self.for_each_day_txn(d, |r| rows.push(r))?;
        Ok(rows)
    }

    /// Each journal row of local day `d`, in time order, one at a time (the day's report of a
    /// long day without holding its rows in memory).
    pub fn for_each_day_txn(&self, d: Day, f: impl FnMut(TxnRecord)) -> Result<(), StoreError> {
        each_txn(
            &self.lock(),
            "created_at >= ?1 AND created_at < ?2 ORDER BY created_at, id",
            [d.to_string(), d.next().to_string()],
            f,
        )
    }

    /// The newest approved transaction with a slip (an amount and a voucher number).
    pub(crate) fn last_receipt_txn(&self) -> Result<Option<TxnRecord>, StoreError> {
        use rusqlite::OptionalExtension;
        self.lock()
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM txn WHERE status = 'approved' AND voucher IS NOT NULL
                       AND amount_minor IS NOT NULL ORDER BY id DESC LIMIT 1"
                ),
                [],
                |r| Ok(from_row(r)),
            )
            .optional()?
            .transpose()
    }

    /// Which card scheme SQLite computes for `masked_pan` (checks [`SCHEME_SQL`] against Rust).
    #[cfg(test)]
    pub(crate) fn sql_scheme(&self, masked_pan: &str) -> Result<Option<String>, StoreError> {
        let sql = format!("SELECT {} FROM (SELECT ?1 AS masked_pan)", SCHEME_SQL);
        Ok(self.lock().query_row(&sql, [masked_pan], |r| r.get(0))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::{open, TempDir};

    #[test]
    fn the_sql_scheme_agrees_with_the_bin_rules() -> Result<(), StoreError> {
        let dir = TempDir::new("scheme-sql");
        let store = open(&dir);
        for bin in [
            "622848", "621700", "411111", "400000", "340000", "370000", "352800", "358999", "359000", "351234",
            "510000", "550000", "560000", "222100", "272099", "272100", "220000", "300000", "900000", "600000",
        ] {
            let masked = format!("{bin}******1234");
            assert_eq!(store.sql_scheme(&masked)?.as_deref(), Some(scheme_key(CardScheme::from_bin(bin))), "{bin}");
        }
        Ok(())
    }
}
