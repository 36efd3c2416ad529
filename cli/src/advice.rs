//! What to do next: the step an operator can take, added to the errors the core reports
//! without knowing how `pos` was called (which flags exist, which command fixes what).

use std::any::Any;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use pos_core::acquirer::{AcquirerError, ConnectFailure, TlsFailure};
use pos_core::crypto::CryptoError;
use pos_core::iso8583::CodecError;
use pos_core::money::MoneyError;
use pos_core::offline::OfflineRefusal;
use pos_core::reader::ReaderError;
use pos_core::report::ReportError;
use pos_core::risk::{PolicyError, RiskError};
use pos_core::store::StoreError;
use pos_core::terminal::TerminalError;
use pos_core::terminal::{DayEndError, SettlementError};
use pos_core::Bilingual;

/// The data directory of this run, for the texts that name it.
static DATA_DIR: OnceLock<PathBuf> = OnceLock::new();

/// Remembers the data directory the command runs with.
pub fn set_data_dir(dir: &Path) {
    let _ = DATA_DIR.set(dir.to_path_buf());
}

fn data_dir() -> String {
    DATA_DIR.get().map(|d| d.display().to_string()).unwrap_or_else(|| "pos-data".into())
}

/// A message and the next step, both in two languages.
pub struct WithNextStep {
    inner: Box<dyn Bilingual>,
    zh: String,
    en: String,
}

impl WithNextStep {
    /// `inner` followed by what to do.
    pub fn new(inner: Box<dyn Bilingual>, (zh, en): (String, String)) -> WithNextStep {
        WithNextStep { inner, zh, en }
    }
}

impl Bilingual for WithNextStep {
    fn zh(&self) -> String {
        join_zh(&self.inner.zh(), &self.zh)
    }
    fn en(&self) -> String {
        join_en(&self.inner.en(), &self.en)
    }
}

/// "什么错了。怎么办".
pub fn join_zh(what: &str, next: &str) -> String {
    format!("{}。{next}", what.trim_end_matches(['。', '.', ' ']))
}

/// "What went wrong. What to do".
pub fn join_en(what: &str, next: &str) -> String {
    let mut chars = next.chars();
    let next: String = chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
    format!("{}. {next}", what.trim_end_matches(['.', ' ']))
}

fn step(zh: &str, en: &str) -> Option<(String, String)> {
    Some((zh.to_string(), en.to_string()))
}

/// An I/O failure's reason in Chinese (the platform text is English).
pub fn io_zh(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    // ENOTDIR, EISDIR, ENOSPC and EROFS have the same numbers on Linux and macOS.
    #[cfg(unix)]
    match e.raw_os_error() {
        Some(20) => return "路径中有一段不是目录".into(),
        Some(21) => return "这是一个目录，不是文件".into(),
        Some(28) => return "存储空间已满".into(),
        Some(30) => return "文件系统只读".into(),
        _ => {}
    }
    match e.kind() {
        K::NotFound => "文件或目录不存在".into(),
        K::PermissionDenied => "没有访问权限".into(),
        K::AlreadyExists => "文件已存在".into(),
        K::InvalidData => "文件内容无效".into(),
        K::UnexpectedEof => "文件不完整".into(),
        K::Interrupted => "操作被中断".into(),
        _ => "输入输出错误".into(),
    }
}

