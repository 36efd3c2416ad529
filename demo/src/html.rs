//! The HTML day report: one self-contained page (inline CSS and SVG, no scripts, nothing
//! fetched from a network) that a browser opens straight from the output directory.
//!
//! The only files it refers to are the receipt PNGs and texts, by their paths relative to
//! the output directory, so the directory can be moved or zipped whole. Every string from
//! the summary is escaped, and amounts are printed from integer minor units: no floating
//! point anywhere, so a figure on the page is exactly the figure in the JSON.

use std::fmt::Write as _;

use pos_core::Figure;
use pos_core::ResponseCode;
use pos_core::{scheme_of, type_of};
use pos_core::{Bilingual, Lang};

use crate::summary::{DemoSummary, RiskSection, SettlementInfo};

/// Fill of the chart's bars; the screenshot test looks for this colour to prove the chart was drawn.
pub const BAR_FILL: &str = "#c0392b";

/// The report page of `summary`; `lang` `None` labels everything "中文 / English".
pub fn render(summary: &DemoSummary, lang: Option<Lang>) -> String {
    let tr = Tr(lang);
    let mut out = String::with_capacity(64 * 1024);
    let title = format!("{} · {} · {}", tr.t("日终报告", "Day report"), summary.merchant.name, summary.day);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        tr.html_lang(),
        escape(&title)
    );
    header(&mut out, summary, tr);
    hourly(&mut out, summary, tr);
    totals(&mut out, summary, tr);
    settlement(&mut out, summary.settlement.as_ref(), tr);
    offline(&mut out, summary, tr);
    reversals(&mut out, summary, tr);
    risk(&mut out, &summary.risk, tr);
    ledger(&mut out, summary, tr);
    invariants(&mut out, summary, tr);
    transactions(&mut out, summary, tr);
    receipts(&mut out, summary, tr);
    let _ = write!(
        out,
        "<footer>{}</footer>\n</main>\n</body>\n</html>\n",
        escape(&tr.t(
            "由 pos demo 生成；本页自包含，不访问网络。",
            "Written by pos demo; the page is self-contained and loads nothing from a network."
        ))
    );
    out
}

/// `s` made safe for HTML text and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Minor units as yuan with two decimals and thousands separators: `123456` -> `1,234.56`.
pub fn yuan(minor: u64) -> String {
    format!("{}.{:02}", grouped(minor / 100), minor % 100)
}

/// [`yuan`] of a signed amount (ledger nets can be negative on a day of refunds).
fn yuan_signed(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{}", yuan(minor.unsigned_abs()))
}

/// `1234567` -> `1,234,567`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    // The leading group holds what is left over after the groups of three from the right.
    let lead = match digits.len() % 3 {
        0 => 3,
        r => r,
    };
    let (head, rest) = digits.as_bytes().split_at(lead.min(digits.len()));
    let mut out: String = head.iter().map(|b| char::from(*b)).collect();
    for group in rest.chunks(3) {
        out.push(',');
        out.extend(group.iter().map(|b| char::from(*b)));
    }
    out
}

/// The page's language: `None` shows both, Chinese first.
#[derive(Clone, Copy)]
struct Tr(Option<Lang>);

impl Tr {
    /// A label in the page's language(s).
    fn t(self, zh: &str, en: &str) -> String {
        match self.0 {
            // A name the same in both ("JCB") is shown once.
            None if zh == en => zh.to_string(),
            None => format!("{zh} / {en}"),
            Some(Lang::Zh) => zh.to_string(),
            Some(Lang::En) => en.to_string(),
        }
    }

    /// A core message in the page's language(s).
    fn pick(self, m: &impl Bilingual) -> String {
        self.t(&m.zh(), &m.en())
    }

    /// The `lang` attribute; the bilingual page leads with Chinese, so fonts are picked for it.
    fn html_lang(self) -> &'static str {
        match self.0 {
            Some(Lang::En) => "en",
            _ => "zh-CN",
        }
    }

    /// A stable key of the summary (status, fate, decision...) in words; unknown keys as they are.
    fn term(self, key: &str) -> String {
        // The vocabulary's statuses first (one word per idea everywhere), then the page's own.
        let status = pos_core::vocab::all()
            .into_iter()
            .find(|(g, t)| matches!(*g, "history_status" | "upload_state" | "reversal_state") && t.key == key);
        if let Some((_, t)) = status {
            return self.t(t.zh, &t.en_label());
        }
        match TERMS.iter().find(|(k, _, _)| *k == key) {
            Some((_, zh, en)) => self.t(zh, en),
            None => key.to_string(),
        }
    }

    /// A transaction type's stable name in words, as the slips and the transactions table name it.
    fn kind(self, key: &str) -> String {
        match type_of(key).map(pos_core::vocab::txn_type) {
            Some(label) => self.t(label.zh, &label.en_label()),
            None => self.term(key),
        }
    }

    /// A card scheme's stable name in words.
    fn scheme(self, key: &str) -> String {
        match scheme_of(key) {
            Some(s) => self.pick(&s),
            None => key.to_string(),
        }
    }

    /// A response code with its meaning.
    fn response(self, code: &str) -> String {
        match ResponseCode::parse(code) {
            Some(rc) => self.pick(&rc),
            None if code.is_empty() => "—".to_string(),
            None => code.to_string(),
        }
    }
}

