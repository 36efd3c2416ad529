//! `pos salvage`: a sound journal is read in full (exit 0), a damaged one in part with the damage
//! reported (exit 1), the file never changed; a missing journal is an error that says so.

use crate::common::{json, pos, start_sim, temp_dir};

#[test]
fn a_damaged_journal_is_read_in_part_and_left_alone() {
    let sim = start_sim();
    let dir = temp_dir("salvage");
    let out = dir.with_extension("jsonl");
    let missing = pos(&sim, &dir, &["salvage", "--out", out.to_str().unwrap(), "--json"]);
    assert_eq!(missing.status.code(), Some(2), "no journal: an error");
    assert!(pos(&sim, &dir, &["sign-in"]).status.success());
    for amount in ["1.00", "2.00", "3.00"] {
        let sale = pos(&sim, &dir, &["sale", amount, "--card", "debit", "--confirm-risk"]);
        assert!(sale.status.success(), "{}", String::from_utf8_lossy(&sale.stderr));
    }
    let sound = pos(&sim, &dir, &["salvage", "--out", out.to_str().unwrap(), "--json"]);
    assert_eq!(sound.status.code(), Some(0), "{}", String::from_utf8_lossy(&sound.stderr));
    assert_eq!(json(&sound)["rows"], 3);
    let lines = std::fs::read_to_string(&out).unwrap();
    assert_eq!(lines.lines().count(), 3);
    assert!(lines.contains("622848******0018") || lines.contains("622848*********0018"), "{lines}");
    assert!(!lines.contains("6228480402564890018"), "no clear card number");

    // Damage the journal's page (three rows: one leaf, its root), everything checkpointed first.
    let db = dir.join("pos.db");
    let (root, page): (i64, i64) = {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
        let root = c.query_row("SELECT rootpage FROM sqlite_master WHERE name = 'txn'", [], |r| r.get(0)).unwrap();
        (root, c.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap())
    };
    let (root, page) = (usize::try_from(root).unwrap(), usize::try_from(page).unwrap());
    let mut bytes = std::fs::read(&db).unwrap();
    for b in &mut bytes[(root - 1) * page + 16..root * page] {
        *b ^= 0xA5;
    }
    std::fs::write(&db, &bytes).unwrap();
    let damaged = pos(&sim, &dir, &["--lang", "en", "salvage", "--out", out.to_str().unwrap()]);
    assert_eq!(damaged.status.code(), Some(1), "{}", String::from_utf8_lossy(&damaged.stderr));
    let said = String::from_utf8_lossy(&damaged.stdout);
    assert!(said.contains("call support to reconcile"), "{said}");
    assert_eq!(std::fs::read(&db).unwrap(), bytes, "never written");
    let _ = std::fs::remove_file(&out);
    let _ = std::fs::remove_dir_all(&dir);
}
