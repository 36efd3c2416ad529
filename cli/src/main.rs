//! `pos`: the desktop operator and integrator CLI.

mod demo_cmd;
#[cfg(feature = "ble")]
mod devices_cmd;
mod frame_cmd;
mod hex_input;
mod queue_cmd;
mod report_cmd;
mod risk_cmd;
mod settle_cmd;
mod sim_cmd;
mod terminal_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use pos_core::i18n::{Bilingual, Lang};

/// Mobile POS command line: run the acquirer simulator, drive the terminal, debug host traffic.
#[derive(Parser)]
#[command(name = "pos", version, about, long_about = None, after_help = "Examples:\n  pos demo                       # the whole day on the built-in simulator\n  pos sim &                      # acquirer simulator on 127.0.0.1:8583\n  pos sign-in\n  pos sale 12.34 --card debit\n  pos void --voucher 1\n  pos frame decode --json <hex>")]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options every command understands.
#[derive(clap::Args)]
pub struct Global {
    /// Operator language: zh or en (both are shown when unset).
    #[arg(long, global = true, value_parser = parse_lang)]
    lang: Option<Lang>,
    /// Print JSON for scripts.
    #[arg(long, global = true)]
    json: bool,
    /// Acquirer host:port.
    #[arg(long, global = true, env = "POS_HOST", default_value = pos_core::provision::DEMO_HOST)]
    host: String,
    /// Terminal data directory (journal, sealed keys, reader key memory).
    #[arg(long, global = true, env = "POS_DATA_DIR", default_value = "pos-data")]
    data_dir: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// The main job: a delivery merchant's day end to end on embedded defaults (演示).
    ///
    /// Starts the acquirer simulator in-process on a free loopback port, provisions a
    /// terminal, pairs the simulated Bluetooth reader and printer, and plays the day: sign-in,
    /// sales with PIN, a decline, a void, a partial refund, a pre-auth and its completion, a
    /// lost answer that is reversed, a dead spot with offline payments and their upload, a
    /// risk warning, settlement with a batch upload. Writes every slip (PNG and text), the
    /// day report (report.html) and summary.json; exits 3 if an invariant of the design broke.
    #[command(
        after_help = "Examples:\n  pos demo\n  pos demo --seed 7 --payments 40 --faults many --out /tmp/day --lang en\n  pos demo --faults none --json > summary.json\n\nExit status: 0 every invariant holds, 3 an invariant broke, 2 the demo could not run."
    )]
    Demo(demo_cmd::DemoArgs),
    /// Run the acquirer host simulator.
    Sim(sim_cmd::SimArgs),
    /// Sign in: fetch fresh working keys (签到).
    #[command(after_help = "Example:\n  pos sign-in --host 127.0.0.1:8583")]
    SignIn,
    /// Sign off (签退).
    SignOff,
    /// Echo test (回响测试).
    Echo,
    /// Sale (消费).
    #[command(
        after_help = "Examples:\n  pos sale 12.34 --card debit\n  pos sale 1,234.00 --card credit --json\n  pos sale 10,000.00 --card credit --confirm-risk   # go ahead despite a risk warning"
    )]
    Sale {
        /// Amount, e.g. 12.34 or 1,234.00.
        amount: String,
        #[command(flatten)]
        card: terminal_cmd::CardArg,
        #[command(flatten)]
        preference: queue_cmd::PreferenceArgs,
        #[command(flatten)]
        risk: terminal_cmd::RiskArgs,
    },
    /// Void a sale of the current batch (消费撤销).
    #[command(after_help = "Example:\n  pos void --voucher 3")]
    Void {
        #[command(flatten)]
        orig: terminal_cmd::OrigArgs,
        #[command(flatten)]
        card: terminal_cmd::CardArg,
    },
    /// Refund all or part of a sale (退货).
    #[command(
        after_help = "Examples:\n  pos refund 5.00 --voucher 3\n  pos refund 5.00 --rrn 112610153001 --date 1126"
    )]
    Refund {
        /// Amount to refund.
        amount: String,
        #[command(flatten)]
        orig: terminal_cmd::OrigArgs,
        #[command(flatten)]
        card: terminal_cmd::CardArg,
    },
    /// Pre-authorization: open, cancel, complete, complete-cancel (预授权).
    #[command(subcommand)]
    Preauth(terminal_cmd::PreauthCmd),
    /// Balance inquiry (余额查询).
    #[command(after_help = "Example:\n  pos balance --card debit")]
    Balance {
        #[command(flatten)]
        card: terminal_cmd::CardArg,
    },
    /// The offline queue: stored payments, reversals due, what needs attention (离线队列).
    #[command(after_help = "Examples:\n  pos queue\n  pos queue --all --json")]
    Queue {
        /// Also the payments already uploaded, declined or expired.
        #[arg(long)]
        all: bool,
    },
    /// Settle the batch (结算): reconcile, upload the batch with a progress bar when totals
    /// differ (an interrupted upload continues), then the slip totals.
    #[command(after_help = "Examples:\n  pos settle\n  pos settle --json")]
    Settle,
    /// Transaction history with filters and paging, masked cards only (交易查询).
    #[command(
        after_help = "Examples:\n  pos history\n  pos history --day 2025-03-03 --type sale,refund --status approved\n  pos history --scheme visa --min 100.00 --page 2 --json"
    )]
    History(report_cmd::HistoryArgs),
    /// The daily summary: by type, card scheme, hour, offline/online, declines (日结报表).
    #[command(
        after_help = "Examples:\n  pos report --day 2025-03-03\n  pos report --day 2025-03-03 --format csv > day.csv\n  pos report --day 2025-03-03 --json"
    )]
    Report {
        /// The local day, YYYY-MM-DD.
        #[arg(long)]
        day: String,
        /// text, json or csv (--json means json).
        #[arg(long)]
        format: Option<String>,
    },
    /// Print a slip again, marked 重打印 REPRINT: the last one or by voucher number (重打印).
    #[command(after_help = "Examples:\n  pos reprint --last\n  pos reprint --voucher 3")]
    Reprint {
        /// Voucher (slip) number.
        #[arg(long, conflicts_with = "last")]
        voucher: Option<u32>,
        /// The newest slip (the default).
        #[arg(long)]
        last: bool,
    },
    /// Send due reversals and upload the stored payments now, with a progress bar (上送).
    #[command(after_help = "Example:\n  pos offline off && pos sync")]
    Sync,
    /// The demo's offline switch: `on` makes sales go offline and syncs wait (离线模式).
    #[command(
        subcommand,
        after_help = "Examples:\n  pos offline on\n  pos sale 30.00 --card contactless\n  pos offline off\n  pos sync"
    )]
    Offline(queue_cmd::OfflineCmd),
    /// The risk engine: check a payment, confirm a warning, the day's report, the policy (风控).
    #[command(subcommand, after_help = "Examples:\n  pos risk check 10000.00 --card debit\n  pos risk report")]
    Risk(risk_cmd::RiskCmd),
    /// List the test cards the software reader can present.
    Cards,
    /// Decode frames and compute MACs (integrators debugging host traffic).
    #[command(subcommand)]
    Frame(frame_cmd::FrameCmd),
    /// Bluetooth readers and printers: scan, pair (built with the `ble` feature).
    #[cfg(feature = "ble")]
    #[command(subcommand)]
    Devices(devices_cmd::DevicesCmd),
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    match s {
        "zh" => Ok(Lang::Zh),
        "en" => Ok(Lang::En),
        _ => Err("expected zh or en".into()),
    }
}

