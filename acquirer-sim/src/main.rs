//! `pos-acquirer-sim`: the acquirer host simulator as a standalone server.
//!
//! ```text
//! pos-acquirer-sim [--config FILE.json] [--listen ADDR] [--admin ADDR|off] [--ledger FILE.db] [--tls-dir DIR | --plain]
//! ```
//! Without a config it serves the demo terminal and the test card deck in memory, over TLS
//! with the CA kept in `pos-sim-data/` (made at the first start; terminals pin `ca.pem`).

use std::path::PathBuf;
use std::process::ExitCode;

use pos_acquirer_sim::{SimConfig, SimTls, Simulator};

const USAGE: &str = "usage: pos-acquirer-sim [--config FILE.json] [--listen ADDR] [--admin ADDR|off] [--ledger FILE.db] [--tls-dir DIR | --plain]
  --config   JSON configuration (see README.md); default: demo terminal + test card deck, in memory
  --listen   ISO 8583 address (default 127.0.0.1:8583, or the config's \"listen\")
  --admin    JSON-lines admin address on loopback (default: the listen port + 1, a free port when
             the listen port is 0); \"off\" disables it
  --ledger   SQLite ledger file (the config's \"database\"); kept across restarts, one simulator at a time
  --tls-dir  folder of the TLS CA (ca.pem, ca-key.pem), made at the first start (default pos-sim-data)
  --plain    serve plain TCP instead of TLS (terminals must be provisioned plain too)";

/// The folder of the CA when neither the config nor `--tls-dir` names one.
const DEFAULT_TLS_DIR: &str = "pos-sim-data";

struct Args {
    config: Option<PathBuf>,
    listen: Option<String>,
    admin: Option<String>,
    ledger: Option<String>,
    tls_dir: Option<PathBuf>,
    plain: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { config: None, listen: None, admin: None, ledger: None, tls_dir: None, plain: false };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--config" => args.config = Some(PathBuf::from(value("--config")?)),
            "--listen" => args.listen = Some(value("--listen")?),
            "--admin" => args.admin = Some(value("--admin")?),
            "--ledger" => args.ledger = Some(value("--ledger")?),
            "--tls-dir" => args.tls_dir = Some(PathBuf::from(value("--tls-dir")?)),
            "--plain" => args.plain = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("{e}");
            }
            eprintln!("{USAGE}");
            return if e.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) };
        }
    };
    let mut config = match &args.config {
        Some(path) => match SimConfig::load(path) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("pos-acquirer-sim: {e}");
                return ExitCode::from(2);
            }
        },
        None => SimConfig::demo(),
    };
    if let Some(l) = args.listen {
        config.listen = l;
    }
    if let Some(l) = args.ledger {
        config.database = Some(l);
    }
    config.tls = match (args.plain, args.tls_dir, config.tls) {
        (true, Some(_), _) => {
            eprintln!("pos-acquirer-sim: --plain and --tls-dir exclude each other\n{USAGE}");
            return ExitCode::from(2);
        }
        (true, None, _) => SimTls::Plain,
        (false, Some(dir), _) => SimTls::Dir(dir),
        // An in-memory CA is of no use to another process: keep it where terminals find it.
        (false, None, SimTls::Ephemeral) => SimTls::Dir(PathBuf::from(DEFAULT_TLS_DIR)),
        (false, None, other) => other,
    };
    match args.admin.as_deref() {
        Some("off") => config.admin_listen = None,
        Some(a) => config.admin_listen = Some(a.to_owned()),
        None if config.admin_listen.is_none() => config.admin_listen = config.default_admin(),
        None => {}
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("pos-acquirer-sim: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        match Simulator::start(config).await {
            Ok(sim) => {
                let admin = sim.admin_addr().map(|a| a.to_string()).unwrap_or_else(|| "off".into());
                let ca = sim.ca_path().map(|p| p.display().to_string()).unwrap_or_else(|| "plain".into());
                println!("pos-acquirer-sim listening on {} admin {admin} ca {ca}", sim.addr());
                // Runs until killed or told to stop on the admin port; committed
                // ledger rows survive a kill (SQLite WAL).
                sim.stopped().await;
                sim.shutdown().await;
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("pos-acquirer-sim: {e}");
                ExitCode::FAILURE
            }
        }
    })
}
