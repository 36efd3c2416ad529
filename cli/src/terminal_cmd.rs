//! The terminal commands: sign-in, sale, void, refund, the pre-auth family and balance,
//! run against a configured host with the software reader presenting a deck card.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Subcommand};
use pos_core::card::DeviceSecret;
use pos_core::crypto::{FileVault, KeyVault};
use pos_core::devices::ble::{memory_pair, MemoryFaults, TransportConfig};
use pos_core::devices::reader::{BleCardReader, ReaderEvent, ReaderObserver, SimulatedReader};
use pos_core::iso8583::Stan;
use pos_core::terminal::{
    AdminOutcome, OriginalRef, RiskConfirmer, RiskWarning, SystemClock, Terminal, TerminalConfig, TxnOutcome,
};
use pos_core::Amount;
use pos_core::OfflinePreference;
use pos_core::Transport;
use pos_core::VoucherNo;
use pos_core::{deck, Bilingual};
use pos_core::{Error, ErrorCode};
use serde_json::{json, Value};

use crate::waiting::{while_waiting, From};
use crate::{CliError, Global};

/// Which original transaction a void, refund or pre-auth follow-up refers to.
#[derive(Args, Clone)]
pub struct OrigArgs {
    /// Voucher (slip) number of this terminal (凭证号).
    #[arg(long, group = "orig")]
    voucher: Option<u32>,
    /// STAN of this terminal in the current batch (流水号).
    #[arg(long, group = "orig")]
    stan: Option<u32>,
    /// Retrieval reference number of the original (with --date).
    #[arg(long, group = "orig", requires = "date")]
    rrn: Option<String>,
    /// Authorization code of the pre-auth (with --date).
    #[arg(long, group = "orig", requires = "date")]
    auth: Option<String>,
    /// Date of the original, MMDD.
    #[arg(long)]
    date: Option<String>,
}

/// The card the software reader presents.
#[derive(Args, Clone)]
pub struct CardArg {
    /// Test card id (see `pos cards`).
    #[arg(long, default_value = "debit")]
    card: String,
}

/// How the operator answers a risk warning (风控提示).
#[derive(Args, Clone, Copy, Default)]
pub struct RiskArgs {
    /// Confirm a risk warning up front: the warning is shown, journaled as confirmed by this
    /// operator, and the payment goes ahead. Without it a terminal asks; a script gets the
    /// warning as an error (exit 2) with the token for `pos risk confirm`.
    #[arg(long)]
    confirm_risk: bool,
}

/// Pre-authorization commands.
#[derive(Subcommand)]
pub enum PreauthCmd {
    /// Place a hold (预授权).
    #[command(after_help = "Example:\n  pos preauth open 300.00 --card credit")]
    Open {
        /// Amount, e.g. 300.00.
        #[arg(allow_negative_numbers = true)]
        amount: String,
        #[command(flatten)]
        card: CardArg,
        #[command(flatten)]
        risk: RiskArgs,
    },
    /// Release a hold (预授权撤销).
    #[command(after_help = "Example:\n  pos preauth cancel 300.00 --voucher 5")]
    Cancel {
        /// The held amount.
        #[arg(allow_negative_numbers = true)]
        amount: String,
        #[command(flatten)]
        orig: OrigArgs,
        #[command(flatten)]
        card: CardArg,
    },
    /// Capture up to the held amount (预授权完成).
    #[command(after_help = "Example:\n  pos preauth complete 280.00 --voucher 5")]
    Complete {
        /// Amount to capture.
        #[arg(allow_negative_numbers = true)]
        amount: String,
        #[command(flatten)]
        orig: OrigArgs,
        #[command(flatten)]
        card: CardArg,
    },
    /// Undo a completion (完成撤销).
    #[command(after_help = "Example:\n  pos preauth complete-cancel --voucher 6")]
    CompleteCancel {
        #[command(flatten)]
        orig: OrigArgs,
        #[command(flatten)]
        card: CardArg,
    },
}

