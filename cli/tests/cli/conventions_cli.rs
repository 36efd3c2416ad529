//! The conventions every `pos` command keeps: `--help` with examples, `--json` as exactly one
//! JSON document on stdout, and errors (exit 2) that say what happened and what to do in the
//! operator's language, on stderr and as the `--json` error object.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::common::{pos, start_sim, temp_dir, Sim};
use serde_json::Value;

/// The whole stdout as exactly one JSON document (anything else on stdout fails).
fn one_json(args: &[&str], out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "pos {}: stdout is not one JSON document ({e}):\n{}\nstderr: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Runs `pos ... --json` against `sim`, checks the exit status, one JSON document and its keys.
fn json_ok(sim: &Sim, dir: &Path, args: &[&str], code: i32, keys: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = pos(sim, dir, &all);
    assert_eq!(out.status.code(), Some(code), "pos {}: {}", all.join(" "), String::from_utf8_lossy(&out.stderr));
    let v = one_json(&all, &out);
    for k in keys {
        assert!(v.get(k).is_some(), "pos {}: no {k:?} in {v}", all.join(" "));
    }
    v
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3000}'..='\u{303F}').contains(&c))
}

/// Three or more English words in a row, outside `commands in backticks` (flags, names and
/// values such as --host, POS_HOST or 127.0.0.1:1 are not sentences).
fn has_english_sentence(s: &str) -> bool {
    let outside: String = s.split('`').step_by(2).collect::<Vec<_>>().join(" ");
    let mut run = 0;
    let mut word = String::new();
    for c in outside.chars().chain([' ']) {
        if c.is_ascii_alphabetic() || c == '\'' {
            word.push(c);
            continue;
        }
        if word.len() >= 2 {
            run += 1;
            if run >= 3 {
                return true;
            }
        } else if !word.is_empty() {
            run = 0;
        }
        word.clear();
        // A list of values ("approved, voided, reversed") is not a sentence.
        if c != ' ' {
            run = 0;
        }
    }
    false
}

#[test]
fn the_sentence_check_itself() {
    assert!(has_english_sentence("错误：Cannot connect to the acquirer"));
    assert!(!has_english_sentence(
        "错误：无法连接收单主机。请启动 `pos sim on the host`，或用 --host 主机:端口（POS_HOST）"
    ));
    assert!(has_cjk("错误") && !has_cjk("error: --host"));
}

/// The subcommands a help text lists under "Commands:" (without clap's `help`).
fn listed_commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(String::from)
        .collect()
}

#[test]
fn every_command_has_help_with_examples() {
    let root = Command::new(env!("CARGO_BIN_EXE_pos")).arg("--help").output().unwrap();
    let root = String::from_utf8_lossy(&root.stdout).to_string();
    assert!(root.contains("Example") && root.contains("Exit status"), "{root}");
    let mut todo: Vec<Vec<String>> = listed_commands(&root).into_iter().map(|c| vec![c]).collect();
    assert!(todo.len() >= 20, "top-level commands: {todo:?}");
    let mut seen = 0;
    while let Some(path) = todo.pop() {
        let out = Command::new(env!("CARGO_BIN_EXE_pos")).args(&path).arg("--help").output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert_eq!(
            out.status.code(),
            Some(0),
            "pos {} --help: {}",
            path.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("Example"), "pos {} --help has no example:\n{text}", path.join(" "));
        assert!(text.contains("\n  pos "), "pos {} --help shows no command line:\n{text}", path.join(" "));
        for sub in listed_commands(&text) {
            todo.push(path.iter().cloned().chain([sub]).collect());
        }
        seen += 1;
    }
    assert!(seen >= 30, "only {seen} commands checked");
}

