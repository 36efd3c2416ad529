//! `pos sim`: the acquirer simulator in the foreground.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use pos_acquirer_sim::{SimConfig, SimTls, Simulator};
use pos_core::i18n::Lang;

use crate::{say_pair, CliError, Global};

/// A simulator failure as the operator sees it.
#[derive(Debug)]
pub enum SimFailure {
    /// The configuration file could not be used.
    Config(PathBuf, String),
    /// The simulator did not start (most often: the port is taken).
    Start(String),
}

impl pos_core::Bilingual for SimFailure {
    fn zh(&self) -> String {
        match self {
            SimFailure::Config(p, e) => format!(
                "无法使用收单模拟器配置文件 {}：{e}。请修改该文件，或去掉 --config 使用演示默认配置",
                p.display()
            ),
            SimFailure::Start(e) => format!(
                "收单模拟器无法启动：{e}。端口可能已被占用（是否已有 `pos sim` 在运行？）：\
                 用 --listen 127.0.0.1:9000 换一个端口，管理端口用 --admin 127.0.0.1:9001 或 --admin off"
            ),
        }
    }
    fn en(&self) -> String {
        match self {
            SimFailure::Config(p, e) => format!(
                "cannot use the simulator configuration {}: {e}. Fix the file, or drop --config for the demo defaults",
                p.display()
            ),
            SimFailure::Start(e) => format!(
                "the acquirer simulator cannot start: {e}. The port may be in use (is another `pos sim` running?): \
                 pick another with --listen 127.0.0.1:9000, and --admin 127.0.0.1:9001 or --admin off"
            ),
        }
    }
}

/// Arguments of `pos sim`.
#[derive(Args)]
#[command(
    after_help = "Examples:\n  pos sim                       # demo terminal 10000001 + the test card deck, on 127.0.0.1:8583\n  pos sim --listen 127.0.0.1:9000 --admin off\n  pos sim --config sim.json\n  pos sim --listen 127.0.0.1:0 --json   # prints {\"listening\":\"127.0.0.1:PORT\",\"admin\":...,\"ca\":...}\n  pos sim --tls-dir /tmp/sim-tls         # TLS CA kept there (terminals: --ca /tmp/sim-tls/ca.pem)\n  pos sim --plain                        # plain TCP (terminals: --plain)"
)]
pub struct SimArgs {
    /// JSON configuration (terminals, accounts, limits); default: the demo terminal and the test deck.
    #[arg(long)]
    config: Option<PathBuf>,
    /// ISO 8583 listen address (port 0: any free port, shown in the banner).
    #[arg(long)]
    listen: Option<String>,
    /// Admin (fault injection, flags) address on loopback, or "off".
    #[arg(long)]
    admin: Option<String>,
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
        None => SimConfig { admin_listen: Some("127.0.0.1:8584".into()), ..SimConfig::demo() },
    };
    if let Some(l) = &a.listen {
        config = config.listening_on(l);
    }
    match a.admin.as_deref() {
        Some("off") => config.admin_listen = None,
        Some(addr) => config.admin_listen = Some(addr.to_string()),
        None => {}
    }
    // TLS with a CA kept across restarts (terminals keep their pin), unless --plain.
    config.tls = if g.plain { SimTls::Plain } else { SimTls::Dir(a.tls_dir.clone()) };
    let rt = crate::runtime()?;
    rt.block_on(async {
        let handle = Simulator::start(config).await.map_err(|e| SimFailure::Start(e.to_string()))?;
        // Whoever reads the banner may go away (a closed pipe): the simulator keeps serving.
        use std::io::Write;
        let mut out = std::io::stdout();
        if g.json {
            // One line, one document: scripts read the addresses from it.
            let banner = serde_json::json!({
                "listening": handle.addr().to_string(),
                "admin": handle.admin_addr().map(|a| a.to_string()),
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
        let _ = tokio::signal::ctrl_c().await;
        handle.shutdown().await;
        Ok::<_, CliError>(ExitCode::SUCCESS)
    })
}