/// A terminal command.
pub enum TermCmd {
    /// Sign in.
    SignIn,
    /// Sign off.
    SignOff,
    /// Echo test.
    Echo,
    /// Sale, with how it may use offline approval and answer a risk warning.
    Sale(String, CardArg, OfflinePreference, RiskArgs),
    /// Void.
    Void(OrigArgs, CardArg),
    /// Refund.
    Refund(String, OrigArgs, CardArg),
    /// Pre-auth family.
    Preauth(PreauthCmd),
    /// Balance inquiry.
    Balance(CardArg),
    /// Transfer of an amount to a payee account.
    Transfer(String, String, CardArg),
}

/// Why a CLI argument is unusable.
#[derive(Debug)]
pub struct ArgProblem {
    zh: String,
    en: String,
}

impl ArgProblem {
    /// A problem with both texts.
    pub fn new(zh: &str, en: &str) -> ArgProblem {
        ArgProblem { zh: zh.into(), en: en.into() }
    }
}

impl Bilingual for ArgProblem {
    fn zh(&self) -> String {
        self.zh.clone()
    }
    fn en(&self) -> String {
        self.en.clone()
    }
}

/// An I/O failure on the data directory, as the operator sees it: what failed and what to do.
pub fn io_problem(dir: &Path, e: std::io::Error) -> CliError {
    problem(
        &format!(
            "无法写入数据目录 {}（{}）。请检查路径、权限和剩余空间，或用 --data-dir（环境变量 POS_DATA_DIR）指定其他目录",
            dir.display(),
            crate::advice::io_zh(&e)
        ),
        &format!(
            "cannot write the data directory {}: {e}. Check the path, its permissions and free space, \
             or pass --data-dir (or set POS_DATA_DIR)",
            dir.display()
        ),
    )
}

/// The CLI's own problem with both texts.
pub fn problem(zh: &str, en: &str) -> CliError {
    ArgProblem { zh: zh.into(), en: en.into() }.into()
}

impl OrigArgs {
    fn to_ref(&self) -> Result<OriginalRef, CliError> {
        let date = || self.date.clone().unwrap_or_default();
        if let Some(v) = self.voucher {
            return VoucherNo::new(v).map(OriginalRef::Voucher).ok_or_else(|| {
                problem(
                    "凭证号应为 1-999999：即签购单上的凭证号，`pos history` 可查",
                    "the voucher number must be 1-999999: the one on the slip; `pos history` lists them",
                )
            });
        }
        if let Some(s) = self.stan {
            return Stan::new(s).map(OriginalRef::Stan).ok_or_else(|| {
                problem(
                    "流水号应为 1-999999：即签购单上的流水号，也可改用 --voucher",
                    "the STAN must be 1-999999: the one on the slip, or use --voucher instead",
                )
            });
        }
        if let Some(rrn) = &self.rrn {
            return Ok(OriginalRef::Host { rrn: rrn.clone(), date: date() });
        }
        if let Some(auth) = &self.auth {
            return Ok(OriginalRef::Auth { auth_code: auth.clone(), date: date() });
        }
        Err(problem(
            "请指定原交易：--voucher、--stan、--rrn 加 --date 或 --auth 加 --date，例如 --voucher 3（`pos history` 可查凭证号）",
            "name the original: --voucher, --stan, --rrn with --date, or --auth with --date, e.g. --voucher 3 \
             (`pos history` lists the vouchers)",
        ))
    }
}

/// `--host` must name a port: "127.0.0.1" alone would fail later as "cannot resolve".
pub(crate) fn check_host(host: &str) -> Result<(), CliError> {
    let port = host.rsplit_once(':').map(|(h, p)| (h, p.parse::<u16>()));
    match port {
        Some((h, Ok(p))) if !h.is_empty() && p > 0 => Ok(()),
        _ => Err(problem(
            &format!("--host 应写成 主机:端口，例如 127.0.0.1:8583（收到 {host:?}）"),
            &format!("--host takes host:port, e.g. 127.0.0.1:8583 (got {host:?})"),
        )),
    }
}

