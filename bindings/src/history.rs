//! Transaction history for the history screen and the reports built from it: the latest
//! journal rows, and the core's filtered pages (days, types, statuses, schemes, amounts).

use pos_core::card::CardScheme as CoreScheme;
use pos_core::iso8583::TxnType;
use pos_core::terminal::{HistoryItem, HistoryPage as CorePage};
use pos_core::Day;
use pos_core::HistoryFilter;
use pos_core::{type_of, HistoryStatus as CoreHistoryStatus, TxnRecord, TxnStatus as CoreStatus};

use crate::error::PosError;
use crate::money::Money;
use crate::outcome::TxnKind;
use crate::terminal::Terminal;

/// Where a transaction stands in the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TxnStatus {
    /// Sent, no answer recorded yet.
    Pending,
    /// Approved (online, or offline by the terminal).
    Approved,
    /// Declined by the host.
    Declined,
    /// No usable answer: never approved (reversed if it may have reached the host).
    Failed,
}

impl From<CoreStatus> for TxnStatus {
    fn from(s: CoreStatus) -> Self {
        match s {
            CoreStatus::Pending => TxnStatus::Pending,
            CoreStatus::Approved => TxnStatus::Approved,
            CoreStatus::Declined => TxnStatus::Declined,
            CoreStatus::Failed => TxnStatus::Failed,
        }
    }
}

/// One journal row, masked: no card data beyond first 6 / last 4.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HistoryRow {
    /// The journal row.
    pub txn_id: i64,
    /// Type.
    pub kind: TxnKind,
    /// Where it stands.
    pub status: TxnStatus,
    /// Amount.
    pub amount: Option<Money>,
    /// The card, masked.
    pub masked_pan: Option<String>,
    /// Field 11.
    pub stan: u32,
    /// Batch.
    pub batch: u32,
    /// Slip number.
    pub voucher: Option<u32>,
    /// Field 39 of the answer.
    pub response_code: Option<String>,
    /// Field 37.
    pub rrn: Option<String>,
    /// Field 38.
    pub auth_code: Option<String>,
    /// Local date MMDD.
    pub local_date: String,
    /// Created (RFC 3339 local time).
    pub created_at: String,
    /// The host acknowledged its reversal: it counts for nothing.
    pub reversed: bool,
    /// Voided or cancelled by a later approved transaction.
    pub cancelled: bool,
    /// Why it failed (English operator text), for failed rows.
    pub failure: Option<String>,
}

impl From<&TxnRecord> for HistoryRow {
    fn from(r: &TxnRecord) -> Self {
        HistoryRow {
            txn_id: r.id.0,
            kind: r.txn_type.into(),
            status: r.status.into(),
            amount: r.amount.map(Money::from),
            masked_pan: r.masked_pan.as_ref().map(|p| p.as_str().to_string()),
            stan: r.numbers.stan.value(),
            batch: r.numbers.batch.value(),
            voucher: r.numbers.voucher.map(|v| v.value()),
            response_code: r.response_code.map(|c| c.as_str().to_string()),
            rrn: r.rrn.clone(),
            auth_code: r.auth_code.clone(),
            local_date: r.local_date.clone(),
            created_at: r.created_at.clone(),
            reversed: r.reversed_at.is_some(),
            cancelled: r.cancelled_by.is_some(),
            failure: r.failure.clone(),
        }
    }
}

/// Where a transaction stands as the merchant reads the history (what `HistoryQuery` filters on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum HistoryStatus {
    /// Approved and still standing.
    Approved,
    /// Approved, then voided or cancelled.
    Voided,
    /// Reversed at the host: it counts for nothing.
    Reversed,
    /// Declined by the host.
    Declined,
    /// No usable answer.
    Failed,
    /// Sent, no answer yet.
    Pending,
}

