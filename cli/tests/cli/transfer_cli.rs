//! `pos transfer`: a transfer against `pos sim`, its history row, and bad input refused.

use crate::common::{json, pos, start_sim, temp_dir};

#[test]
fn transfer_then_bad_input() {
    let dir = temp_dir("transfer");
    let sim = start_sim();
    assert!(pos(&sim, &dir, &["sign-in"]).status.success());
    let out = pos(&sim, &dir, &["--json", "transfer", "200.00", "--to", "6217000012345678901", "--card", "debit"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    assert_eq!(
        (v["transaction"].as_str(), v["approved"].as_bool(), v["amount_minor"].as_u64()),
        (Some("transfer"), Some(true), Some(20_000)),
        "{v}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("6217000012345678901"), "the payee never in clear");
    let history = String::from_utf8_lossy(&pos(&sim, &dir, &["--lang", "zh", "history"]).stdout).to_string();
    assert!(history.contains("转账"), "{history}");

    for (args, words) in [
        (vec!["transfer", "200.00", "--to", "12-34", "--card", "debit"], "收款账号"),
        (vec!["transfer", "-5.00", "--to", "6217000012345678901", "--card", "debit"], "金额"),
        (vec!["transfer", "200.00", "--to", "6217000012345678901", "--card", "nosuch"], "pos cards"),
    ] {
        let out = pos(&sim, &dir, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(words),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = pos(&sim, &dir, &["transfer", "200.00", "--card", "debit"]);
    assert_eq!(out.status.code(), Some(2), "--to is required");
}