/// The simulated reader's device secret (its card fingerprint key), sealed in `dir`.
pub(crate) fn device_secret(dir: &Path, vault: &dyn KeyVault) -> Result<DeviceSecret, CliError> {
    Ok(pos_core::device_secret(dir, vault).map_err(pos_core::Error::from)?)
}

/// Shows reader events as the phone's screen would, on stderr.
struct ConsoleEvents {
    lang: Option<pos_core::Lang>,
}

impl ReaderObserver for ConsoleEvents {
    fn on_reader_event(&self, e: ReaderEvent) {
        let (zh, en) = match e {
            ReaderEvent::WaitingForCard => {
                ("请刷卡、插卡或挥卡".to_string(), "Swipe, insert or tap the card".to_string())
            }
            ReaderEvent::CardDetected(m) => (format!("读卡中（{}）", m.zh()), format!("Reading the card ({})", m.en())),
            ReaderEvent::FallbackToSwipe => ("芯片读取失败，请刷卡".into(), "Chip failed: swipe the card".into()),
            ReaderEvent::PinProgress(n) => (
                format!("请输入密码 {}", "*".repeat(usize::from(n))),
                format!("Enter PIN {}", "*".repeat(usize::from(n))),
            ),
            ReaderEvent::CardRemoved => ("卡片已拔出".into(), "Card removed".into()),
            ReaderEvent::Tampered => ("系统安全已触发".into(), "Security triggered".into()),
            ReaderEvent::BatteryLow(p) => (format!("读卡器电量低（{p}%）"), format!("Reader battery low ({p}%)")),
        };
        // The PIN progress repeats per digit; show only the completed entry.
        if matches!(e, ReaderEvent::PinProgress(n) if n < 6) {
            return;
        }
        let (label, line) = match self.lang {
            Some(pos_core::Lang::Zh) => ("读卡器", zh),
            Some(pos_core::Lang::En) => ("reader", en),
            None => ("读卡器 reader", format!("{zh} / {en}")),
        };
        eprintln!("  [{label}] {line}");
    }
}

/// A terminal with its simulated reader, which lives as long as the terminal uses it.
pub(crate) struct Station {
    pub(crate) terminal: Terminal,
    _reader: SimulatedReader,
}

/// The terminal of this data directory. Its card reader is the simulated Bluetooth reader,
/// reached over an in-memory BLE link through the reader protocol, presenting `card`.
pub(crate) async fn open_terminal(g: &Global, card: Option<&str>) -> Result<Station, CliError> {
    check_host(&g.host)?;
    let dir: &PathBuf = &g.data_dir;
    std::fs::create_dir_all(dir).map_err(|e| {
        problem(
            &format!(
                "无法创建数据目录 {}（{}）。请检查路径和权限，或用 --data-dir（环境变量 POS_DATA_DIR）指定其他目录",
                dir.display(),
                crate::advice::io_zh(&e)
            ),
            &format!(
                "cannot create the data directory {}: {e}. Check the path and its permissions, \
                 or pass --data-dir (or set POS_DATA_DIR)",
                dir.display()
            ),
        )
    })?;
    let vault = crate::provision_cmd::vault(dir)?;
    let provisioned = crate::provision_cmd::in_force(g, vault.as_ref())?;
    // The provisioned TMK and remote-unlock key (the help desk holds the same).
    let inner = provisioned.software_reader(dir, vault.clone()).map_err(pos_core::Error::from)?;
    let ((phone, phone_events), (device, device_events)) = memory_pair(185, MemoryFaults::default());
    let sim_reader =
        SimulatedReader::spawn(Arc::new(device), device_events, Arc::new(inner), TransportConfig::default());
    if let Some(c) = card {
        sim_reader.present(c).map_err(pos_core::Error::from)?;
    }
    let reader = BleCardReader::connect(Arc::new(phone), phone_events, TransportConfig::default())
        .await
        .map_err(pos_core::Error::from)?;
    if !g.json {
        reader.set_observer(Arc::new(ConsoleEvents { lang: g.lang }));
    }
    let mut config = TerminalConfig::from_provisioning(&provisioned, g.host.clone())?;
    // --ca / --plain on the command line win; else the provisioned pin; else the defaults.
    if g.plain || g.ca.is_some() || provisioned.acquirer_ca_pem.is_none() {
        config.transport = transport(g)?;
    }
    if !config.transport.is_encrypted() && !g.json {
        eprintln!("  {}", crate::say(g, &config.transport));
    }
    crate::waiting::set_response_timeout(config.response_timeout);
    let reader = Arc::new(crate::waiting::Watched(Arc::new(reader)));
    let terminal = Terminal::open(dir, config, vault, reader, Arc::new(SystemClock::default()))?;
    Ok(Station { terminal, _reader: sim_reader })
}

