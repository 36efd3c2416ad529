//! Recovery: a damaged database is reported and never overwritten; a full disk refuses new
//! payments with a clear message and loses nothing already stored.
//!
//! The full disk is simulated with SQLite's `max_page_count` (`Store::set_page_limit`):
//! SQLite then fails writes with `SQLITE_FULL`, the very error a full filesystem gives, so
//! the same code path runs without needing a small filesystem.

use crate::support::{open, Lane};
use pos_core::store::{Store, StoreError, UploadState};
use pos_core::Bilingual;
use pos_core::OfflinePreference;
use pos_core::{Error, ErrorCode};
use pos_e2e::cny;

#[tokio::test(start_paused = true)]
async fn a_full_disk_refuses_new_payments_and_loses_nothing() {
    let mut lane = Lane::start(|_| {}).await;
    lane.present("contactless");
    let kept = lane.terminal.sale_with(cny(1_000), OfflinePreference::ForceOffline).await.unwrap();
    let store = lane.terminal.store();
    store.set_page_limit(Some(store.page_count().unwrap())).unwrap();
    let rows_before = lane.host_rows().len();

    // Offline and online payments alike are refused before anything is sent.
    let mut offline_refused = None;
    for _ in 0..50 {
        match lane.terminal.sale_with(cny(100), OfflinePreference::ForceOffline).await {
            Ok(_) => continue,
            Err(e) => {
                offline_refused = Some(e);
                break;
            }
        }
    }
    let e = offline_refused.expect("the disk fills up");
    assert_eq!(e, Error::from(StoreError::DiskFull));
    assert!(e.zh().contains("存储空间已满") && e.zh().contains("不受影响"), "{}", e.zh());
    assert!(e.en().contains("Storage is full") && e.en().contains("safe"), "{}", e.en());
    assert!(matches!(e, Error::Storage { code: ErrorCode::DiskFull, .. }));
    // Online too: until the file cannot take a journal row, then refused before sending.
    let mut online_refused = None;
    for _ in 0..200 {
        let before = lane.host_rows().len();
        match lane.terminal.sale_with(cny(100), OfflinePreference::RequireOnline).await {
            Ok(o) => assert!(o.approved && lane.host_row(o.stan.value()).is_some()),
            Err(e) => {
                if lane.host_rows().len() != before {
                    // Journaled and sent, but the answer could not be written: its reversal is
                    // due (or still armed, for recovery), and goes out below.
                    use pos_core::{ReversalState::Armed, ReversalState::Due};
                    let open = lane.terminal.open_reversals().unwrap();
                    assert!(open.iter().any(|r| matches!(r.state, Armed | Due)), "{open:?}");
                }
                online_refused = Some(e);
                break;
            }
        }
    }
    assert_eq!(online_refused, Some(Error::from(StoreError::DiskFull)));
    assert!(rows_before <= lane.host_rows().len());

    // What was stored is intact and still goes out once there is room again (after a
    // restart, as when the operator frees space and reopens the app).
    assert_eq!(store.queue_entry(kept.txn_id).unwrap().unwrap().state, UploadState::Stored);
    store.set_page_limit(None).unwrap();
    lane.restart();
    let report = lane.terminal.sync().await.unwrap();
    assert!(report.accepted >= 1 && report.left == 0, "{report:?}");
    assert_eq!(lane.terminal.queue_entry(kept.txn_id).unwrap().unwrap().state, UploadState::Accepted);
    lane.terminal.check_integrity().unwrap();
    lane.sim.ledger().check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_corrupt_database_is_reported_and_never_overwritten() {
    let lane = Lane::start(|_| {}).await;
    lane.present("contactless");
    for fen in 1..=40 {
        lane.terminal.sale_with(cny(fen), OfflinePreference::ForceOffline).await.unwrap();
    }
    let Lane { terminal, dir, config, reader, clock, sim: _sim } = lane;
    // Closing the last connection checkpoints the WAL into the main file.
    drop(terminal);
    let path = dir.join(Store::FILE_NAME);
    let mut bytes = std::fs::read(&path).unwrap();
    let len = bytes.len();
    for b in &mut bytes[len / 4..len / 2] {
        *b = !*b;
    }
    std::fs::write(&path, &bytes).unwrap();

    let e = match open(&dir, config.clone(), reader.clone(), clock.clone()) {
        Err(e) => e,
        // Damage confined to the journal, which opening does not read in full: the full
        // check (like any read of those pages) reports it.
        Ok(t) => t.check_integrity().unwrap_err(),
    };
    assert!(matches!(e, Error::Storage { code: ErrorCode::StoreCorrupt, .. }), "{e:?}");
    assert!(e.zh().contains("损坏") && e.zh().contains("数据已保留"), "{}", e.zh());
    assert!(e.en().contains("corrupt") && e.en().contains("kept"), "{}", e.en());
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "the file is exactly as found");

    // A file that is not a database at all is refused at open, also untouched.
    let garbage: Vec<u8> = (0..20_000u32).map(|i| (i * 31 % 253) as u8).collect();
    std::fs::write(&path, &garbage).unwrap();
    let _ = std::fs::remove_file(dir.join(format!("{}-wal", Store::FILE_NAME)));
    let e = open(&dir, config, reader, clock).unwrap_err();
    assert!(matches!(e, Error::Storage { code: ErrorCode::StoreCorrupt, .. }), "{e:?}");
    assert_eq!(std::fs::read(&path).unwrap(), garbage);
}
