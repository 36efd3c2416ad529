//! `pos demo` as the README runs it: exit status, the JSON summary on stdout, the files.

use std::process::Command;

use crate::common::temp_dir;

fn demo(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pos")).arg("demo").args(args).output().expect("pos demo runs")
}

#[test]
fn the_demo_writes_its_day_and_exits_zero_when_every_invariant_holds() {
    let out = temp_dir("demo");
    let o = demo(&["--seed", "7", "--payments", "6", "--faults", "none", "--out", out.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON document on stdout");
    assert_eq!(s["ok"], true);
    assert_eq!(s["run"]["seed"], 7);
    let invariants = s["invariants"].as_array().expect("invariants");
    assert!(invariants.len() >= 10 && invariants.iter().all(|i| i["ok"] == true), "{invariants:?}");
    assert!(out.join("report.html").exists() && out.join("summary.json").exists());
    let slips = s["receipts"].as_array().expect("receipts");
    assert!(slips.iter().all(|r| out.join(r["png"].as_str().unwrap()).exists()));

    // Again into the same directory: a previous demo's output is replaced, not refused.
    let o = demo(&["--seed", "8", "--payments", "2", "--faults", "none", "--out", out.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn bad_demo_options_are_refused_in_the_operators_language() {
    let o = demo(&["--faults", "lots", "--lang", "en"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--faults must be none, some or many"), "{err}");
    let o = demo(&["--payments", "100000", "--lang", "zh"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--payments 最多 500"));
}
