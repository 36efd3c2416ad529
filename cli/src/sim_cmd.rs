//! `pos sim`: the acquirer simulator in the foreground.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use pos_acquirer_sim::{SimConfig, Simulator};

use crate::CliError;

/// A simulator failure as the operator sees it.
#[derive(Debug)]
pub struct SimFailure(String);

impl SimFailure {
    fn from_display(e: impl std::fmt::Display) -> SimFailure {
        SimFailure(e.to_string())
    }
}

impl pos_core::Bilingual for SimFailure {
    fn zh(&self) -> String {
        format!("收单模拟器无法启动：{}（检查配置文件和端口是否被占用）", self.0)
    }
    fn en(&self) -> String {
        format!(
            "the acquirer simulator cannot start: {} (check the config file and whether the port is in use)",
            self.0
        )
    }
}

/// Arguments of `pos sim`.
#[derive(Args)]
#[command(
    after_help = "Examples:\n  pos sim                       # demo terminal 10000001 + the test card deck, on 127.0.0.1:8583\n  pos sim --listen 127.0.0.1:9000 --admin off\n  pos sim --config sim.json"
)]
pub struct SimArgs {
    /// JSON configuration (terminals, accounts, limits); default: the demo terminal and the test deck.
    #[arg(long)]
    config: Option<PathBuf>,
    /// ISO 8583 listen address.
    #[arg(long)]
    listen: Option<String>,
    /// Admin (fault injection, flags) address on loopback, or "off".
    #[arg(long)]
    admin: Option<String>,
}

/// Runs the simulator until Ctrl-C.
pub fn run(a: SimArgs) -> Result<ExitCode, CliError> {
    let mut config = match &a.config {
        Some(p) => SimConfig::load(p).map_err(SimFailure::from_display)?,
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
    let rt = crate::runtime()?;
    rt.block_on(async {
        let handle = Simulator::start(config).await.map_err(SimFailure::from_display)?;
        // Whoever reads the banner may go away (a closed pipe): the simulator keeps serving.
        use std::io::Write;
        let mut out = std::io::stdout();
        let _ = writeln!(out, "收单模拟器已启动 / acquirer simulator listening on {}", handle.addr());
        if let Some(admin) = handle.admin_addr() {
            let _ = writeln!(out, "管理端口 / admin port on {admin}");
        }
        let _ = writeln!(out, "按 Ctrl-C 停止 / press Ctrl-C to stop");
        let _ = out.flush();
        let _ = tokio::signal::ctrl_c().await;
        handle.shutdown().await;
        Ok::<_, CliError>(ExitCode::SUCCESS)
    })
}
