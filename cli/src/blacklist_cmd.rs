//! `pos blacklist`: the card blacklist (卡黑名单) from the acquirer: download it, see where it
//! stands, check a test card against it. The terminal keeps fingerprints only.

use std::process::ExitCode;

use clap::Subcommand;
use pos_core::card::Pan;
use pos_core::deck;
use pos_core::terminal::TmsKind;
use pos_core::tms::blacklist::prefix_fingerprints;
use serde_json::json;

use crate::terminal_cmd::{device_secret, open_existing, open_view};
use crate::{say_pair, CliError, Global};

/// `pos blacklist download|status|check`.
#[derive(Subcommand, Clone)]
pub enum BlacklistCmd {
    /// Download the blacklist: the entries added since the last download (in full the first
    /// time, with --full, or when the acquirer rebuilt its list); a cut download resumes.
    #[command(after_help = "Examples:\n  pos blacklist download\n  pos blacklist download --full --json")]
    Download {
        /// Download the whole list again, replacing the one in force.
        #[arg(long)]
        full: bool,
    },
    /// The list in force: entries, when it was applied, its digest, an unfinished download.
    #[command(after_help = "Examples:\n  pos blacklist status\n  pos blacklist status --json")]
    Status,
    /// Whether a test card is on the list (looked up by fingerprint; nothing is charged).
    #[command(
        after_help = "Examples:\n  pos blacklist check --card offline\n  pos blacklist check --card debit --json"
    )]
    Check {
        /// Test card id (see `pos cards`).
        #[arg(long, default_value = "debit")]
        card: String,
    },
}

/// Runs `pos blacklist …`.
pub fn run(g: &Global, cmd: BlacklistCmd) -> Result<ExitCode, CliError> {
    crate::runtime()?.block_on(async move {
        match cmd {
            BlacklistCmd::Download { full } => {
                let st = open_existing(g).await?;
                let r = st.terminal.download_blacklist(full).await?;
                if g.json {
                    println!(
                        "{}",
                        json!({
                            "kind": r.kind.as_str(), "entries": r.entries, "from": r.from,
                            "incremental": r.from > 0, "resumed_at": r.resumed_at, "digest": r.digest,
                        })
                    );
                } else {
                    let how = if r.from > 0 {
                        say_pair(
                            g,
                            &format!("增量（从第{}项起）", r.from + 1),
                            &format!("incremental (from entry {})", r.from + 1),
                        )
                    } else {
                        say_pair(g, "全量", "in full")
                    };
                    println!(
                        "{}",
                        say_pair(
                            g,
                            &format!("黑名单已更新（{how}）：{} 项，摘要 {}", r.entries, short(&r.digest)),
                            &format!("blacklist updated ({how}): {} entries, digest {}", r.entries, short(&r.digest))
                        )
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            BlacklistCmd::Status => {
                let t = open_view(g)?;
                let (_, s) = t
                    .downloads()?
                    .into_iter()
                    .find(|(k, _)| *k == TmsKind::Blacklist)
                    .unwrap_or((TmsKind::Blacklist, Default::default()));
                let digest = s.digest.as_ref().map(hex::encode_upper).unwrap_or_default();
                if g.json {
                    println!(
                        "{}",
                        json!({
                            "entries": s.entries, "applied_at": s.applied_at, "digest": digest,
                            "host_next": s.host_next, "unfinished_at": s.staging_next,
                        })
                    );
                    return Ok(ExitCode::SUCCESS);
                }
                let when = s.applied_at.clone().unwrap_or_else(|| "-".into());
                println!(
                    "{}",
                    say_pair(
                        g,
                        &format!("黑名单：{} 项，更新于 {when}，摘要 {}", s.entries, short(&digest)),
                        &format!("blacklist: {} entries, applied {when}, digest {}", s.entries, short(&digest))
                    )
                );
                if let Some(at) = s.staging_next {
                    println!(
                        "  {}",
                        say_pair(
                            g,
                            &format!("有未完成的下载（已到第{at}项），`pos blacklist download` 续传"),
                            &format!("a download is unfinished (at entry {at}): `pos blacklist download` resumes it")
                        )
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            BlacklistCmd::Check { card } => {
                let t = open_view(g)?;
                let test = deck::find(&card).ok_or_else(|| {
                    CliError::from(pos_core::Error::invalid_input(
                        format!("没有测试卡 {card}：`pos cards` 列出可用的测试卡"),
                        format!("no test card {card:?}: `pos cards` lists the test cards"),
                    ))
                })?;
                // What the reader does for a card read: the card's prefixes fingerprinted under
                // its device secret, at the lengths the list uses.
                let vault = crate::provision_cmd::vault(&g.data_dir)?;
                let secret = device_secret(&g.data_dir, vault.as_ref())?;
                let pan = Pan::parse(test.pan).map_err(pos_core::Error::from)?;
                let listed = t.blacklisted(&prefix_fingerprints(&secret, &pan, t.blacklist_lengths()?))?;
                let masked = pan.masked();
                if g.json {
                    println!("{}", json!({ "card": card, "masked_pan": masked.as_str(), "listed": listed }));
                } else if listed {
                    println!(
                        "{}",
                        say_pair(
                            g,
                            &format!("{} 在黑名单上：不能离线交易，联机由发卡行决定", masked.as_str()),
                            &format!(
                                "{} is on the blacklist: never approved offline, the issuer decides online",
                                masked.as_str()
                            )
                        )
                    );
                } else {
                    println!(
                        "{}",
                        say_pair(
                            g,
                            &format!("{} 不在黑名单上", masked.as_str()),
                            &format!("{} is not on the blacklist", masked.as_str())
                        )
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}

/// The first 16 hex digits of a digest (enough to compare by eye).
fn short(digest: &str) -> &str {
    digest.get(..16).unwrap_or(digest)
}
