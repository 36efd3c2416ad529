//! The demo's record of the day: what the JSON summary prints and the HTML report shows.
//!
//! Everything here is read back from the terminal's journal, its queue and audit trail, and
//! the simulator's ledger after the day is over; nothing is what the script meant to do.

use serde::Serialize;

use pos_core::DailySummary;
use pos_core::RiskReport;

/// The day, as scripts and the report read it.
#[derive(Debug, Clone, Serialize)]
pub struct DemoSummary {
    /// Layout version of this JSON.
    pub schema: u32,
    /// The options the day ran with.
    pub run: RunInfo,
    /// Merchant and terminal.
    pub merchant: MerchantInfo,
    /// The local day played, `YYYY-MM-DD`.
    pub day: String,
    /// Every journal row of the day in order, masked.
    pub transactions: Vec<DemoTxn>,
    /// The terminal's daily summary (by type, scheme, hour; online/offline; declines).
    pub daily: DailySummary,
    /// Payments stored offline and what became of them.
    pub offline: Vec<OfflineFate>,
    /// Automatic reversals of the day.
    pub reversals: Vec<ReversalEntry>,
    /// Risk evaluations that fired a rule, and the day's risk report.
    pub risk: RiskSection,
    /// Day-end settlement.
    pub settlement: Option<SettlementInfo>,
    /// Every slip printed, with its files under the output directory.
    pub receipts: Vec<ReceiptFile>,
    /// The terminal's figures against the acquirer's ledger.
    pub ledger: LedgerCheck,
    /// The design's guarantees, checked after the day.
    pub invariants: Vec<Invariant>,
    /// Every invariant holds.
    pub ok: bool,
}

/// The options of the run.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    /// Seed of amounts, cards, times and faults.
    pub seed: u64,
    /// Card payments asked for (sales beyond the scripted events).
    pub payments: u32,
    /// Fault level: `none`, `some` or `many`.
    pub faults: String,
    /// Operator language: `zh`, `en` or `both`.
    pub lang: String,
    /// The simulator's address (loopback, free port).
    pub acquirer: String,
}

/// Who is trading.
#[derive(Debug, Clone, Serialize)]
pub struct MerchantInfo {
    /// Merchant name as printed.
    pub name: String,
    /// Terminal id (field 41).
    pub tid: String,
    /// Merchant id (field 42).
    pub mid: String,
    /// ISO 4217 alpha code of every amount.
    pub currency: String,
}

/// One journal row.
#[derive(Debug, Clone, Serialize)]
pub struct DemoTxn {
    /// Local time `HH:MM:SS`.
    pub time: String,
    /// Local hour 0-23.
    pub hour: u8,
    /// Stable type name (`sale`, `void`, `refund`, `pre_auth`, `offline_sale`, ...).
    pub kind: String,
    /// Type in Chinese.
    pub kind_zh: String,
    /// Type in English.
    pub kind_en: String,
    /// Amount, minor units.
    pub amount_minor: Option<u64>,
    /// Card, first 6 + last 4.
    pub card: Option<String>,
    /// Card scheme key (`unionpay`, `visa`, ...).
    pub scheme: Option<String>,
    /// Where it stands (`approved`, `declined`, `reversed`, `stored`, ...).
    pub status: String,
    /// Field 39.
    pub response_code: Option<String>,
    /// STAN.
    pub stan: String,
    /// Voucher (slip) number.
    pub voucher: Option<String>,
    /// Retrieval reference number.
    pub rrn: Option<String>,
    /// Approved offline (store and forward).
    pub offline: bool,
}

/// An offline payment's fate.
#[derive(Debug, Clone, Serialize)]
pub struct OfflineFate {
    /// Voucher number.
    pub voucher: String,
    /// Card, masked.
    pub card: String,
    /// Amount, minor units.
    pub amount_minor: u64,
    /// When it was stored, `HH:MM:SS`.
    pub stored_at: String,
    /// `accepted`, `declined`, `waiting`, `expired`, ...
    pub fate: String,
    /// The host's field 39 on upload.
    pub response_code: Option<String>,
}

/// One automatic reversal.
#[derive(Debug, Clone, Serialize)]
pub struct ReversalEntry {
    /// STAN of the reversed request.
    pub stan: String,
    /// Type reversed.
    pub kind: String,
    /// Amount, minor units.
    pub amount_minor: Option<u64>,
    /// Why (in English), e.g. the answer never came.
    pub reason: String,
    /// `acknowledged`, `pending`, `attention`.
    pub state: String,
}

/// Risk events and the day's report.
#[derive(Debug, Clone, Serialize)]
pub struct RiskSection {
    /// Evaluations where a rule fired.
    pub events: Vec<RiskEvent>,
    /// The terminal's risk report of the day.
    pub report: RiskReport,
}

/// One evaluation where rules fired.
#[derive(Debug, Clone, Serialize)]
pub struct RiskEvent {
    /// Local time `HH:MM:SS`.
    pub time: String,
    /// Rules fired.
    pub rules: Vec<String>,
    /// What happened (`proceeded`, `confirmed`, `blocked`, `awaiting_confirmation`, ...).
    pub decision: String,
    /// Why, in Chinese.
    pub reason_zh: String,
    /// Why, in English.
    pub reason_en: String,
    /// Amount, minor units.
    pub amount_minor: u64,
}

/// Day-end settlement.
#[derive(Debug, Clone, Serialize)]
pub struct SettlementInfo {
    /// The batch settled.
    pub batch: String,
    /// The host's totals agreed at once (no upload needed).
    pub balanced: bool,
    /// Items sent in the batch upload.
    pub uploaded: u32,
    /// Debits: count and amount, minor units.
    pub debit_count: u64,
    /// Debit amount, minor units.
    pub debit_minor: u64,
    /// Credits: count.
    pub credit_count: u64,
    /// Credit amount, minor units.
    pub credit_minor: u64,
    /// The batch open after it.
    pub next_batch: String,
    /// The settlement slip, relative to the output directory.
    pub slip_png: String,
    /// Its text.
    pub slip_txt: String,
}

/// A printed slip.
#[derive(Debug, Clone, Serialize)]
pub struct ReceiptFile {
    /// Voucher number (`settlement` for the settlement slip).
    pub voucher: String,
    /// `merchant`, `cardholder` or `settlement`.
    pub copy: String,
    /// Type of the transaction, stable name.
    pub kind: String,
    /// The PNG, relative to the output directory.
    pub png: String,
    /// The text, relative to the output directory.
    pub txt: String,
}

/// The terminal against the acquirer.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerCheck {
    /// Net of the day in the terminal's journal (debits - credits), minor units.
    pub terminal_net_minor: i64,
    /// The same in the acquirer simulator's ledger for this terminal.
    pub acquirer_net_minor: i64,
    /// Approved money-moving rows at the acquirer in force.
    pub acquirer_rows: u64,
    /// The simulator's own ledger invariants hold.
    pub acquirer_consistent: bool,
}

/// One guarantee of the design, checked.
#[derive(Debug, Clone, Serialize)]
pub struct Invariant {
    /// Stable id, e.g. `no_pending_reversal`.
    pub id: String,
    /// What it says, in Chinese.
    pub zh: String,
    /// What it says, in English.
    pub en: String,
    /// It holds.
    pub ok: bool,
    /// What was measured.
    pub detail: String,
}
