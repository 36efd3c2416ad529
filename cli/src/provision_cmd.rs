//! `pos provision`: the terminal's identity and keys, per data directory (终端参数).
//!
//! What the acquirer gives a terminal (TID, MID, MAC algorithm, TMK, unlock key) is kept in
//! `provision.sealed`, sealed through the data directory's vault. Keys are read from a file
//! or standard input, never from the command line (which the process list and the shell
//! history show). A directory never provisioned runs as the published demo terminal, and
//! says so: those keys are for the simulator and tests only.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use pos_core::crypto::{check_value, FileVault, KeyVault, MacAlgorithm};
use pos_core::Provisioning;
use serde_json::json;
use zeroize::Zeroizing;

use crate::terminal_cmd::{io_problem, ArgProblem};
use crate::{CliError, Global};

/// Arguments of `pos provision`.
#[derive(Args)]
#[command(
    after_help = "Examples:\n  pos provision --tid 10000002 --mid 898310048990002 --tmk-file tmk.hex\n  pos provision --tid 10000002 --mid 898310048990002 --mac ecb --tmk-file -   # the TMK on standard input\n  pos provision --demo\n  pos provision --show --json\n\nKeys are read from a file (or - for standard input), never from the command line.\nRefused while the terminal has unsettled or unsent business (settle and sync first)."
)]
pub struct ProvisionArgs {
    /// Terminal ID (field 41), 8 characters.
    #[arg(long, required_unless_present_any = ["demo", "show"], conflicts_with_all = ["demo", "show"])]
    tid: Option<String>,
    /// Merchant ID (field 42), 15 characters.
    #[arg(long, required_unless_present_any = ["demo", "show"], conflicts_with_all = ["demo", "show"])]
    mid: Option<String>,
    /// File holding the terminal master key as hex (16, 32 or 48 digits); - reads standard input.
    #[arg(long, required_unless_present_any = ["demo", "show"], conflicts_with_all = ["demo", "show"])]
    tmk_file: Option<PathBuf>,
    /// File holding the reader's remote-unlock key as hex (32 or 64 digits).
    #[arg(long, conflicts_with_all = ["demo", "show"])]
    unlock_key_file: Option<PathBuf>,
    /// MAC algorithm the acquirer requires: x919 (ANSI X9.19) or ecb (UnionPay ECB, only if the host requires it).
    #[arg(long, default_value = "x919", value_parser = ["x919", "ecb"], conflicts_with_all = ["demo", "show"])]
    mac: String,
    /// The merchant's registered name, printed on slips.
    #[arg(long, conflicts_with_all = ["demo", "show"])]
    merchant: Option<String>,
    /// The acquirer's CA (or server) certificate, PEM, pinned by the TLS link.
    #[arg(long = "acquirer-ca", conflicts_with = "show")]
    acquirer_ca: Option<PathBuf>,
    /// The acquirer's host:port, for the app (the CLI's commands take --host).
    #[arg(long, value_name = "HOST:PORT", conflicts_with = "show")]
    acquirer: Option<String>,
    /// Plain TCP to the acquirer (only a private APN): the app shows the link as unencrypted.
    #[arg(long, conflicts_with_all = ["show", "acquirer_ca"])]
    plain_link: bool,
    /// The published demo terminal (for the simulator and tests only).
    #[arg(long, conflicts_with = "show")]
    demo: bool,
    /// Write the provisioning file for the app (JSON, 0600, holds the TMK) instead of
    /// installing it here; the app seals it on import and deletes it.
    #[arg(long, value_name = "FILE", conflicts_with = "show")]
    export: Option<PathBuf>,
    /// Show the provisioning in force (never a key: the TMK's check value only).
    #[arg(long)]
    show: bool,
}

fn problem(zh: &str, en: &str) -> CliError {
    ArgProblem::new(zh, en).into()
}

/// The vault of a data directory (created with the directory when absent).
pub fn vault(dir: &Path) -> Result<Arc<dyn KeyVault>, CliError> {
    pos_core::terminal::Terminal::create_data_dir(dir)?;
    Ok(Arc::new(FileVault::open_or_create(dir.join("vault.key")).map_err(pos_core::Error::from)?))
}

/// The provisioning of `dir`, or `None` when it was never provisioned.
pub fn load(dir: &Path, vault: &dyn KeyVault) -> Result<Option<Provisioning>, CliError> {
    Ok(Provisioning::load(dir, vault).map_err(pos_core::Error::from)?)
}

/// The provisioning in force: the sealed one, else the published demo terminal (which
/// `pos provision --show` names as such).
pub fn in_force(g: &Global, vault: &dyn KeyVault) -> Result<Provisioning, CliError> {
    Ok(load(&g.data_dir, vault)?.unwrap_or_else(Provisioning::demo))
}

/// Reads a hex key from `path` (`-`: standard input), trimmed; the buffer is wiped.
fn read_key(path: &Path, what: &str) -> Result<Zeroizing<String>, CliError> {
    let mut text = Zeroizing::new(String::new());
    if path == Path::new("-") {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            eprint!("{what}: ");
        }
        stdin.lock().take(4096).read_to_string(&mut text).map_err(|e| io_problem(path, e))?;
    } else {
        let mut f = std::fs::File::open(path).map_err(|e| {
            problem(
                &format!("无法读取密钥文件 {}（{}）", path.display(), crate::advice::io_zh(&e)),
                &format!("cannot read the key file {}: {e}", path.display()),
            )
        })?;
        f.by_ref().take(4096).read_to_string(&mut text).map_err(|e| io_problem(path, e))?;
    }
    let key: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    Ok(Zeroizing::new(key))
}