/// The next step for a core error the CLI knows how to get out of, if there is one.
pub fn next_step(e: &dyn Any) -> Option<(String, String)> {
    if let Some(e) = e.downcast_ref::<TerminalError>() {
        return terminal(e);
    }
    if let Some(e) = e.downcast_ref::<SettlementError>() {
        return settlement(e);
    }
    if let Some(e) = e.downcast_ref::<DayEndError>() {
        return match e {
            DayEndError::Refused { .. } => step(
                "先执行 `pos sync` 上送、`pos settle` 结算，再重试",
                "run `pos sync` to upload and `pos settle` to settle first, then try again",
            ),
            DayEndError::Terminal(t) => terminal(t),
        };
    }
    if let Some(e) = e.downcast_ref::<AcquirerError>() {
        return acquirer(e, false);
    }
    if let Some(e) = e.downcast_ref::<ReaderError>() {
        return reader(e);
    }
    if e.downcast_ref::<pos_core::reader::UnknownTestCard>().is_some() {
        return step(
            "`pos cards` 列出可用的测试卡，用 --card 指定",
            "`pos cards` lists the test cards; pick one with --card",
        );
    }
    if let Some(e) = e.downcast_ref::<StoreError>() {
        return store(e);
    }
    if let Some(e) = e.downcast_ref::<CryptoError>() {
        return crypto(e);
    }
    if let Some(e) = e.downcast_ref::<RiskError>() {
        return risk(e);
    }
    if let Some(e) = e.downcast_ref::<PolicyError>() {
        return policy(e);
    }
    if let Some(e) = e.downcast_ref::<OfflineRefusal>() {
        return offline(e);
    }
    if let Some(e) = e.downcast_ref::<MoneyError>() {
        return money(e);
    }
    if let Some(e) = e.downcast_ref::<ReportError>() {
        return report(e);
    }
    #[cfg(feature = "ble")]
    if let Some(pos_core::devices::ble::btleplug_link::BleSetupError::WrongDevice) = e.downcast_ref() {
        return step(
            "请检查 --kind（reader、printer 或 printer-issc）；`pos devices scan --kind 类型` 列出该类设备",
            "check --kind (reader, printer or printer-issc); `pos devices scan --kind KIND` lists the devices of a kind",
        );
    }
    if e.downcast_ref::<CodecError>().is_some() {
        // Only `pos frame` decodes frames it was given; the terminal wraps its codec errors.
        return step(
            "请粘贴完整报文的十六进制（可含 2 字节长度）；若从 MTI 开始，加 --body",
            "paste the whole frame as hex (with or without its 2-byte length); add --body when it starts at the MTI",
        );
    }
    None
}

fn terminal(e: &TerminalError) -> Option<(String, String)> {
    match e {
        TerminalError::NotSignedIn => {
            step("请先执行 `pos sign-in` 签到，再重试", "run `pos sign-in` first, then try again")
        }
        TerminalError::Exchange(f) => acquirer(&f.error, f.reversal.is_some() && f.may_have_reached_host),
        TerminalError::Reader(r) => reader(r),
        TerminalError::Store(s) => store(s),
        TerminalError::Crypto(c) => crypto(c),
        TerminalError::HostBatchBehind { .. } => step(
            "若主机是 `pos sim`：它可能用了新的或内存账本（--memory）；请用原来的账本重启（--ledger 文件.db）",
            "if the host is `pos sim`, it was probably started on a new or in-memory ledger (--memory): restart it on \
             its previous ledger (--ledger FILE.db)",
        ),
        TerminalError::OriginalNotFound => step(
            "用 `pos history` 查找原交易的凭证号，再用 --voucher 指定",
            "look up the original's voucher number with `pos history` and pass it with --voucher",
        ),
        TerminalError::Offline(r) => offline(r),
        TerminalError::Risk(r) => risk(r),
        TerminalError::ReversalPending { .. } => step(
            "`pos sync` 立即重发冲正，`pos queue` 列出待冲正交易",
            "`pos sync` sends the reversals now; `pos queue` lists them",
        ),
        TerminalError::OwedBeforeSignIn { .. } => step(
            "`pos sync` 上送离线交易和冲正，`pos queue` 查看剩余；全部送达后再执行 `pos sign-in`",
            "`pos sync` sends the stored payments and reversals, `pos queue` shows what is left; sign in once all are sent",
        ),
        TerminalError::InUse { .. } => step(
            "`pos history`、`pos queue`、`pos report` 可在其运行时使用；每个终端的数据目录同时只能由一个交易命令使用",
            "`pos history`, `pos queue` and `pos report` work while it runs; one transacting command per data directory at a time",
        ),
        TerminalError::RefundInDoubt { .. } => step(
            "`pos sync` 立即向主机确认上一笔退货，之后再重试",
            "`pos sync` asks the host about the earlier refund now; then try again",
        ),
        TerminalError::Codec(_)
        | TerminalError::OriginalNotEligible { .. }
        | TerminalError::InvalidInput { .. }
        | TerminalError::ReadOnly { .. }
        | TerminalError::RefundAboveRemainder { .. }
        | TerminalError::CompletionAboveHold { .. } => None,
    }
}

