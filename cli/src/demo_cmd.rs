//! `pos demo`: the delivery merchant's day on embedded defaults, shown live as the phone
//! would show it, with receipts, a JSON summary and an HTML report in the output directory.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use clap::Args;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use pos_core::major;
use pos_core::Lang;
use pos_demo::{DemoOptions, DemoView, FaultLevel, RecordingView, Tone, Work, REPORT_FILE, SUMMARY_FILE};

use crate::terminal_cmd::ArgProblem;
use crate::{say_pair, CliError, Global};

/// Exit status when the day ran but an invariant of the design broke.
pub const INVARIANT_BROKEN: u8 = 3;

/// Options of `pos demo`.
#[derive(Args)]
pub struct DemoArgs {
    /// Seed of the day: amounts, cards, times, and which requests the faults hit.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Ordinary card sales over the day (the scripted events come on top), at most 500.
    #[arg(long, default_value_t = 16)]
    payments: u32,
    /// How much goes wrong: none, some (a lost answer, a dead spot, paper out, a batch the
    /// host asks for) or many (also a lossy Bluetooth link, a slow host, a broken printer).
    #[arg(long, default_value = "some")]
    faults: String,
    /// Output directory (created; a previous demo's output there is replaced).
    #[arg(long, default_value = "demo-out")]
    out: PathBuf,
}

/// `pos demo`.
pub fn run(g: &Global, a: DemoArgs) -> Result<ExitCode, CliError> {
    let faults = FaultLevel::parse(&a.faults).ok_or_else(|| {
        CliError::from(ArgProblem::new("--faults 应为 none、some 或 many", "--faults must be none, some or many"))
    })?;
    if a.payments > DemoOptions::MAX_PAYMENTS {
        return Err(ArgProblem::new(
            &format!("--payments 最多 {}", DemoOptions::MAX_PAYMENTS),
            &format!("--payments is at most {}", DemoOptions::MAX_PAYMENTS),
        )
        .into());
    }
    let opts = DemoOptions { seed: a.seed, payments: a.payments, faults, out: a.out, lang: g.lang };
    let console;
    let recording;
    let view: &dyn DemoView = if g.json {
        recording = RecordingView::default();
        &recording
    } else {
        console = ConsoleView::new(g.lang);
        &console
    };
    let day = crate::runtime()?.block_on(pos_demo::run(&opts, view)).map_err(CliError::from)?;
    let s = &day.summary;
    if g.json {
        println!("{}", serde_json::to_string(s).unwrap_or_default());
    } else {
        print_close(g, &day);
    }
    Ok(if s.ok { ExitCode::SUCCESS } else { ExitCode::from(INVARIANT_BROKEN) })
}

fn print_close(g: &Global, day: &pos_demo::DemoRun) {
    let s = &day.summary;
    let pair = |zh: &str, en: &str| say_pair(g, zh, en);
    println!();
    println!("== {} {} ==", pair("日终", "Day report"), s.day);
    let d = &s.daily;
    println!(
        "{}: {} {} {}   {}: {} {}   {}: {}   {}: {}",
        pair("成功", "approved"),
        d.approved.count,
        major(d.approved.amount_minor),
        s.merchant.currency,
        pair("离线", "offline"),
        d.offline.count,
        major(d.offline.amount_minor),
        pair("拒绝", "declined"),
        d.declined.count,
        pair("冲正", "reversed"),
        d.reversed.count
    );
    if let Some(st) = &s.settlement {
        println!(
            "{} {}: {} {} / {} {}   {}",
            pair("结算批次", "settled batch"),
            st.batch,
            pair("借记", "debits"),
            major(st.debit_minor),
            pair("贷记", "credits"),
            major(st.credit_minor),
            if st.balanced {
                pair("对账平", "balanced")
            } else {
                pair("批上送后平", "balanced after batch upload")
            }
        );
    }
    for i in &s.invariants {
        let mark = if i.ok { "✓" } else { "✗" };
        println!("  {mark} {} ({})", pair(&i.zh, &i.en), i.detail);
    }
    let out = &day.dirs.out;
    println!();
    println!("{}: {}", pair("日报", "report"), out.join(REPORT_FILE).display());
    println!("{}: {}", pair("摘要", "summary"), out.join(SUMMARY_FILE).display());
    println!("{}: {} ({})", pair("签购单", "slips"), out.join("receipts").display(), s.receipts.len());
    if !s.ok {
        eprintln!(
            "{}",
            pair(
                "错误：设计保证被破坏（见上方 ✗），退出码 3",
                "error: an invariant of the design broke (✗ above); exit 3"
            )
        );
    }
}

/// The phone's screen on the console: chapters, screen lines, and progress bars on stderr
/// (drawn only on a terminal; lines then print above them).
struct ConsoleView {
    lang: Option<Lang>,
    bars: MultiProgress,
    live: Mutex<Vec<(Work, ProgressBar)>>,
    tty: bool,
}

impl ConsoleView {
    fn new(lang: Option<Lang>) -> ConsoleView {
        let tty = std::io::stderr().is_terminal() && std::io::stdout().is_terminal();
        let target = if tty { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        ConsoleView { lang, bars: MultiProgress::with_draw_target(target), live: Mutex::new(Vec::new()), tty }
    }

    fn text(&self, zh: &str, en: &str) -> String {
        crate::pair(self.lang, zh, en)
    }

    fn line(&self, s: String) {
        // Above the bars on a terminal; plain lines into a pipe or a log.
        if !(self.tty && self.bars.println(&s).is_ok()) {
            println!("{s}");
        }
    }
}

impl DemoView for ConsoleView {
    fn chapter(&self, clock: &str, zh: &str, en: &str) {
        self.line(format!("\n[{clock}] {}", self.text(zh, en)));
    }

    fn screen(&self, tone: Tone, zh: &str, en: &str) {
        let mark = match tone {
            Tone::Info => "·",
            Tone::Good => "✓",
            Tone::Warn => "!",
        };
        self.line(format!("   {mark} {}", self.text(zh, en)));
    }

    fn progress_start(&self, work: Work, total: u64) {
        let bar = self.bars.add(ProgressBar::new(total));
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}").unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let (zh, en) = work.label();
        bar.set_message(self.text(zh, en));
        if let Ok(mut live) = self.live.lock() {
            live.push((work, bar));
        }
    }

    fn progress(&self, work: Work, done: u64) {
        if let Ok(live) = self.live.lock() {
            if let Some((_, bar)) = live.iter().find(|(w, _)| *w == work) {
                bar.set_position(done);
            }
        }
    }

    fn progress_end(&self, work: Work) {
        if let Ok(mut live) = self.live.lock() {
            if let Some(i) = live.iter().position(|(w, _)| *w == work) {
                let (_, bar) = live.remove(i);
                bar.finish_and_clear();
                self.bars.remove(&bar);
            }
        }
    }
}