/// Runs `pos provision`.
pub fn run(g: &Global, a: ProvisionArgs) -> Result<ExitCode, CliError> {
    let dir = &g.data_dir;
    if a.show {
        // Showing creates nothing: a directory without a vault was never provisioned.
        let p = if dir.join("vault.key").is_file() { load(dir, vault(dir)?.as_ref())? } else { None };
        return show(g, p.as_ref());
    }
    let acquirer_ca_pem = a
        .acquirer_ca
        .as_deref()
        .map(|f| {
            std::fs::read_to_string(f).map_err(|e| {
                problem(
                    &format!("无法读取CA证书 {}（{}）", f.display(), crate::advice::io_zh(&e)),
                    &format!("cannot read the CA certificate {}: {e}", f.display()),
                )
            })
        })
        .transpose()?;
    let p = if a.demo {
        Provisioning { host: a.acquirer.clone(), plain_tcp: a.plain_link, acquirer_ca_pem, ..Provisioning::demo() }
    } else {
        let (Some(tid), Some(mid), Some(tmk)) = (a.tid, a.mid, a.tmk_file) else {
            return Err(problem("请给出 --tid、--mid 和 --tmk-file", "give --tid, --mid and --tmk-file"));
        };
        Provisioning {
            tid,
            mid,
            merchant_name: a.merchant,
            mac: if a.mac == "ecb" { MacAlgorithm::UnionPayEcb } else { MacAlgorithm::X919 },
            tmk_hex: read_key(&tmk, "TMK")?,
            unlock_key_hex: a.unlock_key_file.as_deref().map(|f| read_key(f, "unlock key")).transpose()?,
            acquirer_ca_pem,
            host: a.acquirer.clone(),
            plain_tcp: a.plain_link,
            demo: false,
        }
    };
    p.validate().map_err(pos_core::Error::from)?;
    if let Some(file) = &a.export {
        return export(g, &p, file);
    }
    let vault = vault(dir)?;
    // Refused while a terminal runs here or business is owed under the current keys.
    pos_core::terminal::Terminal::provision(dir, vault.clone(), &p)?;
    show(g, Some(&p))
}

/// Writes the provisioning file the app imports (0600: it holds the TMK until imported).
fn export(g: &Global, p: &Provisioning, file: &Path) -> Result<ExitCode, CliError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(file).and_then(|mut f| {
        std::io::Write::write_all(&mut f, &p.to_json())?;
        f.sync_all()
    });
    written.map_err(|e| {
        problem(
            &format!("无法写入开通文件 {}（{}）；不会覆盖已有文件", file.display(), crate::advice::io_zh(&e)),
            &format!(
                "cannot write the provisioning file {}: {e} (an existing file is never overwritten)",
                file.display()
            ),
        )
    })?;
    if g.json {
        println!("{}", json!({"exported": file.display().to_string(), "tid": p.tid, "demo": p.demo}));
    } else {
        println!(
            "{}",
            crate::say_pair(
                g,
                &format!("开通文件已写入 {}（含主密钥：导入后删除）", file.display()),
                &format!("provisioning file written to {} (holds the TMK: delete it once imported)", file.display())
            )
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn show(g: &Global, p: Option<&Provisioning>) -> Result<ExitCode, CliError> {
    let Some(p) = p else {
        if g.json {
            println!("{}", json!({"provisioned": false, "demo": true}));
        } else {
            println!(
                "{}",
                crate::say_pair(g, "未设置终端参数：使用演示终端", "not provisioned: the demo terminal is used")
            );
        }
        return Ok(ExitCode::SUCCESS);
    };
    let kcv = hex::encode_upper(check_value(&p.tmk().map_err(pos_core::Error::from)?));
    let mac = match p.mac {
        MacAlgorithm::X919 => "x919",
        MacAlgorithm::UnionPayEcb => "ecb",
    };
    if g.json {
        println!(
            "{}",
            json!({"provisioned": true, "tid": p.tid, "mid": p.mid, "mac": mac, "demo": p.demo,
                   "tmk_check_value": kcv, "unlock_key": p.unlock_key_hex.is_some(),
                   "acquirer_ca": p.acquirer_ca_pem.is_some(), "acquirer": p.host, "plain_link": p.plain_tcp,
                   "merchant_name": p.merchant_name})
        );
    } else {
        let pair = |zh: &str, en: &str| crate::say_pair(g, zh, en);
        println!("{}  {}", pair("终端号", "TID"), p.tid);
        println!("{}  {}", pair("商户号", "MID"), p.mid);
        println!("MAC  {mac}");
        if let Some(host) = &p.host {
            println!("{}  {host}", pair("收单主机", "Acquirer"));
        }
        if p.plain_tcp {
            println!("{}", pair("未加密链路（专网）", "unencrypted link (private APN)"));
        }
        println!("{}  {kcv}", pair("主密钥校验值", "TMK check value"));
        if p.demo {
            println!(
                "{}",
                pair("演示终端（公开密钥，仅用于模拟器）", "demo terminal (published keys, simulator only)")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