/// How this run reaches the acquirer: `--plain`, TLS pinned to `--ca` (POS_ACQUIRER_CA), or for
/// the demo host (`pos sim`'s default address) `pos sim`'s CA at its default place. Never plain
/// unless asked.
pub(crate) fn transport(g: &Global) -> Result<Transport, CliError> {
    if g.plain {
        return Ok(Transport::PlainTcp);
    }
    let default_ca = Path::new(crate::sim_cmd::DEFAULT_TLS_DIR).join(pos_acquirer_sim::tls::CA_FILE);
    let path = match &g.ca {
        Some(p) => p.clone(),
        None if g.host == pos_core::provision::DEMO_HOST && default_ca.is_file() => default_ca,
        // Nothing to pin: TLS with no trust anchor, which refuses to connect (`TlsFailure::NoPin`,
        // with the next step naming --ca and --plain). Commands that never connect are unaffected.
        None => return Ok(Transport::tls_pinned("")),
    };
    let pem = std::fs::read_to_string(&path).map_err(|e| {
        problem(
            &format!(
                "无法读取CA证书 {}（{}）。请检查 --ca（环境变量 POS_ACQUIRER_CA）",
                path.display(),
                crate::advice::io_zh(&e)
            ),
            &format!("cannot read the CA certificate {}: {e}. Check --ca (or POS_ACQUIRER_CA)", path.display()),
        )
    })?;
    Ok(Transport::tls_pinned(pem))
}

/// A read-only view of this data directory's terminal, for history, reports, the queue and
/// reprint previews: it works beside a running command, and never writes or sends.
/// A directory without a terminal is an error (a mistyped `--data-dir` must not look empty).
pub(crate) fn open_view(g: &Global) -> Result<Terminal, CliError> {
    let dir: &PathBuf = &g.data_dir;
    require_terminal(g)?;
    let vault: Arc<dyn KeyVault> = Arc::new(FileVault::open(dir.join("vault.key")).map_err(pos_core::Error::from)?);
    let config = match crate::provision_cmd::load(dir, vault.as_ref())? {
        Some(p) => TerminalConfig::from_provisioning(&p, g.host.clone())?,
        None => TerminalConfig::demo_at(g.host.clone()),
    };
    let terminal = Terminal::open_read_only(dir, config, vault, Arc::new(SystemClock::default()))?;
    Ok(terminal)
}

/// The owner of an existing terminal: for commands that change a terminal but never start
/// one (a mistyped --data-dir is an error, not a new terminal).
pub(crate) async fn open_existing(g: &Global) -> Result<Station, CliError> {
    require_terminal(g)?;
    open_terminal(g, None).await
}

/// `Ok` when `--data-dir` holds a terminal; else the error that says to check it.
pub(crate) fn require_terminal(g: &Global) -> Result<(), CliError> {
    let dir: &PathBuf = &g.data_dir;
    if !Terminal::exists(dir) {
        return Err(problem(
            &format!(
                "{} 中没有终端数据（未找到 pos.db）。请检查 --data-dir（环境变量 POS_DATA_DIR）是否正确；\
                 新终端请先执行 pos sign-in",
                dir.display()
            ),
            &format!(
                "no terminal in {} (no pos.db there). Check --data-dir (or POS_DATA_DIR); \
                 a new terminal starts with `pos sign-in`",
                dir.display()
            ),
        ));
    }
    Ok(())
}