fn acquirer(e: &AcquirerError, reversal: bool) -> Option<(String, String)> {
    let (zh, en) = match e {
        AcquirerError::ConnectFailed { target, cause: ConnectFailure::Dns } => (
            format!("请检查主机名 {target}：用 --host 主机:端口 或环境变量 POS_HOST 指定"),
            format!("check the host name {target}: pass --host HOST:PORT or set POS_HOST"),
        ),
        AcquirerError::ConnectFailed { target, cause: ConnectFailure::Tls(TlsFailure::NotTls) } => (
            format!("{target} 可能是明文主机：确认主机地址；仅在配置为明文链路（专网）时才使用 --plain"),
            format!("{target} may be a plain-TCP host: check the address; use --plain only where the link is provisioned plain (a private APN)"),
        ),
        AcquirerError::ConnectFailed { cause: ConnectFailure::Tls(TlsFailure::NoPin), .. } => (
            "请用 --ca 文件（环境变量 POS_ACQUIRER_CA）指定收单主机的CA证书（`pos sim` 的在其启动信息所示的 ca.pem，\
             默认 pos-sim-data/ca.pem）；仅在专网明文链路时使用 --plain"
                .into(),
            "pass the acquirer's CA certificate with --ca FILE (or set POS_ACQUIRER_CA; `pos sim` names its ca.pem in \
             its banner, default pos-sim-data/ca.pem); use --plain only where the link is provisioned plain (a private APN)"
                .into(),
        ),
        AcquirerError::ConnectFailed { cause: ConnectFailure::Tls(_), .. } => (
            "请核对 --ca（环境变量 POS_ACQUIRER_CA）是否为该收单主机的CA证书；证书不符时不要继续交易".into(),
            "check that --ca (or POS_ACQUIRER_CA) is this acquirer's CA certificate; do not trade on a link whose certificate does not match".into(),
        ),
        AcquirerError::ConnectFailed { target, .. } => (
            format!("收单主机 {target} 是否在运行？测试时先启动 `pos sim`，或用 --host 主机:端口（环境变量 POS_HOST）指定主机"),
            format!(
                "is the acquirer at {target} running? For testing start `pos sim`, or pass --host HOST:PORT (or set POS_HOST)"
            ),
        ),
        AcquirerError::Timeout { .. } | AcquirerError::ConnectionLost { .. } => (
            "主机可能繁忙或已停止：稍后重试，`pos echo` 可检查连接".into(),
            "the host may be busy or down: try again shortly; `pos echo` checks the link".into(),
        ),
        AcquirerError::MacFailed => (
            "工作密钥可能已失效：执行 `pos sign-in` 重新签到后重试".into(),
            "the working keys may be stale: run `pos sign-in`, then try again".into(),
        ),
        AcquirerError::Malformed(_) | AcquirerError::Unmatched { .. } | AcquirerError::FrameTooLarge { .. } => (
            "请确认 --host 指向的是收单主机；问题持续请联系收单机构".into(),
            "check that --host points at the acquirer; if it keeps happening, call the acquirer".into(),
        ),
        AcquirerError::DuplicateInFlight { .. } => {
            ("请等待上一笔交易完成后再试".into(), "wait for the previous transaction to finish, then try again".into())
        }
    };
    if reversal {
        Some((
            format!("{zh}；冲正会在下一笔交易前自动发送，也可执行 `pos sync` 立即发送"),
            format!("{en}; the reversal goes out before the next transaction, or now with `pos sync`"),
        ))
    } else {
        Some((zh, en))
    }
}

