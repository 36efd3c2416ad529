//! The journal's reversals, the offline queue and recovery, on real files.

use zeroize::Zeroizing;

use super::tests::{answer, open, sale, TempDir, NOW};
use super::*;
use crate::card::{fingerprint, DeviceSecret, Pan};
use crate::iso8583::{EntryMethod, EntryMode, TxnType};
use crate::journal::{ReversalCause, ReversalState};
use crate::response_code::ResponseCode;

fn body(tag: &str) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(format!("0400 of {tag}").into_bytes())
}

fn journaled(store: &Store, amount: u64) -> TxnRecord {
    let (record, ()) =
        store.begin_journaled(&sale(amount), |r| Ok::<_, StoreError>(((), Some(body(&r.id.to_string()))))).unwrap();
    record
}

fn offline(amount: u64) -> NewTxn {
    let mut t = sale(amount);
    t.txn_type = TxnType::OfflineSale;
    t.entry_mode = Some(EntryMode { method: EntryMethod::Contactless, pin_entered: false });
    t
}

fn store_offline(store: &Store, amount: u64, unix: i64) -> TxnRecord {
    store
        .store_offline(&offline(amount), "Y10001", unix, |r| Ok::<_, StoreError>(body(&format!("advice {}", r.id))))
        .unwrap()
}

#[test]
fn a_reversal_is_armed_with_its_request_and_settled_by_the_answer() {
    let dir = TempDir::new("journal");
    let store = open(&dir);
    let t = journaled(&store, 100);
    let r = store.reversal(t.id).unwrap().unwrap();
    assert_eq!((r.state, r.reason.as_str(), r.txn.numbers.stan), (ReversalState::Armed, "98", t.numbers.stan));
    let sealed = reversal::sealed_of(&store, t.id).unwrap();
    assert!(!sealed.windows(7).any(|w| w == b"0400 of"), "stored sealed, not clear");

    // An authenticated approval holds it (receipt pending); the next payment completes it.
    store.record_answer(t.id, &answer("00"), NOW).unwrap();
    assert_eq!(store.reversal(t.id).unwrap().map(|r| r.state), Some(ReversalState::Held));
    let next = journaled(&store, 200);
    assert_eq!(store.reversal(t.id).unwrap(), None, "completed by the next payment");

    // An authenticated decline clears it at once.
    store.record_answer(next.id, &answer("51"), NOW).unwrap();
    assert_eq!(store.reversal(next.id).unwrap(), None);

    // An unsigned answer cannot be trusted: due, reason A0.
    let u = journaled(&store, 300);
    store.record_answer(u.id, &HostAnswer { authenticated: false, ..answer("05") }, NOW).unwrap();
    let r = store.reversal(u.id).unwrap().unwrap();
    assert_eq!((r.state, r.reason.as_str(), r.cause), (ReversalState::Due, "A0", Some(ReversalCause::UnsignedAnswer)));

    // A failure that may have reached the host: due with the failure's reason; one that did not: cleared.
    let f = journaled(&store, 400);
    let failure = Failure { text: "no answer", may_have_reached_host: true, cause: ReversalCause::BadMac };
    store.record_failure(f.id, &failure, NOW).unwrap();
    let r = store.reversal(f.id).unwrap().unwrap();
    assert_eq!((r.state, r.reason.as_str(), r.last_error.as_deref()), (ReversalState::Due, "A0", Some("no answer")));
    let n = journaled(&store, 500);
    let unsent = Failure { text: "refused", may_have_reached_host: false, cause: ReversalCause::NoResponse };
    store.record_failure(n.id, &unsent, NOW).unwrap();
    assert_eq!(store.reversal(n.id).unwrap(), None);

    let due = store.due_reversals().unwrap();
    assert_eq!(due.iter().map(|d| d.record.txn.id).collect::<Vec<_>>(), [u.id, f.id]);
    assert_eq!(due[1].body.as_slice(), format!("0400 of {}", f.id).as_bytes());
    assert_eq!(store.due_reversal_count().unwrap(), 2);

    assert_eq!(store.reversal_attempt_failed(f.id, 3, "timeout", NOW).unwrap(), 1);
    assert_eq!(store.reversal_attempt_failed(f.id, 3, "timeout", NOW).unwrap(), 2);
    store.acknowledge_reversal(f.id, 1, NOW).unwrap();
    let r = store.reversal(f.id).unwrap().unwrap();
    assert_eq!((r.state, r.attempts, r.rounds), (ReversalState::Acknowledged, 7, 2));
    assert_eq!(reversal::sealed_of(&store, f.id), None, "message erased once acknowledged");
    assert_eq!(store.txn(f.id).unwrap().unwrap().reversed_at.as_deref(), Some(NOW));
    assert!(matches!(store.acknowledge_reversal(f.id, 1, NOW), Err(StoreError::MissingTxn(_))));
}

