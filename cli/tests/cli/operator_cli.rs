//! Operator experience (issue 20): the rough edges a new user met, each checked the way the
//! user met it, against a real `pos sim` where a host is needed.

use std::process::Command;

use crate::common::{json, pos, start_sim, temp_dir};

/// Item 1: a command line clap refuses is still one JSON document on stdout under `--json`,
/// in the language asked for, with exit status 2; help stays help.
#[test]
fn argument_errors_are_one_json_document_under_json() {
    let dir = temp_dir("op-usage");
    for args in
        [&["--json", "sale"][..], &["--json", "bogus"], &["--json", "sale", "1", "--bogus"], &["preauth", "--json"]]
    {
        let out = crate::common::pos_no_host(&dir, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let v = json(&out);
        assert_eq!((v["error"].as_bool(), v["usage"].as_bool()), (Some(true), Some(true)), "{args:?}: {v}");
        assert!(v["message_en"].as_str().unwrap_or("").contains("--help"), "{args:?}: {v}");
        assert!(v["message_zh"].as_str().unwrap_or("").contains("命令行参数有误"), "{args:?}: {v}");
        assert!(!out.stderr.is_empty(), "clap's text stays on stderr");
    }
    let missing = json(&crate::common::pos_no_host(&dir, &["--json", "sale"]));
    assert!(missing["message_en"].as_str().unwrap().contains("<AMOUNT>"), "{missing}");
    let zh = json(&crate::common::pos_no_host(&dir, &["--json", "--lang", "zh", "sale"]));
    assert!(zh.get("message_en").is_none() && zh["message_zh"].is_string(), "{zh}");
    let help = crate::common::pos_no_host(&dir, &["--json", "sale", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("Usage"));
    assert!(!dir.exists(), "nothing was created");
}

/// Item 11 (last part): a negative amount is refused by the amount rules, not as an unknown flag.
#[test]
fn a_negative_amount_is_named_as_such() {
    let dir = temp_dir("op-negative");
    for args in [&["sale", "-5"][..], &["refund", "-1.00", "--voucher", "1"], &["preauth", "open", "-3"]] {
        let out = crate::common::pos_no_host(&dir, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("cannot be negative") && err.contains("金额不能为负"), "{args:?}: {err}");
    }
    assert!(!dir.exists(), "refused before any terminal was opened");
}

/// Items 3 and 8: `pos risk report` reads (a mistyped data directory is an error, not a new
/// terminal) and refuses a date that does not exist instead of printing an empty day.
#[test]
fn risk_report_refuses_bad_dates_and_missing_terminals() {
    let dir = temp_dir("op-risk-report");
    let out = crate::common::pos_no_host(&dir, &["--json", "risk", "report"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(json(&out)["message_en"].as_str().unwrap().contains("no terminal in"), "{}", json(&out));
    assert!(!dir.exists(), "no terminal was created");
    let sim = start_sim();
    let signed = pos(&sim, &dir, &["sign-in"]);
    assert!(
        signed.status.success(),
        "{} {}",
        String::from_utf8_lossy(&signed.stdout),
        String::from_utf8_lossy(&signed.stderr)
    );
    for bad in ["yesterday", "2026-13-45", "2026-02-30"] {
        let out = pos(&sim, &dir, &["--json", "risk", "report", "--day", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(json(&out)["message_en"].as_str().unwrap().contains("YYYY-MM-DD"), "{bad}: {}", json(&out));
    }
    let ok = pos(&sim, &dir, &["--json", "risk", "report", "--day", "2026-02-28"]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Item 2: a risk warning under `--json` gives the token and the rules as fields, and the
/// token is what `pos risk confirm` takes.
#[test]
fn a_risk_warning_carries_its_token_and_rules_as_fields() {
    let dir = temp_dir("op-risk-fields");
    let sim = start_sim();
    assert!(pos(&sim, &dir, &["sign-in"]).status.success());
    let first = pos(&sim, &dir, &["--json", "sale", "9.00", "--card", "contactless", "--confirm-risk"]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stdout));
    let warned = pos(&sim, &dir, &["--json", "sale", "9.50", "--card", "contactless"]);
    assert_eq!(warned.status.code(), Some(2));
    let v = json(&warned);
    assert_eq!(v["risk_confirmation_required"], true, "{v}");
    let token = v["token"].as_str().expect("token as a field").to_string();
    let rules = v["rules"].as_array().expect("rules as a field");
    assert!(!rules.is_empty() && rules.iter().all(|r| r.is_string()), "{v}");
    assert!(v["warning_en"].is_string() && v["warning_zh"].is_string(), "{v}");
    let confirmed = pos(&sim, &dir, &["--json", "risk", "confirm", &token]);
    assert!(confirmed.status.success(), "{}", String::from_utf8_lossy(&confirmed.stdout));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Item 10: no Rust names or impossible dates in what the operator or a script reads.
#[test]
fn no_rust_internals_in_output() {
    let dir = temp_dir("op-internals");
    let sim = start_sim();
    assert!(pos(&sim, &dir, &["sign-in"]).status.success());
    assert!(pos(&sim, &dir, &["sale", "3.00", "--card", "debit", "--confirm-risk"]).status.success());
    let settled = pos(&sim, &dir, &["--json", "settle"]);
    assert!(settled.status.success(), "{}", String::from_utf8_lossy(&settled.stderr));
    let text = String::from_utf8_lossy(&settled.stdout);
    for rust in ["NotReconciled", "\"Balanced\"", "Unbalanced", "Some("] {
        assert!(!text.contains(rust), "{rust} in {text}");
    }
    let out = pos(&sim, &dir, &["--json", "retention", "--years", "2027"]);
    assert_eq!(out.status.code(), Some(2));
    let v = json(&out);
    assert!(v["message_en"].as_str().unwrap().contains("at most 100"), "{v}");
    assert!(!v.to_string().contains("-001"), "{v}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Item 16: `frame decode --body` reports only what was in the input (no made-up TPDU,
/// header or length).
#[test]
fn a_body_decode_invents_no_envelope() {
    let dir = temp_dir("op-frame");
    let body = "02003020000000C0800100000000000000123400012331303030303030313839383331303034383939303030313135363235314635463733";
    let out = crate::common::pos_no_host(&dir, &["--json", "frame", "decode", "--body", body]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    assert_eq!(v["mti"], "0200");
    for invented in ["tpdu", "header", "length"] {
        assert!(v.get(invented).is_none(), "{invented} in {v}");
    }
    // The whole frame (length, TPDU, header, body) shows its envelope.
    let whole = format!("00436000030000603100000000{body}");
    let full = json(&crate::common::pos_no_host(&dir, &["--json", "frame", "decode", &whole]));
    assert_eq!((full["tpdu"].as_str(), full["length"].as_u64()), (Some("6000030000"), Some(67)), "{full}");
}

/// Item 17: `pos devices` in a build without Bluetooth says how to get it; `--host` without a
/// port is named as such; a page past the end is refused; a one-shot `pos sync` never says
/// the uploads resume by themselves.
#[test]
fn help_and_hints_say_what_is_true() {
    let dir = temp_dir("op-hints");
    if !cfg!(feature = "ble") {
        let out = crate::common::pos_no_host(&dir, &["devices", "scan"]);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--features ble") && err.contains("蓝牙"), "{err}");
    }
    let out = crate::common::pos_no_host(&dir, &["--host", "127.0.0.1", "sign-in"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("host:port"));
    assert!(!dir.exists(), "refused before any terminal was made");

    let sim = start_sim();
    assert!(pos(&sim, &dir, &["sign-in"]).status.success());
    let out = pos(&sim, &dir, &["--json", "history", "--page", "99"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(json(&out)["message_en"].as_str().unwrap().contains("no page 99"), "{}", json(&out));
    assert!(pos(&sim, &dir, &["offline", "on"]).status.success());
    let out = pos(&sim, &dir, &["--json", "sync"]);
    let v = json(&out);
    let text = v.to_string();
    assert!(!text.contains("automatically") && !text.contains("自动"), "{text}");
    assert!(v["next_step_en"].as_str().unwrap_or("").contains("pos offline off"), "{v}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Item 5: on a terminal, the wait for the host shows a waiting line with the time left;
/// scripts see none of it. The terminal is a pseudo-terminal from `script` (util-linux).
#[test]
fn the_wait_for_the_host_is_shown_on_a_terminal() {
    let work = temp_dir("op-waiting");
    std::fs::create_dir_all(&work).unwrap();
    let sim = crate::common::start_admin_sim(&work.join("tls"), &[]);
    let dir = work.join("t");
    assert!(sim.run(&dir, &["sign-in"]).status.success());
    sim.admin(serde_json::json!({"cmd": "fault", "tid": "10000001", "mode": "delay", "ms": 1500, "count": 1, "on": "financial"}));
    let line = format!("{} sale 1.00 --card debit --confirm-risk", env!("CARGO_BIN_EXE_pos"));
    let shown = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env("POS_HOST", &sim.sim.addr)
        .env("POS_ACQUIRER_CA", &sim.sim.ca)
        .env("POS_DATA_DIR", &dir)
        .env("POS_LOG", "off")
        .output()
        .expect("script (util-linux) runs");
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(shown.status.success(), "{text}");
    assert!(
        text.contains("等待主机应答") && text.contains("waiting for the host") && text.contains("s left"),
        "{text}"
    );
    assert!(text.contains("59") || text.contains("60"), "the time left counts down from the 60 s timeout: {text}");
    // Under --json (or without a terminal) nothing of it.
    sim.admin(serde_json::json!({"cmd": "fault", "tid": "10000001", "mode": "delay", "ms": 1500, "count": 1, "on": "financial"}));
    let quiet = sim.run(&dir, &["--json", "sale", "1.00", "--card", "credit", "--confirm-risk"]);
    assert!(!String::from_utf8_lossy(&quiet.stderr).contains("waiting for the host"));
    assert_eq!(json(&quiet)["approved"], true);
    let _ = std::fs::remove_dir_all(&work);
}

/// Item 15: `pos risk check --offline` gives the offline gate's verdict too: a swipe card
/// never pays offline, a chip card allowing offline approval does.
#[test]
fn an_offline_risk_check_shows_the_offline_gate() {
    let dir = temp_dir("op-offline-check");
    let sim = start_sim();
    assert!(pos(&sim, &dir, &["sign-in"]).status.success());
    let swipe = json(&pos(&sim, &dir, &["--json", "risk", "check", "50.00", "--card", "swipe12", "--offline"]));
    assert_eq!(swipe["offline_allowed"], false, "{swipe}");
    assert!(swipe["offline_refusal_en"].as_str().unwrap_or("").to_lowercase().contains("chip"), "{swipe}");
    let chip = json(&pos(&sim, &dir, &["--json", "risk", "check", "50.00", "--card", "offline", "--offline"]));
    assert_eq!(chip["offline_allowed"], true, "{chip}");
    let text = pos(&sim, &dir, &["--lang", "en", "risk", "check", "50.00", "--card", "swipe12", "--offline"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("offline approval: refused"));
    let online = json(&pos(&sim, &dir, &["--json", "risk", "check", "50.00", "--card", "swipe12"]));
    assert!(online.get("offline_allowed").is_none(), "only asked offline: {online}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Item 3, every command: a mistyped `--data-dir` is an error for every command that needs a
/// terminal and does not start one, and creates nothing there.
#[test]
fn no_command_but_the_first_creates_a_terminal() {
    let dir = temp_dir("op-no-terminal");
    for args in [
        &["offline", "status"][..],
        &["offline", "on"],
        &["retention"],
        &["risk", "policy"],
        &["risk", "confirm", "R1"],
        &["risk", "check", "10.00", "--card", "debit"],
        &["history"],
        &["queue"],
        &["report", "--day", "2026-01-01"],
    ] {
        let out = crate::common::pos_no_host(&dir, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("no terminal in"), "{args:?}");
        assert!(!dir.exists(), "{args:?} created {}", dir.display());
    }
    let shown = crate::common::pos_no_host(&dir, &["--json", "provision", "--show"]);
    assert!(shown.status.success());
    assert_eq!(json(&shown)["provisioned"], false);
    assert!(!dir.exists(), "provision --show created {}", dir.display());
}

/// Output into a pipe that closes early ends quietly (the default SIGPIPE), never a panic.
#[test]
fn a_closed_pipe_is_no_panic() {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_pos"))
        .args(["cards"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("pos runs");
    drop(child.stdout.take()); // the reader goes away at once
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let _ = child.wait();
    assert!(!err.contains("panicked"), "{err}");
}

/// The admin port's `shutdown` ends `pos sim` itself, not only its ports.
#[test]
fn the_admin_shutdown_ends_pos_sim() {
    let work = temp_dir("op-sim-shutdown");
    std::fs::create_dir_all(&work).unwrap();
    let mut sim = crate::common::start_admin_sim(&work.join("tls"), &[]);
    sim.admin(serde_json::json!({"cmd": "shutdown"}));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while sim.sim.running() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(!sim.sim.running(), "pos sim still running after the admin shutdown");
    let _ = std::fs::remove_dir_all(&work);
}

/// Item 11: refusals name the number that matters and the way forward.
#[test]
fn refusals_name_what_matters() {
    let dir = temp_dir("op-refusals");
    let sim = start_sim();
    assert!(pos(&sim, &dir, &["sign-in"]).status.success());
    let err = |args: &[&str]| {
        let out = pos(&sim, &dir, &[&["--json", "--lang", "en"][..], args].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&out.stdout));
        json(&out)["message_en"].as_str().unwrap_or_default().to_string()
    };
    let sale = json(&pos(&sim, &dir, &["--json", "sale", "12.00", "--card", "credit", "--confirm-risk"]));
    let voucher = sale["voucher"].as_str().expect("voucher").to_string();
    let hold = json(&pos(&sim, &dir, &["--json", "preauth", "open", "300.00", "--card", "visa", "--confirm-risk"]));
    let hold_voucher = hold["voucher"].as_str().expect("voucher").to_string();

    let e = err(&["void", "--rrn", "000000000001", "--date", "0101", "--card", "credit"]);
    assert!(e.contains("voucher number") && e.contains("trace number"), "{e}");
    let e = err(&["void", "--voucher", &hold_voucher, "--card", "visa"]);
    assert!(e.contains("the original is a pre-auth") && e.contains("a void applies to a sale only"), "{e}");
    let e = err(&["preauth", "cancel", "100.00", "--voucher", &hold_voucher, "--card", "visa"]);
    assert!(e.contains("300.00"), "names the pre-auth amount: {e}");
    let e = err(&["void", "--voucher", &voucher, "--card", "debit"]);
    assert!(e.contains("card ending 4565"), "names the original card: {e}");
    let e = err(&["sale", "10000000000.00", "--card", "debit"]);
    assert!(e.contains("at most 9,999,999,999.99"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Items 7 and 9: history and `cards` speak the operator's language, in the vocabulary's
/// words, and columns line up by display width after Chinese text.
#[test]
fn history_and_cards_speak_the_operators_language() {
    let dir = temp_dir("op-lang");
    let sim = start_sim();
    assert!(pos(&sim, &dir, &["sign-in"]).status.success());
    let sale = json(&pos(&sim, &dir, &["--json", "sale", "5.00", "--card", "debit", "--confirm-risk"]));
    let voucher = sale["voucher"].as_str().unwrap().to_string();
    assert!(pos(&sim, &dir, &["void", "--voucher", &voucher, "--card", "debit"]).status.success());
    let zh = String::from_utf8_lossy(&pos(&sim, &dir, &["--lang", "zh", "history"]).stdout).to_string();
    assert!(zh.contains("消费撤销") && zh.contains("已撤销") && zh.contains("成功"), "{zh}");
    assert!(!zh.contains(" sale ") && !zh.contains("approved") && !zh.contains("voided"), "{zh}");
    let en = String::from_utf8_lossy(&pos(&sim, &dir, &["--lang", "en", "history"]).stdout).to_string();
    assert!(en.contains("void") && en.contains("approved") && !en.contains("消费"), "{en}");
    // The card column starts at the same display column on every row.
    let starts: Vec<usize> =
        zh.lines().filter_map(|l| l.find("622848").map(|i| unicode_width::UnicodeWidthStr::width(&l[..i]))).collect();
    assert!(starts.len() >= 2 && starts.windows(2).all(|w| w[0] == w[1]), "{starts:?}\n{zh}");

    let cards = String::from_utf8_lossy(&pos(&sim, &dir, &["--lang", "zh", "cards"]).stdout).to_string();
    assert!(cards.contains("银联借记卡") && !cards.contains("UnionPay debit"), "{cards}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Items 14 and 7: the report gives the debit and credit totals the settlement uses and the
/// net (voided payments left out), in the `--lang` asked for.
#[test]
fn the_report_gives_net_sales_in_the_operators_language() {
    let dir = temp_dir("op-report");
    let sim = start_sim();
    assert!(pos(&sim, &dir, &["sign-in"]).status.success());
    let paid = |amount: &str, card: &str| {
        let v = json(&pos(&sim, &dir, &["--json", "sale", amount, "--card", card, "--confirm-risk"]));
        assert_eq!(v["approved"], true, "{v}");
        v["voucher"].as_str().unwrap().to_string()
    };
    let first = paid("10.00", "credit");
    let second = paid("5.00", "debit");
    assert!(pos(&sim, &dir, &["void", "--voucher", &second, "--card", "debit"]).status.success());
    let refund = pos(&sim, &dir, &["--json", "refund", "2.00", "--voucher", &first, "--card", "credit"]);
    assert_eq!(json(&refund)["approved"], true, "{}", json(&refund));
    let history = json(&pos(&sim, &dir, &["--json", "history"]));
    let day = history["items"][0]["created_at"].as_str().expect("a row")[..10].to_string();
    let v = json(&pos(&sim, &dir, &["--json", "report", "--day", &day]));
    assert_eq!((v["debit"]["count"].as_u64(), v["debit"]["amount_minor"].as_u64()), (Some(1), Some(1_000)), "{v}");
    assert_eq!((v["credit"]["count"].as_u64(), v["credit"]["amount_minor"].as_u64()), (Some(1), Some(200)), "{v}");
    assert_eq!(v["net_minor"].as_i64(), Some(800), "{v}");
    assert!(v["approved"]["amount_minor"].as_u64().unwrap() > 1_000, "approved adds every type: {v}");
    let en = String::from_utf8_lossy(&pos(&sim, &dir, &["--lang", "en", "report", "--day", &day]).stdout).to_string();
    assert!(en.contains("Net sales") && en.contains("8.00") && !en.contains("净额"), "{en}");
    let zh = String::from_utf8_lossy(&pos(&sim, &dir, &["--lang", "zh", "report", "--day", &day]).stdout).to_string();
    assert!(zh.contains("净额") && !zh.contains("Net sales"), "{zh}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Item 12: after an upload the host declines, `pos sync` itself says what to tell the
/// customer and how to acknowledge it; `pos queue --ack` takes the item off both lists and
/// keeps the record; a second acknowledgement, or one for a voucher with nothing pending, is
/// refused with the way forward.
#[test]
fn sync_tells_the_customer_and_queue_ack_clears_the_item() {
    use pos_core::provision::{DEMO_MID, DEMO_TID, DEMO_TMK_HEX};
    let work = temp_dir("op-ack");
    std::fs::create_dir_all(&work).unwrap();
    let config = work.join("sim.json");
    let cfg = serde_json::json!({
        "terminals": [{"tid": DEMO_TID, "mid": DEMO_MID, "tmk": DEMO_TMK_HEX, "mac": "x919"}],
        // 200.00: the 300.00 offline sale below is declined (61) when it is uploaded.
        "limits": {"per_transaction": 20_000}
    });
    std::fs::write(&config, cfg.to_string()).unwrap();
    let sim = crate::common::start_admin_sim(&work.join("tls"), &["--config".as_ref(), config.as_os_str()]);
    let dir = work.join("terminal");
    let run = |args: &[&str]| {
        let out = sim.run(&dir, args);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    assert_eq!(run(&["sign-in"]).0, Some(0));
    let sale = |amount: &str| {
        let (code, out, err) = run(&["--json", "sale", amount, "--card", "offline", "--offline", "--confirm-risk"]);
        assert_eq!(code, Some(0), "{out} {err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v["voucher"].as_str().and_then(|s| s.parse::<u64>().ok()).unwrap_or_else(|| panic!("{v}"))
    };
    let kept = sale("50.00");
    let declined = sale("300.00");

    let (code, out, _) = run(&["sync"]);
    assert_eq!(code, Some(0), "everything was sent (one declined): {out}");
    assert!(out.contains("请告知顾客") && out.contains("Tell the customer"), "{out}");
    assert!(out.contains(&format!("pos queue --ack {declined:06}")), "the way to acknowledge it: {out}");
    let (_, js, _) = run(&["--json", "sync"]);
    let v: serde_json::Value = serde_json::from_str(&js).unwrap();
    assert_eq!(v["attention"][0]["voucher"].as_u64(), Some(declined), "{v}");
    assert!(v["attention"][0]["tell_customer_en"].as_str().unwrap().contains("not charged"), "{v}");

    // Nothing pending for the accepted one: refused, with where to look.
    let (code, _, err) = run(&["queue", "--ack", &kept.to_string()]);
    assert_eq!(code, Some(2));
    assert!(err.contains("nothing needing attention") && err.contains("pos queue"), "{err}");
    let (code, out, err) = run(&["--json", "queue", "--ack", &format!("{declined:06}")]);
    assert_eq!(code, Some(0), "{out} {err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["acknowledged"][0]["kind"], "upload_declined", "{v}");
    let (_, out, _) = run(&["queue"]);
    assert!(!out.contains("请告知顾客") && !out.contains("Tell the customer"), "gone from the queue: {out}");
    let (_, out, _) = run(&["--json", "queue", "--all"]);
    let q: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(q["attention"].as_array().map(Vec::len), Some(0), "{q}");
    assert!(q["payments"].as_array().unwrap().iter().any(|p| p["state"] == "declined"), "the record is kept: {q}");
    let (_, out, _) = run(&["sync"]);
    assert!(!out.contains("Tell the customer"), "gone from sync too: {out}");
    let (code, _, err) = run(&["queue", "--ack", &declined.to_string()]);
    assert_eq!(code, Some(2), "already acknowledged: {err}");
}

/// Item 6: `--confirm-risk` confirms the warning while the card is held: one card prompt, one
/// PIN entry, and the audit trail shows the warning confirmed by the operator and used once.
#[test]
fn confirm_risk_reads_the_card_once() {
    let dir = temp_dir("op-risk-once");
    let sim = start_sim();
    assert!(pos(&sim, &dir, &["sign-in"]).status.success());
    assert!(pos(&sim, &dir, &["--json", "sale", "9.00", "--card", "contactless", "--confirm-risk"]).status.success());
    // The same card again within minutes: the velocity rule warns.
    let out = pos(&sim, &dir, &["--lang", "en", "sale", "9.50", "--card", "contactless", "--confirm-risk"]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout} {stderr}");
    assert!(stdout.contains("confirmed by the operator"), "the warning was confirmed: {stdout} {stderr}");
    assert_eq!(stderr.matches("Swipe, insert or tap the card").count(), 1, "one card prompt: {stderr}");
    assert!(stdout.contains("APPROVED") || stdout.to_lowercase().contains("approved"), "{stdout}");
    let report = json(&pos(&sim, &dir, &["--json", "risk", "report"]));
    let text = report.to_string();
    assert!(text.contains("confirm"), "the confirmation is in the risk report: {text}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Item 6, at the prompt: on a terminal (a pseudo-terminal from `script`) the operator answers
/// `y` while the card is held; one card prompt, approved. `n` ends it with the token and no charge.
#[test]
fn the_prompt_confirms_on_the_same_card_read() {
    let dir = temp_dir("op-risk-prompt");
    let sim = start_sim();
    assert!(pos(&sim, &dir, &["sign-in"]).status.success());
    assert!(pos(&sim, &dir, &["--json", "sale", "9.00", "--card", "contactless", "--confirm-risk"]).status.success());
    let on_tty = |amount: &str, answer: &str| {
        let cmd = format!("{} --lang en sale {amount} --card contactless", env!("CARGO_BIN_EXE_pos"));
        let mut child = Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .env("POS_HOST", &sim.addr)
            .env("POS_ACQUIRER_CA", &sim.ca)
            .env("POS_DATA_DIR", &dir)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("script(1) from util-linux");
        use std::io::Write;
        // Typed ahead: the terminal keeps it until the question reads it.
        child.stdin.take().unwrap().write_all(answer.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).to_string())
    };
    let (code, text) = on_tty("9.50", "y\n");
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("Go ahead with the payment?") && text.contains("confirmed by the operator"), "{text}");
    assert_eq!(text.matches("Swipe, insert or tap the card").count(), 1, "one card prompt: {text}");
    let (code, text) = on_tty("9.70", "n\n");
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("nothing was charged") && text.contains("pos risk confirm R"), "{text}");
    assert_eq!(text.matches("Swipe, insert or tap the card").count(), 1, "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Item 17 (help): the terminal's options are not offered where they do nothing, and stay
/// accepted there (scripts that set them everywhere keep working).
#[test]
fn help_lists_only_the_options_a_command_uses() {
    let dir = temp_dir("op-help");
    let help = |args: &[&str]| String::from_utf8_lossy(&crate::common::pos_no_host(&dir, args).stdout).to_string();
    for cmd in [&["sim", "--help"][..], &["cards", "--help"], &["demo", "--help"], &["frame", "decode", "--help"]] {
        let text = help(cmd);
        assert!(text.contains("Usage") && text.contains("--lang"), "{cmd:?}: {text}");
        // The options list, not the examples (the simulator's say what terminals pass).
        let text = text.split("Examples").next().unwrap_or(&text).to_string();
        for unused in ["--host", "--data-dir", "--ca "] {
            assert!(!text.contains(unused), "{cmd:?} offers {unused}: {text}");
        }
    }
    assert!(help(&["sim", "--help"]).contains("--plain"), "the simulator serves plain TCP with --plain");
    for used in ["--host", "--data-dir", "--ca ", "--plain"] {
        assert!(help(&["sale", "--help"]).contains(used), "sale uses {used}");
    }
    let out =
        crate::common::pos_no_host(&dir, &["--host", "127.0.0.1:9", "--data-dir", "/nonexistent", "cards", "--json"]);
    assert!(out.status.success(), "still accepted: {}", String::from_utf8_lossy(&out.stderr));
    assert!(json(&out).as_array().is_some_and(|a| a.len() > 5));
    let out = crate::common::pos_no_host(&dir, &["cards", "--host", "127.0.0.1:9"]);
    assert!(out.status.success(), "after the command too: {}", String::from_utf8_lossy(&out.stderr));
}

/// Item 18: the README's command table names every command `pos --help` lists, and nothing else.
#[test]
fn the_readme_lists_every_command() {
    let dir = temp_dir("op-readme");
    let help = String::from_utf8_lossy(&crate::common::pos_no_host(&dir, &["--help"]).stdout).to_string();
    let listed: Vec<String> = help
        .split("Commands:")
        .nth(1)
        .and_then(|s| s.split("Options:").next())
        .expect("a Commands: section")
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .filter(|c| c != "help")
        .collect();
    assert!(listed.len() > 20, "{listed:?}");
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).expect("README.md");
    let table: Vec<String> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("| `pos "))
        .filter_map(|l| l.split(['`', ' ']).next().map(String::from))
        .collect();
    for c in &listed {
        assert!(table.contains(c), "`pos {c}` is missing from the README's command table");
    }
    for c in &table {
        assert!(listed.contains(c), "the README lists `pos {c}`, which `pos --help` does not");
    }
}

/// Item 13: the reprint of an offline sale shows when it was paid, not when it was uploaded
/// (the upload here comes seconds later, and the slip prints seconds).
#[test]
fn an_offline_sale_reprints_with_the_time_it_was_paid() {
    let dir = temp_dir("op-reprint-time");
    let sim = start_sim();
    assert!(pos(&sim, &dir, &["sign-in"]).status.success());
    assert!(pos(&sim, &dir, &["offline", "on"]).status.success());
    let sale = json(&pos(&sim, &dir, &["--json", "sale", "12.00", "--card", "offline", "--offline", "--confirm-risk"]));
    let voucher = sale["voucher"].as_str().expect("voucher").to_string();
    let history = json(&pos(&sim, &dir, &["--json", "history"]));
    let paid = history["items"][0]["created_at"].as_str().unwrap_or_else(|| panic!("{history}")).to_string();
    std::thread::sleep(std::time::Duration::from_millis(2_100));
    assert!(pos(&sim, &dir, &["offline", "off"]).status.success());
    assert!(pos(&sim, &dir, &["sync"]).status.success());
    let reprint = json(&pos(&sim, &dir, &["--json", "reprint", "--voucher", &voucher]));
    let slip = reprint["copies"][0].as_str().unwrap_or_else(|| panic!("{reprint}"));
    // 2026-12-04T13:30:05+08:00 → 2026/12/04 13:30:05
    let want = paid.get(..19).unwrap().replace('-', "/").replace('T', " ");
    assert!(slip.contains(&want), "the slip shows {want} (paid): {slip}");
}
