//! `pos`: the desktop operator and integrator CLI.

mod advice;
mod blacklist_cmd;
mod demo_cmd;
#[cfg(feature = "ble")]
mod devices_cmd;
mod frame_cmd;
mod hex_input;
mod params_cmd;
mod provision_cmd;
mod queue_cmd;
mod report_cmd;
mod risk_cmd;
mod settle_cmd;
mod sim_cmd;
mod terminal_cmd;
mod waiting;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use pos_core::{Bilingual, Lang};

/// Mobile POS command line: run the acquirer simulator, drive the terminal, debug host traffic.
#[derive(Parser)]
#[command(
    name = "pos",
    version,
    about,
    long_about = None,
    after_help = "Examples:\n  pos demo                       # the whole day on the built-in simulator\n  pos sim &                      # acquirer simulator on 127.0.0.1:8583 (TLS, CA in pos-sim-data/ca.pem)\n  pos sign-in\n  pos sale 12.34 --card debit\n  pos void --voucher 1\n  pos settle --json\n  pos --lang en history\n\nEvery command takes --json (one JSON document on stdout), --lang zh|en, --host, --data-dir,\n--ca FILE (the acquirer's CA, env POS_ACQUIRER_CA) and --plain (plain TCP, only where provisioned so);\n`pos <command> --help` shows its examples.\nExit status: 0 done, 1 declined or not clean, 2 error (what happened and what to do on stderr;\nwith --json also as {\"error\":true,\"message_zh\",\"message_en\"} on stdout), 3 demo invariant broken."
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options every command understands.
#[derive(clap::Args)]
pub struct Global {
    /// Operator language: zh or en (both are shown when unset); also for errors.
    #[arg(long, global = true, value_parser = parse_lang)]
    lang: Option<Lang>,
    /// Print one JSON document on stdout for scripts (errors too); progress goes to stderr or is hidden.
    #[arg(long, global = true)]
    json: bool,
    /// Acquirer host:port.
    #[arg(long, global = true, env = "POS_HOST", default_value = pos_core::provision::DEMO_HOST)]
    host: String,
    /// Terminal data directory (journal, sealed keys, reader key memory).
    #[arg(long, global = true, env = "POS_DATA_DIR", default_value = "pos-data")]
    data_dir: PathBuf,
    /// The acquirer's CA certificate (PEM) the TLS link is pinned to; for a loopback host,
    /// `pos sim`'s pos-sim-data/ca.pem when absent.
    #[arg(long, global = true, env = "POS_ACQUIRER_CA", value_name = "FILE", conflicts_with = "plain")]
    ca: Option<PathBuf>,
    /// Plain TCP instead of TLS: terminal commands only where the link is provisioned plain
    /// (a private APN); `pos sim` serves plain TCP.
    #[arg(long, global = true)]
    plain: bool,
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
    /// Run the acquirer host simulator (收单模拟器) in the foreground until Ctrl-C.
    Sim(sim_cmd::SimArgs),
    /// This terminal's identity and keys from the acquirer: TID, MID, MAC algorithm, TMK (终端参数).
    Provision(provision_cmd::ProvisionArgs),
    /// Sign in: fetch fresh working keys (签到).
    #[command(after_help = "Examples:\n  pos sign-in --host 127.0.0.1:8583\n  pos sign-in --json")]
    SignIn,
    /// Sign off (签退); refused while the batch is unsettled or payments wait to be uploaded.
    #[command(after_help = "Examples:\n  pos settle && pos sign-off\n  pos sign-off --json")]
    SignOff,
    /// Echo test (回响测试): checks the link and the host without moving money.
    #[command(after_help = "Examples:\n  pos echo\n  pos echo --host 127.0.0.1:8583 --json")]
    Echo,
    /// Sale (消费).
    #[command(
        after_help = "Examples:\n  pos sale 12.34 --card debit\n  pos sale 1,234.00 --card credit --json\n  pos sale 10,000.00 --card credit --confirm-risk   # go ahead despite a risk warning"
    )]
    Sale {
        /// Amount, e.g. 12.34 or 1,234.00.
        #[arg(allow_negative_numbers = true)]
        amount: String,
        #[command(flatten)]
        card: terminal_cmd::CardArg,
        #[command(flatten)]
        preference: queue_cmd::PreferenceArgs,
        #[command(flatten)]
        risk: terminal_cmd::RiskArgs,
    },
    /// Void a sale of the current batch (消费撤销).
    #[command(after_help = "Examples:\n  pos void --voucher 3\n  pos void --stan 12 --card credit --json")]
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
        #[arg(allow_negative_numbers = true)]
        amount: String,
        #[command(flatten)]
        orig: terminal_cmd::OrigArgs,
        #[command(flatten)]
        card: terminal_cmd::CardArg,
    },
    /// Pre-authorization: open, cancel, complete, complete-cancel (预授权).
    #[command(
        subcommand,
        after_help = "Examples:\n  pos preauth open 300.00 --card credit\n  pos preauth complete 280.00 --voucher 5 --card credit\n  pos preauth cancel 300.00 --voucher 5 --card credit"
    )]
    Preauth(terminal_cmd::PreauthCmd),
    /// Transfer (转账): from the card to an account, online only, with the PIN.
    #[command(
        after_help = "Examples:\n  pos transfer 200.00 --to 6217000012345678901 --card debit\n  pos transfer 50.00 --to 6217000012345678901 --card credit --json"
    )]
    Transfer {
        /// Amount, e.g. 200.00.
        #[arg(allow_negative_numbers = true)]
        amount: String,
        /// The payee's account number (6 to 28 digits).
        #[arg(long = "to")]
        to: String,
        #[command(flatten)]
        card: terminal_cmd::CardArg,
    },
    /// Balance inquiry (余额查询).
    #[command(after_help = "Examples:\n  pos balance --card debit\n  pos balance --card lowbal --json")]
    Balance {
        #[command(flatten)]
        card: terminal_cmd::CardArg,
    },
    /// The offline queue: stored payments, reversals due, what needs attention (离线队列).
    #[command(
        after_help = "Examples:\n  pos queue\n  pos queue --all --json\n  pos queue --ack 7   # the customer of voucher 7 was told: the item leaves the list"
    )]
    Queue {
        /// Also the payments already uploaded, declined or expired.
        #[arg(long, conflicts_with = "ack")]
        all: bool,
        /// Acknowledge what needs attention for this voucher (slip) number, once the customer
        /// has been told; a stuck reversal keeps being retried.
        #[arg(long, value_name = "VOUCHER")]
        ack: Option<u32>,
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
    #[command(after_help = "Examples:\n  pos reprint --last\n  pos reprint --voucher 3\n  pos reprint --json")]
    Reprint {
        /// Voucher (slip) number.
        #[arg(long, conflicts_with = "last")]
        voucher: Option<u32>,
        /// The newest slip (the default).
        #[arg(long)]
        last: bool,
    },
    /// Delete settled, synced transactions older than --years (数据保留); also done after each settlement.
    ///
    /// `pos settle` applies the default (2 years) by itself after closing a batch. Never deleted,
    /// whatever their age: transactions not settled or still pending, reversals not acknowledged,
    /// offline payments the host has not accepted, and any row a kept one refers to.
    #[command(
        after_help = "Examples:\n  pos retention\n  pos retention --years 3 --json\n\nExit status: 0 done (also when nothing was old enough), 2 error."
    )]
    Retention(report_cmd::RetentionArgs),
    /// Read what can still be read of a damaged journal (数据抢救), to reconcile with the acquirer.
    ///
    /// Read-only: the database is never changed. Each readable row goes to --out as one JSON
    /// object a line (masked card numbers, amounts, numbers, outcomes); rows on damaged pages are
    /// counted. See docs/reliability.md for the way back after a damaged or lost database.
    #[command(
        after_help = "Examples:\n  pos salvage --out journal.jsonl\n  pos --data-dir /sdcard/pos-data salvage --out rows.jsonl --json\n\nExit status: 0 the database is sound, 1 damaged (rows read are still written), 2 error."
    )]
    Salvage(report_cmd::SalvageArgs),
    /// Send due reversals and upload the stored payments now, with a progress bar (上送).
    #[command(
        after_help = "Examples:\n  pos offline off && pos sync\n  pos sync --json\n\nExit status: 0 everything sent, 1 something is still waiting (the reason says why)."
    )]
    Sync,
    /// The demo's offline switch: `on` makes sales go offline and syncs wait (离线模式).
    #[command(
        subcommand,
        after_help = "Examples:\n  pos offline on\n  pos sale 30.00 --card contactless\n  pos offline off\n  pos sync"
    )]
    Offline(queue_cmd::OfflineCmd),
    /// Terminal management (终端参数): download the CA public keys and IC parameters, show what is in force.
    #[command(subcommand, after_help = "Examples:\n  pos params download\n  pos params show --json")]
    Params(params_cmd::ParamsCmd),
    /// The card blacklist (卡黑名单): download it, its status, check a test card.
    #[command(
        subcommand,
        after_help = "Examples:\n  pos blacklist download\n  pos blacklist status --json\n  pos blacklist check --card offline"
    )]
    Blacklist(blacklist_cmd::BlacklistCmd),
    /// The risk engine: check a payment, confirm a warning, the day's report, the policy (风控).
    #[command(
        subcommand,
        after_help = "Examples:\n  pos risk check 10000.00 --card debit\n  pos risk report\n  pos risk policy --json"
    )]
    Risk(risk_cmd::RiskCmd),
    /// List the test cards the software reader can present (for --card).
    #[command(after_help = "Examples:\n  pos cards\n  pos cards --json")]
    Cards,
    /// Decode frames and compute MACs (integrators debugging host traffic).
    #[command(
        subcommand,
        after_help = "Examples:\n  pos frame decode --body 02003020000000C0800100000000000000123400012331303030303030313839383331303034383939303030313135363235314635463733\n  pos frame mac --key-file mak.hex --body 02003020000000C0800100000000000000123400012331303030303030313839383331303034383939303030313135363235314635463733"
    )]
    Frame(frame_cmd::FrameCmd),
    /// Bluetooth readers and printers: scan, pair (built with the `ble` feature).
    #[cfg(feature = "ble")]
    #[command(
        subcommand,
        after_help = "Examples:\n  pos devices scan --kind reader\n  pos devices pair AA:BB:CC:DD:EE:FF --kind reader\n  pos devices test-print --json"
    )]
    Devices(devices_cmd::DevicesCmd),
    /// Bluetooth readers and printers (this build has none: the command says how to get it).
    #[cfg(not(feature = "ble"))]
    #[command(after_help = "Example:\n  pos devices   # says how to build pos with Bluetooth support")]
    Devices {
        /// Whatever followed (scan, pair, ...): not available in this build.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
        rest: Vec<String>,
    },
}