impl From<CoreHistoryStatus> for HistoryStatus {
    fn from(s: CoreHistoryStatus) -> Self {
        match s {
            CoreHistoryStatus::Approved => HistoryStatus::Approved,
            CoreHistoryStatus::Voided => HistoryStatus::Voided,
            CoreHistoryStatus::Reversed => HistoryStatus::Reversed,
            CoreHistoryStatus::Declined => HistoryStatus::Declined,
            CoreHistoryStatus::Failed => HistoryStatus::Failed,
            CoreHistoryStatus::Pending => HistoryStatus::Pending,
        }
    }
}

impl From<HistoryStatus> for CoreHistoryStatus {
    fn from(s: HistoryStatus) -> Self {
        match s {
            HistoryStatus::Approved => CoreHistoryStatus::Approved,
            HistoryStatus::Voided => CoreHistoryStatus::Voided,
            HistoryStatus::Reversed => CoreHistoryStatus::Reversed,
            HistoryStatus::Declined => CoreHistoryStatus::Declined,
            HistoryStatus::Failed => CoreHistoryStatus::Failed,
            HistoryStatus::Pending => CoreHistoryStatus::Pending,
        }
    }
}

/// The card scheme, from the masked card's leading digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum CardScheme {
    /// 银联 China UnionPay.
    UnionPay,
    /// Visa.
    Visa,
    /// Mastercard.
    Mastercard,
    /// JCB.
    Jcb,
    /// American Express.
    Amex,
    /// Anything else.
    Other,
}

impl From<CoreScheme> for CardScheme {
    fn from(s: CoreScheme) -> Self {
        match s {
            CoreScheme::UnionPay => CardScheme::UnionPay,
            CoreScheme::Visa => CardScheme::Visa,
            CoreScheme::Mastercard => CardScheme::Mastercard,
            CoreScheme::Jcb => CardScheme::Jcb,
            CoreScheme::Amex => CardScheme::Amex,
            CoreScheme::Other => CardScheme::Other,
        }
    }
}

impl From<CardScheme> for CoreScheme {
    fn from(s: CardScheme) -> Self {
        match s {
            CardScheme::UnionPay => CoreScheme::UnionPay,
            CardScheme::Visa => CoreScheme::Visa,
            CardScheme::Mastercard => CoreScheme::Mastercard,
            CardScheme::Jcb => CoreScheme::Jcb,
            CardScheme::Amex => CoreScheme::Amex,
            CardScheme::Other => CoreScheme::Other,
        }
    }
}

/// Which transactions a history page lists; empty lists and absent bounds do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct HistoryQuery {
    /// First local day included, `YYYY-MM-DD`.
    #[uniffi(default)]
    pub from_day: Option<String>,
    /// Last local day included, `YYYY-MM-DD`.
    #[uniffi(default)]
    pub to_day: Option<String>,
    /// Any of these types.
    #[uniffi(default)]
    pub kinds: Vec<TxnKind>,
    /// Any of these statuses.
    #[uniffi(default)]
    pub statuses: Vec<HistoryStatus>,
    /// Any of these card schemes (rows without a card never match).
    #[uniffi(default)]
    pub schemes: Vec<CardScheme>,
    /// Smallest amount, minor units, included.
    #[uniffi(default)]
    pub min_minor: Option<i64>,
    /// Largest amount, minor units, included.
    #[uniffi(default)]
    pub max_minor: Option<i64>,
}

/// A bound of the query as minor units (never negative).
fn bound(minor: Option<i64>, zh: &str, en: &str) -> Result<Option<u64>, PosError> {
    minor
        .map(|m| {
            u64::try_from(m)
                .map_err(|_| PosError::invalid(&format!("{zh}不能为负"), &format!("The {en} cannot be negative")))
        })
        .transpose()
}

impl TryFrom<&HistoryQuery> for HistoryFilter {
    type Error = PosError;

