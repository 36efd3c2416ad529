//! `pos history`, `pos report`, `pos reprint` and `pos retention`: the merchant's records from
//! the journal (masked cards only), the daily summary as text, JSON or CSV, reprinted slips, and
//! the deletion of old settled business.

use std::process::ExitCode;

use clap::Args;
use pos_core::card::CardScheme;
use pos_core::devices::printer::preview::render;
use pos_core::devices::printer::PaperWidth;
use pos_core::iso8583::TxnType;
use pos_core::terminal::{HistoryPage, ReprintTarget};
use pos_core::Bilingual;
use pos_core::HistoryStatus;
use pos_core::{Amount, Currency};
use pos_core::{Day, ReportError, ReportFormat};
use pos_core::{HistoryFilter, Purged, RetentionPolicy, VoucherNo};
use serde_json::json;

use crate::terminal_cmd::{open_view, ArgProblem};
use crate::{say, say_pair, CliError, Global};

/// Filters of `pos history`.
#[derive(Args)]
pub struct HistoryArgs {
    /// One local day, YYYY-MM-DD (same as --from D --to D).
    #[arg(long)]
    day: Option<String>,
    /// First day included, YYYY-MM-DD.
    #[arg(long)]
    from: Option<String>,
    /// Last day included, YYYY-MM-DD.
    #[arg(long)]
    to: Option<String>,
    /// Types, comma separated: sale, void, refund, pre_auth, pre_auth_cancel,
    /// pre_auth_completion, completion_cancel, balance_inquiry, offline_sale.
    #[arg(long = "type", value_delimiter = ',')]
    types: Vec<String>,
    /// Statuses, comma separated: approved, voided, reversed, declined, failed, pending.
    #[arg(long, value_delimiter = ',')]
    status: Vec<String>,
    /// Card schemes, comma separated: unionpay, visa, mastercard, jcb, amex, other.
    #[arg(long, value_delimiter = ',')]
    scheme: Vec<String>,
    /// Smallest amount, e.g. 10.00.
    #[arg(long)]
    min: Option<String>,
    /// Largest amount, e.g. 1,000.00.
    #[arg(long)]
    max: Option<String>,
    /// Page, from 1.
    #[arg(long, default_value_t = 1)]
    page: u32,
    /// Rows per page (1-500).
    #[arg(long, default_value_t = 20)]
    page_size: u32,
}

fn bad(zh: String, en: String) -> CliError {
    pos_core::Error::from(ReportError::BadFilter { zh, en }).into()
}

const TYPE_NAMES: [(&str, TxnType); 9] = [
    ("balance_inquiry", TxnType::BalanceInquiry),
    ("pre_auth", TxnType::PreAuth),
    ("pre_auth_cancel", TxnType::PreAuthCancel),
    ("pre_auth_completion", TxnType::PreAuthCompletion),
    ("completion_cancel", TxnType::CompletionCancel),
    ("sale", TxnType::Sale),
    ("void", TxnType::Void),
    ("refund", TxnType::Refund),
    ("offline_sale", TxnType::OfflineSale),
];

/// The values of `--status` and `--scheme`, as their help lists them.
/// The longest retention `pos retention --years` takes (a cutoff before year 1 is no date).
const MAX_RETENTION_YEARS: u16 = 100;
const STATUSES: &str = "approved, voided, reversed, declined, failed, pending";
const SCHEMES: &str = "unionpay, visa, mastercard, jcb, amex, other";

fn scheme(s: &str) -> Option<CardScheme> {
    pos_core::scheme_of(&s.to_ascii_lowercase())
}

fn minor(s: &Option<String>) -> Result<Option<u64>, CliError> {
    s.as_deref()
        .map(|s| {
            Amount::parse(s, Currency::CNY).map(|a| a.minor()).map_err(|e| CliError::from(pos_core::Error::from(e)))
        })
        .transpose()
}