/// `pos devices` in a build without Bluetooth: what to do instead of "unrecognized subcommand".
#[cfg(not(feature = "ble"))]
fn no_bluetooth() -> Result<ExitCode, CliError> {
    Err(terminal_cmd::ArgProblem::new(
        "此版本的 pos 未含蓝牙支持：请安装 libdbus-1-dev 后用 `cargo build -p pos-cli --features ble` 构建。模拟读卡器与打印机无需蓝牙（pos sale --card …）",
        "this build of pos has no Bluetooth support: install libdbus-1-dev and build with \
         `cargo build -p pos-cli --features ble`. The simulated reader and printer need no Bluetooth (pos sale --card …)",
    )
    .into())
}

/// The command line as `--help` shows it: the terminal's options (`--host`, `--data-dir`,
/// `--ca`, `--plain`) are hidden from the commands that do not use them. They stay accepted
/// there (one global set for every command, so `pos --host … sim` still parses).
fn command() -> clap::Command {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    let unused: [(&str, &[&str]); 4] = [
        ("sim", &["host", "data_dir", "ca"]),
        ("cards", &["host", "data_dir", "ca", "plain"]),
        ("demo", &["host", "data_dir", "ca", "plain"]),
        ("frame", &["host", "data_dir", "ca", "plain"]),
    ];
    for (sub, ids) in unused {
        // A subcommand that has an argument of the same id keeps its own copy instead of the
        // propagated global one: the same argument, hidden (mutating after the build would
        // leave clap's lookup table pointing at the wrong arguments).
        let hidden: Vec<clap::Arg> =
            cmd.get_arguments().filter(|a| ids.contains(&a.get_id().as_str())).map(|a| a.clone().hide(true)).collect();
        cmd = cmd.mut_subcommand(sub, |c| c.args(hidden));
    }
    cmd
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    match s {
        "zh" => Ok(Lang::Zh),
        "en" => Ok(Lang::En),
        _ => Err("expected zh or en".into()),
    }
}

