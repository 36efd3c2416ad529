//! `pos risk`: explain which risk rules a payment would fire, confirm a warning, the day's
//! report, and the policy (show, or install one as the acquirer would push it).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use pos_core::card::{fingerprint, Pan};
use pos_core::deck;
use pos_core::iso8583::TxnType;
use pos_core::Amount;
use pos_core::{AuditId, Verdict};
use serde_json::json;

use crate::terminal_cmd::device_secret;
use crate::{say, say_pair, CliError, Global};

/// Risk engine commands (风控).
#[derive(Subcommand)]
pub enum RiskCmd {
    /// Which rules a payment would fire, and why (nothing is charged or recorded).
    #[command(
        after_help = "Examples:\n  pos risk check 10000.00 --card debit\n  pos risk check 600.00 --card contactless --offline"
    )]
    Check {
        /// Amount, e.g. 10,000.00.
        #[arg(allow_negative_numbers = true)]
        amount: String,
        /// Test card id (see `pos cards`).
        #[arg(long, default_value = "debit")]
        card: String,
        /// Evaluate as an offline payment.
        #[arg(long)]
        offline: bool,
    },
    /// The risk report of a day: evaluations by decision and the rules that fired.
    #[command(after_help = "Examples:\n  pos risk report\n  pos risk report --day 2025-03-05 --json")]
    Report {
        /// Local date YYYY-MM-DD (today when absent).
        #[arg(long)]
        day: Option<String>,
    },
    /// Confirm a risk warning (journaled); then run the payment again.
    #[command(
        after_help = "Examples:\n  pos risk confirm R12 --operator 01\n  pos risk confirm R12 --json && pos sale 10000.00 --card debit"
    )]
    Confirm {
        /// The token the warning showed (R12).
        token: String,
        /// Operator number.
        #[arg(long, default_value = "01")]
        operator: String,
    },
    /// Show the policy in force, or install one (JSON) as the acquirer pushes it.
    #[command(
        after_help = "Examples:\n  pos risk policy > policy.json\n  pos risk policy --set policy.json\n  pos risk policy --json   # {\"installed\":...,\"policy\":{...}}"
    )]
    Policy {
        /// A policy file to validate and install.
        #[arg(long)]
        set: Option<PathBuf>,
    },
}

fn problem(zh: &str, en: &str) -> CliError {
    CliError::from(pos_core::Error::invalid_input(zh, en))
}

/// A policy file that cannot be read.
fn unreadable(path: &std::path::Path, e: &std::io::Error) -> CliError {
    let (file, why) = (path.display(), crate::advice::io_zh(e));
    problem(
        &format!("无法读取风控策略文件 {file}（{why}）。请检查路径；`pos risk policy > 文件` 可导出当前策略作为模板"),
        &format!(
            "cannot read the risk policy file {file}: {e}. Check the path; \
             `pos risk policy > FILE` writes the policy in force as a template"
        ),
    )
}