fn reader(e: &ReaderError) -> Option<(String, String)> {
    match e {
        ReaderError::NoWorkingKeys | ReaderError::KeyCheckFailed(_) | ReaderError::BadKeyBlock(_) => {
            step("执行 `pos sign-in`", "run `pos sign-in`")
        }
        _ => None,
    }
}

fn store(e: &StoreError) -> Option<(String, String)> {
    let dir = data_dir();
    match e {
        StoreError::Open { .. } | StoreError::Sqlite(_) | StoreError::BadValue { .. } | StoreError::Sealing(_) => Some((
            format!("请检查数据目录 {dir} 的路径和权限，或用 --data-dir（环境变量 POS_DATA_DIR）指定其他目录"),
            format!("check the path and permissions of the data directory {dir}, or pass --data-dir (or set POS_DATA_DIR)"),
        )),
        StoreError::TooNew { .. } => Some((
            format!("数据目录 {dir} 由更新版本的 pos 写入：请升级 pos，或用 --data-dir 指定其他目录"),
            format!("the data directory {dir} was written by a newer pos: upgrade pos, or pass another --data-dir"),
        )),
        StoreError::BatchFull { .. } => step("执行 `pos settle` 结算", "run `pos settle`"),
        StoreError::MissingTxn(_) => step("`pos history` 列出本终端的交易", "`pos history` lists this terminal's transactions"),
        StoreError::Missing { .. } => Some((
            format!("请检查 --data-dir（环境变量 POS_DATA_DIR）：{dir} 中没有终端；新终端先执行 `pos sign-in`"),
            format!("check --data-dir (or POS_DATA_DIR): there is no terminal in {dir}; a new one starts with `pos sign-in`"),
        )),
        StoreError::NeedsUpgrade { .. } => step(
            "先执行一次交易类命令（如 `pos echo`）升级数据库",
            "run one transacting command (e.g. `pos echo`) first to upgrade the database",
        ),
        StoreError::Corrupt { .. } | StoreError::DiskFull | StoreError::ReadOnly => None,
    }
}

fn crypto(e: &CryptoError) -> Option<(String, String)> {
    let dir = data_dir();
    match e {
        CryptoError::BadKeyHex | CryptoError::BadKeyLength { .. } => step(
            "--key 应为 16 或 32 位十六进制数字（8 或 16 字节的 MAK）",
            "pass the MAK with --key as 16 or 32 hex digits (8 or 16 bytes)",
        ),
        CryptoError::VaultIo { .. }
        | CryptoError::BadVaultFile { .. }
        | CryptoError::UnwrapFailed
        | CryptoError::OpenFailed => Some((
            format!("密钥库是数据目录 {dir} 中的 vault.key：请检查其权限，或用 --data-dir 指定其他目录"),
            format!(
                "the key vault is vault.key in the data directory {dir}: check its permissions, or pass another --data-dir"
            ),
        )),
        CryptoError::CheckValueMismatch { .. } | CryptoError::BadField62Length { .. } => {
            step("执行 `pos sign-in`", "run `pos sign-in`")
        }
        _ => None,
    }
}

fn risk(e: &RiskError) -> Option<(String, String)> {
    match e {
        RiskError::Blocked { .. } => step(
            "未扣款；`pos risk check 金额 --card 卡` 可查看触发的规则，`pos risk policy` 查看策略",
            "nothing was charged; `pos risk check AMOUNT --card ID` shows the rules, `pos risk policy` the policy",
        ),
        RiskError::OnlineRequired { .. } => step(
            "未扣款；请联机交易：去掉 --offline，或执行 `pos offline off`",
            "nothing was charged; take it online: drop --offline, or run `pos offline off`",
        ),
        RiskError::UnknownConfirmation(_) => step(
            "请复制最近一次风控提示中的确认码，或重新发起交易并加 --confirm-risk",
            "copy the token of the latest warning, or run the payment again with --confirm-risk",
        ),
        RiskError::Policy(p) => policy(p),
        RiskError::ConfirmationRequired { .. } => None,
    }
}