/// An error as the operator sees it: what happened and what to do, bilingual; exit code 2.
#[derive(Debug)]
pub enum CliError {
    /// The core's error; the CLI adds the next step its code calls for ([`advice::next_step`]).
    Core(pos_core::Error),
    /// The CLI's own error (arguments, files, the runtime, the demo).
    Cli {
        /// Chinese text.
        zh: String,
        /// English text.
        en: String,
        /// The stable code in `--json` output.
        code: &'static str,
        /// More fields for the `--json` object (e.g. the risk warning's token).
        fields: Option<serde_json::Map<String, serde_json::Value>>,
    },
}

/// The code of the CLI's own errors in `--json` output (the core's carry theirs).
pub const CLI_ERROR_CODE: &str = "cli";

impl CliError {
    /// The CLI's own error with both texts.
    pub fn cli(e: &dyn Bilingual) -> CliError {
        CliError::Cli { zh: e.zh(), en: e.en(), code: CLI_ERROR_CODE, fields: None }
    }

    /// A CLI error whose `--json` object also carries `fields` (e.g. the risk warning's token).
    pub fn with_fields(e: &dyn Bilingual, fields: serde_json::Map<String, serde_json::Value>) -> CliError {
        CliError::Cli { zh: e.zh(), en: e.en(), code: CLI_ERROR_CODE, fields: Some(fields) }
    }

