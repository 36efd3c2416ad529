//! The settlement slip (结算总计单): batch totals per debit and credit, and the host's verdict.

use super::labels::{self, Label};
use super::layout::Doc;
use super::model::{clean_merchant, clean_operator, MerchantInfo};
use super::slip::{date_time, header};
use crate::clock::Timestamp;
use crate::devices::printer::{str_columns, Align, PaperWidth};
use crate::iso8583::{BatchNo, Reconciliation};
use crate::money::Amount;

/// Width of the count column.
const COUNT_COLS: usize = 6;
/// Width of the amount column: 12 digits, point, sign.
const AMOUNT_COLS: usize = 15;

/// Counts and sums of one card section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardTotals {
    /// Sales and completions.
    pub debit_count: u32,
    /// Their sum.
    pub debit_amount: Amount,
    /// Refunds.
    pub credit_count: u32,
    /// Their sum.
    pub credit_amount: Amount,
}

/// What a settlement slip shows; the settlement logic that fills it comes with settlement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementSlip {
    /// The merchant and terminal.
    pub merchant: MerchantInfo,
    /// Who settled.
    pub operator: String,
    /// The batch closed.
    pub batch: BatchNo,
    /// When settlement ran.
    pub settled_at: Timestamp,
    /// Domestic (UnionPay) cards.
    pub domestic: CardTotals,
    /// Foreign cards, if the terminal takes them.
    pub foreign: Option<CardTotals>,
    /// The host's verdict, once known.
    pub result: Option<Reconciliation>,
    /// A second print.
    pub reprint: bool,
}

/// "12.34" or "-12.34" from a signed count of minor units.
fn signed(minor: i128, exponent: u8) -> String {
    let scale = 10i128.pow(u32::from(exponent));
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.abs();
    if exponent == 0 {
        format!("{sign}{m}")
    } else {
        format!("{sign}{}.{:0w$}", m / scale, m % scale, w = usize::from(exponent))
    }
}

/// One table row: name left, count and amount right-aligned in their columns.
fn row(d: &mut Doc, name: &str, count: &str, amount: &str) {
    let name_cols = d.columns().saturating_sub(COUNT_COLS + AMOUNT_COLS);
    let pad = |s: &str, w: usize| " ".repeat(w.saturating_sub(str_columns(s)));
    d.text(&format!(
        "{name}{}{}{count}{}{amount}",
        pad(name, name_cols),
        pad(count, COUNT_COLS),
        pad(amount, AMOUNT_COLS)
    ));
}

fn section(d: &mut Doc, title: Label, t: &CardTotals) {
    d.styled(&title.both(), Align::Left, true, (1, 1));
    let exp = t.debit_amount.currency().exponent;
    let debit = i128::from(t.debit_amount.minor());
    let credit = i128::from(t.credit_amount.minor());
    row(d, &labels::DEBIT.both(), &t.debit_count.to_string(), &signed(debit, exp));
    row(d, &labels::CREDIT.both(), &t.credit_count.to_string(), &signed(credit, exp));
    row(d, &labels::NET.both(), "", &signed(debit - credit, exp));
}

impl SettlementSlip {
    /// The slip as ESC/POS for a paper width.
    pub fn render(&self, width: PaperWidth) -> Vec<u8> {
        let mut d = Doc::new(width);
        let merchant = clean_merchant(&self.merchant);
        header(&mut d, labels::SETTLEMENT_TITLE, &merchant, &clean_operator(&self.operator), self.reprint);
        d.pair(&labels::BATCH_NO.both(), &self.batch.to_string(), false);
        d.pair(&labels::DATE_TIME.both(), &date_time(&self.settled_at.civil()), false);
        d.rule('-');
        row(&mut d, labels::COL_TYPE.zh, labels::COL_COUNT.zh, labels::COL_AMOUNT.zh);
        row(&mut d, labels::COL_TYPE.en, labels::COL_COUNT.en, labels::COL_AMOUNT.en);
        section(&mut d, labels::DOMESTIC, &self.domestic);
        if let Some(f) = &self.foreign {
            section(&mut d, labels::FOREIGN, f);
        }
        d.rule('-');
        if let Some(r) = self.result {
            d.pair(&labels::RESULT.both(), &labels::reconciliation(r).both(), false);
        }
        if self.reprint {
            super::slip::mark(&mut d, labels::REPRINT);
        }
        d.to_escpos()
    }
}