fn amount(s: &str) -> Result<Amount, CliError> {
    Ok(s.parse::<Amount>().map_err(pos_core::Error::from)?)
}

/// Runs a terminal command.
pub fn run(g: &Global, cmd: TermCmd) -> Result<ExitCode, CliError> {
    let rt = crate::runtime()?;
    rt.block_on(async move {
        match cmd {
            TermCmd::SignIn => {
                let st = open_terminal(g, None).await?;
                admin(g, while_waiting(g, From::Now, st.terminal.sign_in()).await?)
            }
            TermCmd::SignOff => {
                let st = open_terminal(g, None).await?;
                admin(g, while_waiting(g, From::Now, st.terminal.sign_off()).await?)
            }
            TermCmd::Echo => {
                let st = open_terminal(g, None).await?;
                admin(g, while_waiting(g, From::Now, st.terminal.echo()).await?)
            }
            TermCmd::Sale(a, c, preference, risk) => {
                let amt = amount(&a)?;
                let st = open_terminal(g, Some(&c.card)).await?;
                let t = &st.terminal;
                with_risk_confirmation(g, t, risk, || t.sale_with(amt, preference)).await
            }
            TermCmd::Void(o, c) => {
                let orig = o.to_ref()?;
                let st = open_terminal(g, Some(&c.card)).await?;
                let t = &st.terminal;
                with_pin_retries(g, || t.void(orig.clone())).await
            }
            TermCmd::Refund(a, o, c) => {
                let (amt, orig) = (amount(&a)?, o.to_ref()?);
                let st = open_terminal(g, Some(&c.card)).await?;
                let t = &st.terminal;
                with_pin_retries(g, || t.refund(amt, orig.clone())).await
            }
            TermCmd::Preauth(PreauthCmd::Open { amount: a, card, risk }) => {
                let amt = amount(&a)?;
                let st = open_terminal(g, Some(&card.card)).await?;
                let t = &st.terminal;
                with_risk_confirmation(g, t, risk, || t.pre_auth(amt)).await
            }
            TermCmd::Preauth(PreauthCmd::Cancel { amount: a, orig, card }) => {
                let (amt, orig) = (amount(&a)?, orig.to_ref()?);
                let st = open_terminal(g, Some(&card.card)).await?;
                let t = &st.terminal;
                with_pin_retries(g, || t.pre_auth_cancel(amt, orig.clone())).await
            }
            TermCmd::Preauth(PreauthCmd::Complete { amount: a, orig, card }) => {
                let (amt, orig) = (amount(&a)?, orig.to_ref()?);
                let st = open_terminal(g, Some(&card.card)).await?;
                let t = &st.terminal;
                with_pin_retries(g, || t.pre_auth_complete(amt, orig.clone())).await
            }
            TermCmd::Preauth(PreauthCmd::CompleteCancel { orig, card }) => {
                let orig = orig.to_ref()?;
                let st = open_terminal(g, Some(&card.card)).await?;
                let t = &st.terminal;
                with_pin_retries(g, || t.completion_cancel(orig.clone())).await
            }
            TermCmd::Balance(c) => {
                let st = open_terminal(g, Some(&c.card)).await?;
                let t = &st.terminal;
                with_pin_retries(g, || t.balance()).await
            }
            TermCmd::Transfer(a, payee, card) => {
                let amt = amount(&a)?;
                let st = open_terminal(g, Some(&card.card)).await?;
                let t = &st.terminal;
                with_pin_retries(g, || t.transfer(amt, &payee)).await
            }
        }
    })
}

