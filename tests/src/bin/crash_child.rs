//! The terminal as the crash harness (`tests/tests/e2e/crash.rs`) runs it in a child process:
//! sales online and offline, syncs and cancellations against the simulator, until the
//! harness kills it (SIGKILL) or a crash point (`POS_CRASH_AT`, feature `crash-hooks`)
//! aborts it; then again, to recover and sync everything.
//!
//! `crash_child fill <data dir> <host:port> <sales>` (payments until the first error: the
//! full-disk test), `crash_child work <data dir> <host:port> <seed> <ops>`, `crash_child settle <data dir> <host:port> [close]`
//! (sync everything; `close`: then settle the batch), `crash_child intrude <data dir> <host:port>` (a second process beside a
//! running `work`: a read-only view, then an open that must be refused) or `crash_child day-end <data dir> <host:port> <sales>` (make `sales` sales
//! when the batch is empty, then settle, printing `acked N/T` after each upload message).
//! Exit codes: 0 done, 2 bad arguments, 3 the terminal could not start, 4 not settled, 5 a
//! second process got in beside a live owner.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use pos_core::card::DeviceSecret;
use pos_core::crypto::{FileVault, SecretKey};
use pos_core::provision::DEMO_TMK_HEX;
use pos_core::store::TxnId;
use pos_core::terminal::{SystemClock, Terminal, TerminalConfig};
use pos_core::OfflinePreference;
use pos_core::{Amount, Currency};
use pos_core::{KeyMemory, SoftwareReader};
use pos_testkit::SplitMix64;

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn config(host: &str) -> TerminalConfig {
    // The simulator's CA, from the parent (it starts the simulator in process).
    let mut c = match std::env::var("CRASH_CHILD_CA_PEM") {
        Ok(ca) => TerminalConfig::demo_at_tls(host, ca),
        Err(_) => TerminalConfig::demo_at_plain(host),
    };
    // Pays with the same few cards many times a day; the default risk policy would ask for
    // confirmations (the risk engine has its own tests: tests/e2e/risk.rs, core risk::tests).
    c.risk_policy = None;
    c.response_timeout = Duration::from_millis(300);
    c.connect_timeout = Duration::from_millis(500);
    c.card_timeout = Duration::from_secs(1);
    c.offline.per_card_per_day = 100_000;
    c.offline.count = 100_000;
    c.offline.total = Amount::from_minor(999_999_999, Currency::CNY).unwrap_or(c.offline.total);
    c.sync.group = 8;
    // `window,group` of the batch upload (the settlement crash tests choose per test).
    if let Some((window, group)) = std::env::var("CRASH_CHILD_UPLOAD").ok().as_deref().and_then(|v| v.split_once(',')) {
        c.sync.upload_window = window.parse().unwrap_or(1);
        c.sync.group = group.parse().unwrap_or(1);
    }
    c
}

fn open(dir: &Path, host: &str) -> Result<(Terminal, Arc<SoftwareReader>), String> {
    let vault = Arc::new(FileVault::open_or_create(dir.join("vault.key")).map_err(|e| e.to_string())?);
    let tmk = SecretKey::from_hex(DEMO_TMK_HEX).map_err(|e| e.to_string())?;
    let reader = SoftwareReader::new(tmk, DeviceSecret::from_bytes([0x5C; 32]))
        .with_key_memory(KeyMemory::at(dir.join("reader-keys.json")))
        .map_err(|e| e.to_string())?;
    let reader = Arc::new(reader);
    let t = Terminal::open(dir, config(host), vault, reader.clone(), Arc::new(SystemClock::default()))
        .map_err(|e| e.to_string())?;
    Ok((t, reader))
}

async fn ready(t: &Terminal) -> Result<(), String> {
    if !t.is_signed_in().map_err(|e| e.to_string())? {
        let o = t.sign_in().await.map_err(|e| e.to_string())?;
        if !o.approved {
            return Err(format!("sign-in declined {}", o.response_code));
        }
    }
    Ok(())
}

/// [`open`] and [`ready`], saying why not and giving exit code 3 when either fails.
async fn open_ready(dir: &Path, host: &str) -> Result<(Terminal, Arc<SoftwareReader>), ExitCode> {
    let (t, reader) = open(dir, host).map_err(|e| {
        say(&format!("cannot open: {e}"));
        ExitCode::from(3)
    })?;
    if let Err(e) = ready(&t).await {
        say(&format!("not ready: {e}"));
        return Err(ExitCode::from(3));
    }
    Ok((t, reader))
}

fn outcome(r: &Result<pos_core::terminal::TxnOutcome, pos_core::Error>) -> String {
    match r {
        Ok(o) => format!("{:?} {} stan {}", o.txn, o.response_code, o.stan),
        Err(e) => format!("error {e}"),
    }
}

