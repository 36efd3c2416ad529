//! What to do next: the step an operator can take, added to the errors the core reports
//! without knowing how `pos` was called (which flags exist, which command fixes what).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use pos_core::{Error, ErrorCode as C};

/// The data directory of this run, for the texts that name it.
static DATA_DIR: OnceLock<PathBuf> = OnceLock::new();

/// Remembers the data directory the command runs with.
pub fn set_data_dir(dir: &Path) {
    let _ = DATA_DIR.set(dir.to_path_buf());
}

fn data_dir() -> String {
    DATA_DIR.get().map(|d| d.display().to_string()).unwrap_or_else(|| "pos-data".into())
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

/// The next step for a core error the CLI knows how to get out of, chosen by its code.
pub fn next_step(e: &Error) -> Option<(String, String)> {
    if let Error::Network { code, target, reversal_due, .. } = e {
        return network(*code, target.as_deref().unwrap_or("?"), *reversal_due);
    }
    let dir = data_dir();
    match e.code() {
        C::NotSignedIn => step("请先执行 `pos sign-in` 签到，再重试", "run `pos sign-in` first, then try again"),
        C::HostBatchBehind => step(
            "若主机是 `pos sim`：它可能用了新的或内存账本（--memory）；请用原来的账本重启（--ledger 文件.db）",
            "if the host is `pos sim`, it was probably started on a new or in-memory ledger (--memory): restart it on \
             its previous ledger (--ledger FILE.db)",
        ),
        C::OriginalNotFound => step(
            "用 `pos history` 查找原交易的凭证号，再用 --voucher 指定",
            "look up the original's voucher number with `pos history` and pass it with --voucher",
        ),
        C::ReversalPending => step(
            "`pos sync` 立即重发冲正，`pos queue` 列出待冲正交易",
            "`pos sync` sends the reversals now; `pos queue` lists them",
        ),
        C::OwedBeforeSignIn => step(
            "`pos sync` 上送离线交易和冲正，`pos queue` 查看剩余；全部送达后再执行 `pos sign-in`",
            "`pos sync` sends the stored payments and reversals, `pos queue` shows what is left; sign in once all are sent",
        ),
        C::InUse => step(
            "`pos history`、`pos queue`、`pos report` 可在其运行时使用；每个终端的数据目录同时只能由一个交易命令使用",
            "`pos history`, `pos queue` and `pos report` work while it runs; one transacting command per data directory at a time",
        ),
        C::RefundInDoubt => step(
            "`pos sync` 立即向主机确认上一笔退货，之后再重试",
            "`pos sync` asks the host about the earlier refund now; then try again",
        ),
        C::DayEndRefused => step(
            "先执行 `pos sync` 上送、`pos settle` 结算，再重试",
            "run `pos sync` to upload and `pos settle` to settle first, then try again",
        ),
        C::UnknownCard => step(
            "`pos cards` 列出可用的测试卡，用 --card 指定",
            "`pos cards` lists the test cards; pick one with --card",
        ),
        C::ReaderKeys | C::KeyCheck => step("执行 `pos sign-in`", "run `pos sign-in`"),
        C::StoreOpen | C::Sqlite | C::StoreBadValue | C::StoreSealing => Some((
            format!("请检查数据目录 {dir} 的路径和权限，或用 --data-dir（环境变量 POS_DATA_DIR）指定其他目录"),
            format!("check the path and permissions of the data directory {dir}, or pass --data-dir (or set POS_DATA_DIR)"),
        )),
        C::StoreTooNew => Some((
            format!("数据目录 {dir} 由更新版本的 pos 写入：请升级 pos，或用 --data-dir 指定其他目录"),
            format!("the data directory {dir} was written by a newer pos: upgrade pos, or pass another --data-dir"),
        )),
        C::BatchFull => step("执行 `pos settle` 结算", "run `pos settle`"),
        C::StoreMissingTxn => {
            step("`pos history` 列出本终端的交易", "`pos history` lists this terminal's transactions")
        }
        C::StoreMissing => Some((
            format!("请检查 --data-dir（环境变量 POS_DATA_DIR）：{dir} 中没有终端；新终端先执行 `pos sign-in`"),
            format!("check --data-dir (or POS_DATA_DIR): there is no terminal in {dir}; a new one starts with `pos sign-in`"),
        )),
        C::NeedsUpgrade => step(
            "先执行一次交易类命令（如 `pos echo`）升级数据库",
            "run one transacting command (e.g. `pos echo`) first to upgrade the database",
        ),
        C::KeyFormat => step(
            "--key 应为 16 或 32 位十六进制数字（8 或 16 字节的 MAK）",
            "pass the MAK with --key as 16 or 32 hex digits (8 or 16 bytes)",
        ),
        C::Vault => Some((
            format!("密钥库是数据目录 {dir} 中的 vault.key：请检查其权限，或用 --data-dir 指定其他目录"),
            format!(
                "the key vault is vault.key in the data directory {dir}: check its permissions, or pass another --data-dir"
            ),
        )),
        C::RiskBlocked => step(
            "未扣款；`pos risk check 金额 --card 卡` 可查看触发的规则，`pos risk policy` 查看策略",
            "nothing was charged; `pos risk check AMOUNT --card ID` shows the rules, `pos risk policy` the policy",
        ),
        C::RiskOnlineRequired => step(
            "未扣款；请联机交易：去掉 --offline，或执行 `pos offline off`",
            "nothing was charged; take it online: drop --offline, or run `pos offline off`",
        ),
        C::RiskUnknownConfirmation => step(
            "请复制最近一次风控提示中的确认码，或重新发起交易并加 --confirm-risk",
            "copy the token of the latest warning, or run the payment again with --confirm-risk",
        ),
        C::RiskPolicyStale => step(
            "请把文件中的 version 改为大于当前版本后，再执行 `pos risk policy --set 文件`",
            "raise \"version\" in the file above the installed one, then run `pos risk policy --set FILE` again",
        ),
        C::RiskPolicyParse | C::RiskPolicyInvalid => step(
            "请修改文件中的该字段后，再执行 `pos risk policy --set 文件`；`pos risk policy` 显示当前策略",
            "fix that field in the file and run `pos risk policy --set FILE` again; `pos risk policy` shows the one in force",
        ),
        C::OfflineOnlineRequired
        | C::OfflineOnlineOnly
        | C::OfflineTotalOverLimit
        | C::OfflineCountOverLimit
        | C::OfflineQueueTooOld => step(
            "未扣款；`pos offline status` 查看离线开关，`pos offline off` 后执行 `pos sync` 上送",
            "nothing was charged; `pos offline status` shows the offline switch; `pos offline off`, then `pos sync` uploads",
        ),
        C::OfflineNotChip | C::OfflineOnlinePin | C::OfflineCardDailyLimit => step(
            "未扣款；请联机交易（`pos offline off`，不加 --offline）或换一张卡（`pos cards`）",
            "nothing was charged; take it online (`pos offline off`, no --offline) or use another card (`pos cards`)",
        ),
        C::OfflineNotSignedIn => step("请先联机执行 `pos sign-in`", "run `pos sign-in` while online first"),
        C::OfflineNotAuthenticated => step(
            "未扣款；此卡只能联机交易（`pos offline off`）；`pos params show` 可查已下载的IC卡公钥",
            "nothing was charged; this card can only be taken online (`pos offline off`); `pos params show` lists the CA public keys held",
        ),
        C::OfflineBlacklisted => step(
            "未扣款；此卡只能联机交易（`pos offline off`），`pos blacklist check` 可查卡",
            "nothing was charged; this card can only be taken online (`pos offline off`); `pos blacklist check` checks a card",
        ),
        C::OfflineAmountOverLimit => {
            step("未扣款；请联机交易（`pos offline off`）", "nothing was charged; take it online (`pos offline off`)")
        }
        C::AmountEmpty | C::AmountDecimals | C::AmountGarbage | C::AmountNegative => {
            step("金额写法如 12.34 或 1,234.00", "write the amount like 12.34 or 1,234.00")
        }
        C::BadDay => step("例如 --day 2025-03-03", "for example --day 2025-03-03"),
        C::NothingToReprint => step(
            "`pos history` 列出交易及其凭证号；不加 --voucher 则重打印最近一张",
            "`pos history` lists the transactions and their vouchers; without --voucher the newest slip is reprinted",
        ),
        C::SettlementPaymentsStored => step(
            "`pos queue` 列出待上送的交易，`pos sync` 立即上送，然后再执行 `pos settle`",
            "`pos queue` lists what is waiting, `pos sync` sends it now; then run `pos settle` again",
        ),
        C::SettlementDeclined => step(
            "稍后再执行 `pos settle`；仍被拒请联系收单机构",
            "run `pos settle` again later; if declined again, call the acquirer",
        ),
        C::SettlementOutOfStep => {
            step("执行 `pos sign-in`，再执行 `pos settle`", "run `pos sign-in`, then `pos settle`")
        }
        C::SettlementUploadInterrupted => {
            step("网络恢复后再执行 `pos settle`", "run `pos settle` again once the connection is back")
        }
        C::BleWrongDevice => step(
            "请检查 --kind（reader、printer 或 printer-issc）；`pos devices scan --kind 类型` 列出该类设备",
            "check --kind (reader, printer or printer-issc); `pos devices scan --kind KIND` lists the devices of a kind",
        ),
        // The rest has nothing the CLI can add: the core's text says it all.
        _ => None,
    }
}

/// The next step after a failed exchange with the acquirer at `target`.
fn network(code: C, target: &str, reversal_due: bool) -> Option<(String, String)> {
    let (zh, en) = match code {
        C::ConnectDns => (
            format!("请检查主机名 {target}：用 --host 主机:端口 或环境变量 POS_HOST 指定"),
            format!("check the host name {target}: pass --host HOST:PORT or set POS_HOST"),
        ),
        C::TlsNotTls => (
            format!("{target} 可能是明文主机：确认主机地址；仅在配置为明文链路（专网）时才使用 --plain"),
            format!("{target} may be a plain-TCP host: check the address; use --plain only where the link is provisioned plain (a private APN)"),
        ),
        C::TlsNoPin => (
            "请用 --ca 文件（环境变量 POS_ACQUIRER_CA）指定收单主机的CA证书（`pos sim` 的在其启动信息所示的 ca.pem，\
             默认 pos-sim-data/ca.pem）；仅在专网明文链路时使用 --plain"
                .into(),
            "pass the acquirer's CA certificate with --ca FILE (or set POS_ACQUIRER_CA; `pos sim` names its ca.pem in \
             its banner, default pos-sim-data/ca.pem); use --plain only where the link is provisioned plain (a private APN)"
                .into(),
        ),
        C::TlsNotProvisioned | C::TlsWrongName | C::TlsExpired | C::TlsBadPin | C::TlsBadServerName | C::TlsHandshake => (
            "请核对 --ca（环境变量 POS_ACQUIRER_CA）是否为该收单主机的CA证书；证书不符时不要继续交易".into(),
            "check that --ca (or POS_ACQUIRER_CA) is this acquirer's CA certificate; do not trade on a link whose certificate does not match".into(),
        ),
        C::ConnectRefused | C::ConnectUnreachable | C::ConnectTimedOut => (
            format!("收单主机 {target} 是否在运行？测试时先启动 `pos sim`，或用 --host 主机:端口（环境变量 POS_HOST）指定主机"),
            format!(
                "is the acquirer at {target} running? For testing start `pos sim`, or pass --host HOST:PORT (or set POS_HOST)"
            ),
        ),
        C::ResponseTimeout | C::ConnectionLost => (
            "主机可能繁忙或已停止：稍后重试，`pos echo` 可检查连接".into(),
            "the host may be busy or down: try again shortly; `pos echo` checks the link".into(),
        ),
        C::MacFailed => (
            "工作密钥可能已失效：执行 `pos sign-in` 重新签到后重试".into(),
            "the working keys may be stale: run `pos sign-in`, then try again".into(),
        ),
        C::Malformed | C::Unmatched | C::FrameTooLarge => (
            "请确认 --host 指向的是收单主机；问题持续请联系收单机构".into(),
            "check that --host points at the acquirer; if it keeps happening, call the acquirer".into(),
        ),
        C::DuplicateInFlight => {
            ("请等待上一笔交易完成后再试".into(), "wait for the previous transaction to finish, then try again".into())
        }
        _ => return None,
    };
    if reversal_due {
        Some((
            format!("{zh}；冲正会在下一笔交易前自动发送，也可执行 `pos sync` 立即发送"),
            format!("{en}; the reversal goes out before the next transaction, or now with `pos sync`"),
        ))
    } else {
        Some((zh, en))
    }
}

/// The step for a frame `pos frame` could not decode (the terminal's own codec errors get none).
pub fn frame_step() -> (String, String) {
    (
        "请粘贴完整报文的十六进制（可含 2 字节长度）；若从 MTI 开始，加 --body".into(),
        "paste the whole frame as hex (with or without its 2-byte length); add --body when it starts at the MTI".into(),
    )
}

#[cfg(test)]
mod tests {
    use pos_core::Detail;

    use super::*;

    fn with_code(code: C) -> Error {
        Error::InvalidInput { code, detail: Detail::new("甲", "a") }
    }

    fn advice(code: C) -> Option<(String, String)> {
        next_step(&with_code(code))
    }

    /// Each code the CLI knows a way out of gets its step (both languages, naming the command),
    /// the others none.
    #[test]
    fn the_next_step_follows_the_code() {
        let cases: &[(C, &str, &str)] = &[
            (C::NotSignedIn, "pos sign-in", "pos sign-in"),
            (C::OfflineNotSignedIn, "pos sign-in", "pos sign-in"),
            (C::OfflineBlacklisted, "pos blacklist check", "pos blacklist check"),
            (C::OfflineNotAuthenticated, "pos offline off", "pos offline off"),
            (C::ReaderKeys, "pos sign-in", "pos sign-in"),
            (C::KeyCheck, "pos sign-in", "pos sign-in"),
            (C::SettlementOutOfStep, "pos sign-in", "pos sign-in"),
            (C::HostBatchBehind, "--ledger", "--ledger"),
            (C::OriginalNotFound, "pos history", "pos history"),
            (C::ReversalPending, "pos sync", "pos sync"),
            (C::OwedBeforeSignIn, "pos sync", "pos sync"),
            (C::RefundInDoubt, "pos sync", "pos sync"),
            (C::InUse, "pos history", "pos history"),
            (C::DayEndRefused, "pos settle", "pos settle"),
            (C::UnknownCard, "pos cards", "pos cards"),
            (C::StoreOpen, "--data-dir", "--data-dir"),
            (C::Sqlite, "--data-dir", "--data-dir"),
            (C::StoreTooNew, "升级 pos", "upgrade pos"),
            (C::BatchFull, "pos settle", "pos settle"),
            (C::StoreMissingTxn, "pos history", "pos history"),
            (C::StoreMissing, "pos sign-in", "pos sign-in"),
            (C::NeedsUpgrade, "pos echo", "pos echo"),
            (C::KeyFormat, "--key", "--key"),
            (C::Vault, "vault.key", "vault.key"),
            (C::RiskBlocked, "pos risk check", "pos risk check"),
            (C::RiskOnlineRequired, "pos offline off", "pos offline off"),
            (C::RiskUnknownConfirmation, "--confirm-risk", "--confirm-risk"),
            (C::RiskPolicyStale, "version", "version"),
            (C::RiskPolicyInvalid, "pos risk policy", "pos risk policy"),
            (C::OfflineQueueTooOld, "pos offline status", "pos offline status"),
            (C::OfflineOnlinePin, "pos cards", "pos cards"),
            (C::OfflineAmountOverLimit, "pos offline off", "pos offline off"),
            (C::AmountGarbage, "12.34", "12.34"),
            (C::BadDay, "--day", "--day"),
            (C::NothingToReprint, "pos history", "pos history"),
            (C::SettlementPaymentsStored, "pos queue", "pos queue"),
            (C::SettlementDeclined, "pos settle", "pos settle"),
            (C::SettlementUploadInterrupted, "pos settle", "pos settle"),
            (C::BleWrongDevice, "--kind", "--kind"),
        ];
        for (code, zh, en) in cases {
            let (z, e) = advice(*code).unwrap_or_else(|| panic!("no step for {code}"));
            assert!(z.contains(zh) && e.contains(en), "{code}: {z} / {e}");
        }
        for code in [
            C::OfflineDisabled,
            C::RiskConfirm,
            C::AmountOverflow,
            C::CurrencyMismatch,
            C::StoreCorrupt,
            C::DiskFull,
            C::StoreReadOnly,
            C::SettlementHostError,
            C::Protocol,
            C::Input,
            C::OriginalNotEligible,
            C::CardData,
        ] {
            assert_eq!(advice(code), None, "{code}");
        }
        // Every code is answered without a panic, and a step is never empty.
        for code in C::ALL {
            if let Some((zh, en)) = advice(*code) {
                assert!(!zh.is_empty() && !en.is_empty(), "{code}");
            }
        }
    }

    /// A failed exchange names the host it could not reach and says when the reversal goes.
    #[test]
    fn a_network_failure_names_the_host_and_the_reversal() {
        let network = |code, reversal_due| Error::Network {
            code,
            txn_id: None,
            may_have_reached_host: reversal_due,
            reversal_due,
            reversal_reason: None,
            target: Some("10.0.0.9:7000".into()),
            detail: Detail::new("甲", "a"),
        };
        let (zh, en) = next_step(&network(C::ConnectRefused, false)).unwrap();
        assert!(zh.contains("10.0.0.9:7000") && en.contains("pos sim") && !en.contains("reversal"), "{en}");
        let (zh, en) = next_step(&network(C::ConnectDns, false)).unwrap();
        assert!(zh.contains("主机名 10.0.0.9:7000") && en.contains("host name"), "{en}");
        assert!(next_step(&network(C::TlsNotTls, false)).unwrap().1.contains("--plain"));
        assert!(next_step(&network(C::TlsNoPin, false)).unwrap().1.contains("--ca FILE"));
        assert!(next_step(&network(C::TlsBadPin, false)).unwrap().1.contains("do not trade"));
        let (zh, en) = next_step(&network(C::ResponseTimeout, true)).unwrap();
        assert!(zh.contains("冲正会在下一笔交易前自动发送") && en.contains("the reversal goes out"), "{en}");
        assert!(next_step(&network(C::MacFailed, true)).unwrap().1.contains("pos sign-in"));
        assert!(next_step(&network(C::Unmatched, true)).unwrap().1.contains("--host"));
        assert!(next_step(&network(C::DuplicateInFlight, false)).unwrap().1.contains("wait"));
    }
}
