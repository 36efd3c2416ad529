//! Nothing goes backwards: a restarted simulator on the same ledger file continues its batches,
//! RRNs and auth codes, and a second simulator on a ledger in use is refused.

use pos_acquirer_sim::{LedgerError, SimConfig, SimError, Simulator};
use pos_core::iso8583::{AdminKind, Reconciliation, SettlementTotals, Totals};
use pos_core::provision::DEMO_TID;
use pos_testkit::TempDir;

use crate::terminal::{rc, Term};
use crate::{demo, invariants, start};

/// A ledger file path in a fresh directory (removed when the returned dir is dropped).
fn temp_ledger(name: &str) -> (TempDir, String) {
    let dir = TempDir::new(&format!("sim-{name}"));
    let db = dir.join("ledger.db").display().to_string();
    (dir, db)
}

fn on_file(db: &str) -> SimConfig {
    let mut c = demo();
    c.database = Some(db.to_owned());
    c
}

/// Two sales, then the batch settled (balanced): the RRNs and auth codes handed out.
async fn day(t: &mut Term) -> Vec<(String, String)> {
    let mut codes = Vec::new();
    for amount in [1_200, 3_400] {
        let (_, resp) = t.sale("debit", amount).await;
        assert_eq!(rc(&resp), "00");
        codes.push((resp.rrn.clone().unwrap(), resp.auth_code.clone().unwrap()));
    }
    let debit = Totals {
        debit_amount: 4_600,
        debit_count: 2,
        credit_amount: 0,
        credit_count: 0,
        reconciliation: Reconciliation::NotReconciled,
    };
    let totals = SettlementTotals { domestic: debit, foreign: Totals { debit_amount: 0, debit_count: 0, ..debit } };
    let req = t.admin(AdminKind::Settlement(totals));
    assert_eq!(t.send_admin(&req).await.response_code.as_str(), "00");
    codes
}

#[tokio::test]
async fn batches_rrns_and_auth_codes_continue_after_a_restart() {
    let (_dir, db) = temp_ledger("continue");
    let sim = start(on_file(&db)).await;
    let mut t = Term::signed_in(&sim).await;
    assert_eq!(t.batch.value(), 1);
    let first = day(&mut t).await;
    assert_eq!(sim.current_batch(DEMO_TID).unwrap(), Some(2));
    sim.shutdown().await;

    let sim = start(on_file(&db)).await;
    assert_eq!(sim.current_batch(DEMO_TID).unwrap(), Some(2), "the batch closed before the restart stays closed");
    let mut t = Term::signed_in(&sim).await;
    assert_eq!(t.batch.value(), 2, "sign-in answers the batch after the settled one");
    let second = day(&mut t).await;
    for (rrn, code) in &second {
        assert!(first.iter().all(|(r, _)| r != rrn), "RRN {rrn} repeated: {first:?} / {second:?}");
        assert!(first.iter().all(|(_, c)| c != code), "auth code {code} repeated: {first:?} / {second:?}");
    }
    let rrns: Vec<u64> = first.iter().chain(&second).map(|(r, _)| r.parse().unwrap()).collect();
    assert!(rrns.windows(2).all(|w| w[0] < w[1]), "RRNs go on rising: {rrns:?}");
    invariants(&sim);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_fresh_ledger_gives_the_same_codes_as_before() {
    // The position of the auth code sequence moved into the ledger; the sequence did not change.
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let (_, a) = t.sale("debit", 100).await;
    let sim2 = start(demo()).await;
    let mut t2 = Term::signed_in(&sim2).await;
    let (_, b) = t2.sale("debit", 100).await;
    assert_eq!(a.auth_code, b.auth_code, "same seed, same first code");
    let (_, c) = t2.sale("debit", 100).await;
    assert_ne!(b.auth_code, c.auth_code);
}

#[tokio::test]
async fn a_second_simulator_on_the_same_ledger_is_refused() {
    let (_dir, db) = temp_ledger("twice");
    let sim = start(on_file(&db)).await;
    let mut t = Term::signed_in(&sim).await;
    assert_eq!(rc(&t.sale("debit", 500).await.1), "00");

    let err = Simulator::start(on_file(&db)).await.err().expect("a second simulator on the ledger is refused");
    match &err {
        SimError::Ledger(LedgerError::InUse { path, pid }) => {
            assert_eq!(path, &db);
            assert_eq!(*pid, Some(std::process::id()), "the holder is named");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains(&format!("process {}", std::process::id())), "{err}");
    // The first one goes on unharmed.
    assert_eq!(rc(&t.sale("debit", 600).await.1), "00");
    invariants(&sim);
    sim.shutdown().await;

    // Once it stopped, the ledger can be opened again.
    let sim = start(on_file(&db)).await;
    assert_eq!(sim.ledger().transactions_for(DEMO_TID).unwrap().len(), 2);
    sim.shutdown().await;
}