/// The page's own stable keys in Chinese and English (statuses come from the vocabulary).
const TERMS: &[(&str, &str, &str)] = &[
    ("waiting", "待上送", "Waiting"),
    ("attention", "需人工处理", "Needs attention"),
    ("proceeded", "放行", "Proceeded"),
    ("confirmed", "操作员确认", "Confirmed"),
    ("blocked", "拦截", "Blocked"),
    ("awaiting_confirmation", "待确认", "Awaiting confirmation"),
    ("online_required", "须联机", "Online required"),
    ("merchant", "商户存根", "Merchant copy"),
    ("cardholder", "持卡人存根", "Cardholder copy"),
    ("settlement", "结算单", "Settlement"),
    ("none", "无", "None"),
    ("some", "少量", "Some"),
    ("many", "大量", "Many"),
    ("both", "中英双语", "Both"),
    ("zh", "中文", "Chinese"),
    ("en", "英文", "English"),
];

/// A relative path of the output directory as a URL, percent-encoded; `None` when the path
/// is not plainly relative (absolute, with a scheme or drive letter, or climbing out with
/// `..`), which the page then shows as text rather than follow.
fn relative_href(path: &str) -> Option<String> {
    let outside = path.is_empty()
        || path.starts_with(['/', '\\'])
        || path.contains(':')
        || path.split(['/', '\\']).any(|part| part == "..");
    if outside {
        return None;
    }
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    Some(out)
}

/// A link to a file of the output directory, or its path as text when it cannot be linked.
fn file_link(path: &str, label: &str) -> String {
    match relative_href(path) {
        Some(href) => format!("<a href=\"{href}\">{}</a>", escape(label)),
        None => format!("<span class=\"mono\">{}</span>", escape(path)),
    }
}

/// A thumbnail of a receipt PNG that opens the full image.
fn thumbnail(png: &str, alt: &str, class: &str) -> String {
    match relative_href(png) {
        Some(href) => format!("<a href=\"{href}\"><img class=\"{class}\" src=\"{href}\" alt=\"{}\"></a>", escape(alt)),
        None => format!("<span class=\"mono\">{}</span>", escape(png)),
    }
}

/// One table cell.
enum Cell {
    /// Text, escaped.
    Text(String),
    /// A figure: escaped and right-aligned.
    Num(String),
    /// Markup this module built.
    Html(String),
}

/// One table row; `bad` rows are highlighted (failed invariants, declines).
struct Row {
    bad: bool,
    cells: Vec<Cell>,
}

impl Row {
    fn new(cells: Vec<Cell>) -> Row {
        Row { bad: false, cells }
    }
}

