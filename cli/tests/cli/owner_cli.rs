//! One owner per data directory, with two real `pos` processes: a sale waiting on a slow
//! host, and other commands started on the same `--data-dir` meanwhile. Before the lock,
//! the second process took the running sale for an interrupted one and armed its reversal,
//! and the next `pos sync` reversed an approved sale.

use std::process::Stdio;
use std::time::Duration;

use crate::common::{json, start_admin_sim, temp_dir, AdminSim};

fn start_sim() -> AdminSim {
    start_admin_sim(&crate::common::sim_tls_dir(), &[])
}

fn run(sim: &AdminSim, dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    sim.run(dir, args)
}

fn debit_balance(sim: &AdminSim) -> i64 {
    sim.balance("debit")
}

#[test]
fn a_second_process_neither_arms_a_reversal_nor_transacts_while_a_sale_runs() {
    let sim = start_sim();
    let dir = temp_dir("owner");
    assert!(run(&sim, &dir, &["sign-in"]).status.success());
    let before = debit_balance(&sim);
    // The next financial answer comes after 3 s: the sale is in flight meanwhile.
    sim.admin(
        serde_json::json!({"cmd": "fault", "tid": "10000001", "mode": "delay", "ms": 3000, "count": 1, "on": "financial"}),
    );
    let mut sale = sim
        .pos(&dir)
        .args(["--json", "sale", "4.00", "--card", "debit"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("sale starts");
    std::thread::sleep(Duration::from_millis(700));

    // A read-only view works beside the running sale, and sees it as still pending.
    let history = run(&sim, &dir, &["--json", "history"]);
    assert!(history.status.success(), "history: {}", String::from_utf8_lossy(&history.stderr));
    let queue = run(&sim, &dir, &["--json", "queue"]);
    assert!(queue.status.success(), "queue: {}", String::from_utf8_lossy(&queue.stderr));
    let q = json(&queue);
    assert_eq!(q["reversals_due"].as_array().map(Vec::len), Some(0), "a view armed nothing: {q}");

    // A second transacting command is refused, naming the owner; nothing is sent.
    let owner = sale.id();
    for args in [&["--json", "sale", "1.00", "--card", "credit"][..], &["--json", "sync"], &["--json", "sign-in"]] {
        let second = run(&sim, &dir, args);
        assert_eq!(second.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&second.stdout));
        let e = json(&second);
        let (zh, en) = (e["message_zh"].as_str().unwrap_or(""), e["message_en"].as_str().unwrap_or(""));
        assert!(en.contains(&format!("in use by process {owner}")), "{args:?}: {en}");
        assert!(zh.contains(&format!("正由进程 {owner} 使用")), "{args:?}: {zh}");
    }

    // The sale finishes approved, bounded by the delay plus a margin.
    let finished = pos_testkit::wait_until(Duration::from_secs(30), Duration::from_millis(20), || {
        !matches!(sale.try_wait(), Ok(None))
    });
    assert!(finished, "the sale did not finish");
    let status = sale.wait().unwrap();
    let mut out = String::new();
    std::io::Read::read_to_string(&mut sale.stdout.take().unwrap(), &mut out).unwrap();
    assert!(status.success(), "sale: {out}");
    let outcome: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(outcome["approved"], true);

    // The next sync reverses nothing: the customer was charged exactly once.
    let sync = run(&sim, &dir, &["--json", "sync"]);
    assert!(sync.status.success(), "sync: {}", String::from_utf8_lossy(&sync.stdout));
    assert_eq!(debit_balance(&sim), before - 400, "the approved sale stands at the acquirer");
    let q = json(&run(&sim, &dir, &["--json", "queue", "--all"]));
    assert_eq!(q["reversals_due"].as_array().map(Vec::len), Some(0), "{q}");
}

#[test]
fn read_only_commands_refuse_a_missing_data_directory_and_create_nothing() {
    let sim = start_sim();
    let dir = temp_dir("owner-missing");
    for args in [&["--json", "history"][..], &["--json", "queue"], &["--json", "report", "--day", "2026-12-04"]] {
        let out = run(&sim, &dir, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let e = json(&out);
        assert!(e["message_en"].as_str().unwrap_or("").contains("no terminal in"), "{args:?}: {e}");
        assert!(!dir.exists(), "{args:?} created {}", dir.display());
    }
}

#[cfg(unix)]
#[test]
fn the_data_directory_and_its_files_are_the_owner_s_alone() {
    use std::os::unix::fs::PermissionsExt;
    let sim = start_sim();
    let dir = temp_dir("owner-perms");
    assert!(run(&sim, &dir, &["sign-in"]).status.success());
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700, "data directory");
    for name in ["pos.db", "pos.db-wal", "pos.db-shm", "terminal.lock"] {
        let p = dir.join(name);
        if p.exists() {
            assert_eq!(mode(&p), 0o600, "{name}");
        }
    }
}

/// The day-end guard and sign-in's duty: `pos sign-off` with an unsettled batch and a stored
/// offline payment is refused; `pos sign-in` refuses to replace the keys while the payment
/// cannot be uploaded, and uploads it first once it can. The host collects it (before: the
/// upload came after new keys and was declined with 30, the merchant carrying 7.00).
#[test]
fn sign_off_and_sign_in_never_strand_a_stored_payment() {
    let sim = start_sim();
    let dir = temp_dir("owner-dayend");
    assert!(run(&sim, &dir, &["sign-in"]).status.success());
    assert!(run(&sim, &dir, &["offline", "on"]).status.success());
    let stored = run(&sim, &dir, &["--json", "sale", "7.00", "--card", "offline"]);
    let o = json(&stored);
    assert_eq!(o["approved"], true, "stored offline: {o}");

    let off = run(&sim, &dir, &["--json", "sign-off"]);
    assert_eq!(off.status.code(), Some(2), "sign-off must be refused: {}", String::from_utf8_lossy(&off.stdout));
    let e = json(&off);
    let en = e["message_en"].as_str().unwrap_or("");
    assert!(en.contains("sign-off") && en.contains("offline payment"), "{en}");
    assert!(e["message_zh"].as_str().unwrap_or("").contains("暂不能签退"), "{e}");

    // Still offline: the payment cannot go, so new keys would strand it.
    let sign_in = run(&sim, &dir, &["--json", "sign-in"]);
    assert_eq!(sign_in.status.code(), Some(2), "{}", String::from_utf8_lossy(&sign_in.stdout));
    let e = json(&sign_in);
    assert!(e["message_en"].as_str().unwrap_or("").contains("1 stored payment(s)"), "{e}");
    assert!(e["message_zh"].as_str().unwrap_or("").contains("签到未进行"), "{e}");

    // Back online: sign-in uploads it under the keys in force, then signs in.
    assert!(run(&sim, &dir, &["offline", "off"]).status.success());
    let before = sim.balance("offline");
    let sign_in = run(&sim, &dir, &["--json", "sign-in"]);
    assert!(sign_in.status.success(), "{}", String::from_utf8_lossy(&sign_in.stdout));
    let q = json(&run(&sim, &dir, &["--json", "queue", "--all"]));
    let states: Vec<&str> =
        q["payments"].as_array().into_iter().flatten().filter_map(|p| p["state"].as_str()).collect();
    assert_eq!(states, ["accepted"], "{q}");
    assert_eq!(sim.balance("offline"), before - 700, "the acquirer collected it");
}
