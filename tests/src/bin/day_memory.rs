//! Resident memory of one process that runs the core through a long day: the terminal with
//! its file journal, over TLS on loopback to the acquirer simulator (its ledger a file) in the
//! same process, as `pos demo` runs them. Online sales (95 %) and offline payments (5 %, as
//! in dead spots), a sync every 1,000 payments, then the day end (sync, settlement).
//!
//! `day_memory <data dir> [payments]` (default 100,000). The terminal's data directory is left
//! in `<data dir>/terminal` (a demo-configured terminal the `pos` CLI's read-only commands can
//! open: `pos --data-dir <data dir>/terminal history`). Prints one `day:` line per tenth of the
//! day and a last `day: done` line with the peak (VmHWM) and current (VmRSS) resident memory in
//! MiB, read from /proc/self/status. scripts/bench.sh runs it (release build).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use pos_acquirer_sim::{SimConfig, Simulator};
use pos_core::crypto::FileVault;
use pos_core::terminal::{SystemClock, Terminal};
use pos_core::{Amount, Currency, OfflinePreference, MAX_MINOR};

/// The cards the day pays with: no PIN (contactless) and the offline-capable one, both
/// funded without limit.
const CARDS: [&str; 2] = ["contactless", "offline"];

/// `VmHWM` and `VmRSS` of this process in MiB (0 where /proc is missing).
fn memory_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(root) = args.first().map(PathBuf::from) else {
        eprintln!("usage: day_memory <data dir> [payments]");
        return ExitCode::from(2);
    };
    let payments: u32 = match args.get(1).map(|n| n.parse()) {
        None => 100_000,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("payments: a positive number");
            return ExitCode::from(2);
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(day(root, payments))
}

async fn day(root: PathBuf, payments: u32) -> ExitCode {
    std::fs::create_dir_all(root.join("sim")).expect("simulator directory");
    let mut sim_config = SimConfig::demo().listening_on("127.0.0.1:0");
    sim_config.database = Some(root.join("sim").join("ledger.db").display().to_string());
    sim_config.limits.daily_count_per_card = u32::MAX;
    sim_config.monitoring.round_amounts.enabled = false;
    sim_config.monitoring.volume_spike.enabled = false;
    pos_e2e::fund_without_limit(&mut sim_config, &CARDS);
    let sim = Simulator::start(sim_config).await.expect("simulator");

    let mut config = pos_e2e::terminal_config(&sim);
    // Over TCP and TLS on loopback, as a phone's link would be (not the in-memory link).
    config.dialer = pos_core::Dialer::tcp();
    config.risk_policy = None;
    config.offline.per_card_per_day = u32::MAX;
    config.offline.count = u32::MAX;
    config.offline.total = Amount::from_minor(MAX_MINOR, Currency::CNY).expect("offline total");
    let dir = root.join("terminal");
    std::fs::create_dir_all(&dir).expect("terminal directory");
    let reader = pos_e2e::demo_reader();
    let vault = Arc::new(FileVault::open_or_create(dir.join("vault.key")).expect("vault"));
    let terminal =
        Terminal::open(&dir, config, vault, reader.clone(), Arc::new(SystemClock::default())).expect("terminal opens");
    assert!(terminal.sign_in().await.expect("sign-in").approved, "sign-in");

    let started = Instant::now();
    let (mut online, mut offline, mut declined) = (0u32, 0u32, 0u32);
    for i in 0..payments {
        // 1.01 to 99.99: never a round amount.
        let fen = 101 + u64::from(i % 9_899);
        let amount = Amount::from_minor(fen, Currency::CNY).expect("amount");
        let result = if i % 20 != 19 {
            reader.present(CARDS[0]).expect("card");
            online += 1;
            terminal.sale_with(amount, OfflinePreference::RequireOnline).await
        } else {
            reader.present(CARDS[1]).expect("card");
            offline += 1;
            terminal.sale_with(amount, OfflinePreference::ForceOffline).await
        };
        match result {
            Ok(o) if o.approved => {}
            Ok(_) => declined += 1,
            Err(e) => panic!("payment {i}: {e}"),
        }
        if i % 1_000 == 999 {
            let r = terminal.sync().await.expect("sync");
            assert!(r.is_clean(), "sync at payment {i}: {r:?}");
        }
        if (i + 1) % (payments / 10).max(1) == 0 {
            let (peak, now) = memory_mib();
            println!(
                "day: {} payments in {:.0} s: peak {peak:.1} MiB, resident {now:.1} MiB",
                i + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    let r = terminal.sync().await.expect("last sync");
    assert!(r.is_clean(), "last sync: {r:?}");
    let settled = terminal.settle().await.expect("settlement");
    let history = terminal.recent_txns(50).expect("history").len();
    let (peak, now) = memory_mib();
    println!(
        "day: done: {payments} payments ({online} online, {offline} offline, {declined} declined), settled batch {} \
         ({:?}), {history} rows on the last history page, in {:.0} s; peak {peak:.1} MiB, resident {now:.1} MiB",
        settled.batch,
        settled.reconciliation,
        started.elapsed().as_secs_f64()
    );
    drop(terminal);
    sim.shutdown().await;
    ExitCode::SUCCESS
}