/// [`open`], waiting (bounded) while a second process holds the data directory briefly.
async fn open_when_free(dir: &Path, host: &str) -> Result<(Terminal, Arc<SoftwareReader>), String> {
    let mut tries = 0;
    loop {
        match open(dir, host) {
            Err(e) if e.contains("in use by process") && tries < 100 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => return other,
        }
    }
}

async fn work(dir: &Path, host: &str, seed: u64, ops: u32) -> ExitCode {
    let (t, reader) = match open_when_free(dir, host).await {
        Ok(v) => v,
        Err(e) => {
            say(&format!("cannot open: {e}"));
            return ExitCode::from(3);
        }
    };
    if let Err(e) = ready(&t).await {
        say(&format!("not ready: {e}"));
        return ExitCode::from(3);
    }
    match t.recover().await {
        Ok(r) => say(&format!("recovered {} reversals, {} uploads", r.reversals_acknowledged, r.accepted)),
        Err(e) => say(&format!("recover failed: {e}")),
    }
    // SplitMix64: the same seed, the same run (the parent and the child each draw their own).
    let mut rng = SplitMix64::new(seed);
    let mut last_approved: Option<TxnId> = None;
    for i in 0..ops {
        let Ok(amount) = Amount::from_minor(1 + rng.below(5_000), Currency::CNY) else { continue };
        let line = match rng.below(100) {
            0..=44 => {
                let card = ["debit", "credit", "contactless", "offline"][rng.below(4) as usize];
                let _ = reader.present(card);
                let r = t.sale_with(amount, OfflinePreference::RequireOnline).await;
                if let Ok(o) = &r {
                    last_approved = o.approved.then_some(o.txn_id);
                }
                format!("online {card} {}", outcome(&r))
            }
            45..=74 => {
                let card = ["contactless", "offline"][rng.below(2) as usize];
                let _ = reader.present(card);
                format!("offline {card} {}", outcome(&t.sale_with(amount, OfflinePreference::ForceOffline).await))
            }
            75..=84 => {
                // The signal drops for a moment: prefer-online goes offline.
                t.set_connectivity(false);
                let _ = reader.present("contactless");
                let r = t.sale(amount).await;
                t.set_connectivity(true);
                format!("dropout {}", outcome(&r))
            }
            85..=94 => match t.sync().await {
                Ok(r) => format!("sync {} up {} rev, stop {:?}", r.accepted, r.reversals_acknowledged, r.stop),
                Err(e) => format!("sync error {e}"),
            },
            _ => match last_approved.take() {
                Some(id) => match t.cancel_unprinted(id).await {
                    Ok(done) => format!("cancel {id} reversed now {done}"),
                    Err(e) => format!("cancel {id} error {e}"),
                },
                None => "cancel nothing".into(),
            },
        };
        say(&format!("op {i} {line}"));
    }
    say("done");
    ExitCode::SUCCESS
}

