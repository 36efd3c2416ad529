//! `pos queue`, `pos sync` and `pos offline`: the store-and-forward queue, uploading it with
//! a progress bar, and the demo's offline switch (kept in the terminal's settings).

use std::process::ExitCode;

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use pos_core::terminal::{Attention, AttentionKind};
use pos_core::terminal::{SyncEvent, SyncReport, SyncStop};
use pos_core::Bilingual;
use pos_core::OfflinePreference;
use pos_core::{QueueEntry, ReversalRecord, UploadState};
use serde_json::{json, Value};

use crate::terminal_cmd::{open_terminal, open_view};
use crate::{say, say_pair, CliError, Global};

/// `pos offline on|off|status`.
#[derive(Subcommand, Clone, Copy)]
pub enum OfflineCmd {
    /// Pretend the network is gone: sales go offline, syncs wait.
    #[command(after_help = "Examples:\n  pos offline on\n  pos offline on --json")]
    On,
    /// The network is back: the next `pos sync` uploads.
    #[command(after_help = "Examples:\n  pos offline off && pos sync\n  pos offline off --json")]
    Off,
    /// Show the switch.
    #[command(after_help = "Examples:\n  pos offline status\n  pos offline status --json")]
    Status,
}

/// How a sale may use offline approval.
#[derive(Args, Clone, Copy)]
pub struct PreferenceArgs {
    /// Approve offline even when the host could be reached (离线).
    #[arg(long, conflicts_with = "online_only")]
    offline: bool,
    /// Online or not at all: never fall back to offline.
    #[arg(long)]
    online_only: bool,
}

impl PreferenceArgs {
    /// The preference these flags ask for.
    pub fn preference(&self) -> OfflinePreference {
        match (self.offline, self.online_only) {
            (true, _) => OfflinePreference::ForceOffline,
            (_, true) => OfflinePreference::RequireOnline,
            _ => OfflinePreference::PreferOnline,
        }
    }
}

