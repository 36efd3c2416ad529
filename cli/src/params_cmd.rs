//! `pos params`: the terminal-management downloads (终端参数下载): the terminal parameters
//! (after the status upload), CA public keys and IC parameters from the acquirer, and what is in
//! force.

use std::process::ExitCode;

use clap::Subcommand;
use pos_core::terminal::{DownloadReport, TmsKind, TmsState};
use serde_json::{json, Value};

use crate::terminal_cmd::{open_existing, open_view};
use crate::{say_pair, CliError, Global};
use pos_core::major;

/// `pos params download|show`.
#[derive(Subcommand, Clone, Copy)]
pub enum ParamsCmd {
    /// Upload the terminal's status, then download the terminal parameters, the CA public keys
    /// and the IC parameters (a download cut off resumes where it stopped; nothing changes until
    /// its last page or end message; the terminal parameters apply from the next command).
    #[command(after_help = "Examples:\n  pos params download\n  pos params download --json")]
    Download,
    /// What is in force: each download's entries, when, its digest; the keys and applications.
    #[command(after_help = "Examples:\n  pos params show\n  pos params show --json")]
    Show,
}

fn kind_pair(k: TmsKind) -> (&'static str, &'static str) {
    match k {
        TmsKind::Capk => ("IC卡公钥", "CA public keys"),
        TmsKind::Aid => ("IC卡参数", "IC parameters"),
        TmsKind::Blacklist => ("黑名单", "blacklist"),
    }
}

fn report_json(r: &DownloadReport) -> Value {
    json!({
        "kind": r.kind.as_str(), "entries": r.entries, "resumed_at": r.resumed_at,
        "skipped": r.skipped, "digest": r.digest,
    })
}

fn state_json(k: TmsKind, s: &TmsState) -> Value {
    json!({
        "kind": k.as_str(), "entries": s.entries, "applied_at": s.applied_at,
        "digest": s.digest.as_ref().map(hex::encode_upper), "unfinished_at": s.staging_next,
    })
}