    fn try_from(q: &HistoryQuery) -> Result<Self, PosError> {
        let day = |s: &Option<String>| s.as_deref().map(|d| Day::parse(d.trim())).transpose();
        Ok(HistoryFilter {
            from: day(&q.from_day).map_err(pos_core::Error::from)?,
            to: day(&q.to_day).map_err(pos_core::Error::from)?,
            types: q.kinds.iter().copied().map(TxnType::from).collect(),
            statuses: q.statuses.iter().copied().map(CoreHistoryStatus::from).collect(),
            schemes: q.schemes.iter().copied().map(CoreScheme::from).collect(),
            min_amount: bound(q.min_minor, "最小金额", "minimum amount")?,
            max_amount: bound(q.max_minor, "最大金额", "maximum amount")?,
        })
    }
}

/// One transaction of a history page, masked: no card data beyond first 6 / last 4.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HistoryEntry {
    /// The journal row.
    pub txn_id: i64,
    /// Type.
    pub kind: TxnKind,
    /// Where it stands.
    pub status: HistoryStatus,
    /// Amount.
    pub amount: Option<Money>,
    /// The card, masked.
    pub masked_pan: Option<String>,
    /// The card scheme from the card's leading digits.
    pub scheme: Option<CardScheme>,
    /// Batch.
    pub batch: u32,
    /// Field 11.
    pub stan: u32,
    /// Slip number (for a reprint).
    pub voucher: Option<u32>,
    /// Field 39 of the answer.
    pub response_code: Option<String>,
    /// Field 37.
    pub rrn: Option<String>,
    /// Field 38.
    pub auth_code: Option<String>,
    /// Approved offline (store and forward).
    pub offline: bool,
    /// Created (RFC 3339 local time).
    pub created_at: String,
}

impl TryFrom<&HistoryItem> for HistoryEntry {
    type Error = PosError;

    fn try_from(i: &HistoryItem) -> Result<Self, PosError> {
        let kind = type_of(i.txn_type).ok_or_else(|| PosError::internal("unknown transaction type in the journal"))?;
        Ok(HistoryEntry {
            txn_id: i.id,
            kind: kind.into(),
            status: i.status.into(),
            amount: i.amount_minor.zip(i.currency).map(|(minor, currency)| Money {
                minor: i64::try_from(minor).unwrap_or(i64::MAX),
                currency: currency.to_string(),
            }),
            masked_pan: i.masked_pan.clone(),
            scheme: i.scheme.map(CardScheme::from),
            batch: i.batch,
            stan: i.stan,
            voucher: i.voucher,
            response_code: i.response_code.clone(),
            rrn: i.rrn.clone(),
            auth_code: i.auth_code.clone(),
            offline: i.offline,
            created_at: i.created_at.clone(),
        })
    }
}

/// One page of history, newest first.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HistoryPage {
    /// The rows.
    pub entries: Vec<HistoryEntry>,
    /// This page, from 1.
    pub page: u32,
    /// Rows per page.
    pub page_size: u32,
    /// Rows matching the query.
    pub total: u64,
    /// Pages in all (0 when nothing matches).
    pub pages: u64,
}

impl TryFrom<&CorePage> for HistoryPage {
    type Error = PosError;

    fn try_from(p: &CorePage) -> Result<Self, PosError> {
        Ok(HistoryPage {
            entries: p.items.iter().map(HistoryEntry::try_from).collect::<Result<_, _>>()?,
            page: p.page,
            page_size: p.page_size,
            total: p.total,
            pages: p.pages,
        })
    }
}

