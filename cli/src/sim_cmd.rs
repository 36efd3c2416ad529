//! `pos sim`: the acquirer simulator in the foreground.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use pos_acquirer_sim::{ConfigError, LedgerError, SimConfig, SimError, SimTls, Simulator};
use pos_core::Lang;

use crate::{say_pair, CliError, Global};

/// Where `pos sim` keeps its ledger unless told otherwise (relative to the working directory).
pub const DEFAULT_LEDGER: &str = "pos-sim-data/ledger.db";

/// A simulator failure as the operator sees it.
#[derive(Debug)]
pub enum SimFailure {
    /// The configuration file could not be used.
    Config(PathBuf, String),
    /// `--listen` or `--admin` is not an address (host:port with a numeric IP).
    BadAddress {
        /// Which option.
        option: &'static str,
        /// What was given.
        value: String,
    },
    /// Another server already listens on the address.
    AddressInUse(String),
    /// The address could not be bound for another reason (permissions, not a local address).
    Listen {
        /// The address.
        addr: String,
        /// What the OS said.
        reason: String,
    },
    /// Another simulator holds the ledger file.
    LedgerInUse {
        /// The ledger file.
        path: String,
        /// The process holding it, when known.
        pid: Option<u32>,
    },
    /// The ledger file cannot be created, opened or read.
    Ledger {
        /// The ledger file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The simulator did not start for another reason.
    Start(String),
}

impl SimFailure {
    /// Sorts the simulator's start error into what the operator can act on.
    fn from_start(e: SimError, ledger: Option<&str>) -> SimFailure {
        match e {
            SimError::Config(ConfigError::BadAddress { what, value }) => {
                let option = if what == "admin_listen" { "--admin" } else { "--listen" };
                SimFailure::BadAddress { option, value }
            }
            SimError::Bind { addr, in_use: true, .. } => SimFailure::AddressInUse(addr),
            SimError::Bind { addr, reason, .. } => SimFailure::Listen { addr, reason },
            SimError::Ledger(LedgerError::InUse { path, pid }) => SimFailure::LedgerInUse { path, pid },
            SimError::Ledger(e) => match ledger {
                Some(path) => SimFailure::Ledger { path: path.to_owned(), reason: e.to_string() },
                None => SimFailure::Start(e.to_string()),
            },
            e => SimFailure::Start(e.to_string()),
        }
    }
}

impl pos_core::Bilingual for SimFailure {
    fn zh(&self) -> String {
        match self {
            SimFailure::Config(p, e) => format!(
                "无法使用收单模拟器配置文件 {}：{e}。请修改该文件，或去掉 --config 使用演示默认配置",
                p.display()
            ),
            SimFailure::BadAddress { option, value } => format!(
                "{option} {value:?} 不是有效地址：请写成 IP:端口，例如 127.0.0.1:9000（端口 0 表示任选空闲端口）"
            ),
            SimFailure::AddressInUse(addr) => format!(
                "地址 {addr} 已被占用（是否已有 `pos sim` 在运行？）：用 --listen 127.0.0.1:0 任选空闲端口，\
                 或 --listen 127.0.0.1:9000 换一个端口；管理端口用 --admin 127.0.0.1:9001 或 --admin off"
            ),
            SimFailure::Listen { addr, reason } => {
                format!(
                    "无法在 {addr} 上监听：{reason}。请用 --listen 指定本机地址和 1024 以上的端口，例如 127.0.0.1:9000"
                )
            }
            SimFailure::LedgerInUse { path, pid } => format!(
                "账本 {path} 正被{}使用：同一账本只能由一个 `pos sim` 打开。请先停止那个模拟器，\
                 或用 --ledger 另一个文件.db（或 --memory 临时内存账本）再启动一个",
                pid.map_or_else(|| "另一个收单模拟器".to_owned(), |p| format!("进程 {p} "))
            ),
            SimFailure::Ledger { path, reason } => format!(
                "无法使用账本文件 {path}：{reason}。未做任何更改。请检查该文件和目录的权限，\
                 或用 --ledger 指定另一个文件（--memory：临时内存账本）"
            ),
            SimFailure::Start(e) => format!("收单模拟器无法启动：{e}"),
        }
    }
    fn en(&self) -> String {
        match self {
            SimFailure::Config(p, e) => format!(
                "cannot use the simulator configuration {}: {e}. Fix the file, or drop --config for the demo defaults",
                p.display()
            ),
            SimFailure::BadAddress { option, value } => format!(
                "{option} {value:?} is not an address: write IP:PORT, e.g. 127.0.0.1:9000 (port 0 picks a free one)"
            ),
            SimFailure::AddressInUse(addr) => format!(
                "{addr} is already in use (is another `pos sim` running?): pick a free port with --listen 127.0.0.1:0, \
                 or another with --listen 127.0.0.1:9000; and --admin 127.0.0.1:9001 or --admin off"
            ),
            SimFailure::Listen { addr, reason } => format!(
                "cannot listen on {addr}: {reason}. Pass --listen with a local address and a port above 1023, \
                 e.g. 127.0.0.1:9000"
            ),
            SimFailure::LedgerInUse { path, pid } => format!(
                "the ledger {path} is in use by {}: one `pos sim` per ledger. Stop that simulator first, or start \
                 this one with --ledger OTHER.db (or --memory for a throwaway ledger)",
                pid.map_or_else(|| "another simulator".to_owned(), |p| format!("process {p}"))
            ),
            SimFailure::Ledger { path, reason } => format!(
                "cannot use the ledger file {path}: {reason}. Nothing was changed. Check the permissions of the file \
                 and its directory, or pass --ledger with another file (--memory: a throwaway ledger)"
            ),
            SimFailure::Start(e) => format!("the acquirer simulator cannot start: {e}"),
        }
    }
}

/// Arguments of `pos sim`.
#[derive(Args)]
#[command(
    after_help = "Examples:\n  pos sim                       # demo terminal 10000001 + the test card deck, on 127.0.0.1:8583, ledger and TLS CA in pos-sim-data/\n  pos sim --listen 127.0.0.1:9000 --admin off\n  pos sim --ledger /var/tmp/acquirer.db\n  pos sim --memory              # a throwaway ledger: batches, RRNs and auth codes start again next time\n  pos sim --config sim.json\n  pos sim --listen 127.0.0.1:0 --json   # prints {\"listening\":\"127.0.0.1:PORT\",\"admin\":...,\"ledger\":...,\"ca\":...}\n  pos sim --tls-dir /tmp/sim-tls         # TLS CA kept there (terminals: --ca /tmp/sim-tls/ca.pem)\n  pos sim --plain                        # plain TCP (terminals: --plain)"
)]
pub struct SimArgs {
    /// JSON configuration (terminals, accounts, limits); default: the demo terminal and the test deck.
    #[arg(long)]
    config: Option<PathBuf>,
    /// ISO 8583 listen address (port 0: any free port, shown in the banner).
    #[arg(long)]
    listen: Option<String>,
    /// Admin (fault injection, flags) address on loopback, or "off"; default: the listen port + 1
    /// (127.0.0.1:8584), a free port when the listen port is 0.
    #[arg(long)]
    admin: Option<String>,
    /// SQLite ledger file, kept across restarts so batches, RRNs and auth codes go on
    /// (default: the config's "database", else pos-sim-data/ledger.db); one `pos sim` per file.
    #[arg(long, env = "POS_SIM_LEDGER")]
    ledger: Option<PathBuf>,
    /// Keep the ledger in memory only: a throwaway run that starts again at batch 000001.
    #[arg(long, conflicts_with = "ledger")]
    memory: bool,
    /// Folder of the TLS CA (ca.pem, ca-key.pem), made at the first start; terminals pin its ca.pem.
    #[arg(long, default_value = DEFAULT_TLS_DIR)]
    tls_dir: PathBuf,
}

