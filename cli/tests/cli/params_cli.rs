//! `pos params`: the CA public keys and IC parameters downloaded from `pos sim` and shown.

use crate::common::{json, pos, start_sim, temp_dir};

#[test]
fn params_download_then_show() {
    let dir = temp_dir("params");
    let sim = start_sim();
    // Nothing to show on a data directory that is not a terminal.
    let out = pos(&sim, &dir, &["--json", "params", "show"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(pos(&sim, &dir, &["sign-in"]).status.success());
    // The first sign-in fetched the CA public keys (the terminal held none).
    let shown = json(&pos(&sim, &dir, &["--json", "params", "show"]));
    assert_eq!(shown["public_keys"].as_array().map(Vec::len), Some(5), "{shown}");
    let out = pos(&sim, &dir, &["--json", "params", "download"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    // The simulator's default terminal parameters: version 1, applied.
    assert_eq!(
        (v["parameters"]["version"].as_u64(), v["parameters"]["applied"].as_bool()),
        (Some(1), Some(true)),
        "{v}"
    );
    assert_eq!(v["downloads"][0]["kind"], "capk");
    assert_eq!(v["downloads"][0]["entries"], 5);
    assert_eq!(v["downloads"][1]["entries"], 3);
    let shown = json(&pos(&sim, &dir, &["--json", "params", "show"]));
    let keys = shown["public_keys"].as_array().unwrap();
    assert!(
        keys.iter().any(|k| k["key"] == "A000000333/08" && k["checksum"] == "EE23B616C95C02652AD18860E48787C079E8E85A"),
        "{shown}"
    );
    assert_eq!(shown["downloads"][0]["digest"], v["downloads"][0]["digest"]);
    assert_eq!(shown["parameters"]["header_lines"][0], "欢迎光临 WELCOME", "{shown}");
    assert_eq!(shown["parameters"]["offline"]["per_payment_minor"], 50_000, "{shown}");
    let text = String::from_utf8_lossy(&pos(&sim, &dir, &["--lang", "zh", "params", "show"]).stdout).to_string();
    assert!(text.contains("IC卡公钥：5 项") && text.contains("A000000333/09"), "{text}");
    assert!(text.contains("终端参数：版本 1") && text.contains("签购单抬头 欢迎光临 WELCOME"), "{text}");
}