    /// The stable code: the core's, or [`CLI_ERROR_CODE`] (or the one given) for the CLI's own.
    pub fn code(&self) -> &'static str {
        match self {
            CliError::Core(e) => e.code().as_str(),
            CliError::Cli { code, .. } => code,
        }
    }
}

impl Bilingual for CliError {
    fn zh(&self) -> String {
        match self {
            // Core errors do not know the CLI's commands and flags: the next step where the CLI knows it.
            CliError::Core(e) => match advice::next_step(e) {
                Some((zh, _)) => advice::join_zh(&e.zh(), &zh),
                None => e.zh(),
            },
            CliError::Cli { zh, .. } => zh.clone(),
        }
    }
    fn en(&self) -> String {
        match self {
            CliError::Core(e) => match advice::next_step(e) {
                Some((_, en)) => advice::join_en(&e.en(), &en),
                None => e.en(),
            },
            CliError::Cli { en, .. } => en.clone(),
        }
    }
}

impl From<pos_core::Error> for CliError {
    fn from(e: pos_core::Error) -> Self {
        CliError::Core(e)
    }
}

/// The CLI's own errors (not the core's): they become [`CliError::Cli`] with `?`.
pub trait OwnError: Bilingual {}

impl<E: OwnError> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError::cli(&e)
    }
}

impl OwnError for pos_demo::DemoError {}
impl OwnError for RuntimeFailure {}
impl OwnError for terminal_cmd::ArgProblem {}
impl OwnError for hex_input::HexError {}
impl OwnError for sim_cmd::SimFailure {}

/// Text in the operator's language, or both.
pub fn say(g: &Global, m: &dyn Bilingual) -> String {
    match g.lang {
        Some(l) => l.pick(m),
        None => m.both(),
    }
}

/// A label in the operator's language, or both.
pub fn say_pair(g: &Global, zh: &str, en: &str) -> String {
    pair(g.lang, zh, en)
}