#[test]
fn nothing_is_written_when_the_request_cannot_be_built() {
    let dir = TempDir::new("journal");
    let store = open(&dir);
    let before = store.last_stan().unwrap();
    let r: Result<(TxnRecord, ()), StoreError> =
        store.begin_journaled(&sale(1), |_| Err(StoreError::BadValue { table: "t", column: "c" }));
    assert!(r.is_err());
    assert_eq!(store.last_stan().unwrap(), before, "the STAN is not consumed");
    assert!(store.recent_txns(10).unwrap().is_empty());
}

#[test]
fn a_held_approval_can_be_cancelled_until_complete() {
    let dir = TempDir::new("journal");
    let store = open(&dir);
    let t = journaled(&store, 100);
    assert!(!store.cancel_held(t.id, NOW).unwrap(), "still armed: nothing to cancel yet");
    store.record_answer(t.id, &answer("00"), NOW).unwrap();
    assert!(store.cancel_held(t.id, NOW).unwrap());
    let r = store.reversal(t.id).unwrap().unwrap();
    assert_eq!(
        (r.state, r.reason.as_str(), r.cause),
        (ReversalState::Due, "06", Some(ReversalCause::CancelledUnprinted))
    );

    let done = journaled(&store, 200);
    store.record_answer(done.id, &answer("00"), NOW).unwrap();
    store.complete_txn(done.id).unwrap();
    assert!(!store.cancel_held(done.id, NOW).unwrap());
}

#[test]
fn an_acknowledged_reversal_of_a_void_restores_the_sale() {
    let dir = TempDir::new("journal");
    let store = open(&dir);
    let s = journaled(&store, 100);
    store.record_answer(s.id, &answer("00"), NOW).unwrap();
    let mut v = sale(100);
    v.txn_type = TxnType::Void;
    v.original.txn_id = Some(s.id);
    let (void, ()) = store.begin_journaled(&v, |_| Ok::<_, StoreError>(((), Some(body("void"))))).unwrap();
    store.record_answer(void.id, &answer("00"), NOW).unwrap();
    assert_eq!(store.txn(s.id).unwrap().unwrap().cancelled_by, Some(void.id));
    assert!(store.cancel_held(void.id, NOW).unwrap());
    store.acknowledge_reversal(void.id, 1, NOW).unwrap();
    assert_eq!(store.txn(s.id).unwrap().unwrap().cancelled_by, None);
}

#[test]
fn recovery_settles_what_a_crash_left() {
    let dir = TempDir::new("journal");
    let (pending, plain, stored) = {
        let store = open(&dir);
        let pending = journaled(&store, 100);
        let plain = store.begin_txn(&sale(5)).unwrap();
        let stored = store_offline(&store, 700, 1_000);
        assert_eq!(store.claim_uploads(10, NOW).unwrap().len(), 1);
        (pending, plain, stored)
        // Dropped without recording anything: a crash.
    };
    let store = open(&dir);
    let got = store.recover("later").unwrap();
    assert_eq!(got, Recovered { interrupted: 2, reversals_due: 1, uploads_released: 1 });
    let t = store.txn(pending.id).unwrap().unwrap();
    assert_eq!((t.status, t.may_have_reached_host), (TxnStatus::Failed, true));
    assert_eq!(store.txn(plain.id).unwrap().unwrap().status, TxnStatus::Failed);
    let r = store.reversal(pending.id).unwrap().unwrap();
    assert_eq!((r.state, r.reason.as_str(), r.cause), (ReversalState::Due, "98", Some(ReversalCause::Interrupted)));
    assert_eq!(store.queue_entry(stored.id).unwrap().unwrap().state, UploadState::Stored);
    assert_eq!(store.recover("again").unwrap(), Recovered::default(), "idempotent");
}

