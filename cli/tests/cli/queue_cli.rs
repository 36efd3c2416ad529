//! `pos offline`, `pos queue` and `pos sync` end to end: the demo of a delivery round
//! without signal, then the upload when it comes back.

use crate::common::{json, pos, start_sim, temp_dir};

#[test]
fn offline_round_then_sync() {
    let sim = start_sim();
    let dir = temp_dir("queue");
    assert_eq!(pos(&sim, &dir, &["sign-in"]).status.code(), Some(0));

    assert_eq!(json(&pos(&sim, &dir, &["offline", "on", "--json"]))["offline"], true);
    let text = String::from_utf8_lossy(&pos(&sim, &dir, &["offline", "status"]).stdout).to_string();
    assert!(text.contains("离线模式：开") && text.contains("offline mode: on"), "{text}");
    let sale = json(&pos(&sim, &dir, &["sale", "30.00", "--card", "contactless", "--json"]));
    assert_eq!((sale["approved"].as_bool(), sale["transaction"].as_str()), (Some(true), Some("offline_sale")));
    let chip = json(&pos(&sim, &dir, &["sale", "12.00", "--card", "offline", "--json"]));
    assert_eq!(chip["transaction"], "offline_sale");
    // A card that needs its PIN checked online is refused, with the reason.
    let out = pos(&sim, &dir, &["sale", "5.00", "--card", "debit"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("联机验证密码") && err.contains("PIN checked online"), "{err}");
    let out = pos(&sim, &dir, &["sale", "5.00", "--card", "contactless", "--online-only", "--lang", "en"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("must be approved online"));

    let q = json(&pos(&sim, &dir, &["queue", "--json"]));
    assert_eq!((q["waiting"].as_u64(), q["waiting_amount_minor"].as_u64()), (Some(2), Some(4_200)));
    assert_eq!(q["payments"][0]["state"], "stored");
    assert_eq!(q["payments"][0]["card"], "623501*********6786");
    let table = String::from_utf8_lossy(&pos(&sim, &dir, &["queue"]).stdout).to_string();
    assert!(table.contains("待上送") && table.contains("stored") && table.contains("30.00"), "{table}");

    // Still offline: the sync waits, and says why.
    let out = pos(&sim, &dir, &["sync", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["stopped"], "offline");

    pos(&sim, &dir, &["offline", "off"]);
    let out = pos(&sim, &dir, &["sync"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("上送成功2笔") && text.contains("2 accepted"), "{text}");
    let q = json(&pos(&sim, &dir, &["queue", "--all", "--json"]));
    assert_eq!(q["waiting"], 0);
    assert!(q["payments"].as_array().unwrap().iter().all(|p| p["state"] == "accepted"));

    // Forced offline while online, then uploaded.
    let forced =
        json(&pos(&sim, &dir, &["sale", "8.00", "--card", "contactless", "--offline", "--confirm-risk", "--json"]));
    assert_eq!(forced["transaction"], "offline_sale");
    let report = json(&pos(&sim, &dir, &["sync", "--json"]));
    assert_eq!((report["accepted"].as_u64(), report["clean"].as_bool()), (Some(1), Some(true)));
}
