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
    /// The summary in `format` (text in both languages).
    pub fn render(&self, format: ReportFormat) -> String {
        self.render_in(format, None)
    }

    /// The summary in `format`, its text in `lang` (both when `None`).
    pub fn render_in(&self, format: ReportFormat, lang: Option<crate::i18n::Lang>) -> String {
        match format {
            ReportFormat::Text => self.to_text_in(lang),
            // Serializing plain maps and numbers cannot fail; an empty object is the fallback.
            ReportFormat::Json => serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into()),
            ReportFormat::Csv => self.to_csv(),
        }
    }

    /// The summary as bilingual text.
    pub fn to_text(&self) -> String {
        self.to_text_in(None)
    }

    /// The summary as text in `lang` (both languages when `None`).
    pub(crate) fn to_text_in(&self, lang: Option<crate::i18n::Lang>) -> String {
        let pick = |zh: &str, en: &str| match lang {
            Some(crate::i18n::Lang::Zh) => zh.to_string(),
            Some(crate::i18n::Lang::En) => en.to_string(),
            None => format!("{zh} / {en}"),
        };
        let both = |t: vocab::Term| pick(t.zh, &t.en_label());
        let mut out = String::new();
        let line = |out: &mut String, label: &str, f: &Figure| {
            let _ = writeln!(out, "  {} {:>6}  {:>14}", pad(label, 28), f.count, major(f.amount_minor));
        };
        let _ = writeln!(out, "{}  {}  ({})", pick("日结汇总", "Daily summary"), self.day, self.currency);
        let _ = writeln!(out, "{}: {}", pick("交易笔数", "Transactions"), self.transactions);
        line(&mut out, &both(vocab::history_status(HistoryStatus::Approved)), &self.approved);
        line(&mut out, &pick("联机", "Online"), &self.online);
        line(&mut out, &pick("离线", "Offline"), &self.offline);
        line(&mut out, &both(vocab::history_status(HistoryStatus::Voided)), &self.voided);
        line(&mut out, &both(vocab::history_status(HistoryStatus::Reversed)), &self.reversed);
        line(&mut out, &both(vocab::history_status(HistoryStatus::Declined)), &self.declined);
        let _ = writeln!(out, "  {} {:>6}", pad(&both(vocab::history_status(HistoryStatus::Failed)), 28), self.failed);
        let _ =
            writeln!(out, "  {} {:>6}", pad(&both(vocab::history_status(HistoryStatus::Pending)), 28), self.pending);
        let _ = writeln!(out, "{}", pick("结算口径", "As the settlement counts"));
        line(&mut out, &pick("借记（消费类）", "Debits"), &self.debit);
        line(&mut out, &pick("贷记（退货）", "Credits"), &self.credit);
        let net = if self.net_minor < 0 {
            format!("-{}", major(self.net_minor.unsigned_abs()))
        } else {
            major(self.net_minor.unsigned_abs())
        };
        let _ = writeln!(out, "  {} {:>6}  {:>14}", pad(&pick("净额", "Net sales"), 28), "", net);
        let _ = writeln!(out, "{}", pick("按交易类型", "By type"));
        for (k, f) in &self.by_type {
            let label = type_of(k).map(|t| both(vocab::txn_type(t))).unwrap_or_else(|| k.clone());
            line(&mut out, &label, f);
        }
        let _ = writeln!(out, "{}", pick("按卡组织", "By card scheme"));
        for (k, f) in &self.by_scheme {
            let label = scheme_of(k).map(|s| both(vocab::card_scheme(s))).unwrap_or_else(|| k.clone());
            line(&mut out, &label, f);
        }
        let _ = writeln!(out, "{}", pick("按小时", "By hour"));
        for (h, f) in &self.by_hour {
            line(&mut out, &format!("{h:02}:00-{h:02}:59"), f);
        }
        let _ = writeln!(out, "{}", pick("拒绝原因", "Declines by response code"));
        for (code, n) in &self.declines_by_code {
            let text = crate::response_code::ResponseCode::parse(code)
                .map(|c| pick(&c.zh(), &c.en()))
                .unwrap_or_else(|| code.clone());
            let _ = writeln!(out, "  {} {n:>6}", pad(&text, 28));
        }
        out
    }

    /// The summary as CSV: one row per figure, keys in stable (English) names.
    pub(crate) fn to_csv(&self) -> String {
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

/// `s` padded to `columns` display columns (a Chinese character takes two), so the figures
/// line up after Chinese labels.
fn pad(s: &str, columns: usize) -> String {
    let width = crate::devices::printer::str_columns(s);
    format!("{s}{}", " ".repeat(columns.saturating_sub(width)))
}