/// A table; a header cell is right-aligned when its column holds figures.
fn table(out: &mut String, head: &[String], rows: &[Row]) {
    out.push_str("<table>\n<thead><tr>");
    for (i, label) in head.iter().enumerate() {
        let numeric = rows.first().and_then(|r| r.cells.get(i)).is_some_and(|c| matches!(c, Cell::Num(_)));
        let class = if numeric { " class=\"num\"" } else { "" };
        let _ = write!(out, "<th{class}>{}</th>", escape(label));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        out.push_str(if row.bad { "<tr class=\"bad\">" } else { "<tr>" });
        for cell in &row.cells {
            match cell {
                Cell::Text(s) => {
                    let _ = write!(out, "<td>{}</td>", escape(s));
                }
                Cell::Num(s) => {
                    let _ = write!(out, "<td class=\"num\">{}</td>", escape(s));
                }
                Cell::Html(s) => {
                    let _ = write!(out, "<td>{s}</td>");
                }
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

/// Opens a `<section>` with its heading.
fn section_start(out: &mut String, id: &str, title: &str) {
    let _ = write!(out, "<section id=\"{id}\">\n<h2>{}</h2>\n", escape(title));
}

/// "Nothing here" in place of an empty table.
fn none(out: &mut String, tr: Tr, zh: &str, en: &str) {
    let _ = writeln!(out, "<p class=\"none\">{}</p>", escape(&tr.t(zh, en)));
}

/// An optional amount.
fn opt_yuan(minor: Option<u64>) -> String {
    minor.map(yuan).unwrap_or_else(|| "—".into())
}

/// An optional string.
fn opt(s: Option<&String>) -> String {
    s.cloned().unwrap_or_else(|| "—".into())
}

/// A green OK or red FAILED mark.
fn badge(ok: bool) -> String {
    if ok {
        "<span class=\"badge ok\">OK</span>".into()
    } else {
        "<span class=\"badge bad\">FAILED</span>".into()
    }
}

/// Merchant, terminal, the run's options and the OK / INVARIANT BROKEN banner.
fn header(out: &mut String, s: &DemoSummary, tr: Tr) {
    let _ = write!(
        out,
        "<header class=\"top\">\n<h1>{}</h1>\n<div class=\"sub\">{} · {}</div>\n",
        escape(&s.merchant.name),
        escape(&tr.t("移动收款日终报告", "Mobile POS day report")),
        escape(&s.day)
    );
    let failing: Vec<_> = s.invariants.iter().filter(|i| !i.ok).collect();
    if s.ok {
        let _ = writeln!(
            out,
            "<div class=\"banner ok\">OK — {}</div>",
            escape(&tr.t(
                &format!("全部 {} 项不变量成立", s.invariants.len()),
                &format!("all {} invariants hold", s.invariants.len())
            ))
        );
    } else {
        let _ = write!(
            out,
            "<div class=\"banner bad\">INVARIANT BROKEN — {}\n<ul>",
            escape(
                &tr.t(&format!("{} 项不变量不成立", failing.len()), &format!("{} invariant(s) failed", failing.len()))
            )
        );
        for inv in &failing {
            let _ = write!(
                out,
                "<li><b>{}</b>: {} ({})</li>",
                escape(&inv.id),
                escape(&tr.t(&inv.zh, &inv.en)),
                escape(&inv.detail)
            );
        }
        out.push_str("</ul></div>\n");
    }
    let facts = [
        (tr.t("终端号", "TID"), s.merchant.tid.clone()),
        (tr.t("商户号", "MID"), s.merchant.mid.clone()),
        (tr.t("日期", "Day"), s.day.clone()),
        (tr.t("币种", "Currency"), s.merchant.currency.clone()),
        (tr.t("随机种子", "Seed"), s.run.seed.to_string()),
        (tr.t("故障注入", "Faults"), tr.term(&s.run.faults)),
        (tr.t("刷卡笔数", "Card payments"), s.run.payments.to_string()),
        (tr.t("操作语言", "Operator language"), tr.term(&s.run.lang)),
        (tr.t("收单模拟器", "Acquirer simulator"), s.run.acquirer.clone()),
    ];
    out.push_str("<dl class=\"facts\">\n");
    for (label, value) in facts {
        let _ = writeln!(out, "<div><dt>{}</dt><dd>{}</dd></div>", escape(&label), escape(&value));
    }
    out.push_str("</dl>\n</header>\n");
}

/// Width of the chart, SVG units (= CSS pixels when the page is 1200 px wide).
const CHART_W: u64 = 1160;
/// Height of the chart.
const CHART_H: u64 = 380;
/// Room left of the plot for the amount axis labels.
const PLOT_LEFT: u64 = 90;
/// Room right of the plot.
const PLOT_RIGHT: u64 = 16;
/// Room below the plot for the hour labels and the axis title.
const PLOT_BOTTOM: u64 = 52;
/// A slot narrower than this gets its amount label turned upright so labels do not overlap.
const WIDE_SLOT: u64 = 64;

/// `v * num / den` without overflow (bar heights are amounts scaled to pixels).
fn scale(v: u64, num: u64, den: u64) -> u64 {
    let r = u128::from(v) * u128::from(num) / u128::from(den.max(1));
    u64::try_from(r).unwrap_or(u64::MAX)
}

/// Tenths of a pixel as an SVG length: `1234` -> `123.4`.
fn px(tenths: u64) -> String {
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// The amount axis: a round step (1, 2 or 5 times a power of ten, minor units) giving at
/// most five gridlines, and the axis top (a whole number of steps, at least `max`).
fn axis(max: u64) -> (u64, u64) {
    let target = max.div_ceil(5).max(1);
    let mut power: u64 = 1;
    loop {
        for m in [1, 2, 5] {
            let step = power.saturating_mul(m);
            if step >= target {
                return (step, max.div_ceil(step).max(1).saturating_mul(step));
            }
        }
        match power.checked_mul(10) {
            Some(p) => power = p,
            None => return (max.max(1), max.max(1)),
        }
    }
}

/// Sales by hour: an SVG bar chart, bar height proportional to the amount, the count above it.
fn hourly(out: &mut String, s: &DemoSummary, tr: Tr) {
    section_start(out, "hours", &tr.t("分时段销售", "Sales by hour"));
    let sold: Vec<(u8, Figure)> =
        s.daily.by_hour.iter().filter(|(h, f)| **h < 24 && f.count > 0).map(|(h, f)| (*h, *f)).collect();
    let (Some(first), Some(last)) = (sold.first(), sold.last()) else {
        none(out, tr, "今日无成功交易。", "No approved payments today.");
        out.push_str("</section>\n");
        return;
    };
    // The hours from the first sale to the last, quiet hours between them included.
    let span: Vec<u8> = (first.0..=last.0).collect();
    let plot_w = CHART_W - PLOT_LEFT - PLOT_RIGHT;
    let slot = plot_w / (span.len() as u64).max(1);
    let wide = slot >= WIDE_SLOT;
    // Upright amount labels need more headroom above the tallest bar.
    let plot_top: u64 = if wide { 44 } else { 84 };
    let plot_h = CHART_H - plot_top - PLOT_BOTTOM;
    let base = plot_top + plot_h;
    let bar_w = (slot * 6 / 10).clamp(4, 56);
    let max_amount = sold.iter().map(|(_, f)| f.amount_minor).max().unwrap_or(0);
    let (step, top) = axis(max_amount);

    let _ = writeln!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 {CHART_W} {CHART_H}\" width=\"{CHART_W}\" height=\"{CHART_H}\" \
         role=\"img\" aria-label=\"{}\">",
        escape(&tr.t("分时段销售柱状图", "Bar chart of sales by hour"))
    );
    // Gridlines and amount labels, every `step` from zero to the top.
    let mut v = 0;
    while v <= top {
        let y = px((base * 10).saturating_sub(scale(v, plot_h * 10, top)));
        let _ = writeln!(
            out,
            "<line class=\"grid\" x1=\"{PLOT_LEFT}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\"/>\
             <text x=\"{}\" y=\"{y}\" dy=\"4\" text-anchor=\"end\">{}</text>",
            CHART_W - PLOT_RIGHT,
            PLOT_LEFT - 8,
            yuan(v)
        );
        v = match v.checked_add(step) {
            Some(next) => next,
            None => break,
        };
    }
    for (i, hour) in span.iter().enumerate() {
        let center = PLOT_LEFT + slot * i as u64 + slot / 2;
        let _ = writeln!(out, "<text x=\"{center}\" y=\"{}\" text-anchor=\"middle\">{hour:02}</text>", base + 16);
        let Some(f) = s.daily.by_hour.get(hour).filter(|f| f.count > 0) else { continue };
        let h10 = scale(f.amount_minor, plot_h * 10, top);
        let y10 = (base * 10).saturating_sub(h10);
        let tip = format!("{hour:02}:00-{hour:02}:59 · {} · {}", f.count, yuan(f.amount_minor));
        let _ = writeln!(
            out,
            "<rect class=\"bar\" data-hour=\"{hour}\" data-count=\"{}\" data-amount=\"{}\" x=\"{}\" y=\"{}\" \
             width=\"{bar_w}\" height=\"{}\" fill=\"{BAR_FILL}\"><title>{}</title></rect>",
            f.count,
            f.amount_minor,
            center - bar_w / 2,
            px(y10),
            px(h10),
            escape(&tip)
        );
        // The count just above the bar, the amount above that.
        let count_y = (y10 / 10).saturating_sub(5);
        let _ = writeln!(
            out,
            "<text class=\"count\" x=\"{center}\" y=\"{count_y}\" text-anchor=\"middle\">×{}</text>",
            f.count
        );
        let amount_y = count_y.saturating_sub(15);
        if wide {
            let _ = writeln!(
                out,
                "<text class=\"amount\" x=\"{center}\" y=\"{amount_y}\" text-anchor=\"middle\">{}</text>",
                yuan(f.amount_minor)
            );
        } else {
            let _ = writeln!(
                out,
                "<text class=\"amount\" x=\"{center}\" y=\"{amount_y}\" dy=\"4\" transform=\"rotate(-90 {center} {amount_y})\">{}</text>",
                yuan(f.amount_minor)
            );
        }
    }
    // Axes over the gridlines, then their titles.
    let _ = writeln!(
        out,
        "<line class=\"axis\" x1=\"{PLOT_LEFT}\" x2=\"{PLOT_LEFT}\" y1=\"{plot_top}\" y2=\"{base}\"/>\
         <line class=\"axis\" x1=\"{PLOT_LEFT}\" x2=\"{}\" y1=\"{base}\" y2=\"{base}\"/>",
        CHART_W - PLOT_RIGHT
    );
    let _ = writeln!(
        out,
        "<text class=\"title\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
        PLOT_LEFT + plot_w / 2,
        CHART_H - 8,
        escape(&tr.t("时段（时）", "Hour of day"))
    );
    let _ = writeln!(
        out,
        "<text class=\"title\" x=\"{PLOT_LEFT}\" y=\"16\" text-anchor=\"start\">{}</text>",
        escape(&tr.t(
            &format!("金额（{}），×笔数", s.merchant.currency),
            &format!("Amount ({}), ×count", s.merchant.currency)
        ))
    );
    out.push_str("</svg>\n</section>\n");
}

/// A figure as a table row.
fn figure_row(label: String, f: &Figure) -> Row {
    Row::new(vec![Cell::Text(label), Cell::Num(f.count.to_string()), Cell::Num(yuan(f.amount_minor))])
}

/// The day's figures: overall, by type, by card scheme, declines by response code.
fn totals(out: &mut String, s: &DemoSummary, tr: Tr) {
    let d = &s.daily;
    section_start(out, "totals", &tr.t("汇总", "Totals"));
    // The currency is in the page header and the chart; the column stays narrow for the labels.
    let head = [tr.t("项目", "Item"), tr.t("笔数", "Count"), tr.t("金额", "Amount")];
    out.push_str("<div class=\"grid\">\n<div>\n");
    let _ = writeln!(out, "<h3>{}</h3>", escape(&tr.t("总计", "Overall")));
    let mut rows = vec![Row::new(vec![
        Cell::Text(tr.t("交易笔数", "Transactions")),
        Cell::Num(d.transactions.to_string()),
        Cell::Num(String::new()),
    ])];
    for (label, f) in [
        (tr.term("approved"), &d.approved),
        (tr.t("联机", "Online"), &d.online),
        (tr.t("离线", "Offline"), &d.offline),
        (tr.term("voided"), &d.voided),
        (tr.term("reversed"), &d.reversed),
        (tr.term("declined"), &d.declined),
    ] {
        rows.push(figure_row(label, f));
    }
    for (label, n) in [(tr.term("failed"), d.failed), (tr.term("pending"), d.pending)] {
        rows.push(Row {
            bad: n > 0,
            cells: vec![Cell::Text(label), Cell::Num(n.to_string()), Cell::Num(String::new())],
        });
    }
    table(out, &head, &rows);
    out.push_str("</div>\n<div>\n");
    let _ = writeln!(out, "<h3>{}</h3>", escape(&tr.t("按交易类型", "By type")));
    let rows: Vec<Row> = d.by_type.iter().map(|(k, f)| figure_row(tr.kind(k), f)).collect();
    table(out, &head, &rows);
    let _ = writeln!(out, "<h3>{}</h3>", escape(&tr.t("按卡组织", "By card scheme")));
    let rows: Vec<Row> = d.by_scheme.iter().map(|(k, f)| figure_row(tr.scheme(k), f)).collect();
    table(out, &head, &rows);
    out.push_str("</div>\n<div>\n");
    let _ = writeln!(out, "<h3>{}</h3>", escape(&tr.t("拒绝原因", "Declines by response code")));
    if d.declines_by_code.is_empty() {
        none(out, tr, "无拒绝。", "No declines.");
    } else {
        let rows: Vec<Row> = d
            .declines_by_code
            .iter()
            .map(|(code, n)| Row::new(vec![Cell::Text(tr.response(code)), Cell::Num(n.to_string())]))
            .collect();
        table(out, &[tr.t("应答码", "Response code"), tr.t("笔数", "Count")], &rows);
    }
    out.push_str("</div>\n</div>\n</section>\n");
}

/// Day-end settlement and its slip.
fn settlement(out: &mut String, st: Option<&SettlementInfo>, tr: Tr) {
    section_start(out, "settlement", &tr.t("结算", "Settlement"));
    let Some(st) = st else {
        none(out, tr, "今日未结算。", "Not settled today.");
        out.push_str("</section>\n");
        return;
    };
    out.push_str("<div class=\"settle\">\n<div class=\"settle-figures\">\n");
    let yes_no = |b: bool| if b { tr.t("是", "yes") } else { tr.t("否", "no") };
    let rows = vec![
        Row::new(vec![Cell::Text(tr.t("批次号", "Batch")), Cell::Num(st.batch.clone())]),
        Row {
            bad: !st.balanced,
            cells: vec![Cell::Text(tr.t("对账平", "Balanced at once")), Cell::Num(yes_no(st.balanced))],
        },
        Row::new(vec![Cell::Text(tr.t("批上送笔数", "Items uploaded")), Cell::Num(st.uploaded.to_string())]),
        Row::new(vec![Cell::Text(tr.t("借记笔数", "Debits")), Cell::Num(st.debit_count.to_string())]),
        Row::new(vec![Cell::Text(tr.t("借记金额", "Debit amount")), Cell::Num(yuan(st.debit_minor))]),
        Row::new(vec![Cell::Text(tr.t("贷记笔数", "Credits")), Cell::Num(st.credit_count.to_string())]),
        Row::new(vec![Cell::Text(tr.t("贷记金额", "Credit amount")), Cell::Num(yuan(st.credit_minor))]),
        Row::new(vec![Cell::Text(tr.t("新批次号", "Next batch")), Cell::Num(st.next_batch.clone())]),
    ];
    table(out, &[tr.t("项目", "Item"), tr.t("值", "Value")], &rows);
    out.push_str("</div>\n<figure>\n");
    out.push_str(&thumbnail(&st.slip_png, &tr.t("结算单", "Settlement slip"), "slip"));
    let _ = writeln!(
        out,
        "<figcaption>{} · {} · {}</figcaption>\n</figure>\n</div>",
        escape(&tr.t("结算单", "Settlement slip")),
        file_link(&st.slip_png, "PNG"),
        file_link(&st.slip_txt, "TXT")
    );
    out.push_str("</section>\n");
}

/// Payments stored offline and what became of them.
fn offline(out: &mut String, s: &DemoSummary, tr: Tr) {
    section_start(out, "offline", &tr.t("离线交易及去向", "Offline payments and their fate"));
    if s.offline.is_empty() {
        none(out, tr, "今日无离线交易。", "No offline payments today.");
    } else {
        let rows: Vec<Row> = s
            .offline
            .iter()
            .map(|o| Row {
                bad: !matches!(o.fate.as_str(), "accepted"),
                cells: vec![
                    Cell::Text(o.voucher.clone()),
                    Cell::Text(o.card.clone()),
                    Cell::Num(yuan(o.amount_minor)),
                    Cell::Text(o.stored_at.clone()),
                    Cell::Text(tr.term(&o.fate)),
                    Cell::Text(o.response_code.as_deref().map(|c| tr.response(c)).unwrap_or_else(|| "—".into())),
                ],
            })
            .collect();
        let head = [
            tr.t("凭证号", "Voucher"),
            tr.t("卡号", "Card"),
            tr.t("金额", "Amount"),
            tr.t("存储时间", "Stored at"),
            tr.t("去向", "Fate"),
            tr.t("上送应答", "Upload answer"),
        ];
        table(out, &head, &rows);
    }
    out.push_str("</section>\n");
}

/// Automatic reversals of the day.
fn reversals(out: &mut String, s: &DemoSummary, tr: Tr) {
    section_start(out, "reversals", &tr.t("冲正", "Reversals"));
    if s.reversals.is_empty() {
        none(out, tr, "今日无冲正。", "No reversals today.");
    } else {
        let rows: Vec<Row> = s
            .reversals
            .iter()
            .map(|r| Row {
                bad: r.state == "attention",
                cells: vec![
                    Cell::Text(r.stan.clone()),
                    Cell::Text(tr.kind(&r.kind)),
                    Cell::Num(opt_yuan(r.amount_minor)),
                    Cell::Text(r.reason.clone()),
                    Cell::Text(tr.term(&r.state)),
                ],
            })
            .collect();
        let head = [
            tr.t("流水号", "STAN"),
            tr.t("原交易", "Reversed"),
            tr.t("金额", "Amount"),
            tr.t("原因", "Reason"),
            tr.t("状态", "State"),
        ];
        table(out, &head, &rows);
    }
    out.push_str("</section>\n");
}

/// The risk report and the evaluations where a rule fired.
fn risk(out: &mut String, r: &RiskSection, tr: Tr) {
    section_start(out, "risk", &tr.t("风险控制", "Risk"));
    let rep = &r.report;
    out.push_str("<div class=\"grid\">\n<div>\n");
    let _ = writeln!(out, "<h3>{}</h3>", escape(&tr.t("风险日报", "Risk report")));
    let rows: Vec<Row> = [
        ("评估次数", "Evaluations", rep.evaluations),
        ("放行", "Proceeded", rep.proceeded),
        ("其中经确认", "of which confirmed", rep.confirmed),
        ("拦截", "Blocked", rep.blocked),
        ("待确认", "Awaiting confirmation", rep.awaiting_confirmation),
        ("转联机", "Online required", rep.online_required),
    ]
    .into_iter()
    .map(|(zh, en, n)| Row::new(vec![Cell::Text(tr.t(zh, en)), Cell::Num(n.to_string())]))
    .collect();
    table(out, &[tr.t("项目", "Item"), tr.t("次数", "Count")], &rows);
    out.push_str("</div>\n<div>\n");
    let _ = writeln!(out, "<h3>{}</h3>", escape(&tr.t("规则触发", "Rules fired")));
    if rep.rules.is_empty() {
        none(out, tr, "无规则触发。", "No rule fired.");
    } else {
        let rows: Vec<Row> = rep
            .rules
            .iter()
            .map(|c| Row::new(vec![Cell::Text(c.rule.clone()), Cell::Num(c.fired.to_string())]))
            .collect();
        table(out, &[tr.t("规则", "Rule"), tr.t("次数", "Fired")], &rows);
    }
    out.push_str("</div>\n</div>\n");
    let _ = writeln!(out, "<h3>{}</h3>", escape(&tr.t("风险事件", "Risk events")));
    if r.events.is_empty() {
        none(out, tr, "今日无风险事件。", "No risk events today.");
    } else {
        let rows: Vec<Row> = r
            .events
            .iter()
            .map(|e| Row {
                bad: e.decision == "blocked",
                cells: vec![
                    Cell::Text(e.time.clone()),
                    Cell::Num(yuan(e.amount_minor)),
                    Cell::Text(e.rules.join(", ")),
                    Cell::Text(tr.term(&e.decision)),
                    Cell::Text(tr.t(&e.reason_zh, &e.reason_en)),
                ],
            })
            .collect();
        let head = [
            tr.t("时间", "Time"),
            tr.t("金额", "Amount"),
            tr.t("规则", "Rules"),
            tr.t("处理", "Decision"),
            tr.t("原因", "Why"),
        ];
        table(out, &head, &rows);
    }
    out.push_str("</section>\n");
}

/// The terminal's net against the acquirer simulator's ledger.
fn ledger(out: &mut String, s: &DemoSummary, tr: Tr) {
    let l = &s.ledger;
    section_start(out, "ledger", &tr.t("与收单方对账", "Terminal against the acquirer"));
    let agree = l.terminal_net_minor == l.acquirer_net_minor;
    let rows = vec![
        Row {
            bad: !agree,
            cells: vec![Cell::Text(tr.t("终端净额", "Terminal net")), Cell::Num(yuan_signed(l.terminal_net_minor))],
        },
        Row {
            bad: !agree,
            cells: vec![Cell::Text(tr.t("收单方净额", "Acquirer net")), Cell::Num(yuan_signed(l.acquirer_net_minor))],
        },
        Row::new(vec![
            Cell::Text(tr.t("收单方有效笔数", "Acquirer rows in force")),
            Cell::Num(l.acquirer_rows.to_string()),
        ]),
        Row {
            bad: !l.acquirer_consistent,
            cells: vec![
                Cell::Text(tr.t("收单方账本自洽", "Acquirer ledger consistent")),
                Cell::Num(if l.acquirer_consistent { tr.t("是", "yes") } else { tr.t("否", "no") }),
            ],
        },
    ];
    table(out, &[tr.t("项目", "Item"), tr.t("值", "Value")], &rows);
    out.push_str("</section>\n");
}

/// Every invariant, failed ones highlighted with what was measured.
fn invariants(out: &mut String, s: &DemoSummary, tr: Tr) {
    section_start(out, "invariants", &tr.t("不变量检查", "Invariants"));
    let rows: Vec<Row> = s
        .invariants
        .iter()
        .map(|i| Row {
            bad: !i.ok,
            cells: vec![
                Cell::Html(badge(i.ok)),
                Cell::Html(format!("<span class=\"mono\">{}</span>", escape(&i.id))),
                Cell::Text(tr.t(&i.zh, &i.en)),
                Cell::Text(i.detail.clone()),
            ],
        })
        .collect();
    if rows.is_empty() {
        none(out, tr, "未检查任何不变量。", "No invariant was checked.");
    } else {
        let head = [tr.t("结果", "Result"), tr.t("编号", "Id"), tr.t("内容", "Guarantee"), tr.t("实测", "Measured")];
        table(out, &head, &rows);
    }
    out.push_str("</section>\n");
}

/// Every journal row of the day.
fn transactions(out: &mut String, s: &DemoSummary, tr: Tr) {
    section_start(out, "transactions", &tr.t("全部交易", "Every transaction"));
    if s.transactions.is_empty() {
        none(out, tr, "今日无交易。", "No transactions today.");
        out.push_str("</section>\n");
        return;
    }
    let rows: Vec<Row> = s
        .transactions
        .iter()
        .map(|t| Row {
            bad: matches!(t.status.as_str(), "declined" | "failed"),
            cells: vec![
                Cell::Text(t.time.clone()),
                Cell::Text(tr.t(&t.kind_zh, &t.kind_en)),
                Cell::Num(opt_yuan(t.amount_minor)),
                Cell::Html(format!("<span class=\"mono\">{}</span>", escape(&opt(t.card.as_ref())))),
                Cell::Text(t.scheme.as_deref().map(|k| tr.scheme(k)).unwrap_or_else(|| "—".into())),
                Cell::Text(if t.offline {
                    format!("{} ({})", tr.term(&t.status), tr.t("离线", "offline"))
                } else {
                    tr.term(&t.status)
                }),
                Cell::Text(opt(t.response_code.as_ref())),
                Cell::Text(t.stan.clone()),
                Cell::Text(opt(t.voucher.as_ref())),
                Cell::Text(opt(t.rrn.as_ref())),
            ],
        })
        .collect();
    let head = [
        tr.t("时间", "Time"),
        tr.t("类型", "Type"),
        tr.t("金额", "Amount"),
        tr.t("卡号", "Card"),
        tr.t("卡组织", "Scheme"),
        tr.t("状态", "Status"),
        tr.t("应答码", "RC"),
        tr.t("流水号", "STAN"),
        tr.t("凭证号", "Voucher"),
        tr.t("参考号", "RRN"),
    ];
    table(out, &head, &rows);
    out.push_str("</section>\n");
}

/// Every slip printed, as thumbnails opening the PNG, with a link to its text.
fn receipts(out: &mut String, s: &DemoSummary, tr: Tr) {
    section_start(out, "receipts", &tr.t("签购单", "Receipts"));
    if s.receipts.is_empty() {
        none(out, tr, "今日未打印签购单。", "No slips printed today.");
        out.push_str("</section>\n");
        return;
    }
    out.push_str("<div class=\"receipts\">\n");
    for r in &s.receipts {
        let caption = if r.copy == "settlement" {
            tr.term("settlement")
        } else {
            format!("{} · {} · {}", r.voucher, tr.kind(&r.kind), tr.term(&r.copy))
        };
        let _ = writeln!(
            out,
            "<figure>{}<figcaption>{}<br>{} · {}</figcaption></figure>",
            thumbnail(&r.png, &caption, "receipt"),
            escape(&caption),
            file_link(&r.png, "PNG"),
            file_link(&r.txt, "TXT")
        );
    }
    out.push_str("</div>\n</section>\n");
}

/// The page's style sheet. System fonts only (no web fonts); CJK families first for Chinese.
const CSS: &str = r#"
:root { --ink: #1f2933; --muted: #616e7c; --line: #d9dee3; --bar: #c0392b; --ok: #1e7b34; --bad: #b42318; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: var(--ink);
  font: 14px/1.45 system-ui, "Noto Sans CJK SC", "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC", sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 20px 48px; }
header.top { border-bottom: 3px solid var(--bar); padding-bottom: 14px; }
h1 { font-size: 26px; margin: 0 0 2px; }
.sub { color: var(--muted); }
.banner { margin: 14px 0; padding: 10px 16px; border-radius: 6px; font-weight: 600; font-size: 16px; color: #fff; }
.banner.ok { background: var(--ok); }
.banner.bad { background: var(--bad); }
.banner ul { margin: 6px 0 0 20px; padding: 0; font-weight: 400; font-size: 14px; }
dl.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 8px 12px; margin: 0; }
dl.facts div { background: #f3f5f7; border-radius: 4px; padding: 6px 10px; }
dt { color: var(--muted); font-size: 12px; }
dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
section { margin-top: 26px; }
h2 { font-size: 18px; margin: 0 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 6px 0 6px; color: var(--muted); }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 8px 20px; align-items: start; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; margin-bottom: 6px; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: #eef1f4; font-size: 12px; color: #3e4c59; white-space: nowrap; }
.num { text-align: right; white-space: nowrap; }
tbody tr:nth-child(even) td { background: #fafbfc; }
tr.bad td, tbody tr.bad:nth-child(even) td { background: #fdecea; }
.badge { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 12px; font-weight: 700; color: #fff; }
.badge.ok { background: var(--ok); }
.badge.bad { background: var(--bad); }
.mono { font-family: "DejaVu Sans Mono", ui-monospace, monospace; font-size: 13px; }
.none { color: var(--muted); font-style: italic; margin: 4px 0; }
svg.chart { width: 100%; height: auto; display: block; }
.chart text { font-size: 11px; fill: #3e4c59; }
.chart .count { font-weight: 700; fill: var(--ink); }
.chart .amount { fill: var(--bar); }
.chart .title { font-size: 12px; fill: var(--muted); }
.chart line.grid { stroke: #e4e7eb; stroke-width: 1; }
.chart line.axis { stroke: #52606d; stroke-width: 1.5; }
.settle { display: flex; gap: 24px; align-items: flex-start; }
.settle-figures { flex: 1; }
figure { margin: 0; }
img.slip { width: 240px; border: 1px solid var(--line); box-shadow: 0 1px 3px rgba(0, 0, 0, .15); }
.receipts { display: flex; flex-wrap: wrap; gap: 14px; }
.receipts figure { width: 168px; }
img.receipt { width: 168px; border: 1px solid var(--line); box-shadow: 0 1px 3px rgba(0, 0, 0, .15); }
figcaption { font-size: 12px; color: var(--muted); margin-top: 4px; }
a { color: #1f5fa8; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
"#;

#[cfg(test)]
mod tests;
