//! The admin port: one JSON object per line in, one per line out, loopback only.
//!
//! Commands (`cmd`): `ping`; `fault` (`tid` plus a fault plan: `mode`, `ms`, `count`,
//! `percent`, `on`); `clear` (`tid`, or every terminal without it); `faults`; `flags`;
//! `balance` (`pan_last4` or `card`, a deck id); `batch` (`tid`); `txns` (`tid`);
//! `invariants`; `advance_clock` (`seconds`); `stats`; `unlock_code` (`tid`, `challenge`: the
//! help desk's answer to a tampered reader's unlock challenge); `reset_code` (`tid`,
//! `challenge`: the help desk's reset of a reader locked out after too many wrong codes);
//! `shutdown`.
//! Answers are `{"ok":true,...}` or `{"ok":false,"error":"..."}`.

use std::sync::Arc;

use serde_json::{json, Map, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::{info, warn};

use crate::fault::FaultPlan;
use crate::server::Shared;

/// Longest command line accepted; a longer one is answered with an error and skipped.
const MAX_LINE: usize = 4096;
/// Most bytes skipped to find the end of an over-long line before the connection is closed.
const MAX_SKIP: u64 = 1 << 20;
/// Admin connections served at once.
const MAX_CLIENTS: usize = 16;

pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let mut clients = JoinSet::new();
    loop {
        tokio::select! {
            _ = crate::server::stop_requested(&mut stop) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) if clients.len() < MAX_CLIENTS && peer.ip().is_loopback() => {
                    clients.spawn(client(stream, shared.clone()));
                }
                Ok((_, peer)) => warn!(%peer, "admin connection refused"),
                Err(e) => {
                    warn!(error = %e, "admin accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            },
            Some(_) = clients.join_next(), if !clients.is_empty() => {}
        }
    }
    clients.abort_all();
    // Gone before `shutdown` returns: a stopped simulator holds no ledger (nor its lock).
    while clients.join_next().await.is_some() {}
}

async fn client(stream: TcpStream, shared: Arc<Shared>) {
    let (rd, mut wr) = stream.into_split();
    let mut reader = BufReader::new(rd);
    loop {
        let mut line = Vec::new();
        let read = (&mut reader).take(MAX_LINE as u64 + 1).read_until(b'\n', &mut line).await;
        match read {
            Ok(0) | Err(_) => break,
            Ok(_) if line.len() > MAX_LINE => {
                // Skip the rest of the line (within a bound) so the next command is read cleanly.
                let mut rest = Vec::new();
                let skipped = (&mut reader).take(MAX_SKIP).read_until(b'\n', &mut rest).await;
                let _ = wr.write_all(b"{\"ok\":false,\"error\":\"line too long\"}\n").await;
                match skipped {
                    Ok(_) if rest.ends_with(b"\n") => continue,
                    _ => break,
                }
            }
            Ok(_) => {}
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let shared2 = shared.clone();
        let (answer, stop) = tokio::task::spawn_blocking(move || run(&line, &shared2))
            .await
            .unwrap_or_else(|e| (json!({"ok": false, "error": format!("command failed: {e}")}), false));
        let mut text = answer.to_string();
        text.push('\n');
        let written = wr.write_all(text.as_bytes()).await;
        if stop {
            // Answer first: stopping aborts this task.
            let _ = wr.shutdown().await;
            let _ = shared.stop.send(true);
            break;
        }
        if written.is_err() {
            break;
        }
    }
}

fn fail(msg: impl std::fmt::Display) -> Value {
    json!({"ok": false, "error": msg.to_string()})
}

fn text<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    obj.get(key).and_then(Value::as_str)
}

/// Runs one command line; the flag asks the caller to stop the simulator after answering.
fn run(line: &[u8], shared: &Shared) -> (Value, bool) {
    let mut obj = match serde_json::from_slice::<Value>(line) {
        Ok(Value::Object(o)) => o,
        Ok(_) => return (fail("expected a JSON object"), false),
        Err(e) => return (fail(format!("not JSON: {e}")), false),
    };
    let Some(cmd) = obj.remove("cmd").and_then(|c| c.as_str().map(str::to_owned)) else {
        return (fail("missing \"cmd\""), false);
    };
    if cmd == "shutdown" {
        return (json!({"ok": true}), true);
    }
    (command(&cmd, obj, shared), false)
}

fn command(cmd: &str, mut obj: Map<String, Value>, shared: &Shared) -> Value {
    let ledger = &shared.ledger;
    let result: Result<Value, String> = match cmd {
        "ping" => Ok(json!({})),
        "fault" => {
            let Some(tid) = obj.remove("tid").and_then(|t| t.as_str().map(str::to_owned)) else {
                return fail("fault needs \"tid\"");
            };
            match serde_json::from_value::<FaultPlan>(Value::Object(obj)) {
                Ok(plan) => {
                    info!(tid, ?plan, "fault plan set through the admin port");
                    shared.faults.set(&tid, plan);
                    Ok(json!({}))
                }
                Err(e) => Err(format!("bad fault plan: {e}")),
            }
        }
        "clear" => {
            match text(&obj, "tid") {
                Some(tid) => shared.faults.clear(tid),
                None => shared.faults.clear_all(),
            }
            Ok(json!({}))
        }
        "faults" => {
            let plans: Vec<Value> =
                shared.faults.active().into_iter().map(|(tid, p)| json!({"tid": tid, "plan": p})).collect();
            Ok(json!({"faults": plans}))
        }
        "flags" => ledger.flags().map(|f| json!({"flags": f})).map_err(|e| e.to_string()),
        "balance" => {
            let last4 = match (text(&obj, "pan_last4"), text(&obj, "card")) {
                (Some(l), _) => Some(l.to_owned()),
                (None, Some(id)) => pos_core::deck::find(id)
                    .map(|c| c.pan.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect()),
                (None, None) => None,
            };
            match last4 {
                Some(l) => ledger
                    .accounts_ending(&l)
                    .map(|a| {
                        let list: Vec<Value> =
                            a.into_iter().map(|(pan, av)| json!({"pan": pan, "available": av})).collect();
                        json!({"accounts": list})
                    })
                    .map_err(|e| e.to_string()),
                None => Err("balance needs \"pan_last4\" or a deck \"card\" id".into()),
            }
        }
        "batch" => match text(&obj, "tid") {
            Some(tid) => ledger.batch(tid).map(|b| json!({"batch": b})).map_err(|e| e.to_string()),
            None => Err("batch needs \"tid\"".into()),
        },
        "txns" => match text(&obj, "tid") {
            Some(tid) => ledger.transactions_for(tid).map(|t| json!({"txns": t})).map_err(|e| e.to_string()),
            None => Err("txns needs \"tid\"".into()),
        },
        "unlock_code" => match (text(&obj, "tid"), text(&obj, "challenge")) {
            (Some(tid), Some(challenge)) => match shared.host.unlock_code(tid, challenge) {
                Some(code) => Ok(json!({ "code": code })),
                None => Err(format!("unknown terminal {tid}")),
            },
            _ => Err("unlock_code needs tid and challenge".to_owned()),
        },
        "reset_code" => match (text(&obj, "tid"), text(&obj, "challenge")) {
            (Some(tid), Some(challenge)) => match shared.host.reset_code(tid, challenge) {
                Some(code) => Ok(json!({ "code": code })),
                None => Err(format!("unknown terminal {tid}")),
            },
            _ => Err("reset_code needs tid and challenge".to_owned()),
        },
        "invariants" => match ledger.check_invariants() {
            Ok(()) => Ok(json!({"problems": []})),
            Err(crate::error::LedgerError::Invariant(p)) => Ok(json!({"problems": p})),
            Err(e) => Err(e.to_string()),
        },
        "advance_clock" => match obj.get("seconds").and_then(Value::as_u64) {
            Some(s) => {
                shared.clock.advance(std::time::Duration::from_secs(s));
                Ok(json!({"now_ms": shared.clock.now_ms()}))
            }
            None => Err("advance_clock needs \"seconds\"".into()),
        },
        "stats" => Ok(json!({
            "open": shared.stats.open.load(std::sync::atomic::Ordering::SeqCst),
            "frames": shared.stats.frames.load(std::sync::atomic::Ordering::SeqCst),
            "replies": shared.stats.replies.load(std::sync::atomic::Ordering::SeqCst),
        })),
        other => Err(format!("unknown command {other:?}")),
    };
    match result {
        Ok(Value::Object(mut o)) => {
            o.insert("ok".into(), Value::Bool(true));
            Value::Object(o)
        }
        Ok(v) => json!({"ok": true, "value": v}),
        Err(e) => fail(e),
    }
}
