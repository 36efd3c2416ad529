//! `pos retention`: one JSON document saying what was deleted (nothing, on a fresh journal), the
//! same in the operator's language as text, and `--years 0` refused with what to do instead.

use crate::common::{json, pos, start_sim, temp_dir};

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3000}'..='\u{303F}').contains(&c))
}

#[test]
fn a_fresh_journal_purges_nothing() {
    let sim = start_sim();
    let dir = temp_dir("retention-fresh");
    // A mistyped data directory is an error, not a new terminal to purge.
    let missing = pos(&sim, &dir, &["retention", "--json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(!dir.exists(), "no terminal was made");
    assert!(pos(&sim, &dir, &["sign-in"]).status.success());
    let out = pos(&sim, &dir, &["retention", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    assert_eq!((v["txns"].as_u64(), v["kept_unfinished"].as_u64()), (Some(0), Some(0)), "{v}");
    assert_eq!((v["upload_items"].as_u64(), v["years"].as_u64()), (Some(0), Some(2)), "{v}");
    let cutoff = v["cutoff"].as_str().expect("the cutoff day").to_string();
    assert!(cutoff.len() == 10 && cutoff.as_bytes()[4] == b'-', "{v}");
    assert!(v["message"]["zh"].as_str().is_some_and(has_cjk) && v["message"]["en"].is_string(), "{v}");

    // --years moves the cutoff by whole years.
    let v = json(&pos(&sim, &dir, &["retention", "--years", "3", "--json"]));
    assert_eq!(v["years"], 3);
    let year = |d: &str| d[..4].parse::<i32>().unwrap();
    assert_eq!(year(v["cutoff"].as_str().unwrap()), year(&cutoff) - 1, "{v}");

    // Text in the operator's language.
    let en = pos(&sim, &dir, &["retention", "--lang", "en"]);
    let text = String::from_utf8_lossy(&en.stdout);
    assert_eq!(en.status.code(), Some(0));
    assert!(text.contains("Retention 2 years: deleted 0 transactions") && !has_cjk(&text), "{text}");
    let zh = pos(&sim, &dir, &["retention", "--lang", "zh"]);
    let text = String::from_utf8_lossy(&zh.stdout);
    assert!(text.contains("保留 2 年") && text.contains(&cutoff) && !text.contains("Retention"), "{text}");
}

#[test]
fn zero_years_is_refused_with_what_to_do_in_either_language() {
    let dir = temp_dir("retention-zero");
    let en = crate::common::pos_no_host(&dir, &["retention", "--years", "0", "--lang", "en"]);
    assert_eq!(en.status.code(), Some(2));
    let err = String::from_utf8_lossy(&en.stderr);
    assert!(err.starts_with("error: --years must be at least 1") && err.contains("--years 1 or more"), "{err}");
    assert!(!has_cjk(&err), "{err}");

    let zh = crate::common::pos_no_host(&dir, &["retention", "--years", "0", "--lang", "zh"]);
    assert_eq!(zh.status.code(), Some(2));
    let err = String::from_utf8_lossy(&zh.stderr);
    assert!(err.starts_with("错误：--years 至少为 1") && err.contains("--years 1 或更大"), "{err}");
    assert!(!err.contains("must"), "{err}");

    // --json: the error object on stdout, in both languages when none is chosen.
    let out = crate::common::pos_no_host(&dir, &["retention", "--years", "0", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let v = json(&out);
    assert_eq!((v["error"].as_bool(), v["exit_code"].as_u64()), (Some(true), Some(2)), "{v}");
    assert!(v["message_zh"].as_str().is_some_and(has_cjk) && v["message_en"].is_string(), "{v}");
    assert!(!dir.exists(), "refused before the data directory is touched");
}