fn policy(e: &PolicyError) -> Option<(String, String)> {
    match e {
        PolicyError::Stale { .. } => step(
            "请把文件中的 version 改为大于当前版本后，再执行 `pos risk policy --set 文件`",
            "raise \"version\" in the file above the installed one, then run `pos risk policy --set FILE` again",
        ),
        _ => step(
            "请修改文件中的该字段后，再执行 `pos risk policy --set 文件`；`pos risk policy` 显示当前策略",
            "fix that field in the file and run `pos risk policy --set FILE` again; `pos risk policy` shows the one in force",
        ),
    }
}

fn offline(e: &OfflineRefusal) -> Option<(String, String)> {
    match e {
        OfflineRefusal::OnlineRequired
        | OfflineRefusal::OnlineOnly { .. }
        | OfflineRefusal::TotalOverLimit { .. }
        | OfflineRefusal::CountOverLimit { .. }
        | OfflineRefusal::QueueTooOld { .. } => step(
            "未扣款；`pos offline status` 查看离线开关，`pos offline off` 后执行 `pos sync` 上送",
            "nothing was charged; `pos offline status` shows the offline switch; `pos offline off`, then `pos sync` uploads",
        ),
        OfflineRefusal::NotChip | OfflineRefusal::OnlinePin | OfflineRefusal::CardDailyLimit { .. } => step(
            "未扣款；请联机交易（`pos offline off`，不加 --offline）或换一张卡（`pos cards`）",
            "nothing was charged; take it online (`pos offline off`, no --offline) or use another card (`pos cards`)",
        ),
        OfflineRefusal::NotSignedIn => step("请先联机执行 `pos sign-in`", "run `pos sign-in` while online first"),
        OfflineRefusal::AmountOverLimit { .. } => {
            step("未扣款；请联机交易（`pos offline off`）", "nothing was charged; take it online (`pos offline off`)")
        }
        OfflineRefusal::Disabled => None,
    }
}

fn money(e: &MoneyError) -> Option<(String, String)> {
    match e {
        MoneyError::Empty | MoneyError::TooManyDecimals { .. } | MoneyError::Garbage(_) | MoneyError::Negative => {
            step("金额写法如 12.34 或 1,234.00", "write the amount like 12.34 or 1,234.00")
        }
        MoneyError::Overflow | MoneyError::CurrencyMismatch => None,
    }
}

fn report(e: &ReportError) -> Option<(String, String)> {
    match e {
        ReportError::BadDay(_) => step("例如 --day 2025-03-03", "for example --day 2025-03-03"),
        ReportError::NoReceipt => step(
            "`pos history` 列出交易及其凭证号；不加 --voucher 则重打印最近一张",
            "`pos history` lists the transactions and their vouchers; without --voucher the newest slip is reprinted",
        ),
        ReportError::Store(s) => store(s),
        ReportError::BadFilter { .. } | ReportError::Receipt(_) => None,
    }
}

fn settlement(e: &SettlementError) -> Option<(String, String)> {
    match e {
        SettlementError::ReversalsPending { .. } | SettlementError::PaymentsStored { .. } => step(
            "`pos queue` 列出待上送的交易，`pos sync` 立即上送，然后再执行 `pos settle`",
            "`pos queue` lists what is waiting, `pos sync` sends it now; then run `pos settle` again",
        ),
        SettlementError::Declined { .. } => step(
            "稍后再执行 `pos settle`；仍被拒请联系收单机构",
            "run `pos settle` again later; if declined again, call the acquirer",
        ),
        SettlementError::OutOfStep => {
            step("执行 `pos sign-in`，再执行 `pos settle`", "run `pos sign-in`, then `pos settle`")
        }
        SettlementError::UploadInterrupted { .. } => {
            step("网络恢复后再执行 `pos settle`", "run `pos settle` again once the connection is back")
        }
        SettlementError::Terminal(t) => terminal(t),
        SettlementError::HostError => None,
    }
}