/// Runs a payment; when risk rules warn, the operator decides while the card is still held
/// (`--confirm-risk` up front, or `y` at the prompt on a terminal): a confirmed warning is
/// journaled and the payment goes ahead on the same card read, one PIN entry. Otherwise it ends
/// with the warning and its token (fields under `--json`).
async fn with_risk_confirmation<F, Fut>(g: &Global, t: &Terminal, risk: RiskArgs, op: F) -> Result<ExitCode, CliError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<TxnOutcome, Error>>,
{
    let ask = !g.json && std::io::IsTerminal::is_terminal(&std::io::stdin());
    if risk.confirm_risk || ask {
        t.set_risk_confirmer(Some(Arc::new(OperatorConfirms {
            lang: g.lang,
            json: g.json,
            upfront: risk.confirm_risk,
        })));
    }
    let result = pin_retries(g, &op).await;
    t.set_risk_confirmer(None);
    match &result {
        Err(warning @ Error::RiskRefused { code: ErrorCode::RiskConfirm, confirm_token: Some(token), rules, .. }) => {
            let token = *token;
            if !g.json && !ask {
                eprintln!("{}", crate::say(g, warning));
            }
            // Scripts get what to confirm as fields, not only inside the text.
            let mut fields = serde_json::Map::new();
            fields.insert("risk_confirmation_required".into(), true.into());
            fields.insert("token".into(), token.to_string().into());
            fields.insert("rules".into(), rules.clone().into());
            if g.lang != Some(pos_core::Lang::En) {
                fields.insert("warning_zh".into(), warning.zh().into());
            }
            if g.lang != Some(pos_core::Lang::Zh) {
                fields.insert("warning_en".into(), warning.en().into());
            }
            Err(CliError::with_fields(&RiskNotConfirmed(token), fields))
        }
        _ => finish(g, result?),
    }
}

/// The operator's answer to a risk warning during the payment: given up front
/// (`--confirm-risk`) or asked on the terminal.
struct OperatorConfirms {
    lang: Option<pos_core::Lang>,
    json: bool,
    upfront: bool,
}

#[async_trait::async_trait]
impl RiskConfirmer for OperatorConfirms {
    async fn confirm(&self, w: &RiskWarning) -> bool {
        let lang = self.lang;
        let text = crate::pair(lang, &w.zh(), &w.en());
        let yes = if self.upfront {
            if !self.json {
                eprintln!("{text}");
            }
            true
        } else {
            crate::waiting::asking_operator(move || {
                eprintln!("{text}");
                ask_operator(lang)
            })
            .await
            .unwrap_or(false)
        };
        if yes && !self.json {
            let token = w.token;
            println!(
                "{}",
                crate::pair(
                    lang,
                    &format!("操作员已确认风控提示 {token}，继续交易"),
                    &format!("risk warning {token} confirmed by the operator; going ahead")
                )
            );
        }
        yes
    }
}

/// Asks the operator on the terminal whether to go ahead despite a warning.
fn ask_operator(lang: Option<pos_core::Lang>) -> bool {
    use std::io::{BufRead, Write};
    eprint!("{} [y/N] ", crate::pair(lang, "确认继续交易？", "Go ahead with the payment?"));
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).is_ok() && matches!(line.trim(), "y" | "Y" | "yes" | "是")
}

/// The operator did not confirm a risk warning: nothing was charged.
#[derive(Debug)]
struct RiskNotConfirmed(pos_core::AuditId);

impl Bilingual for RiskNotConfirmed {
    fn zh(&self) -> String {
        format!(
            "风控提示未确认，交易未发起，未扣款。确认后重试：加 --confirm-risk，或先执行 pos risk confirm {}",
            self.0
        )
    }
    fn en(&self) -> String {
        format!(
            "risk warning not confirmed: nothing was charged. To go ahead, add --confirm-risk, or run \
             `pos risk confirm {}` and the payment again",
            self.0
        )
    }
}

/// Runs `op` and prints the outcome, letting the cardholder re-enter a wrong PIN.
async fn with_pin_retries<F, Fut>(g: &Global, op: F) -> Result<ExitCode, CliError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<TxnOutcome, Error>>,
{
    finish(g, pin_retries(g, &op).await?)
}