/// Runs `pos params …`.
pub fn run(g: &Global, cmd: ParamsCmd) -> Result<ExitCode, CliError> {
    crate::runtime()?.block_on(async move {
        match cmd {
            ParamsCmd::Download => {
                let st = open_existing(g).await?;
                let t = &st.terminal;
                let params = t.download_parameters().await?;
                let keys = t.download_public_keys().await?;
                let aids = t.download_ic_parameters().await?;
                if g.json {
                    println!(
                        "{}",
                        json!({
                            "parameters": {"version": params.version, "applied": params.applied, "pages": params.pages, "resumed_at": params.resumed_at},
                            "downloads": [report_json(&keys), report_json(&aids)],
                        })
                    );
                } else {
                    println!(
                        "{}",
                        say_pair(
                            g,
                            &format!("终端参数：版本 {}{}（{} 页）", params.version, if params.applied { "，下次操作起生效" } else { "，与现用相同" }, params.pages),
                            &format!("terminal parameters: version {}{} ({} pages)", params.version, if params.applied { ", in force from the next command" } else { ", as in force" }, params.pages)
                        )
                    );
                    for r in [&keys, &aids] {
                        let (zh, en) = kind_pair(r.kind);
                        let resumed = if r.resumed_at > 0 {
                            say_pair(
                                g,
                                &format!("（从第{}项续传）", r.resumed_at + 1),
                                &format!(" (resumed at entry {})", r.resumed_at + 1),
                            )
                        } else {
                            String::new()
                        };
                        println!(
                            "{}{resumed}",
                            say_pair(
                                g,
                                &format!("{zh}已更新：{} 项，摘要 {}", r.entries, short(&r.digest)),
                                &format!("{en} updated: {} entries, digest {}", r.entries, short(&r.digest))
                            )
                        );
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            ParamsCmd::Show => {
                let t = open_view(g)?;
                let params = t.parameters()?;
                let states = t.downloads()?;
                let keys = t.public_keys()?;
                let aids = t.ic_parameters()?;
                if g.json {
                    let params_json = params.as_ref().map(|(p, at)| json!({
                        "version": p.version, "applied_at": at, "merchant_name": p.merchant_name,
                        "header_lines": p.header_lines, "response_timeout_secs": p.response_timeout_secs,
                        "retries": p.retries, "host": p.host, "next_ca": p.next_ca_pem.is_some(),
                        "risk_policy": p.risk_policy.is_some(),
                        "offline": p.offline.map(|o| json!({
                            "enabled": o.enabled, "per_payment_minor": o.per_payment_minor, "total_minor": o.total_minor,
                            "count": o.count, "max_age_hours": o.max_age_hours, "per_card_per_day": o.per_card_per_day,
                        })),
                    }));
                    println!(
                        "{}",
                        json!({
                            "parameters": params_json,
                            "downloads": states.iter().map(|(k, s)| state_json(*k, s)).collect::<Vec<_>>(),
                            "public_keys": keys.iter().map(|k| json!({
                                "key": k.id.label(), "expiry": k.expiry.0, "modulus_bits": k.modulus.len() * 8,
                                "checksum": hex::encode_upper(k.checksum),
                            })).collect::<Vec<_>>(),
                            "applications": aids.iter().map(|a| json!({
                                "aid": hex::encode_upper(&a.aid), "floor_limit_minor": a.floor_limit,
                                "contactless_limit_minor": a.cl_limit, "contactless_cvm_limit_minor": a.cl_cvm_limit,
                            })).collect::<Vec<_>>(),
                        })
                    );
                    return Ok(ExitCode::SUCCESS);
                }
                match &params {
                    Some((p, at)) => {
                        println!(
                            "{}",
                            say_pair(
                                g,
                                &format!("终端参数：版本 {}，更新于 {at}", p.version),
                                &format!("terminal parameters: version {}, applied {at}", p.version)
                            )
                        );
                        if let Some(name) = &p.merchant_name {
                            println!("  {} {name}", say_pair(g, "商户名称", "merchant name"));
                        }
                        for l in &p.header_lines {
                            println!("  {} {l}", say_pair(g, "签购单抬头", "slip header"));
                        }
                        if let Some(o) = &p.offline {
                            println!(
                                "  {}",
                                say_pair(
                                    g,
                                    &format!("离线：单笔 {}，累计 {}，{} 笔，{} 小时", major(o.per_payment_minor), major(o.total_minor), o.count, o.max_age_hours),
                                    &format!("offline: {} a payment, {} in total, {} payments, {} h", major(o.per_payment_minor), major(o.total_minor), o.count, o.max_age_hours)
                                )
                            );
                        }
                    }
                    None => println!("{}", say_pair(g, "终端参数：尚未下载", "terminal parameters: not downloaded yet")),
                }
                for (k, s) in &states {
                    let (zh, en) = kind_pair(*k);
                    let when = s.applied_at.clone().unwrap_or_else(|| "-".into());
                    let digest = s.digest.as_ref().map(hex::encode_upper).unwrap_or_default();
                    println!(
                        "{}",
                        say_pair(
                            g,
                            &format!("{zh}：{} 项，更新于 {when}，摘要 {}", s.entries, short(&digest)),
                            &format!("{en}: {} entries, applied {when}, digest {}", s.entries, short(&digest))
                        )
                    );
                    if let Some(at) = s.staging_next {
                        println!(
                            "  {}",
                            say_pair(
                                g,
                                &format!("有未完成的下载（已到第{at}项），`pos params download` 续传"),
                                &format!("a download is unfinished (at entry {at}): `pos params download` resumes it")
                            )
                        );
                    }
                }
                for k in &keys {
                    println!(
                        "  {}  {}  {} bits  {}",
                        k.id.label(),
                        k.expiry.0,
                        k.modulus.len() * 8,
                        hex::encode_upper(k.checksum)
                    );
                }
                for a in &aids {
                    println!("  AID {}", hex::encode_upper(&a.aid));
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