/// `pos offline ...`.
pub fn offline(g: &Global, cmd: OfflineCmd) -> Result<ExitCode, CliError> {
    crate::runtime()?.block_on(async move {
        // Status only reads; on and off change an existing terminal: none creates one.
        let on = match cmd {
            OfflineCmd::Status => crate::terminal_cmd::open_view(g)?.offline_switch()?,
            OfflineCmd::On | OfflineCmd::Off => {
                let st = crate::terminal_cmd::open_existing(g).await?;
                st.terminal.set_offline_switch(matches!(cmd, OfflineCmd::On))?;
                st.terminal.offline_switch()?
            }
        };
        if g.json {
            println!("{}", json!({ "offline": on }));
        } else if on {
            println!(
                "{}",
                say_pair(
                    g,
                    "离线模式：开（交易离线批准，暂不上送）",
                    "offline mode: on (sales approved offline, nothing uploaded)"
                )
            );
        } else {
            println!("{}", say_pair(g, "离线模式：关", "offline mode: off"));
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn state_pair(s: UploadState) -> (&'static str, &'static str) {
    let t = pos_core::vocab::upload_state(s);
    (t.zh, t.en)
}

fn entry_json(e: &QueueEntry) -> Value {
    json!({
        "txn_id": e.txn.id.0,
        "state": e.state,
        "voucher": e.txn.numbers.voucher.map(|v| v.to_string()),
        "stan": e.txn.numbers.stan.to_string(),
        "batch": e.txn.numbers.batch.to_string(),
        "amount_minor": e.txn.amount.map(|a| a.minor()),
        "card": e.txn.masked_pan.as_ref().map(|p| p.as_str().to_string()),
        "stored_at": e.txn.created_at,
        "attempts": e.attempts,
        "response_code": e.response_code.map(|c| c.to_string()),
        "last_error": e.last_error,
    })
}

fn reversal_json(r: &ReversalRecord) -> Value {
    json!({
        "txn_id": r.txn.id.0,
        "transaction": r.txn.txn_type,
        "state": r.state,
        "reason": r.reason.as_str(),
        "cause": r.cause,
        "stan": r.txn.numbers.stan.to_string(),
        "amount_minor": r.txn.amount.map(|a| a.minor()),
        "card": r.txn.masked_pan.as_ref().map(|p| p.as_str().to_string()),
        "attempts": r.attempts,
        "rounds": r.rounds,
        "last_error": r.last_error,
    })
}

/// `pos queue`: the stored payments (all, or only those still waiting), the reversals not
/// yet acknowledged, and what needs the operator.
pub fn queue(g: &Global, all: bool) -> Result<ExitCode, CliError> {
    crate::runtime()?.block_on(async move {
        let view = open_view(g)?;
        let t = &view;
        let entries = t.offline_queue(!all)?;
        let reversals: Vec<ReversalRecord> =
            t.open_reversals()?.into_iter().filter(|r| r.state == pos_core::ReversalState::Due).collect();
        let attention = t.attention()?;
        let stats = t.queue_stats()?;
        if g.json {
            let v = json!({
                "waiting": stats.count,
                "waiting_amount_minor": stats.total_minor,
                "payments": entries.iter().map(entry_json).collect::<Vec<_>>(),
                "reversals_due": reversals.iter().map(reversal_json).collect::<Vec<_>>(),
                "attention": attention.iter().map(attention_json).collect::<Vec<_>>(),
            });
            println!("{v}");
            return Ok(ExitCode::SUCCESS);
        }
        let pair = |zh: &str, en: &str| say_pair(g, zh, en);
        println!(
            "{}: {}  {}: {}",
            pair("待上送笔数", "waiting"),
            stats.count,
            pair("金额", "amount"),
            pos_core::Amount::from_minor(stats.total_minor, pos_core::Currency::CNY)
                .map(|a| a.to_string())
                .unwrap_or_default()
        );
        if entries.is_empty() {
            println!("{}", pair("离线队列为空", "the offline queue is empty"));
        }
        for e in &entries {
            let (zh, en) = state_pair(e.state);
            println!(
                "{:<10} {} {}  {} {}  {:>12}  {}  {}  {}{}",
                say_pair(g, zh, en),
                pair("凭证号", "voucher"),
                e.txn.numbers.voucher.map(|v| v.to_string()).unwrap_or_else(|| "-".into()),
                pair("流水号", "STAN"),
                e.txn.numbers.stan,
                e.txn.amount.map(|a| a.to_string()).unwrap_or_default(),
                e.txn.masked_pan.as_ref().map(|p| p.as_str().to_string()).unwrap_or_default(),
                e.txn.created_at,
                e.response_code.map(|c| c.to_string()).unwrap_or_default(),
                e.last_error.as_ref().map(|m| format!("  ({m})")).unwrap_or_default(),
            );
        }
        for r in &reversals {
            println!(
                "{} {} {}  {}  {}  ×{}{}",
                pair("待冲正", "reversal due"),
                pair("流水号", "STAN"),
                r.txn.numbers.stan,
                r.txn.amount.map(|a| a.to_string()).unwrap_or_default(),
                r.reason,
                r.attempts,
                r.last_error.as_ref().map(|m| format!("  ({m})")).unwrap_or_default(),
            );
        }
        print_attention(g, &attention);
        Ok(ExitCode::SUCCESS)
    })
}

/// `pos queue --ack N`: the operator told the customer of voucher N; its attention items
/// leave the list (nothing else changes: a stuck reversal keeps being retried).
pub fn acknowledge(g: &Global, voucher: u32) -> Result<ExitCode, CliError> {
    crate::runtime()?.block_on(async move {
        let st = crate::terminal_cmd::open_existing(g).await?;
        let t = &st.terminal;
        let Some(item) = t.attention()?.into_iter().find(|a| a.voucher.map(|v| v.value()) == Some(voucher)) else {
            return Err(crate::terminal_cmd::ArgProblem::new(
                &format!("凭证号{voucher}没有需要处理的提醒（可能已确认过）；`pos queue` 列出需要处理的交易"),
                &format!(
                    "voucher {voucher} has nothing needing attention (it may be acknowledged already); \
                     `pos queue` lists what does"
                ),
            )
            .into());
        };
        let acked = t.acknowledge_attention(item.txn_id)?;
        if g.json {
            println!("{}", json!({ "acknowledged": acked.iter().map(attention_json).collect::<Vec<_>>() }));
        } else {
            for a in &acked {
                println!(
                    "{}",
                    say_pair(g, &format!("已确认：凭证号{voucher}"), &format!("acknowledged: voucher {voucher}"))
                );
                if a.kind == AttentionKind::ReversalStuck {
                    println!(
                        "{}",
                        say_pair(g, "冲正仍会自动重试（`pos sync`）", "the reversal keeps being retried (`pos sync`)")
                    );
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn attention_json(a: &Attention) -> Value {
    json!({
        "kind": a.kind, "txn_id": a.txn_id.0, "voucher": a.voucher.map(|v| v.value()),
        "amount_minor": a.amount.map(|x| x.minor()),
        "card": a.masked_pan.as_ref().map(|p| p.as_str().to_string()),
        "message_zh": a.zh(), "message_en": a.en(),
        "tell_customer_zh": a.tell_customer_zh(), "tell_customer_en": a.tell_customer_en(),
    })
}

/// Each item needing attention, what to tell the customer, and how to acknowledge it.
fn print_attention(g: &Global, attention: &[Attention]) {
    for a in attention {
        println!("! {}", say(g, a));
        if let Some(v) = a.voucher {
            println!(
                "  {}",
                say_pair(
                    g,
                    &format!("告知顾客后执行 `pos queue --ack {v}`"),
                    &format!("once the customer is told, run `pos queue --ack {v}`")
                )
            );
        }
    }
}

/// `pos sync`: sends due reversals and uploads the queue, with a progress bar.
pub fn sync(g: &Global) -> Result<ExitCode, CliError> {
    crate::runtime()?.block_on(async move {
        let st = open_terminal(g, None).await?;
        let t = &st.terminal;
        let mut events = t.subscribe();
        let waiting = t.queue_stats()?.count;
        let bar = if g.json { ProgressBar::hidden() } else { ProgressBar::new(u64::from(waiting)) };
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}").unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let watch = async {
            while let Ok(event) = events.recv().await {
                match event {
                    SyncEvent::Payment { state, .. } if state != UploadState::Stored => bar.inc(1),
                    SyncEvent::Progress { left_amount, .. } => {
                        bar.set_message(say_pair(g, &format!("待上送 {left_amount}"), &format!("{left_amount} to go")))
                    }
                    SyncEvent::Finished(_) => break,
                    _ => {}
                }
            }
        };
        let (report, ()) = tokio::join!(t.sync(), watch);
        bar.finish_and_clear();
        let report = report?;
        let attention = t.attention()?;
        print_report(g, &report, &attention);
        Ok(if report.is_clean() { ExitCode::SUCCESS } else { ExitCode::from(1) })
    })
}

/// What the operator can do about a sync that stopped early.
fn next_step(g: &Global, stop: &SyncStop) -> (String, String) {
    let host = &g.host;
    match stop {
        SyncStop::Offline => (
            "离线开关已打开：执行 `pos offline off` 后再执行 `pos sync`".into(),
            "The offline switch is on: run `pos offline off`, then `pos sync`".into(),
        ),
        SyncStop::HostUnreachable => (
            format!("收单主机 {host} 是否在运行？测试时先启动 `pos sim`，或用 --host 指定主机，然后再执行 `pos sync`"),
            format!("Is the acquirer at {host} running? For testing start `pos sim`, or pass --host; then run `pos sync` again"),
        ),
        SyncStop::NeedsSignIn => {
            ("执行 `pos sign-in` 后再执行 `pos sync`".into(), "Run `pos sign-in`, then `pos sync`".into())
        }
        SyncStop::NoAnswer | SyncStop::HostTrouble { .. } => (
            "稍后再执行 `pos sync`；`pos queue` 列出待上送的交易".into(),
            "Run `pos sync` again later; `pos queue` lists what is waiting".into(),
        ),
    }
}

fn print_report(g: &Global, r: &SyncReport, attention: &[Attention]) {
    let next = r.stop.as_ref().map(|s| next_step(g, s));
    if g.json {
        let v = json!({
            "clean": r.is_clean(),
            "reversals_acknowledged": r.reversals_acknowledged,
            "reversals_left": r.reversals_left,
            "accepted": r.accepted,
            "declined": r.declined,
            "expired": r.expired,
            "left": r.left,
            "left_amount_minor": r.left_amount.minor(),
            "stopped": r.stop,
            "message_zh": r.zh(),
            "message_en": r.en(),
            "next_step_zh": next.as_ref().map(|n| &n.0),
            "next_step_en": next.as_ref().map(|n| &n.1),
            "attention": attention.iter().map(attention_json).collect::<Vec<_>>(),
        });
        println!("{v}");
    } else {
        println!("{}", say(g, r));
        if let Some((zh, en)) = next {
            println!("{}", say_pair(g, &zh, &en));
        }
        print_attention(g, attention);
    }
}