/// Runs `op`, letting the cardholder re-enter a wrong PIN (`55`) up to twice more.
async fn pin_retries<F, Fut>(g: &Global, op: &F) -> Result<TxnOutcome, Error>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<TxnOutcome, Error>>,
{
    let mut outcome = while_waiting(g, From::CardRead, op()).await?;
    for _ in 0..2 {
        if !outcome.can_retry_pin() {
            break;
        }
        if !g.json {
            println!("{}", crate::say(g, &outcome));
            println!(
                "{}",
                crate::say_pair(g, "请持卡人重新输入密码……", "asking the cardholder to enter the PIN again...")
            );
        }
        outcome = while_waiting(g, From::CardRead, op()).await?;
    }
    Ok(outcome)
}

/// Prints the outcome; the exit code says whether it was approved.
fn finish(g: &Global, outcome: TxnOutcome) -> Result<ExitCode, CliError> {
    print_outcome(g, &outcome);
    Ok(if outcome.approved { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn admin(g: &Global, o: AdminOutcome) -> Result<ExitCode, CliError> {
    if g.json {
        let v = json!({
            "operation": o.op.en(),
            "approved": o.approved,
            "response_code": o.response_code.as_str(),
            "message_zh": o.response_code.zh(),
            "message_en": o.response_code.en(),
            "action": o.action,
            "stan": o.stan.to_string(),
            "batch": o.batch.to_string(),
        });
        println!("{v}");
    } else {
        println!("{}", crate::say(g, &o));
        println!("{}  {}", crate::say_pair(g, "批次号", "batch"), o.batch);
    }
    Ok(if o.approved { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn outcome_json(o: &TxnOutcome) -> Value {
    json!({
        "transaction": o.txn,
        "approved": o.approved,
        "response_code": o.response_code.as_str(),
        "message_zh": o.message_zh,
        "message_en": o.message_en,
        "action": o.action,
        "action_zh": o.action.zh(),
        "action_en": o.action.en(),
        "amount_minor": o.amount.map(|a| a.minor()),
        "currency": o.amount.map(|a| a.currency().alpha()),
        "card": o.masked_pan.as_str(),
        "entry_mode": o.entry_mode.to_field(),
        "stan": o.stan.to_string(),
        "batch": o.batch.to_string(),
        "voucher": o.voucher.map(|v| v.to_string()),
        "rrn": o.rrn,
        "auth_code": o.auth_code,
        "balance_minor": o.balance.map(|a| a.minor()),
        "host_date": o.host_date,
        "host_time": o.host_time,
    })
}

fn print_outcome(g: &Global, o: &TxnOutcome) {
    if g.json {
        println!("{}", outcome_json(o));
        return;
    }
    let pair = |zh: &str, en: &str| crate::say_pair(g, zh, en);
    println!("{}", crate::say(g, o));
    if let Some(a) = o.amount {
        println!("{}  {a}", pair("金额", "amount"));
    }
    println!("{}  {}", pair("卡号", "card"), o.masked_pan);
    println!(
        "{} {}  {} {}  {} {}",
        pair("凭证号", "voucher"),
        o.voucher.map(|v| v.to_string()).unwrap_or_else(|| "-".into()),
        pair("流水号", "STAN"),
        o.stan,
        pair("批次号", "batch"),
        o.batch
    );
    if let Some(r) = &o.rrn {
        println!("{}  {r}", pair("参考号", "RRN"));
    }
    if let Some(a) = &o.auth_code {
        println!("{}  {a}", pair("授权码", "auth code"));
    }
    if let Some(b) = o.balance {
        println!("{}  {b}", pair("可用余额", "available balance"));
    }
}

/// `pos cards`: the deck of test cards.
pub fn list_cards(g: &Global) -> ExitCode {
    if g.json {
        let v: Vec<Value> = deck::DECK
            .iter()
            .map(|c| json!({"id": c.id, "description": c.description, "card": pos_core::mask_pan_digits(c.pan)}))
            .collect();
        println!("{}", Value::Array(v));
    } else {
        for c in deck::DECK {
            let what = crate::pair(g.lang, c.description_zh(), c.description);
            println!("{:<12} {:<20} {}", c.id, pos_core::mask_pan_digits(c.pan), what);
        }
    }
    ExitCode::SUCCESS
}
