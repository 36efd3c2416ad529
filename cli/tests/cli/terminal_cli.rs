//! `pos sim` and the terminal commands end to end over loopback, as an operator runs them.

use std::process::{Command, Output};

use crate::common::{json, pos, start_sim, temp_dir};

#[test]
fn a_merchant_session_from_the_command_line() {
    let sim = start_sim();
    let dir = temp_dir("session");
    let out = pos(&sim, &dir, &["sign-in", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(json(&out)["response_code"], "00");

    // Each command is its own process: keys and counters persist in the data directory.
    let sale = json(&pos(&sim, &dir, &["sale", "12.34", "--card", "debit", "--json"]));
    assert_eq!(sale["approved"], true);
    assert_eq!(sale["amount_minor"], 1234);
    assert_eq!(sale["currency"], "CNY", "alphabetic, as the reports print it");
    assert_eq!(sale["card"], "622848*********0018");
    let voucher = sale["voucher"].as_str().unwrap().trim_start_matches('0').to_string();

    let void = pos(&sim, &dir, &["void", "--voucher", &voucher, "--json"]);
    assert_eq!(json(&void)["approved"], true, "{}", String::from_utf8_lossy(&void.stderr));

    // Wrong PIN first: the command lets the cardholder try again and is approved.
    let retry = json(&pos(&sim, &dir, &["sale", "20.00", "--card", "wrongpin", "--json"]));
    assert_eq!(retry["approved"], true);

    let bal = json(&pos(&sim, &dir, &["balance", "--card", "lowbal", "--json"]));
    assert_eq!(bal["balance_minor"], 1000);

    // A decline: exit status 1 and the bilingual reason.
    let out = pos(&sim, &dir, &["sale", "50.00", "--card", "lowbal"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("51 可用余额不足") && text.contains("insufficient funds"), "{text}");

    let pre = json(&pos(&sim, &dir, &["preauth", "open", "300.00", "--card", "credit", "--json"]));
    assert_eq!(pre["approved"], true);
    let pv = pre["voucher"].as_str().unwrap().trim_start_matches('0').to_string();
    let done =
        json(&pos(&sim, &dir, &["preauth", "complete", "280.00", "--voucher", &pv, "--card", "credit", "--json"]));
    assert_eq!(done["approved"], true);
}

#[test]
fn clear_errors_for_bad_amount_refused_connection_and_missing_original() {
    let sim = start_sim();
    let dir = temp_dir("errors");
    let out = pos(&sim, &dir, &["sale", "1.234"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("金额最多 2 位小数") && err.contains("decimal places"), "{err}");

    let out = Command::new(env!("CARGO_BIN_EXE_pos"))
        .args(["sign-in"])
        .env("POS_HOST", "127.0.0.1:1")
        .env("POS_DATA_DIR", &dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("无法连接收单主机") && err.contains("Cannot connect"), "{err}");

    assert_eq!(pos(&sim, &dir, &["sign-in"]).status.code(), Some(0));
    let out = pos(&sim, &dir, &["void", "--lang", "en"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("name the original"));
}

#[test]
fn a_risk_warning_stops_the_sale_until_the_operator_confirms() {
    let sim = start_sim();
    let dir = temp_dir("risk");
    assert_eq!(pos(&sim, &dir, &["sign-in"]).status.code(), Some(0));
    let balance = || json(&pos(&sim, &dir, &["balance", "--card", "contactless", "--json"]))["balance_minor"].clone();
    assert_eq!(json(&pos(&sim, &dir, &["sale", "10.00", "--card", "contactless", "--json"]))["approved"], true);
    let before = balance();

    // The same card again within five minutes: the default policy warns; a script (no TTY)
    // gets the warning as an error and nothing is charged.
    let out = pos(&sim, &dir, &["sale", "11.00", "--card", "contactless"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("风控提示") && err.contains("Risk warning") && err.contains("--confirm-risk"), "{err}");
    assert_eq!(balance(), before, "nothing charged without the confirmation");

    let sale = json(&pos(&sim, &dir, &["sale", "11.00", "--card", "contactless", "--confirm-risk", "--json"]));
    assert_eq!(sale["approved"], true);
    assert_eq!(balance().as_i64().unwrap(), before.as_i64().unwrap() - 1_100);
    let report = json(&pos(&sim, &dir, &["risk", "report", "--json"]));
    assert_eq!(report["confirmed"], 1, "{report}");
}

/// `pos` against `sim` with the given CA (none: POS_ACQUIRER_CA unset) and extra arguments.
fn pos_with_ca(sim: &crate::common::Sim, dir: &std::path::Path, ca: Option<&std::path::Path>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pos"));
    c.args(args).env("POS_HOST", &sim.addr).env("POS_DATA_DIR", dir).env_remove("POS_ACQUIRER_CA");
    if let Some(ca) = ca {
        c.env("POS_ACQUIRER_CA", ca);
    }
    c.output().expect("pos runs")
}

#[test]
fn tls_link_refuses_another_certificate_and_plain_is_explicit() {
    let sim = start_sim();
    let dir = temp_dir("tls");
    // Another simulator's CA: the certificate is not the one provisioned.
    let other = pos_testkit::TempDir::new("cli-other-ca");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pos"))
        .args(["sim", "--memory", "--listen", "127.0.0.1:0", "--admin", "off", "--tls-dir", other.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let out = pos_with_ca(&sim, &dir, Some(&other.join("ca.pem")), &["sign-in"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("收单主机证书与配置不符") && err.contains("not the one provisioned"), "{err}");
    assert!(err.contains("nothing sent") && err.contains("--ca"), "{err}");

    // No CA at all for a host that is not the default simulator's: refused, and told which flag to use.
    let out = pos_with_ca(&sim, &dir, None, &["--lang", "en", "sign-in"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("No CA certificate") && err.contains("--ca") && err.contains("--plain"), "{err}");

    // --plain against a TLS host: no sign-in.
    let out = pos_with_ca(&sim, &dir, None, &["--plain", "sign-in"]);
    assert_ne!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));

    // The right CA: signed in over TLS.
    let out = pos_with_ca(&sim, &dir, Some(&sim.ca), &["sign-in"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}
