//! `pos blacklist`: downloaded from `pos sim` (whose list holds the deck's `hotlisted` card),
//! its status, a card checked against it, and that card refused offline.

use crate::common::{json, pos, start_sim, temp_dir};

#[test]
fn blacklist_download_status_check_and_the_offline_refusal() {
    let dir = temp_dir("blacklist");
    let sim = start_sim();
    assert!(pos(&sim, &dir, &["sign-in"]).status.success());
    let v = json(&pos(&sim, &dir, &["--json", "blacklist", "status"]));
    assert_eq!(v["entries"], 0, "{v}");
    let out = pos(&sim, &dir, &["--json", "blacklist", "check", "--card", "hotlisted"]);
    assert_eq!(json(&out)["listed"], false, "nothing downloaded yet");

    let out = pos(&sim, &dir, &["--json", "blacklist", "download"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    assert_eq!((v["entries"].as_u64(), v["incremental"].as_bool()), (Some(1), Some(false)), "{v}");
    let status = json(&pos(&sim, &dir, &["--json", "blacklist", "status"]));
    assert_eq!((status["entries"].as_u64(), status["digest"].clone()), (Some(1), v["digest"].clone()));
    // A second download continues from where the first ended: nothing new.
    let again = json(&pos(&sim, &dir, &["--json", "blacklist", "download"]));
    assert_eq!((again["entries"].as_u64(), again["incremental"].as_bool()), (Some(1), Some(true)), "{again}");

    let listed = json(&pos(&sim, &dir, &["--json", "blacklist", "check", "--card", "hotlisted"]));
    assert_eq!((listed["listed"].as_bool(), listed["masked_pan"].as_str()), (Some(true), Some("622202*********7770")));
    let text =
        String::from_utf8_lossy(&pos(&sim, &dir, &["--lang", "zh", "blacklist", "check", "--card", "offline"]).stdout)
            .to_string();
    assert!(text.contains("不在黑名单上") && !text.contains("6222020000111122222"), "{text}");

    // Forced offline, the listed card goes to the host, which declines it (exit 1, code 62).
    let out = pos(&sim, &dir, &["--json", "sale", "10.00", "--card", "hotlisted", "--offline"]);
    let v = json(&out);
    assert_eq!(
        (out.status.code(), v["approved"].as_bool(), v["response_code"].as_str()),
        (Some(1), Some(false), Some("62")),
        "{v}"
    );
    // Bad input: an unknown card.
    let out = pos(&sim, &dir, &["blacklist", "check", "--card", "nosuch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pos cards"));
}
