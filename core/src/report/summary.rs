//! The daily summary: counts and amounts by type, card scheme, hour, offline vs online, and
//! declines by response code, computed from the journal rows of one local day.
//!
//! "Approved" means approved and not reversed at the host; a voided sale still counts as a
//! sale (and its void as a void), the voided originals are also shown on their own line. That
//! line adds every type; the debit and credit totals and the net are what the settlement
//! counts (voided, cancelled and reversed payments left out).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::clock::{CivilTime, Day};
use crate::iso8583::TxnType;
use crate::journal::{scheme_key, type_name, HistoryStatus, TxnRecord};

/// A count and the sum of amounts, minor units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Figure {
    /// Transactions.
    pub count: u64,
    /// Sum of their amounts, minor units.
    pub amount_minor: u64,
}

impl Figure {
    fn add(&mut self, r: &TxnRecord) {
        self.count += 1;
        self.amount_minor = self.amount_minor.saturating_add(r.amount.map(|a| a.minor()).unwrap_or(0));
    }
}

/// One day's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DailySummary {
    /// The local day.
    pub day: Day,
    /// Currency of the amounts (ISO 4217 alpha), CNY when the day has none.
    pub currency: String,
    /// Every journal row of the day, whatever its outcome.
    pub transactions: u64,
    /// Approved and not reversed.
    pub approved: Figure,
    /// Approved rows by type (stable names: `sale`, `void`, ...).
    pub by_type: BTreeMap<String, Figure>,
    /// Approved rows with a card, by scheme from the masked PAN's BIN.
    pub by_scheme: BTreeMap<String, Figure>,
    /// Approved rows by local hour (0-23) of the request.
    pub by_hour: BTreeMap<u8, Figure>,
    /// Approved online.
    pub online: Figure,
    /// Approved offline (store and forward).
    pub offline: Figure,
    /// Approved, then voided or cancelled.
    pub voided: Figure,
    /// Reversed at the host.
    pub reversed: Figure,
    /// Declined.
    pub declined: Figure,
    /// Declines by response code (field 39).
    pub declines_by_code: BTreeMap<String, u64>,
    /// No usable answer.
    pub failed: u64,
    /// Still waiting for an answer.
    pub pending: u64,
    /// What the settlement counts as debits: sales, completions and offline sales that stand
    /// (not voided, cancelled or reversed).
    pub debit: Figure,
    /// What the settlement counts as credits: refunds that stand.
    pub credit: Figure,
    /// Debits minus credits: the day's net sales, minor units (negative when refunds exceed sales).
    pub net_minor: i64,
}

impl DailySummary {
    /// Sums `rows` (the journal rows of `day`).
    pub fn from_records(day: Day, rows: &[TxnRecord]) -> DailySummary {
        let mut s = DailySummary::empty(day);
        for r in rows {
            s.add(r);
        }
        s.finish();
        s
    }

    /// A summary of `day` with nothing counted yet: [`DailySummary::add`] each row, then
    /// [`DailySummary::finish`] (a long day's rows need not be held in memory).
    pub fn empty(day: Day) -> DailySummary {
        DailySummary {
            day,
            currency: String::new(),
            transactions: 0,
            approved: Figure::default(),
            by_type: BTreeMap::new(),
            by_scheme: BTreeMap::new(),
            by_hour: BTreeMap::new(),
            online: Figure::default(),
            offline: Figure::default(),
            voided: Figure::default(),
            reversed: Figure::default(),
            declined: Figure::default(),
            declines_by_code: BTreeMap::new(),
            failed: 0,
            pending: 0,
            debit: Figure::default(),
            credit: Figure::default(),
            net_minor: 0,
        }
    }

    /// Counts one journal row of the day.
    pub fn add(&mut self, r: &TxnRecord) {
        let s = self;
        s.transactions += 1;
        if s.currency.is_empty() {
            if let Some(a) = r.amount {
                s.currency = a.currency().alpha().into();
            }
        }
        match HistoryStatus::of(r) {
            HistoryStatus::Approved | HistoryStatus::Voided => {
                if HistoryStatus::of(r) == HistoryStatus::Voided {
                    s.voided.add(r);
                }
                s.approved.add(r);
                s.by_type.entry(type_name(r.txn_type).into()).or_default().add(r);
                if let Some(card) = &r.masked_pan {
                    s.by_scheme.entry(scheme_key(card.scheme()).into()).or_default().add(r);
                }
                if let Some(h) = CivilTime::parse_local(&r.created_at).map(|c| c.hour) {
                    s.by_hour.entry(h).or_default().add(r);
                }
                if r.txn_type == TxnType::OfflineSale {
                    s.offline.add(r);
                } else {
                    s.online.add(r);
                }
            }
            HistoryStatus::Reversed => s.reversed.add(r),
            HistoryStatus::Declined => {
                s.declined.add(r);
                let code = r.response_code.as_ref().map(|c| c.as_str().to_string()).unwrap_or_default();
                *s.declines_by_code.entry(code).or_default() += 1;
            }
            HistoryStatus::Failed => s.failed += 1,
            HistoryStatus::Pending => s.pending += 1,
        }
        // The settlement's own rule, so that the report and the settlement slip agree.
        if let Some(c) = crate::settlement::counts_in(r) {
            let f = match c.side {
                crate::iso8583::SettlementSide::Debit => &mut s.debit,
                crate::iso8583::SettlementSide::Credit => &mut s.credit,
            };
            f.count += 1;
            f.amount_minor += c.amount;
        }
    }

    /// Ends the count: the net, and the currency when no row had an amount.
    pub fn finish(&mut self) {
        let s = self;
        if s.currency.is_empty() {
            s.currency = "CNY".into();
        }
        let signed = |f: &Figure| i64::try_from(f.amount_minor).unwrap_or(i64::MAX);
        s.net_minor = signed(&s.debit).saturating_sub(signed(&s.credit));
    }
}
