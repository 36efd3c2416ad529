//! `pos sim` keeps its books: a restart on the same ledger continues batches, RRNs and auth
//! codes; a second simulator on a ledger in use is refused; simulators on free ports run side by
//! side; the terminal refuses a host whose batch went backwards.

use crate::common::{json, pos, pos_ends, start_sim, start_sim_json, start_sim_with, temp_dir};

fn ok(out: &std::process::Output) -> serde_json::Value {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    json(out)
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A sale's (batch, RRN, auth code, voucher).
fn sale(sim: &crate::common::Sim, term: &std::path::Path, amount: &str) -> (String, String, String, String) {
    let v = ok(&pos(sim, term, &["sale", amount, "--card", "debit", "--confirm-risk", "--json"]));
    assert_eq!(v["approved"], true, "{v}");
    let s = |k: &str| v[k].as_str().unwrap_or_else(|| panic!("{k} in {v}")).to_string();
    (s("batch"), s("rrn"), s("auth_code"), s("voucher").trim_start_matches('0').to_string())
}

#[test]
fn a_restarted_sim_continues_batches_rrns_and_auth_codes() {
    let dir = temp_dir("sim-restart");
    let term = dir.join("terminal");
    let ledger = dir.join("acquirer").join("ledger.db");
    let args = ["--ledger", ledger.to_str().unwrap(), "--admin", "off"];

    let sim = start_sim_with(&args);
    assert_eq!(ok(&pos(&sim, &term, &["sign-in", "--json"]))["batch"], "000001");
    let first = [sale(&sim, &term, "12.34"), sale(&sim, &term, "5.00")];
    assert!(first.iter().all(|s| s.0 == "000001"));
    ok(&pos(&sim, &term, &["settle", "--json"]));
    drop(sim); // killed, as a crash or a closed terminal window would

    let sim = start_sim_with(&args);
    assert_eq!(ok(&pos(&sim, &term, &["sign-in", "--json"]))["batch"], "000002", "the settled batch stays closed");
    let second = [sale(&sim, &term, "12.34"), sale(&sim, &term, "5.00")];
    for (batch, rrn, code, _) in &second {
        assert_eq!(batch, "000002");
        assert!(first.iter().all(|f| &f.1 != rrn), "RRN {rrn} repeated: {first:?} {second:?}");
        assert!(first.iter().all(|f| &f.2 != code), "auth code {code} repeated: {first:?} {second:?}");
    }
    let rrns: Vec<u64> = first.iter().chain(&second).map(|s| s.1.parse().unwrap()).collect();
    assert!(rrns.windows(2).all(|w| w[0] < w[1]), "RRNs go on rising: {rrns:?}");
    // The settled sale cannot be voided any more: it is not in the host's open batch.
    let void = pos(&sim, &term, &["void", "--voucher", &first[0].3, "--json"]);
    assert_eq!(void.status.code(), Some(2), "{}", String::from_utf8_lossy(&void.stdout));
    drop(sim);
}

#[test]
fn a_sim_started_on_fresh_books_is_refused_at_sign_in() {
    let dir = temp_dir("sim-behind");
    let sim = start_sim();
    ok(&pos(&sim, &dir, &["sign-in", "--json"]));
    sale(&sim, &dir, "3.00");
    ok(&pos(&sim, &dir, &["settle", "--json"]));
    drop(sim);

    // In memory: the new simulator starts again at batch 000001, below the terminal's 000002.
    let sim = start_sim();
    for _ in 0..2 {
        // Twice: the first refusal changed nothing, so the second sees the same batches.
        let out = pos(&sim, &dir, &["sign-in"]);
        assert_eq!(out.status.code(), Some(2));
        let err = stderr(&out);
        assert!(err.contains("000001") && err.contains("000002"), "{err}");
        assert!(err.contains("批次号倒退") && err.contains("went backwards"), "{err}");
        assert!(err.contains("联系收单机构") && err.contains("help desk") && err.contains("--ledger"), "{err}");
    }
}

#[test]
fn a_second_sim_on_the_same_ledger_is_refused() {
    let dir = temp_dir("sim-twice");
    let ledger = dir.join("ledger.db");
    let ledger = ledger.to_str().unwrap();
    let term = dir.join("terminal");
    let sim = start_sim_with(&["--ledger", ledger, "--admin", "off"]);
    ok(&pos(&sim, &term, &["sign-in", "--json"]));

    let out = pos_ends(&["sim", "--ledger", ledger, "--listen", "127.0.0.1:0", "--admin", "off", "--lang", "en"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains(&format!("in use by process {}", sim.pid())) && err.contains("--memory"), "{err}");
    let out = pos_ends(&["sim", "--ledger", ledger, "--listen", "127.0.0.1:0", "--admin", "off"]);
    let err = stderr(&out);
    assert!(err.contains(&format!("正被进程 {} 使用", sim.pid())) && err.contains("one `pos sim` per ledger"), "{err}");

    // The first one goes on unharmed.
    sale(&sim, &term, "1.00");
    drop(sim);
}

#[test]
fn sims_on_free_ports_run_side_by_side() {
    let dir = temp_dir("sim-side");
    std::fs::create_dir_all(&dir).unwrap();
    // The default ledger, relative to the working directory; the admin port picked free.
    let (mut a, banner_a) = start_sim_json(&["--listen", "127.0.0.1:0"], &dir);
    assert_eq!(banner_a["ledger"], "pos-sim-data/ledger.db", "{banner_a}");
    assert!(dir.join("pos-sim-data/ledger.db").exists());
    let (mut b, banner_b) = start_sim_json(&["--listen", "127.0.0.1:0", "--memory"], &dir);
    assert_eq!(banner_b["ledger"], serde_json::Value::Null, "{banner_b}");
    let admins: Vec<&str> = [&banner_a, &banner_b].iter().map(|b| b["admin"].as_str().unwrap()).collect();
    assert!(admins.iter().all(|a| a.starts_with("127.0.0.1:") && !a.ends_with(":8584")), "{admins:?}");
    assert_ne!(admins[0], admins[1]);
    assert_ne!(a.addr, b.addr);
    // Both keep serving: each answers a terminal after the other started (an exchange that
    // fails if either has gone), and both are still running afterwards.
    for sim in [&a, &b] {
        let term = dir.join(format!("terminal-{}", sim.addr.replace(':', "-")));
        assert_eq!(ok(&pos(sim, &term, &["echo", "--json"]))["approved"], true);
    }
    assert!(a.running() && b.running(), "both keep serving");
    drop((a, b));
}

#[test]
fn a_bad_listen_address_is_not_blamed_on_the_port() {
    let out = pos_ends(&["sim", "--memory", "--listen", "localhost-8583", "--lang", "en"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("--listen \"localhost-8583\" is not an address") && !err.contains("in use"), "{err}");

    let sim = start_sim();
    let out = pos_ends(&["sim", "--memory", "--listen", &sim.addr, "--admin", "off", "--lang", "en"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains(&format!("{} is already in use", sim.addr)) && err.contains("127.0.0.1:0"), "{err}");
}