/// Syncs everything; with `close`, then settles the batch (the day end a merchant does, so a
/// long run's batches stay a day's size).
async fn settle(dir: &Path, host: &str, close: bool) -> ExitCode {
    let (t, _reader) = match open_when_free(dir, host).await {
        Ok(v) => v,
        Err(e) => {
            say(&format!("cannot open: {e}"));
            return ExitCode::from(3);
        }
    };
    if let Err(e) = ready(&t).await {
        say(&format!("not ready: {e}"));
        return ExitCode::from(3);
    }
    for _ in 0..20 {
        match t.sync().await {
            Ok(r) if r.is_clean() => {
                say(&format!(
                    "settled: {} reversals, {} accepted, {} declined",
                    r.reversals_acknowledged, r.accepted, r.declined
                ));
                if !close {
                    return ExitCode::SUCCESS;
                }
                match t.settle().await {
                    Ok(s) => {
                        say(&format!("batch closed: {s:?}"));
                        return ExitCode::SUCCESS;
                    }
                    Err(e) => say(&format!("settlement error {e}")),
                }
            }
            Ok(r) => say(&format!("not yet: {r:?}")),
            Err(e) => say(&format!("sync error {e}")),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    ExitCode::from(4)
}

/// A second process on the same data directory while `work` runs: a read-only view, then an
/// attempt to open the terminal itself. While the owner lives the open must be refused
/// (`in use`); if the owner is already gone the lock is free and this process recovers, as
/// the next start of the app would. Exit 0 either way; 5 if the rule was broken.
async fn intrude(dir: &Path, host: &str) -> ExitCode {
    match FileVault::open(dir.join("vault.key")) {
        Ok(vault) => {
            let view = Terminal::open_read_only(dir, config(host), Arc::new(vault), Arc::new(SystemClock::default()));
            match view {
                Ok(v) => {
                    let rows = v.recent_txns(5).map(|r| r.len());
                    let refused = matches!(v.sync().await, Err(pos_core::Error::ReadOnly { .. }));
                    say(&format!("view rows {rows:?} sync refused {refused}"));
                    if !refused {
                        return ExitCode::from(5);
                    }
                }
                Err(e) => say(&format!("view error {e}")),
            }
        }
        Err(e) => say(&format!("no vault yet: {e}")),
    }
    match open(dir, host) {
        Ok((t, _reader)) => {
            say("owner gone: recovering");
            match t.recover().await {
                Ok(r) => say(&format!("recovered {} reversals, {} uploads", r.reversals_acknowledged, r.accepted)),
                Err(e) => say(&format!("recover failed: {e}")),
            }
        }
        Err(e) if e.contains("in use by process") => say("refused: in use"),
        Err(e) => {
            say(&format!("open failed otherwise: {e}"));
            return ExitCode::from(5);
        }
    }
    ExitCode::SUCCESS
}

async fn day_end(dir: &Path, host: &str, sales: u32) -> ExitCode {
    let (t, reader) = match open_ready(dir, host).await {
        Ok(v) => v,
        Err(code) => return code,
    };
    let fresh = !t.upload_unfinished().unwrap_or(true) && t.unsettled_count().unwrap_or(1) == 0;
    if fresh {
        for i in 0..sales {
            // Mostly swipes (8 to an upload message), every fifth a chip card (one each).
            let _ = reader.present(if i % 5 == 4 { "contactless" } else { "swipe12" });
            let Ok(amount) = Amount::from_minor(100 + u64::from(i), Currency::CNY) else { continue };
            say(&format!("sale {i} {}", outcome(&t.sale(amount).await)));
        }
    }
    match t.settle_with(|p| say(&format!("acked {}/{} resumed {}", p.acked, p.total, p.resumed))).await {
        Ok(o) => {
            say(&format!("closed {} next {} resumed {} uploaded {}", o.batch, o.next_batch, o.resumed, o.uploaded));
            ExitCode::SUCCESS
        }
        Err(e) => {
            say(&format!("not settled: {e}"));
            ExitCode::from(4)
        }
    }
}

/// `fill`: online sales of 1.00 with the debit card and offline sales with the offline card in
/// turn, up to `sales`, stopping at the first error. Prints `ok <online|offline> <stan>` for each
/// payment and `refused <code> | <zh> | <en>` for the error (the full-disk test runs this under
/// a file-size limit). Exit 0 either way; 3 when the terminal cannot start.
async fn fill(dir: &Path, host: &str, sales: u32) -> ExitCode {
    let (t, reader) = match open_ready(dir, host).await {
        Ok(v) => v,
        Err(code) => return code,
    };
    for i in 0..sales {
        let Ok(amount) = Amount::from_minor(100, Currency::CNY) else { return ExitCode::from(2) };
        let (kind, card, preference) = if i % 2 == 0 {
            ("online", "debit", OfflinePreference::RequireOnline)
        } else {
            ("offline", "offline", OfflinePreference::ForceOffline)
        };
        let _ = reader.present(card);
        match t.sale_with(amount, preference).await {
            Ok(o) if o.approved => say(&format!("ok {kind} {}", o.stan.value())),
            Ok(o) => say(&format!("declined {kind} {}", o.response_code)),
            Err(e) => {
                use pos_core::Bilingual;
                say(&format!("refused {:?} | {} | {}", e.code(), e.zh(), e.en()));
                return ExitCode::SUCCESS;
            }
        }
    }
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
        return ExitCode::from(3);
    };
    match args.get(1..).unwrap_or_default() {
        [mode, dir, host, seed, ops] if mode == "work" => {
            let (Ok(seed), Ok(ops)) = (seed.parse(), ops.parse()) else { return ExitCode::from(2) };
            rt.block_on(work(&PathBuf::from(dir), host, seed, ops))
        }
        [mode, dir, host] if mode == "settle" => rt.block_on(settle(&PathBuf::from(dir), host, false)),
        [mode, dir, host, close] if mode == "settle" && close == "close" => {
            rt.block_on(settle(&PathBuf::from(dir), host, true))
        }
        [mode, dir, host] if mode == "intrude" => rt.block_on(intrude(&PathBuf::from(dir), host)),
        [mode, dir, host, sales] if mode == "fill" => {
            let Ok(sales) = sales.parse() else { return ExitCode::from(2) };
            rt.block_on(fill(&PathBuf::from(dir), host, sales))
        }
        [mode, dir, host, sales] if mode == "day-end" => {
            let Ok(sales) = sales.parse() else { return ExitCode::from(2) };
            rt.block_on(day_end(&PathBuf::from(dir), host, sales))
        }
        _ => {
            eprintln!("usage: crash_child work <dir> <host:port> <seed> <ops> | settle <dir> <host:port>");
            ExitCode::from(2)
        }
    }
}