impl HistoryArgs {
    fn filter(&self) -> Result<HistoryFilter, CliError> {
        let day = |s: &Option<String>| s.as_deref().map(Day::parse).transpose();
        let (mut from, mut to) =
            (day(&self.from).map_err(pos_core::Error::from)?, day(&self.to).map_err(pos_core::Error::from)?);
        if let Some(d) = day(&self.day).map_err(pos_core::Error::from)? {
            (from, to) = (Some(d), Some(d));
        }
        let mut types = Vec::new();
        for t in &self.types {
            let found = TYPE_NAMES.iter().find(|(n, _)| n == t).map(|(_, t)| *t);
            types.push(found.ok_or_else(|| {
                let names = TYPE_NAMES.map(|(n, _)| n).join(", ");
                bad(
                    format!("未知交易类型：{t}。--type 可用：{names}"),
                    format!("unknown type: {t}. --type takes {names}"),
                )
            })?);
        }
        let mut statuses = Vec::new();
        for s in &self.status {
            statuses.push(HistoryStatus::parse(s).ok_or_else(|| {
                bad(
                    format!("未知状态：{s}。--status 可用：{STATUSES}"),
                    format!("unknown status: {s}. --status takes {STATUSES}"),
                )
            })?);
        }
        let mut schemes = Vec::new();
        for s in &self.scheme {
            schemes.push(scheme(s).ok_or_else(|| {
                bad(
                    format!("未知卡组织：{s}。--scheme 可用：{SCHEMES}"),
                    format!("unknown card scheme: {s}. --scheme takes {SCHEMES}"),
                )
            })?);
        }
        Ok(HistoryFilter {
            from,
            to,
            types,
            statuses,
            schemes,
            min_amount: minor(&self.min)?,
            max_amount: minor(&self.max)?,
        })
    }
}

/// `s` padded with spaces to `columns` display columns (CJK characters count two).
pub(crate) fn pad(s: &str, columns: usize) -> String {
    let width = pos_core::devices::printer::str_columns(s);
    format!("{s}{}", " ".repeat(columns.saturating_sub(width)))
}

fn print_page(g: &Global, p: &HistoryPage) {
    println!(
        "{} {}/{}  ({} {})",
        say_pair(g, "交易记录 第", "History page"),
        p.page,
        p.pages.max(1),
        p.total,
        say_pair(g, "笔", "transactions")
    );
    // Words from the vocabulary in the operator's language, columns padded by display width
    // (a Chinese character takes two columns).
    let word = |t: pos_core::vocab::Term| crate::pair(g.lang, t.zh, t.en);
    let kind_width = if g.lang == Some(pos_core::Lang::En) { 20 } else { 30 };
    for i in &p.items {
        let kind = pos_core::type_of(i.txn_type).map(pos_core::vocab::txn_type).map(word);
        println!(
            "{:<19} {} {} {:>12} {:<19} {} {}",
            i.created_at.get(..19).unwrap_or(&i.created_at),
            pad(&kind.unwrap_or_else(|| i.txn_type.to_string()), kind_width),
            pad(&word(pos_core::vocab::history_status(i.status)), 16),
            i.amount_minor.map(pos_core::major).unwrap_or_default(),
            i.masked_pan.as_deref().unwrap_or("-"),
            i.voucher.map(|v| format!("#{v:06}")).unwrap_or_default(),
            i.response_code.as_deref().unwrap_or("")
        );
    }
}