#[uniffi::export]
impl Terminal {
    /// Page `page` (from 1) of the transactions matching `query`, `page_size` rows each (1-500;
    /// absent: 20), newest first. A page past the last is empty.
    pub fn history_page(
        &self,
        query: HistoryQuery,
        page: u32,
        page_size: Option<u32>,
    ) -> Result<HistoryPage, PosError> {
        let filter = HistoryFilter::try_from(&query)?;
        HistoryPage::try_from(&self.core().history(&filter, page, page_size)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_becomes_the_cores_filter() {
        let q = HistoryQuery {
            from_day: Some("2025-03-01".into()),
            to_day: Some(" 2025-03-02 ".into()),
            kinds: vec![TxnKind::Sale, TxnKind::Refund],
            statuses: vec![HistoryStatus::Approved, HistoryStatus::Declined],
            schemes: vec![CardScheme::UnionPay, CardScheme::Visa],
            min_minor: Some(1_000),
            max_minor: Some(50_000),
        };
        let f = HistoryFilter::try_from(&q).unwrap();
        assert_eq!(f.from.map(|d| d.to_string()).as_deref(), Some("2025-03-01"));
        assert_eq!(f.to.map(|d| d.to_string()).as_deref(), Some("2025-03-02"));
        assert_eq!(f.types, vec![TxnType::Sale, TxnType::Refund]);
        assert_eq!(f.statuses, vec![CoreHistoryStatus::Approved, CoreHistoryStatus::Declined]);
        assert_eq!(f.schemes, vec![CoreScheme::UnionPay, CoreScheme::Visa]);
        assert_eq!((f.min_amount, f.max_amount), (Some(1_000), Some(50_000)));
        assert_eq!(HistoryFilter::try_from(&HistoryQuery::default()).unwrap(), HistoryFilter::default());
    }

    #[test]
    fn bad_days_and_negative_amounts_are_refused_in_both_languages() {
        let q = HistoryQuery { from_day: Some("2025-02-30".into()), ..HistoryQuery::default() };
        let e = HistoryFilter::try_from(&q).unwrap_err();
        assert!(matches!(e, PosError::InvalidInput { .. }), "{e:?}");
        assert!(e.zh().contains("YYYY-MM-DD") && e.en().contains("YYYY-MM-DD"), "{e:?}");
        let q = HistoryQuery { max_minor: Some(-1), ..HistoryQuery::default() };
        let e = HistoryFilter::try_from(&q).unwrap_err();
        assert_eq!((e.zh(), e.en()), ("最大金额不能为负", "The maximum amount cannot be negative"));
    }

    #[test]
    fn statuses_schemes_and_kinds_map_both_ways() {
        for s in CoreHistoryStatus::ALL {
            assert_eq!(CoreHistoryStatus::from(HistoryStatus::from(s)), s);
        }
        for s in [
            CoreScheme::UnionPay,
            CoreScheme::Visa,
            CoreScheme::Mastercard,
            CoreScheme::Jcb,
            CoreScheme::Amex,
            CoreScheme::Other,
        ] {
            assert_eq!(CoreScheme::from(CardScheme::from(s)), s);
        }
        for t in TxnType::ALL {
            assert_eq!(TxnType::from(TxnKind::from(t)), t);
        }
    }

    #[test]
    fn a_core_item_becomes_an_entry() {
        let item = HistoryItem {
            id: 7,
            txn_type: "refund",
            status: CoreHistoryStatus::Voided,
            amount_minor: Some(1_234),
            currency: Some("CNY"),
            masked_pan: Some("622848******0018".into()),
            scheme: Some(CoreScheme::UnionPay),
            batch: 3,
            stan: 42,
            voucher: Some(17),
            response_code: Some("00".into()),
            rrn: None,
            auth_code: None,
            offline: false,
            created_at: "2025-03-01T14:05:09+08:00".into(),
        };
        let e = HistoryEntry::try_from(&item).unwrap();
        assert_eq!(e.kind, TxnKind::Refund);
        assert_eq!(e.status, HistoryStatus::Voided);
        assert_eq!(e.amount, Some(Money { minor: 1_234, currency: "CNY".into() }));
        assert_eq!((e.scheme, e.voucher, e.batch, e.stan), (Some(CardScheme::UnionPay), Some(17), 3, 42));
        let unknown = HistoryItem { txn_type: "teleport", ..item };
        assert!(matches!(HistoryEntry::try_from(&unknown), Err(PosError::Internal { .. })));
    }
}