/// Where `pos sim` keeps its CA by default (and where terminal commands look for it).
pub const DEFAULT_TLS_DIR: &str = "pos-sim-data";

/// Runs the simulator until Ctrl-C.
pub fn run(g: &Global, a: SimArgs) -> Result<ExitCode, CliError> {
    let mut config = match &a.config {
        Some(p) => SimConfig::load(p).map_err(|e| SimFailure::Config(p.clone(), e.to_string()))?,
        None => SimConfig::demo(),
    };
    if let Some(l) = &a.listen {
        config = config.listening_on(l);
    }
    match a.admin.as_deref() {
        Some("off") => config.admin_listen = None,
        Some(addr) => config.admin_listen = Some(addr.to_string()),
        // A configuration file says where its admin port is (none: off).
        None if a.config.is_none() => config.admin_listen = config.default_admin(),
        None => {}
    }
    config.database = ledger_path(&a, config.database.take());
    let ledger = config.database.clone();
    if let Some(parent) = ledger.as_deref().and_then(|p| Path::new(p).parent()).filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| SimFailure::Ledger { path: ledger.clone().unwrap_or_default(), reason: e.to_string() })?;
    }
    // TLS with a CA kept across restarts (terminals keep their pin), unless --plain.
    config.tls = if g.plain { SimTls::Plain } else { SimTls::Dir(a.tls_dir.clone()) };
    let rt = crate::runtime()?;
    rt.block_on(async {
        let handle = Simulator::start(config).await.map_err(|e| SimFailure::from_start(e, ledger.as_deref()))?;
        // Whoever reads the banner may go away (a closed pipe): the simulator keeps serving.
        use std::io::Write;
        let mut out = std::io::stdout();
        if g.json {
            // One line, one document: scripts read the addresses from it.
            let banner = serde_json::json!({
                "listening": handle.addr().to_string(),
                "admin": handle.admin_addr().map(|a| a.to_string()),
                "ledger": ledger,
                "ca": handle.ca_path().map(|p| p.display().to_string()),
            });
            let _ = writeln!(out, "{banner}");
        } else {
            // Unchanged without --lang: the address is the first line's last word (the CLI tests read it).
            let addr = handle.addr();
            let line = |zh: String, en: String, both: String| match g.lang {
                Some(Lang::Zh) => zh,
                Some(Lang::En) => en,
                None => both,
            };
            let _ = writeln!(
                out,
                "{}",
                line(
                    format!("收单模拟器已启动，监听 {addr}"),
                    format!("acquirer simulator listening on {addr}"),
                    format!("收单模拟器已启动 / acquirer simulator listening on {addr}"),
                )
            );
            if let Some(admin) = handle.admin_addr() {
                let text = line(
                    format!("管理端口 {admin}"),
                    format!("admin port on {admin}"),
                    format!("管理端口 / admin port on {admin}"),
                );
                let _ = writeln!(out, "{text}");
            }
            let text = match &ledger {
                Some(p) => line(format!("账本 {p}"), format!("ledger {p}"), format!("账本 / ledger {p}")),
                None => line(
                    "账本在内存中，停止后不保留".into(),
                    "ledger in memory, gone when stopped".into(),
                    "账本在内存中，停止后不保留 / ledger in memory, gone when stopped".into(),
                ),
            };
            let _ = writeln!(out, "{text}");
            let ca = match handle.ca_path() {
                Some(p) => {
                    let p = p.display();
                    line(
                        format!("TLS，CA证书 {p}（终端用 --ca 指定）"),
                        format!("TLS, CA certificate {p} (terminals: --ca)"),
                        format!("TLS，CA证书 / CA certificate {p}"),
                    )
                }
                None => line(
                    "明文TCP，未加密（终端需 --plain）".into(),
                    "plain TCP, unencrypted (terminals: --plain)".into(),
                    "明文TCP，未加密 / plain TCP, unencrypted".into(),
                ),
            };
            let _ = writeln!(out, "{ca}");
            let _ = writeln!(out, "{}", say_pair(g, "按 Ctrl-C 停止", "press Ctrl-C to stop"));
        }
        let _ = out.flush();
        // Ctrl-C, or the admin port's `shutdown` command: either ends the process.
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            () = handle.stopped() => {}
        }
        handle.shutdown().await;
        Ok::<_, CliError>(ExitCode::SUCCESS)
    })
}

/// The ledger file: `--memory` none; else `--ledger`; else the configuration's `database`
/// (`":memory:"` there means in memory); else [`DEFAULT_LEDGER`].
fn ledger_path(a: &SimArgs, configured: Option<String>) -> Option<String> {
    if a.memory {
        return None;
    }
    if let Some(p) = &a.ledger {
        return Some(p.display().to_string());
    }
    match configured {
        Some(p) if p == ":memory:" => None,
        Some(p) => Some(p),
        None => Some(DEFAULT_LEDGER.to_owned()),
    }
}