#[test]
fn every_command_prints_one_json_document() {
    let sim = start_sim();
    let dir = temp_dir("json-all");
    let voucher = |v: &Value| v["voucher"].as_str().expect("voucher").trim_start_matches('0').to_string();

    json_ok(&sim, &dir, &["sign-in"], 0, &["approved", "response_code", "batch"]);
    json_ok(&sim, &dir, &["echo"], 0, &["approved", "operation"]);
    json_ok(&sim, &dir, &["cards"], 0, &[]);
    let sale =
        json_ok(&sim, &dir, &["sale", "12.34", "--card", "debit", "--confirm-risk"], 0, &["approved", "voucher"]);
    json_ok(&sim, &dir, &["void", "--voucher", &voucher(&sale)], 0, &["approved", "transaction"]);
    let sale = json_ok(&sim, &dir, &["sale", "20.00", "--card", "credit", "--confirm-risk"], 0, &["voucher"]);
    json_ok(&sim, &dir, &["refund", "5.00", "--voucher", &voucher(&sale), "--card", "credit"], 0, &["approved"]);
    json_ok(&sim, &dir, &["balance", "--card", "lowbal"], 0, &["balance_minor"]);
    // A decline is still one JSON document, with exit status 1.
    let declined = json_ok(&sim, &dir, &["sale", "50.00", "--card", "lowbal", "--confirm-risk"], 1, &["approved"]);
    assert_eq!(declined["approved"], false);

    let pre = json_ok(&sim, &dir, &["preauth", "open", "300.00", "--card", "visa", "--confirm-risk"], 0, &["voucher"]);
    let done = json_ok(
        &sim,
        &dir,
        &["preauth", "complete", "280.00", "--voucher", &voucher(&pre), "--card", "visa"],
        0,
        &["approved"],
    );
    json_ok(
        &sim,
        &dir,
        &["preauth", "complete-cancel", "--voucher", &voucher(&done), "--card", "visa"],
        0,
        &["approved"],
    );
    let pre =
        json_ok(&sim, &dir, &["preauth", "open", "100.00", "--card", "swipe12", "--confirm-risk"], 0, &["voucher"]);
    json_ok(
        &sim,
        &dir,
        &["preauth", "cancel", "100.00", "--voucher", &voucher(&pre), "--card", "swipe12"],
        0,
        &["approved"],
    );

    // The offline switch, the queue and the sync.
    assert_eq!(json_ok(&sim, &dir, &["offline", "on"], 0, &["offline"])["offline"], true);
    assert_eq!(json_ok(&sim, &dir, &["offline", "status"], 0, &["offline"])["offline"], true);
    json_ok(&sim, &dir, &["sale", "8.00", "--card", "contactless", "--confirm-risk"], 0, &["transaction"]);
    let waiting = json_ok(&sim, &dir, &["sync"], 1, &["clean", "stopped", "next_step_en", "next_step_zh"]);
    assert!(waiting["next_step_en"].as_str().unwrap().contains("pos offline off"), "{waiting}");
    assert_eq!(json_ok(&sim, &dir, &["offline", "off"], 0, &["offline"])["offline"], false);
    json_ok(&sim, &dir, &["queue", "--all"], 0, &["waiting", "payments"]);
    assert_eq!(json_ok(&sim, &dir, &["sync"], 0, &["clean"])["clean"], true);

    // Records: history, the day report, reprints.
    let history = json_ok(&sim, &dir, &["history", "--type", "sale,refund"], 0, &["items", "total"]);
    let day = history["items"][0]["created_at"].as_str().and_then(|t| t.get(..10)).expect("a day").to_string();
    json_ok(&sim, &dir, &["report", "--day", &day], 0, &[]);
    json_ok(&sim, &dir, &["reprint", "--last"], 0, &["copies", "reprint"]);
    json_ok(&sim, &dir, &["reprint", "--voucher", &voucher(&sale)], 0, &["copies"]);

    // The risk engine: check, report, policy show and install, and a confirmation.
    json_ok(&sim, &dir, &["risk", "check", "10000.00", "--card", "debit"], 0, &["verdict", "fired"]);
    json_ok(&sim, &dir, &["risk", "report"], 0, &[]);
    let shown = json_ok(&sim, &dir, &["risk", "policy"], 0, &["installed", "policy"]);
    let mut policy = shown["policy"].clone();
    policy["version"] = (policy["version"].as_u64().unwrap() + 1).into();
    let file = dir.join("policy.json");
    std::fs::write(&file, policy.to_string()).unwrap();
    let set = json_ok(&sim, &dir, &["risk", "policy", "--set", file.to_str().unwrap()], 0, &["installed", "version"]);
    assert_eq!(set["version"], policy["version"]);
    // The same card twice within minutes: a warning, as a JSON error with the token.
    json_ok(&sim, &dir, &["sale", "9.00", "--card", "contactless", "--confirm-risk"], 0, &["approved"]);
    let warned = pos(&sim, &dir, &["sale", "9.50", "--card", "contactless", "--json"]);
    assert_eq!(warned.status.code(), Some(2));
    let msg = one_json(&["sale"], &warned)["message_en"].as_str().unwrap().to_string();
    let token = msg.split("pos risk confirm ").nth(1).and_then(|s| s.split('`').next()).expect("token").to_string();
    let confirmed = json_ok(&sim, &dir, &["risk", "confirm", &token], 0, &["confirmed", "operator"]);
    assert_eq!(confirmed["confirmed"], token.as_str());

    // Day end.
    json_ok(&sim, &dir, &["settle"], 0, &["batch", "balanced"]);
    json_ok(&sim, &dir, &["sign-off"], 0, &["approved"]);

    // `--json` is global: before the subcommand too.
    let frame = "02003020000000C0800100000000000000123400012331303030303030313839383331303034383939303030313135363235314635463733";
    let out = pos(&sim, &dir, &["--json", "frame", "decode", "--body", frame]);
    assert_eq!(one_json(&["frame", "decode"], &out)["mti"], "0200");
    let key_file = dir.join("mak.hex");
    std::fs::write(&key_file, "C24A8FB57AA20123\n").unwrap();
    let key_file = key_file.to_str().unwrap();
    let out = pos(&sim, &dir, &["--json", "frame", "mac", "--key-file", key_file, "--body", frame]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(one_json(&["frame", "mac"], &out)["matches"], true);
}

/// The first line `pos sim <args>` prints (its banner); the simulator is stopped after it.
fn sim_banner(args: &[&str]) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pos"))
        .args(["sim", "--memory"])
        .args(args)
        .arg("--tls-dir")
        .arg(crate::common::sim_tls_dir())
        .stdout(Stdio::piped())
        .spawn()
        .expect("pos sim starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("banner");
    let _ = child.kill();
    let _ = child.wait();
    line
}

#[test]
fn the_simulator_banner_as_json() {
    let line = sim_banner(&["--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--json"]);
    let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert!(v["listening"].as_str().is_some_and(|a| a.starts_with("127.0.0.1:")), "{v}");
    assert!(v["admin"].as_str().is_some_and(|a| a.starts_with("127.0.0.1:")), "{v}");
    let ca = v["ca"].as_str().unwrap_or_else(|| panic!("TLS by default, CA named: {v}"));
    assert!(ca.ends_with("ca.pem") && std::fs::read_to_string(ca).unwrap().contains("BEGIN CERTIFICATE"), "{v}");
    let line = sim_banner(&["--listen", "127.0.0.1:0", "--admin", "off", "--json", "--plain"]);
    let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert!(v["ca"].is_null(), "plain: no CA: {v}");

    // The text banner in one language keeps the address as the last word.
    let line = sim_banner(&["--listen", "127.0.0.1:0", "--admin", "off", "--lang", "en"]);
    assert!(line.starts_with("acquirer simulator listening on 127.0.0.1:") && !has_cjk(&line), "{line}");
}

/// Errors that need no simulator: (arguments, what the English text must mention).
const ERRORS: &[(&[&str], &str)] = &[
    (&["sign-in"], "pos sim"),
    (&["sale", "1.234"], "12.34"),
    (&["sale", "1.00", "--card", "nosuch"], "pos cards"),
    (&["void", "--voucher", "0"], "pos history"),
    (&["void"], "--voucher"),
    (&["report", "--day", "2025-13-01"], "2025-03-03"),
    (&["history", "--status", "lost"], "approved"),
    (&["reprint", "--last"], "pos history"),
    (&["risk", "confirm", "XX"], "R12"),
    (&["risk", "confirm", "R99"], "--confirm-risk"),
    (&["risk", "policy", "--set", "/nonexistent/policy.json"], "pos risk policy"),
    (&["risk", "check", "5.00", "--card", "nosuch"], "pos cards"),
    (&["frame", "decode", "00 2G"], "hex digits"),
    (&["frame", "mac", "--key", "0123", "00"], "--key-file"),
    (&["frame", "mac", "00"], "--key-file"),
];

/// The stable code `--json` gives for some of [`ERRORS`]: the core's (`ErrorCode`), or `cli`.
const CODES: &[(&[&str], &str)] = &[
    (&["sign-in"], "connect_refused"),
    (&["sale", "1.234"], "amount_decimals"),
    (&["sale", "1.00", "--card", "nosuch"], "unknown_card"),
    (&["report", "--day", "2025-13-01"], "bad_day"),
    (&["history", "--status", "lost"], "bad_filter"),
    (&["reprint", "--last"], "nothing_to_reprint"),
    (&["risk", "confirm", "R99"], "risk_unknown_confirmation"),
    (&["void", "--voucher", "0"], "cli"),
];

#[test]
fn json_errors_carry_the_stable_code() {
    let dir = temp_dir("errors-code");
    for (args, code) in CODES {
        let v = one_json(args, &crate::common::pos_no_host(&dir, &[args, &["--json"][..]].concat()));
        assert_eq!(v["code"].as_str(), Some(*code), "pos {}: {v}", args.join(" "));
    }
}

#[test]
fn errors_say_what_to_do_in_the_operators_language() {
    let dir = temp_dir("errors-lang");
    for (args, next) in ERRORS {
        let run = |extra: &[&str]| crate::common::pos_no_host(&dir, &[args, extra].concat());
        let what = args.join(" ");

        let en = run(&["--lang", "en"]);
        assert_eq!(en.status.code(), Some(2), "pos {what}: {}", String::from_utf8_lossy(&en.stdout));
        let err = String::from_utf8_lossy(&en.stderr);
        assert!(err.starts_with("error: ") || err.contains("\nerror: "), "pos {what}: {err}");
        assert!(!has_cjk(&err), "pos {what} --lang en: Chinese in {err}");
        assert!(err.contains(next), "pos {what} --lang en: no next step {next:?} in {err}");

        let zh = run(&["--lang", "zh"]);
        assert_eq!(zh.status.code(), Some(2));
        let err = String::from_utf8_lossy(&zh.stderr);
        assert!(err.contains("错误："), "pos {what}: {err}");
        assert!(has_cjk(&err), "pos {what} --lang zh: {err}");
        assert!(!has_english_sentence(&err), "pos {what} --lang zh: English in {err}");

        // --json: the error object on stdout, nothing else there, exit 2.
        let json = run(&["--json"]);
        assert_eq!(json.status.code(), Some(2));
        let v = one_json(args, &json);
        assert_eq!(v["error"], true);
        let code = v["code"].as_str().unwrap_or_default();
        assert!(
            !code.is_empty() && code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "pos {what}: a stable code in {v}"
        );
        assert!(v["message_zh"].as_str().is_some_and(has_cjk), "pos {what}: {v}");
        assert!(v["message_en"].as_str().is_some_and(|m| !has_cjk(m) && m.contains(next)), "pos {what}: {v}");

        // --json with --lang: only that language.
        let v = one_json(args, &run(&["--json", "--lang", "en"]));
        assert!(v.get("message_zh").is_none() && v["message_en"].is_string(), "pos {what}: {v}");
        let v = one_json(args, &run(&["--json", "--lang", "zh"]));
        assert!(v.get("message_en").is_none(), "pos {what}: {v}");
        assert!(!has_english_sentence(v["message_zh"].as_str().unwrap()), "pos {what}: {v}");
    }
}

#[test]
fn a_refused_connection_names_the_host_and_the_way_out() {
    let dir = temp_dir("errors-host");
    let out = crate::common::pos_no_host(&dir, &["echo", "--lang", "en"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("Cannot connect") && err.contains("127.0.0.1:1"), "{err}");
    assert!(err.contains("start `pos sim`") && err.contains("--host"), "{err}");
    let out = crate::common::pos_no_host(&dir, &["echo", "--lang", "zh"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("无法连接收单主机") && err.contains("启动 `pos sim`") && err.contains("--host"), "{err}");
    // Without --lang both languages, as before.
    let out = crate::common::pos_no_host(&dir, &["echo"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("错误 / error: ") && err.contains("无法连接收单主机") && err.contains("Cannot connect"),
        "{err}"
    );
}

#[cfg(feature = "ble")]
#[test]
fn a_test_print_without_a_paired_printer_says_how_to_pair_one() {
    let dir = temp_dir("errors-ble");
    let out = crate::common::pos_no_host(&dir, &["devices", "test-print", "--lang", "en", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let v = one_json(&["devices", "test-print"], &out);
    assert!(v["message_en"].as_str().is_some_and(|m| m.contains("pos devices pair")), "{v}");
    let out = crate::common::pos_no_host(&dir, &["devices", "test-print", "--lang", "zh"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(has_cjk(&err) && !has_english_sentence(&err) && err.contains("pos devices pair"), "{err}");
}