/// `pos history`.
pub fn history(g: &Global, args: HistoryArgs) -> Result<ExitCode, CliError> {
    let filter = args.filter()?;
    crate::runtime()?.block_on(async move {
        let t = open_view(g)?;
        let page = t.history(&filter, args.page, Some(args.page_size))?;
        if u64::from(page.page) > page.pages.max(1) {
            return Err(crate::terminal_cmd::ArgProblem::new(
                &format!("没有第 {} 页：共 {} 页（--page 1 至 {}）", page.page, page.pages.max(1), page.pages.max(1)),
                &format!(
                    "there is no page {}: {} page(s) in all (--page 1 to {})",
                    page.page,
                    page.pages.max(1),
                    page.pages.max(1)
                ),
            )
            .into());
        }
        if g.json {
            println!("{}", serde_json::to_string_pretty(&page).unwrap_or_default());
        } else {
            print_page(g, &page);
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// `pos report --day`.
pub fn report(g: &Global, day: &str, format: Option<&str>) -> Result<ExitCode, CliError> {
    let day = Day::parse(day).map_err(pos_core::Error::from)?;
    let format = match (format.map(ReportFormat::parse).transpose().map_err(pos_core::Error::from)?, g.json) {
        (Some(ReportFormat::Json) | None, true) => ReportFormat::Json,
        (Some(_), true) => {
            return Err(bad(
                "--json 输出 JSON，与 --format text/csv 冲突：去掉其中一个".into(),
                "--json prints JSON and --format asks for text or csv: drop one of them".into(),
            ))
        }
        (Some(f), false) => f,
        (None, false) => ReportFormat::Text,
    };
    crate::runtime()?.block_on(async move {
        let t = open_view(g)?;
        let s = t.daily_summary(day)?;
        print!("{}", s.render_in(format, g.lang));
        if format == ReportFormat::Json {
            println!();
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// `pos reprint`.
pub fn reprint(g: &Global, voucher: Option<u32>) -> Result<ExitCode, CliError> {
    let target = match voucher {
        None => ReprintTarget::Last,
        Some(n) => ReprintTarget::Voucher(VoucherNo::new(n).ok_or_else(|| {
            bad(
                format!("凭证号应为 1 至 999999：{n}。`pos history` 列出交易及其凭证号"),
                format!(
                    "voucher numbers are 1 to 999999: {n}. `pos history` lists the transactions and their vouchers"
                ),
            )
        })?),
    };
    crate::runtime()?.block_on(async move {
        let t = open_view(g)?;
        let (record, copies) = t.reprint(target)?;
        let width = PaperWidth::Mm58;
        // The text of what the simulated printer would print from the ESC/POS bytes.
        let texts: Vec<String> = copies.iter().map(|c| render(&c.render(width), width.columns()).to_text()).collect();
        if g.json {
            println!(
                "{}",
                json!({
                    "txn_id": record.id.0,
                    "voucher": record.numbers.voucher.map(|v| v.value()),
                    "reprint": true,
                    "copies": texts,
                })
            );
        } else {
            for t in &texts {
                println!("{t}");
            }
            let done = ReportDone;
            eprintln!("{}", crate::say(g, &done));
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// The reprint notice.
struct ReportDone;

impl Bilingual for ReportDone {
    fn zh(&self) -> String {
        "已重打印（标记为重打印）".into()
    }
    fn en(&self) -> String {
        "Reprinted (marked REPRINT)".into()
    }
}

/// Options of `pos retention`.
#[derive(Args)]
pub struct RetentionArgs {
    /// Calendar years kept, 1 to 100: settled, synced transactions from before the same date
    /// that many years ago are deleted.
    #[arg(long, default_value_t = RetentionPolicy::default().years)]
    years: u16,
}

/// `pos retention`.
pub fn retention(g: &Global, args: RetentionArgs) -> Result<ExitCode, CliError> {
    if args.years > MAX_RETENTION_YEARS {
        return Err(crate::terminal_cmd::ArgProblem::new(
            &format!("--years 至多为 {MAX_RETENTION_YEARS}：{} 年前没有交易可删除", args.years),
            &format!(
                "--years is at most {MAX_RETENTION_YEARS}: there is nothing from {} years ago to delete",
                args.years
            ),
        )
        .into());
    }
    if args.years == 0 {
        return Err(ArgProblem::new(
            "--years 至少为 1：保留 0 年会删除今天以前所有已结算的交易。请用 --years 1 或更大的值（默认 2）",
            "--years must be at least 1: keeping 0 years would delete every settled transaction before today. \
             Pass --years 1 or more (the default is 2)",
        )
        .into());
    }
    let years = args.years;
    crate::runtime()?.block_on(async move {
        let st = crate::terminal_cmd::open_existing(g).await?;
        let purged = st.terminal.apply_retention(&RetentionPolicy { years })?;
        let done = RetentionDone { years, purged };
        if g.json {
            let mut v = serde_json::to_value(purged).unwrap_or_default();
            v["years"] = years.into();
            v["message"] = json!({ "zh": done.zh(), "en": done.en() });
            println!("{v}");
        } else {
            println!("{}", say(g, &done));
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// What a retention run did, for the operator.
struct RetentionDone {
    years: u16,
    purged: Purged,
}

impl Bilingual for RetentionDone {
    fn zh(&self) -> String {
        let p = &self.purged;
        let cutoff = p.cutoff.map(|d| d.to_string()).unwrap_or_default();
        let mut s =
            format!("保留 {} 年：删除 {cutoff} 之前的交易 {} 笔、批上送记录 {} 条", self.years, p.txns, p.upload_items);
        if p.kept_unfinished > 0 {
            s += &format!("；保留 {} 笔尚未结算、上送或冲正完成的旧交易", p.kept_unfinished);
        }
        s
    }
    fn en(&self) -> String {
        let p = &self.purged;
        let cutoff = p.cutoff.map(|d| d.to_string()).unwrap_or_default();
        let mut s = format!(
            "Retention {} years: deleted {} transactions and {} batch upload records from before {cutoff}",
            self.years, p.txns, p.upload_items
        );
        if p.kept_unfinished > 0 {
            s += &format!("; kept {} older ones not yet settled, uploaded or reversed", p.kept_unfinished);
        }
        s
    }
}

/// `pos salvage` arguments.
#[derive(Args)]
pub struct SalvageArgs {
    /// Where to write the journal rows read, one JSON object a line (masked card numbers only).
    #[arg(long, value_name = "FILE")]
    out: std::path::PathBuf,
}

/// `pos salvage`: what can still be read of a damaged journal, to reconcile with the acquirer.
pub fn salvage(g: &Global, args: SalvageArgs) -> Result<ExitCode, CliError> {
    let s = pos_core::terminal::Terminal::salvage_journal(&g.data_dir)?;
    let mut lines = String::new();
    for row in &s.rows {
        lines.push_str(&serde_json::to_string(row).unwrap_or_default());
        lines.push('\n');
    }
    // Masked cards, RRNs and auth codes: private to this user, and never over the journal itself.
    let inside = std::fs::canonicalize(
        args.out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new(".")),
    )
    .ok()
    .zip(std::fs::canonicalize(&g.data_dir).ok())
    .is_some_and(|(out_dir, data)| out_dir.starts_with(data));
    if inside {
        return Err(crate::terminal_cmd::problem(
            "--out 不能写在终端数据目录中：请写到其他位置（如主目录）",
            "--out must not be inside the terminal's data directory: write it elsewhere (your home folder, say)",
        ));
    }
    write_private(&args.out, lines.as_bytes()).map_err(|e| {
        crate::terminal_cmd::problem(
            &format!("无法写入 {}（{e}）：请检查路径、权限和剩余空间", args.out.display()),
            &format!("Cannot write {} ({e}): check the path, permissions and free space", args.out.display()),
        )
    })?;
    let sound = s.damage.is_empty() && s.unreadable.is_empty();
    if g.json {
        println!(
            "{}",
            json!({"rows": s.rows.len(), "unreadable": s.unreadable, "damage": s.damage, "out": args.out.display().to_string()})
        );
    } else {
        println!(
            "{}",
            say_pair(
                g,
                &format!(
                    "已读出 {} 笔交易记录，写入 {}；{} 笔无法读取{}",
                    s.rows.len(),
                    args.out.display(),
                    s.unreadable.len(),
                    if sound {
                        "（数据库完好）"
                    } else {
                        "：请联系技术支持，按收单机构的记录核对本批次"
                    }
                ),
                &format!(
                    "{} journal rows read, written to {}; {} unreadable{}",
                    s.rows.len(),
                    args.out.display(),
                    s.unreadable.len(),
                    if sound {
                        " (the database is sound)"
                    } else {
                        ": call support to reconcile this batch with the acquirer's records"
                    }
                ),
            )
        );
    }
    Ok(if sound { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Writes `bytes` to `path` readable by this user only (0600 on Unix).
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}