#[test]
fn the_offline_queue_stores_uploads_and_erases() {
    let dir = TempDir::new("journal");
    let store = open(&dir);
    let a = store_offline(&store, 1_000, 100);
    let b = store_offline(&store, 2_000, 200);
    let c = store_offline(&store, 3_000, 300);
    assert_eq!(
        (a.status, a.response_code.map(|c| c.to_string()), a.auth_code.as_deref()),
        (TxnStatus::Approved, Some("Y1".into()), Some("Y10001"))
    );
    assert_eq!(
        store.queue_stats().unwrap(),
        crate::offline::QueueStats { count: 3, total_minor: 6_000, oldest_unix: Some(100) }
    );
    let fp = fingerprint(&DeviceSecret::from_bytes([1; 32]), &Pan::parse("6228480402564890018").unwrap());
    let day = crate::clock::Day::parse_ymd(&NOW[..10]).unwrap();
    assert_eq!(store.offline_count_for_card(&fp, day, "0301", 10).unwrap(), 3);
    assert_eq!(store.offline_count_for_card(&fp, day, "0301", 2).unwrap(), 2, "counted up to the cap");
    assert_eq!(store.offline_count_for_card(&fp, day.next(), "0302", 10).unwrap(), 0);
    let other = fingerprint(&DeviceSecret::from_bytes([1; 32]), &Pan::parse("6217002234567890121").unwrap());
    assert_eq!(store.offline_count_for_card(&other, day, "0301", 10).unwrap(), 0, "another card");

    let claimed = store.claim_uploads(2, NOW).unwrap();
    assert_eq!(claimed.iter().map(|q| q.txn.id).collect::<Vec<_>>(), [a.id, b.id], "oldest first");
    assert_eq!(claimed[0].body.as_slice(), format!("0400 of advice {}", a.id).as_bytes());
    assert_eq!(store.claim_uploads(5, NOW).unwrap().len(), 1, "claimed ones are not handed out twice");
    store
        .record_uploads(
            &[
                (
                    a.id,
                    UploadOutcome::Accepted {
                        rrn: Some("123456789012".into()),
                        host_date: Some("0301".into()),
                        host_time: None,
                    },
                ),
                (b.id, UploadOutcome::Declined { response_code: ResponseCode::parse("51").unwrap() }),
                (c.id, UploadOutcome::Retry { error: "timeout".into() }),
            ],
            NOW,
        )
        .unwrap();
    let ea = store.queue_entry(a.id).unwrap().unwrap();
    assert_eq!(
        (ea.state, ea.txn.rrn.as_deref(), ea.txn.response_code.map(|c| c.to_string())),
        (UploadState::Accepted, Some("123456789012"), Some("00".into()))
    );
    let eb = store.queue_entry(b.id).unwrap().unwrap();
    assert_eq!((eb.state, eb.txn.status), (UploadState::Declined, TxnStatus::Declined));
    let ec = store.queue_entry(c.id).unwrap().unwrap();
    assert_eq!((ec.state, ec.attempts, ec.last_error.as_deref()), (UploadState::Stored, 1, Some("timeout")));
    assert_eq!(offline_queue::sealed_advice(&store, a.id), None);
    assert_eq!(offline_queue::sealed_advice(&store, b.id), None);
    assert!(offline_queue::sealed_advice(&store, c.id).is_some(), "kept until answered");
    assert_eq!(store.failed_uploads().unwrap().iter().map(|e| e.txn.id).collect::<Vec<_>>(), [b.id]);
    assert_eq!(store.offline_queue(true).unwrap().len(), 1);
    assert_eq!(store.offline_queue(false).unwrap().len(), 3);

    let expired = store.expire_stored(301, NOW).unwrap();
    assert_eq!((expired.len(), expired[0].state), (1, UploadState::Expired));
    assert_eq!(store.queue_stats().unwrap().count, 0);
}

#[test]
fn a_full_disk_refuses_new_payments_and_loses_nothing() {
    let dir = TempDir::new("journal");
    let store = open(&dir);
    let kept = store_offline(&store, 1_000, 100);
    // max_page_count stands in for a full disk: SQLite returns SQLITE_FULL either way.
    store.set_page_limit(Some(store.page_count().unwrap())).unwrap();
    let mut refused = 0;
    for i in 0..200 {
        match store
            .store_offline(&offline(1), "Y10002", 200 + i, |_| Ok::<_, StoreError>(Zeroizing::new(vec![7u8; 2048])))
        {
            Ok(_) => {}
            Err(e) => {
                assert_eq!(e, StoreError::DiskFull);
                refused += 1;
                break;
            }
        }
    }
    assert_eq!(refused, 1, "the cap was reached");
    assert_eq!(store.queue_entry(kept.id).unwrap().map(|e| e.state), Some(UploadState::Stored));
    assert_eq!(
        store.claim_uploads(1, NOW).unwrap()[0].body.as_slice(),
        format!("0400 of advice {}", kept.id).as_bytes()
    );
    store.set_page_limit(None).unwrap();
    store_offline(&store, 5, 300);
    store.integrity_check().unwrap();
}