/// An error as the operator sees it: bilingual, with the exit code.
pub struct CliError(Box<dyn Bilingual>);

impl<E: Bilingual + 'static> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError(Box::new(e))
    }
}

/// Text in the operator's language, or both.
pub fn say(g: &Global, m: &dyn Bilingual) -> String {
    match g.lang {
        Some(l) => l.pick(m),
        None => m.both(),
    }
}

/// A label in the operator's language, or both.
pub fn say_pair(g: &Global, zh: &str, en: &str) -> String {
    match g.lang {
        Some(Lang::Zh) => zh.to_string(),
        Some(Lang::En) => en.to_string(),
        None => format!("{zh} / {en}"),
    }
}

/// Why the async runtime could not start.
#[derive(Debug)]
pub struct RuntimeFailure(String);

impl Bilingual for RuntimeFailure {
    fn zh(&self) -> String {
        format!("无法启动运行时：{}", self.0)
    }
    fn en(&self) -> String {
        format!("cannot start the runtime: {}", self.0)
    }
}

/// A tokio runtime for one command.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| RuntimeFailure(e.to_string()).into())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("POS_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let g = &cli.global;
    use terminal_cmd::TermCmd as T;
    let result = match cli.command {
        Command::Demo(a) => demo_cmd::run(g, a),
        Command::Sim(a) => sim_cmd::run(a),
        Command::SignIn => terminal_cmd::run(g, T::SignIn),
        Command::SignOff => terminal_cmd::run(g, T::SignOff),
        Command::Echo => terminal_cmd::run(g, T::Echo),
        Command::Sale { amount, card, preference, risk } => {
            terminal_cmd::run(g, T::Sale(amount, card, preference.preference(), risk))
        }
        Command::Void { orig, card } => terminal_cmd::run(g, T::Void(orig, card)),
        Command::Refund { amount, orig, card } => terminal_cmd::run(g, T::Refund(amount, orig, card)),
        Command::Preauth(p) => terminal_cmd::run(g, T::Preauth(p)),
        Command::Balance { card } => terminal_cmd::run(g, T::Balance(card)),
        Command::Queue { all } => queue_cmd::queue(g, all),
        Command::Sync => queue_cmd::sync(g),
        Command::History(a) => report_cmd::history(g, a),
        Command::Report { day, format } => report_cmd::report(g, &day, format.as_deref()),
        Command::Reprint { voucher, last: _ } => report_cmd::reprint(g, voucher),
        Command::Settle => settle_cmd::settle(g),
        Command::Offline(cmd) => queue_cmd::offline(g, cmd),
        Command::Risk(cmd) => risk_cmd::run(g, cmd),
        Command::Cards => Ok(terminal_cmd::list_cards(g)),
        Command::Frame(cmd) => frame_cmd::run(cmd),
        #[cfg(feature = "ble")]
        Command::Devices(cmd) => devices_cmd::run(g, cmd),
    };
    match result {
        Ok(code) => code,
        Err(CliError(e)) => {
            if g.json {
                println!("{}", serde_json::json!({"error": true, "message_zh": e.zh(), "message_en": e.en()}));
            }
            eprintln!("错误 / error: {}", say(g, e.as_ref()));
            ExitCode::from(2)
        }
    }
}
