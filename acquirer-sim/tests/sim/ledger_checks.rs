//! The invariant check is real: it catches books that were changed behind the host's back.

use pos_acquirer_sim::LedgerError;
use pos_core::iso8583::TxnType;

use crate::terminal::{rc, Term};
use crate::{demo, start};

#[tokio::test]
async fn tampering_is_detected() {
    let dir = pos_testkit::TempDir::new("sim-tamper");
    let db = dir.join("ledger.db");
    let mut c = demo();
    c.database = Some(db.display().to_string());
    let sim = start(c).await;
    let mut t = Term::signed_in(&sim).await;
    let (sale, resp) = t.sale("debit", 5_000).await;
    let card = t.deck_card("credit");
    let (pa_req, pa) = t.run(TxnType::PreAuth, Some(7_000), card).await;
    assert_eq!((rc(&resp), rc(&pa)), ("00", "00"));
    let card = t.deck_card("debit");
    let refund = t.follow_up(TxnType::Refund, Some(1_000), card, &sale, &resp);
    assert_eq!(rc(&t.send(&refund).await), "00");
    sim.ledger().check_invariants().unwrap();

    let tamper = |sql: &str, undo: &str| {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(sql).unwrap();
        let found = match sim.ledger().check_invariants() {
            Err(LedgerError::Invariant(problems)) => problems,
            other => panic!("not detected: {sql} -> {other:?}"),
        };
        conn.execute_batch(undo).unwrap();
        sim.ledger().check_invariants().unwrap();
        found
    };
    let p = tamper(
        "UPDATE accounts SET available = available + 1 WHERE pan = '6228480402564890018'",
        "UPDATE accounts SET available = available - 1 WHERE pan = '6228480402564890018'",
    );
    assert!(p[0].contains("cached available"), "{p:?}");
    let p = tamper(
        "UPDATE txns SET status = 'voided' WHERE kind = 'sale'",
        "UPDATE txns SET status = 'approved' WHERE kind = 'sale'",
    );
    assert!(p.iter().any(|x| x.contains("money")), "{p:?}");
    let p = tamper(
        "UPDATE txns SET refunded = 0 WHERE kind = 'sale'",
        "UPDATE txns SET refunded = 1000 WHERE kind = 'sale'",
    );
    assert!(p.iter().any(|x| x.contains("refunded")), "{p:?}");
    let p = tamper(
        "UPDATE txns SET status = 'cancelled' WHERE kind = 'pre_auth'",
        "UPDATE txns SET status = 'approved' WHERE kind = 'pre_auth'",
    );
    assert!(p.iter().any(|x| x.contains("held")), "{p:?}");
    let p = tamper(
        &format!("UPDATE txns SET stan = {} WHERE kind = 'pre_auth'", sale.stan.value()),
        &format!("UPDATE txns SET stan = {} WHERE kind = 'pre_auth'", pa_req.stan.value()),
    );
    assert!(p.iter().any(|x| x.contains("two rows")), "{p:?}");
    let p =
        tamper("UPDATE txns SET rc = '51' WHERE kind = 'refund'", "UPDATE txns SET rc = '00' WHERE kind = 'refund'");
    assert!(p.iter().any(|x| x.contains("declined") || x.contains("status")), "{p:?}");
    let p = tamper(
        "UPDATE card_days SET approved = approved + 1 WHERE kind = 'sale'",
        "UPDATE card_days SET approved = approved - 1 WHERE kind = 'sale'",
    );
    assert!(p.iter().any(|x| x.contains("kept count 2 != derived 1")), "{p:?}");
    let p = tamper(
        "DELETE FROM card_days WHERE kind = 'pre_auth'",
        "INSERT INTO card_days SELECT pan, local_date, kind, 1 FROM txns WHERE kind = 'pre_auth'",
    );
    assert!(p.iter().any(|x| x.contains("no kept count")), "{p:?}");
    sim.shutdown().await;
}

/// A ledger of schema version 1 (before the kept day counts) opens with the counts rebuilt
/// from its rows: the daily limit goes on counting the day's earlier sales.
#[tokio::test]
async fn a_version_1_ledger_is_brought_forward() {
    let dir = pos_testkit::TempDir::new("sim-v1");
    let db = dir.join("ledger.db");
    let mut c = demo();
    c.database = Some(db.display().to_string());
    c.limits.daily_count_per_card = 3;
    let sim = start(c.clone()).await;
    let mut t = Term::signed_in(&sim).await;
    for _ in 0..2 {
        assert_eq!(rc(&t.sale("debit", 100).await.1), "00");
    }
    sim.shutdown().await;
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("DROP TABLE card_days; UPDATE meta SET value = 1 WHERE key = 'schema';").unwrap();
    drop(conn);

    let sim = start(c).await;
    sim.ledger().check_invariants().unwrap();
    let stan = t.stan;
    let mut t = Term::signed_in(&sim).await;
    // The same terminal, going on where it was (the sign-in used a STAN too).
    t.stan += stan;
    assert_eq!(rc(&t.sale("debit", 100).await.1), "00");
    assert_eq!(rc(&t.sale("debit", 100).await.1), "65");
    sim.ledger().check_invariants().unwrap();
    sim.shutdown().await;
}