/// Runs a risk command.
pub fn run(g: &Global, cmd: RiskCmd) -> Result<ExitCode, CliError> {
    crate::runtime()?.block_on(async move {
        // The report only reads: a view, which also refuses a data directory with no terminal
        // (a mistyped --data-dir) instead of creating one.
        // Changing commands (confirm, policy --set) need an existing terminal too.
        let (owner, view);
        let reads_only = match &cmd {
            RiskCmd::Report { .. } | RiskCmd::Check { .. } => true,
            RiskCmd::Policy { set } => set.is_none(),
            _ => false,
        };
        let t: &pos_core::terminal::Terminal = if reads_only {
            view = crate::terminal_cmd::open_view(g)?;
            &view
        } else {
            owner = crate::terminal_cmd::open_existing(g).await?;
            &owner.terminal
        };
        match cmd {
            RiskCmd::Check { amount, card, offline } => {
                let amount: Amount = amount.parse().map_err(pos_core::Error::from)?;
                let test = deck::find(&card).ok_or_else(|| {
                    problem(
                        &format!("没有测试卡 {card}：`pos cards` 列出可用的测试卡"),
                        &format!("no test card {card:?}: `pos cards` lists the test cards"),
                    )
                })?;
                let vault = crate::provision_cmd::vault(&g.data_dir)?;
                let fp = fingerprint(&device_secret(&g.data_dir, vault.as_ref())?, &Pan::parse(test.pan).map_err(pos_core::Error::from)?);
                let txn = if offline { TxnType::OfflineSale } else { TxnType::Sale };
                let eval = t.risk_check(txn, amount, Some(fp), offline)?;
                let policy = t.risk_policy().unwrap_or_default();
                // Offline, the risk rules are half the answer: the offline gate decides too
                // (a swipe card never pays offline, whatever the rules say).
                let gate = offline.then(|| t.offline_check(amount, &fp, test.entry_mode()));
                if g.json {
                    let mut v = json!({"verdict": eval.verdict, "effective": eval.effective(offline), "policy_version": eval.policy_version, "fired": eval.fired});
                    if let Some(gate) = &gate {
                        v["offline_allowed"] = gate.is_ok().into();
                        if let Err(e) = gate {
                            v["offline_refusal_zh"] = pos_core::Bilingual::zh(e).into();
                            v["offline_refusal_en"] = pos_core::Bilingual::en(e).into();
                        }
                    }
                    println!("{v}");
                    return Ok(ExitCode::SUCCESS);
                }
                let label = |v: Verdict| match v {
                    Verdict::Allow => say_pair(g, "通过", "allow"),
                    Verdict::Warn => say_pair(g, "需确认", "warn"),
                    Verdict::RequireOnline => say_pair(g, "须联机", "require online"),
                    Verdict::Block => say_pair(g, "拒绝", "block"),
                };
                println!("{}: {} ({} v{})", say_pair(g, "结论", "verdict"), label(eval.effective(offline)), say_pair(g, "策略", "policy"), eval.policy_version);
                for rule in policy.rules.iter() {
                    match eval.fired.iter().find(|f| f.rule == rule.id) {
                        Some(f) => println!("  ✗ {:<18} {:<10} {}", rule.id, label(f.verdict), say(g, f)),
                        None if !rule.enabled => println!("  - {:<18} {}", rule.id, say_pair(g, "已停用", "disabled")),
                        None => println!("  ✓ {:<18} {}", rule.id, say_pair(g, "未触发", "not fired")),
                    }
                }
                match &gate {
                    Some(Ok(())) => println!("{}", say_pair(g, "离线批准：可以", "offline approval: allowed")),
                    Some(Err(e)) => println!("{}: {}", say_pair(g, "离线批准：不可以", "offline approval: refused"), say(g, e)),
                    None => {}
                }
            }
            RiskCmd::Report { day } => {
                // A date that does not exist is refused, as `pos history` refuses it, instead
                // of an empty report that looks like a quiet day.
                let day = day.as_deref().map(pos_core::Day::parse).transpose().map_err(pos_core::Error::from)?.map(|d| d.to_string());
                let r = t.risk_report(day.as_deref())?;
                if g.json {
                    println!("{}", serde_json::to_string(&r).unwrap_or_default());
                    return Ok(ExitCode::SUCCESS);
                }
                println!("{} {}", say_pair(g, "风控日报", "risk report"), r.day);
                println!("  {}: {}", say_pair(g, "评估", "evaluations"), r.evaluations);
                println!("  {}: {} ({}: {})", say_pair(g, "放行", "proceeded"), r.proceeded, say_pair(g, "经确认", "confirmed"), r.confirmed);
                println!("  {}: {}", say_pair(g, "拒绝", "blocked"), r.blocked);
                println!("  {}: {}", say_pair(g, "待确认", "awaiting confirmation"), r.awaiting_confirmation);
                println!("  {}: {}", say_pair(g, "须联机", "online required"), r.online_required);
                for c in &r.rules {
                    println!("    {:<18} {}", c.rule, c.fired);
                }
            }
            RiskCmd::Confirm { token, operator } => {
                let id: AuditId = token.parse().map_err(|_| {
                    problem(
                        &format!("确认码 {token} 格式不对：应为风控提示中显示的确认码，例如 R12"),
                        &format!("{token:?} is not a token: copy the one the risk warning showed, e.g. R12"),
                    )
                })?;
                t.confirm_risk(id, &operator)?;
                if g.json {
                    println!("{}", json!({"confirmed": id.to_string(), "operator": operator}));
                } else {
                    println!("{}", say_pair(g, &format!("已确认 {id}，请重新发起交易"), &format!("{id} confirmed: run the payment again")));
                }
            }
            RiskCmd::Policy { set } => {
                if let Some(path) = set {
                    let text = std::fs::read_to_string(&path).map_err(|e| unreadable(&path, &e))?;
                    let p = t.set_risk_policy(&text)?;
                    if g.json {
                        println!("{}", json!({"installed": true, "version": p.version, "rules": p.rules.len()}));
                    } else {
                        println!("{}", say_pair(g, &format!("已安装风控策略 v{}", p.version), &format!("risk policy v{} installed", p.version)));
                    }
                } else {
                    let installed = t.risk_policy();
                    match installed {
                        _ if g.json => {
                            let p = installed.as_deref().cloned().unwrap_or_else(pos_core::RiskPolicy::default_cny);
                            println!("{}", json!({"installed": installed.is_some(), "policy": p}));
                        }
                        Some(p) => println!("{}", p.to_json()),
                        None => {
                            // On stderr: stdout stays a policy file (`pos risk policy > policy.json`).
                            eprintln!("{}", say_pair(g, "未安装风控策略；默认策略如下", "no risk policy installed; the default is"));
                            println!("{}", pos_core::RiskPolicy::default_cny().to_json());
                        }
                    }
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
