//! The daily summary as text (bilingual, for the screen or a slip), JSON and CSV.

use std::fmt::Write;

use super::error::ReportError;
use super::summary::{DailySummary, Figure};
use crate::i18n::Bilingual;
use crate::journal::{scheme_of, type_of, HistoryStatus};
use crate::vocab;

/// How to write a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReportFormat {
    /// Aligned bilingual lines.
    #[default]
    Text,
    /// One JSON object.
    Json,
    /// `section,key,count,amount_minor` with a header line.
    Csv,
}

impl ReportFormat {
    /// Reads `text`, `json` or `csv`.
    pub fn parse(s: &str) -> Result<ReportFormat, ReportError> {
        match s {
            "text" => Ok(ReportFormat::Text),
            "json" => Ok(ReportFormat::Json),
            "csv" => Ok(ReportFormat::Csv),
            _ => Err(ReportError::BadFilter {
                zh: format!("报表格式应为 text、json 或 csv：{s}"),
                en: format!("Report format must be text, json or csv: {s}"),
            }),
        }
    }
}

/// Minor units as `1234.56` (two decimals: CNY and the currencies the terminal takes).
pub fn major(minor: u64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

impl DailySummary {
    /// The summary in `format`.
    pub fn render(&self, format: ReportFormat) -> String {
        match format {
            ReportFormat::Text => self.to_text(),
            // Serializing plain maps and numbers cannot fail; an empty object is the fallback.
            ReportFormat::Json => serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into()),
            ReportFormat::Csv => self.to_csv(),
        }
    }

    /// The summary as bilingual text.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let line = |out: &mut String, label: &str, f: &Figure| {
            let _ = writeln!(out, "  {label:<28} {:>6}  {:>14}", f.count, major(f.amount_minor));
        };
        let _ = writeln!(out, "日结汇总 / Daily summary  {}  ({})", self.day, self.currency);
        let _ = writeln!(out, "交易笔数 / Transactions: {}", self.transactions);
        line(&mut out, &both(vocab::history_status(HistoryStatus::Approved)), &self.approved);
        line(&mut out, "联机 / Online", &self.online);
        line(&mut out, "离线 / Offline", &self.offline);
        line(&mut out, &both(vocab::history_status(HistoryStatus::Voided)), &self.voided);
        line(&mut out, &both(vocab::history_status(HistoryStatus::Reversed)), &self.reversed);
        line(&mut out, &both(vocab::history_status(HistoryStatus::Declined)), &self.declined);
        let _ = writeln!(out, "  {:<28} {:>6}", both(vocab::history_status(HistoryStatus::Failed)), self.failed);
        let _ = writeln!(out, "  {:<28} {:>6}", both(vocab::history_status(HistoryStatus::Pending)), self.pending);
        let _ = writeln!(out, "按交易类型 / By type");
        for (k, f) in &self.by_type {
            let label = type_of(k).map(|t| format!("{} / {}", t.zh(), t.en())).unwrap_or_else(|| k.clone());
            line(&mut out, &label, f);
        }
        let _ = writeln!(out, "按卡组织 / By card scheme");
        for (k, f) in &self.by_scheme {
            let label = scheme_of(k).map(|s| format!("{} / {}", s.zh(), s.en())).unwrap_or_else(|| k.clone());
            line(&mut out, &label, f);
        }
        let _ = writeln!(out, "按小时 / By hour");
        for (h, f) in &self.by_hour {
            line(&mut out, &format!("{h:02}:00-{h:02}:59"), f);
        }
        let _ = writeln!(out, "拒绝原因 / Declines by response code");
        for (code, n) in &self.declines_by_code {
            let text = crate::response_code::ResponseCode::parse(code)
                .map(|c| format!("{} / {}", c.zh(), c.en()))
                .unwrap_or_else(|| code.clone());
            let _ = writeln!(out, "  {text:<28} {n:>6}");
        }
        out
    }

    /// The summary as CSV: one row per figure, keys in stable (English) names.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("section,key,count,amount_minor\n");
        let mut row = |section: &str, key: &str, count: u64, amount: u64| {
            let _ = writeln!(out, "{section},{},{count},{amount}", csv_field(key));
        };
        row("total", "transactions", self.transactions, 0);
        for (k, f) in [
            ("approved", &self.approved),
            ("online", &self.online),
            ("offline", &self.offline),
            ("voided", &self.voided),
            ("reversed", &self.reversed),
            ("declined", &self.declined),
        ] {
            row("total", k, f.count, f.amount_minor);
        }
        row("total", "failed", self.failed, 0);
        row("total", "pending", self.pending, 0);
        for (k, f) in &self.by_type {
            row("type", k, f.count, f.amount_minor);
        }
        for (k, f) in &self.by_scheme {
            row("scheme", k, f.count, f.amount_minor);
        }
        for (h, f) in &self.by_hour {
            row("hour", &format!("{h:02}"), f.count, f.amount_minor);
        }
        for (code, n) in &self.declines_by_code {
            row("decline", code, *n, 0);
        }
        out
    }
}

/// A CSV field, quoted when it holds a separator, quote or line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// "中文 / English" of a vocabulary term, as the text report shows every label.
fn both(t: vocab::Term) -> String {
    format!("{} / {}", t.zh, capitalised(t.en))
}

/// `en` with its first letter upper case (labels start a line).
fn capitalised(en: &str) -> String {
    let mut c = en.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}
