//! The merchant's records on the terminal: history pages, reprints, the daily summary and
//! the retention policy, all read from the journal (never a full card number: there is none).

use crate::error::Error;
use serde::Serialize;

use crate::card::CardScheme;
use crate::i18n::Bilingual;
use crate::receipt::Receipt;
use crate::report::{DailySummary, Day, ReportError};
use crate::store::{
    type_name, HistoryFilter, HistoryStatus, Purged, RetentionPolicy, TxnRecord, VoucherNo, DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
};

use super::Terminal;

/// One transaction as the history lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryItem {
    /// Journal row.
    pub id: i64,
    /// Stable type name (`sale`, `void`...).
    pub txn_type: &'static str,
    /// Where it stands.
    pub status: HistoryStatus,
    /// Amount, minor units.
    pub amount_minor: Option<u64>,
    /// ISO 4217 alpha code of the amount.
    pub currency: Option<&'static str>,
    /// The card, masked (first 6, last 4).
    pub masked_pan: Option<String>,
    /// The card scheme from the BIN.
    pub scheme: Option<CardScheme>,
    /// 60.2.
    pub batch: u32,
    /// Field 11.
    pub stan: u32,
    /// Slip number.
    pub voucher: Option<u32>,
    /// Field 39 of the answer.
    pub response_code: Option<String>,
    /// Field 37.
    pub rrn: Option<String>,
    /// Field 38.
    pub auth_code: Option<String>,
    /// Approved offline (store and forward).
    pub offline: bool,
    /// When it was made, RFC 3339 local time.
    pub created_at: String,
}

impl From<&TxnRecord> for HistoryItem {
    fn from(r: &TxnRecord) -> Self {
        HistoryItem {
            id: r.id.0,
            txn_type: type_name(r.txn_type),
            status: HistoryStatus::of(r),
            amount_minor: r.amount.map(|a| a.minor()),
            currency: r.amount.map(|a| a.currency().alpha()),
            masked_pan: r.masked_pan.as_ref().map(|p| p.as_str().to_string()),
            scheme: r.masked_pan.as_ref().map(|p| p.scheme()),
            batch: r.numbers.batch.value(),
            stan: r.numbers.stan.value(),
            voucher: r.numbers.voucher.map(|v| v.value()),
            response_code: r.response_code.as_ref().map(|c| c.as_str().to_string()),
            rrn: r.rrn.clone(),
            auth_code: r.auth_code.clone(),
            offline: r.txn_type == crate::iso8583::TxnType::OfflineSale,
            created_at: r.created_at.clone(),
        }
    }
}

/// One page of history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryPage {
    /// The rows, newest first.
    pub items: Vec<HistoryItem>,
    /// This page, from 1.
    pub page: u32,
    /// Rows per page.
    pub page_size: u32,
    /// Rows matching the filter.
    pub total: u64,
    /// Pages in all (0 when nothing matches).
    pub pages: u64,
}

/// Which slip to print again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReprintTarget {
    /// The newest approved transaction with a slip.
    Last,
    /// The transaction with this slip number (the newest if numbers wrapped).
    Voucher(VoucherNo),
}

impl Terminal {
    /// Page `page` (from 1) of the transactions matching `filter`, `page_size` rows each
    /// (`None`: 20), newest first.
    pub fn history(&self, filter: &HistoryFilter, page: u32, page_size: Option<u32>) -> Result<HistoryPage, Error> {
        let size = page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        if page == 0 || size == 0 || size > MAX_PAGE_SIZE {
            return Err(ReportError::BadFilter {
                zh: format!("页码从 1 开始，每页 1 至 {MAX_PAGE_SIZE} 笔"),
                en: format!("Pages start at 1, with 1 to {MAX_PAGE_SIZE} rows each"),
            }
            .into());
        }
        if let (Some(min), Some(max)) = (filter.min_amount, filter.max_amount) {
            if min > max {
                return Err(ReportError::BadFilter {
                    zh: "最小金额大于最大金额".into(),
                    en: "The minimum amount is above the maximum".into(),
                }
                .into());
            }
        }
        if let (Some(from), Some(to)) = (filter.from, filter.to) {
            if from > to {
                return Err(ReportError::BadFilter {
                    zh: "开始日期晚于结束日期".into(),
                    en: "The start date is after the end date".into(),
                }
                .into());
            }
        }
        let offset = u64::from(page - 1) * u64::from(size);
        let found = self.store.history(filter, size, offset)?;
        Ok(HistoryPage {
            items: found.rows.iter().map(HistoryItem::from).collect(),
            page,
            page_size: size,
            total: found.total,
            pages: found.total.div_ceil(u64::from(size)),
        })
    }

    /// Both copies of a slip printed before, marked 重打印 REPRINT, with the journal row.
    pub fn reprint(&self, target: ReprintTarget) -> Result<(TxnRecord, [Receipt; 2]), Error> {
        let record = match target {
            ReprintTarget::Last => self.store.last_receipt_txn()?,
            ReprintTarget::Voucher(v) => self.store.find_txn(crate::store::TxnLookup::Voucher(v))?,
        }
        .ok_or(ReportError::NoReceipt)?;
        let copies = Receipt::copies_of_record(&record, &self.receipt_context(true))?;
        tracing::info!(txn = %record.id, "receipt reprinted");
        Ok((record, copies))
    }

    /// The summary of local day `day`.
    pub fn daily_summary(&self, day: Day) -> Result<DailySummary, Error> {
        // Row by row: a long day is summed without holding its rows.
        let mut summary = DailySummary::empty(day);
        self.store.for_each_day_txn(day, |r| summary.add(&r))?;
        summary.finish();
        Ok(summary)
    }

    /// Deletes journal rows older than `policy` keeps, never one the host has not finished with.
    pub fn apply_retention(&self, policy: &RetentionPolicy) -> Result<Purged, Error> {
        if self.is_read_only() {
            return Err(crate::store::StoreError::ReadOnly.into());
        }
        Ok(self.store.apply_retention(policy, self.clock.now())?)
    }

    /// The scheduled run: the default policy after a settlement closed a batch, the natural
    /// once-a-day point when the journal has just become final. Runs every time (no "last run"
    /// setting): with nothing old it reads one end of an index and the short list of settled
    /// batches, and a run that failed or was cut short is simply done by the next settlement. A failure is logged and never fails the
    /// settlement, which is what counts.
    pub(crate) fn retention_after_settlement(&self) {
        match self.apply_retention(&RetentionPolicy::default()) {
            Ok(p) => tracing::debug!(txns = p.txns, kept_unfinished = p.kept_unfinished, "retention after settlement"),
            Err(e) => tracing::warn!(error = %e.en(), "retention after settlement failed; the next settlement retries"),
        }
    }
}