/// A label in `lang`, or both when it is unset.
pub fn pair(lang: Option<Lang>, zh: &str, en: &str) -> String {
    match lang {
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
        format!("无法启动运行时（{}）。系统资源可能不足：关闭其他程序后重试", self.0)
    }
    fn en(&self) -> String {
        format!("cannot start the runtime ({}). The system may be out of threads or memory: close other programs and try again", self.0)
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

/// `pos … | head` ends quietly when the reader goes away, as Unix tools do, instead of
/// panicking on the broken pipe: the default action of SIGPIPE, which Rust sets to ignore.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to its default, before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("POS_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = match command().try_get_matches().and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m)) {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    let g = &cli.global;
    // Not for the simulator: a server outlives whoever read its banner, and its writes
    // after that are ignored, never fatal.
    if !matches!(cli.command, Command::Sim(_)) {
        restore_sigpipe();
    }
    advice::set_data_dir(&g.data_dir);
    use terminal_cmd::TermCmd as T;
    let result = match cli.command {
        Command::Demo(a) => demo_cmd::run(g, a),
        Command::Sim(a) => sim_cmd::run(g, a),
        Command::Provision(a) => provision_cmd::run(g, a),
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
        Command::Transfer { amount, to, card } => terminal_cmd::run(g, T::Transfer(amount, to, card)),
        Command::Queue { all, ack: None } => queue_cmd::queue(g, all),
        Command::Queue { ack: Some(voucher), .. } => queue_cmd::acknowledge(g, voucher),
        Command::Sync => queue_cmd::sync(g),
        Command::History(a) => report_cmd::history(g, a),
        Command::Report { day, format } => report_cmd::report(g, &day, format.as_deref()),
        Command::Reprint { voucher, last: _ } => report_cmd::reprint(g, voucher),
        Command::Retention(a) => report_cmd::retention(g, a),
        Command::Salvage(a) => report_cmd::salvage(g, a),
        Command::Settle => settle_cmd::settle(g),
        Command::Offline(cmd) => queue_cmd::offline(g, cmd),
        Command::Params(cmd) => params_cmd::run(g, cmd),
        Command::Blacklist(cmd) => blacklist_cmd::run(g, cmd),
        Command::Risk(cmd) => risk_cmd::run(g, cmd),
        Command::Cards => Ok(terminal_cmd::list_cards(g)),
        Command::Frame(cmd) => frame_cmd::run(g, cmd),
        #[cfg(feature = "ble")]
        Command::Devices(cmd) => devices_cmd::run(g, cmd),
        #[cfg(not(feature = "ble"))]
        Command::Devices { .. } => no_bluetooth(),
    };
    match result {
        Ok(code) => code,
        Err(e) => report_error(g, &e),
    }
}

/// A command line clap refused (or `--help`/`--version`, which are no error). Under `--json`
/// the refusal is also the one JSON document on stdout, like every other error.
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let args: Vec<String> = std::env::args().skip(1).take_while(|a| a != "--").collect();
    if args.iter().any(|a| a == "--json") {
        let lang = lang_of(&args);
        let en = usage_text(e);
        let g = Global { lang, json: true, host: String::new(), data_dir: PathBuf::new(), ca: None, plain: false };
        let problem = terminal_cmd::ArgProblem::new(
            &format!("命令行参数有误：{en}（`pos --help` 或 `pos <命令> --help` 查看用法）"),
            &format!("{en} (see `pos --help` or `pos <command> --help`)"),
        );
        let mut v = error_json(&g, &problem);
        v["usage"] = true.into();
        println!("{v}");
        // The one document is on stdout: clap's text (help included) goes to stderr.
        eprint!("{}", e.render());
        return ExitCode::from(2);
    }
    let _ = e.print();
    ExitCode::from(2)
}

/// `--lang zh|en` from raw arguments (clap refused the line, so it was not parsed).
fn lang_of(args: &[String]) -> Option<Lang> {
    let value = args.iter().enumerate().find_map(|(i, a)| match a.strip_prefix("--lang") {
        Some("") => args.get(i + 1).cloned(),
        Some(rest) => rest.strip_prefix('=').map(str::to_string),
        None => None,
    })?;
    match value.as_str() {
        "zh" => Some(Lang::Zh),
        "en" => Some(Lang::En),
        _ => None,
    }
}

/// clap's message on one line, without its styling, "error: " prefix, usage and tips.
fn usage_text(e: &clap::Error) -> String {
    if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        return "a subcommand is required".into();
    }
    let rendered = e.render().to_string();
    let message: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("tip:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty())
        .collect();
    let text = message.join(" ");
    let text = text.trim_start_matches("error:").trim();
    if text.is_empty() {
        "invalid command line".into()
    } else {
        text.to_string()
    }
}

/// The error object printed on stdout in `--json` mode: the operator's language, or both.
fn error_json(g: &Global, e: &dyn Bilingual) -> serde_json::Value {
    let mut v = serde_json::json!({"error": true, "exit_code": 2});
    if g.lang != Some(Lang::En) {
        v["message_zh"] = e.zh().into();
    }
    if g.lang != Some(Lang::Zh) {
        v["message_en"] = e.en().into();
    }
    v
}