#[test]
fn a_damaged_page_is_reported_and_the_file_left_alone() {
    let dir = TempDir::new("journal");
    let path = dir.0.join(Store::FILE_NAME);
    {
        let store = open(&dir);
        for i in 0..300 {
            store_offline(&store, 1 + i, 100);
        }
        // Everything into the main file, so the damage below is what a later open reads.
        store.lock().execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    }
    let mut bytes = std::fs::read(&path).unwrap();
    let len = bytes.len();
    // Scribble over the middle of the file: journal and queue pages.
    for b in &mut bytes[len / 4..len * 3 / 4] {
        *b ^= 0x5A;
    }
    std::fs::write(&path, &bytes).unwrap();
    let vault = std::sync::Arc::new(crate::crypto::FileVault::open_or_create(dir.0.join("vault.key")).unwrap());
    let found = match Store::open(&path, vault, NOW) {
        Err(e) => e,
        Ok(store) => store.integrity_check().unwrap_err(),
    };
    assert!(matches!(found, StoreError::Corrupt { .. }), "{found:?}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "never overwritten");
}

#[test]
fn a_damaged_journal_is_salvaged_row_by_row_and_left_alone() {
    let dir = TempDir::new("salvage");
    let path = dir.0.join(Store::FILE_NAME);
    {
        let store = open(&dir);
        for i in 0..300 {
            store_offline(&store, 1 + i, 100 + i as i64);
        }
        store.lock().execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    }
    let intact = super::salvage::salvage(&path).unwrap();
    assert_eq!(intact.rows.len(), 300);
    assert!(intact.unreadable.is_empty() && intact.damage.is_empty(), "{intact:?}");
    assert!(intact.rows.iter().all(|r| r.masked_pan.as_deref().is_some_and(|p| p.contains('*'))), "masked only");
    // Scribble over one page in the last third of the file (journal leaves and the queue).
    let size: usize = store_page_size(&path);
    let mut bytes = std::fs::read(&path).unwrap();
    let pages = bytes.len() / size;
    let page = pages * 2 / 3;
    for b in &mut bytes[page * size + 100..(page + 1) * size] {
        *b ^= 0x5A;
    }
    std::fs::write(&path, &bytes).unwrap();
    let found = super::salvage::salvage(&path).unwrap();
    assert!(!found.damage.is_empty(), "the damage is reported");
    assert!(found.rows.len() < 300, "some rows were on the damaged page");
    assert!(
        found.rows.len() >= 200,
        "the rest are read: {} rows, {} unreadable",
        found.rows.len(),
        found.unreadable.len()
    );
    for r in &found.rows {
        assert_eq!(Some(r), intact.rows.iter().find(|i| i.id == r.id), "a salvaged row is the row as written");
    }
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "never written");
}

#[test]
fn a_wal_cut_after_a_checkpoint_opens_at_its_last_whole_commit_not_empty() {
    // The limit of what an open can see (docs/reliability.md): a WAL cut after the database
    // was checkpointed leaves an older, consistent database, as a power cut before the last
    // commit does. It opens with the checkpointed rows and the commits whole in the WAL; what
    // was cut is gone, and only the host's records can bring it back. Never empty.
    let dir = TempDir::new("wal-cut");
    let path = dir.0.join(Store::FILE_NAME);
    let store = open(&dir);
    for i in 0..3 {
        store_offline(&store, 100 + i, 1_700_000_000);
    }
    store.lock().execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    for i in 0..3 {
        store_offline(&store, 200 + i, 1_700_000_000);
    }
    let copy = TempDir::new("wal-cut-copy");
    for name in ["pos.db", "pos.db-created", "vault.key"] {
        std::fs::copy(dir.0.join(name), copy.0.join(name)).unwrap();
    }
    let wal = std::fs::read(dir.0.join("pos.db-wal")).unwrap();
    drop(store);
    // Half the WAL: some of the three later commits survive whole, the rest are cut.
    std::fs::write(copy.0.join("pos.db-wal"), &wal[..wal.len() / 2]).unwrap();
    let keys = std::sync::Arc::new(crate::crypto::FileVault::open_or_create(copy.0.join("vault.key")).unwrap());
    let reopened = Store::open(copy.0.join(Store::FILE_NAME), keys, NOW).unwrap();
    reopened.integrity_check().unwrap();
    let rows = reopened.recent_txns(100).unwrap().len();
    assert!((3..6).contains(&rows), "the checkpointed three and what the cut WAL keeps whole: {rows}");
    assert!(path.is_file());
}

/// The page size of the journal at `path` (2 KiB for a new one).
fn store_page_size(path: &std::path::Path) -> usize {
    let c = rusqlite::Connection::open(path).unwrap();
    let size: i64 = c.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
    usize::try_from(size).unwrap()
}