/// Shows an error (stderr; also stdout as JSON with `--json`) and gives exit status 2.
fn report_error(g: &Global, e: &CliError) -> ExitCode {
    if g.json {
        let mut v = error_json(g, e);
        v["code"] = e.code().into();
        if let CliError::Cli { fields: Some(fields), .. } = e {
            for (k, value) in fields {
                v[k] = value.clone();
            }
        }
        println!("{v}");
    }
    let label = match g.lang {
        Some(Lang::Zh) => "错误：",
        Some(Lang::En) => "error: ",
        None => "错误 / error: ",
    };
    eprintln!("{label}{}", say(g, e));
    ExitCode::from(2)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// Every subcommand at every depth, with its path (`pos preauth open`).
    fn walk(cmd: &clap::Command, path: &str, out: &mut Vec<(String, clap::Command)>) {
        for sub in cmd.get_subcommands() {
            let name = format!("{path} {}", sub.get_name());
            out.push((name.clone(), sub.clone()));
            walk(sub, &name, out);
        }
    }

    fn all_commands() -> Vec<(String, clap::Command)> {
        let root = command();
        let mut all = vec![("pos".to_string(), root.clone())];
        walk(&root, "pos", &mut all);
        all
    }

    fn after_help(c: &clap::Command) -> String {
        c.get_after_help().or(c.get_after_long_help()).map(|h| h.to_string()).unwrap_or_default()
    }

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
        command().debug_assert();
    }

    #[test]
    fn every_subcommand_has_examples() {
        let all = all_commands();
        assert!(all.len() > 25, "the walk found only {} commands", all.len());
        let missing: Vec<&str> =
            all.iter().filter(|(_, c)| !after_help(c).contains("Example")).map(|(n, _)| n.as_str()).collect();
        assert!(missing.is_empty(), "no after_help with \"Example\" on: {missing:?}");
    }

    /// The command lines of an after_help: `  pos ...` lines, split at `&&`, without comments,
    /// background `&` and redirections.
    fn example_lines(help: &str) -> Vec<Vec<String>> {
        let mut lines = Vec::new();
        for line in help.lines().map(str::trim).filter(|l| l.starts_with("pos ") || *l == "pos") {
            let line = line.split(" #").next().unwrap_or(line);
            for part in line.split("&&") {
                let part = part.split('>').next().unwrap_or(part).trim().trim_end_matches('&').trim();
                lines.push(part.split_whitespace().map(String::from).collect());
            }
        }
        lines
    }

    #[test]
    fn every_example_parses() {
        let mut checked = 0;
        for (name, c) in all_commands() {
            let help = after_help(&c);
            let examples = example_lines(&help);
            assert!(name == "pos" || !examples.is_empty(), "{name}: no `pos ...` example line in {help:?}");
            for args in examples {
                let parsed = command()
                    .try_get_matches_from(&args)
                    .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m));
                if let Err(e) = parsed {
                    panic!("{name}: example `{}` does not parse:\n{e}", args.join(" "));
                }
                checked += 1;
            }
        }
        assert!(checked > 40, "only {checked} examples");
    }

    #[test]
    fn json_errors_follow_the_language() {
        let e = terminal_cmd::ArgProblem::new("中文", "English");
        let g =
            |lang| Global { lang, json: true, host: String::new(), data_dir: PathBuf::new(), ca: None, plain: false };
        let both = error_json(&g(None), &e);
        assert_eq!((both["message_zh"].as_str(), both["message_en"].as_str()), (Some("中文"), Some("English")));
        let en = error_json(&g(Some(Lang::En)), &e);
        assert!(en.get("message_zh").is_none() && en["message_en"] == "English" && en["error"] == true);
        let zh = error_json(&g(Some(Lang::Zh)), &e);
        assert!(zh.get("message_en").is_none() && zh["message_zh"] == "中文");
    }

    #[test]
    fn core_errors_get_the_next_step() {
        use pos_core::{AcquirerError, ConnectFailure};
        let e = CliError::from(pos_core::Error::from(pos_core::ReaderError::NoWorkingKeys));
        assert!(e.zh().contains("pos sign-in") && e.en().contains("Run `pos sign-in`"), "{}", e.en());
        assert_eq!(e.code(), "sign_in_required");
        let refused = AcquirerError::ConnectFailed { target: "127.0.0.1:1".into(), cause: ConnectFailure::Refused };
        let e = CliError::from(pos_core::Error::from(refused));
        assert!(e.en().contains("127.0.0.1:1") && e.en().contains("pos sim") && e.en().contains("--host"));
        assert!(e.zh().starts_with("无法连接收单主机") && e.zh().contains("--host"), "{}", e.zh());
        assert_eq!(e.code(), "connect_refused");
        // Errors the CLI has nothing to add to stay as they are.
        let e = CliError::from(terminal_cmd::ArgProblem::new("甲", "a"));
        assert_eq!((e.zh(), e.en()), ("甲".to_string(), "a".to_string()));
        assert_eq!(e.code(), CLI_ERROR_CODE);
    }
}
