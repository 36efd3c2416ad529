//! Store behaviour on real files: migrations, counters, sealing, corruption, transactions.

use std::path::PathBuf;
use std::sync::Arc;

use super::*;
use crate::card::{fingerprint, DeviceSecret, Pan};
use crate::crypto::{check_value, random_bytes, FileVault, KeyMode, MacAlgorithm, SecretKey};
use crate::iso8583::{BatchNo, EntryMethod, EntryMode, Stan, TerminalId, TxnType};
use crate::journal::ReversalCause;
use crate::money::Amount;
use crate::response_code::ResponseCode;

/// A directory under the system temp dir, removed on drop.
pub(crate) struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let suffix = hex::encode(random_bytes::<8>().unwrap_or([0; 8]));
        let dir = std::env::temp_dir().join(format!("pos-core-{tag}-{}-{suffix}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(crate) const NOW: &str = "2025-03-01T10:00:00+08:00";

fn vault(dir: &TempDir) -> Arc<dyn crate::crypto::KeyVault> {
    Arc::new(FileVault::open_or_create(dir.0.join("vault.key")).unwrap())
}

pub(crate) fn open(dir: &TempDir) -> Store {
    Store::open(dir.0.join(Store::FILE_NAME), vault(dir), NOW).unwrap()
}

pub(crate) fn sale(amount: u64) -> NewTxn {
    let pan = Pan::parse("6228480402564890018").unwrap();
    NewTxn {
        txn_type: TxnType::Sale,
        amount: Some(Amount::cny(amount).unwrap()),
        masked_pan: Some(pan.masked()),
        fingerprint: Some(fingerprint(&DeviceSecret::from_bytes([1; 32]), &pan)),
        entry_mode: Some(EntryMode { method: EntryMethod::Chip, pin_entered: true }),
        original: OriginalRefs::default(),
        local_date: "0301".into(),
        at: NOW.into(),
        payee: None,
    }
}

pub(crate) fn answer(rc: &str) -> HostAnswer {
    HostAnswer {
        response_code: ResponseCode::parse(rc).unwrap(),
        rrn: Some("123456789012".into()),
        auth_code: Some("A1B2C3".into()),
        host_date: Some("0301".into()),
        host_time: Some("100001".into()),
        authenticated: true,
    }
}

#[test]
fn fresh_database_is_migrated_in_wal_with_full_sync() {
    let dir = TempDir::new("store");
    let store = open(&dir);
    assert_eq!(store.schema_version().unwrap(), Store::latest_schema_version());
    let conn = store.lock();
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    let sync: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
    assert_eq!((mode.as_str(), sync), ("wal", 2));
}

#[test]
fn stan_wraps_and_counters_persist_across_reopen() {
    let dir = TempDir::new("store");
    {
        let store = open(&dir);
        assert_eq!(store.next_stan().unwrap(), Stan::FIRST);
        store.set_counters_for_test(999_998, 999_999).unwrap();
        assert_eq!(store.next_stan().unwrap().value(), 999_999);
        let t = store.begin_txn(&sale(100)).unwrap();
        assert_eq!(t.numbers.stan, Stan::FIRST, "999999 wraps to 000001");
        assert_eq!(t.numbers.voucher, Some(VoucherNo::FIRST), "voucher 999999 wraps to 000001");
        store.set_batch(BatchNo::new(7).unwrap()).unwrap();
    }
    let store = open(&dir);
    assert_eq!(store.last_stan().unwrap(), Some(Stan::FIRST));
    assert_eq!(store.next_stan().unwrap().value(), 2);
    assert_eq!(store.batch().unwrap().value(), 7);
}

#[test]
fn a_stan_never_repeats_within_a_batch() {
    let dir = TempDir::new("store");
    let store = open(&dir);
    let first = store.begin_txn(&sale(100)).unwrap();
    let second = store.begin_txn(&sale(200)).unwrap();
    assert_eq!((first.numbers.stan.value(), second.numbers.stan.value()), (1, 2));
    store.set_counters_for_test(999_999, 5).unwrap();
    // 000001 and 000002 are taken in this batch: the wrap skips them.
    assert_eq!(store.begin_txn(&sale(300)).unwrap().numbers.stan.value(), 3);
    // In a new batch they are free again.
    store.set_batch(BatchNo::new(2).unwrap()).unwrap();
    store.set_counters_for_test(999_999, 5).unwrap();
    assert_eq!(store.begin_txn(&sale(300)).unwrap().numbers.stan.value(), 1);
}

#[test]
fn inquiries_take_no_voucher() {
    let dir = TempDir::new("store");
    let store = open(&dir);
    let mut q = sale(0);
    q.txn_type = TxnType::BalanceInquiry;
    q.amount = None;
    let t = store.begin_txn(&q).unwrap();
    assert_eq!((t.numbers.voucher, t.amount), (None, None));
    assert_eq!(store.begin_txn(&sale(1)).unwrap().numbers.voucher, Some(VoucherNo::FIRST));
}

#[test]
fn session_round_trips_and_the_mak_is_never_in_the_files() {
    let dir = TempDir::new("store");
    let store = open(&dir);
    let tid = TerminalId::new("10000001").unwrap();
    let mak = SecretKey::from_hex("5BB5C72CD00B7338").unwrap();
    assert_eq!(store.session().unwrap(), None);
    store
        .save_session(&NewSession {
            tid: &tid,
            key_mode: KeyMode::DoubleWithTrack004,
            mac_algorithm: MacAlgorithm::UnionPayEcb,
            mak: &mak,
            mak_kcv: check_value(&mak),
            pik_kcv: [1, 2, 3, 4],
            tdk_kcv: Some([5, 6, 7, 8]),
            at: NOW,
        })
        .unwrap();
    let s = store.session().unwrap().unwrap();
    assert_eq!((s.mak.clone(), s.key_mode, s.tdk_kcv), (mak.clone(), KeyMode::DoubleWithTrack004, Some([5, 6, 7, 8])));
    assert!(!format!("{s:?}").contains("5BB5"), "Debug shows no key");

    let needles = [mak.as_bytes().to_vec(), b"5BB5C72CD00B7338".to_vec(), b"5bb5c72cd00b7338".to_vec()];
    for file in ["pos.db", "pos.db-wal"] {
        let bytes = std::fs::read(dir.0.join(file)).unwrap_or_default();
        for n in &needles {
            assert!(!bytes.windows(n.len()).any(|w| w == n.as_slice()), "MAK found in {file}");
        }
    }
    // Reopened with the same vault the session survives; with another vault it cannot be opened.
    drop(store);
    assert_eq!(open(&dir).session().unwrap().map(|s| s.mak), Some(mak));
    let other = Arc::new(FileVault::open_or_create(dir.0.join("other.key")).unwrap());
    let store = Store::open(dir.0.join(Store::FILE_NAME), other, NOW).unwrap();
    assert!(matches!(store.session(), Err(StoreError::Sealing(_))));
    store.clear_session().unwrap();
    assert_eq!(store.session().unwrap(), None);
}

#[test]
fn a_corrupt_database_is_reported_and_left_alone() {
    let dir = TempDir::new("store");
    let path = dir.0.join(Store::FILE_NAME);
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&path, &garbage).unwrap();
    let e = Store::open(&path, vault(&dir), NOW).unwrap_err();
    assert!(matches!(e, StoreError::Corrupt { .. }), "{e:?}");
    assert_eq!(std::fs::read(&path).unwrap(), garbage);
    assert!(crate::i18n::Bilingual::zh(&e).contains("损坏"));
}

#[test]
fn a_database_that_lost_its_contents_is_reported_not_started_afresh() {
    let dir = TempDir::new("store");
    let path = dir.0.join(Store::FILE_NAME);
    let store = open(&dir);
    let stan = store.next_stan().unwrap();
    assert!(dir.0.join("pos.db-created").is_file(), "the marker is written with the database");
    // Everything so far is in the WAL (no checkpoint yet): the main file alone is empty of it.
    let copy = TempDir::new("store-copy");
    std::fs::copy(&path, copy.0.join(Store::FILE_NAME)).unwrap();
    std::fs::copy(dir.0.join("pos.db-created"), copy.0.join("pos.db-created")).unwrap();
    std::fs::copy(dir.0.join("vault.key"), copy.0.join("vault.key")).unwrap();
    drop(store);
    let wal_lost = copy.0.join(Store::FILE_NAME);
    let before = std::fs::read(&wal_lost).unwrap();
    let e = Store::open(&wal_lost, vault(&copy), NOW).unwrap_err();
    assert!(matches!(e, StoreError::Lost { .. }), "{e:?}");
    assert!(crate::i18n::Bilingual::zh(&e).contains("已丢失") && crate::i18n::Bilingual::en(&e).contains("lost"));
    assert_eq!(std::fs::read(&wal_lost).unwrap(), before, "nothing written");
    // The file gone, the marker kept: the same, and no file created.
    std::fs::remove_file(&wal_lost).unwrap();
    let _ = std::fs::remove_file(copy.0.join("pos.db-wal"));
    assert!(matches!(Store::open(&wal_lost, vault(&copy), NOW), Err(StoreError::Lost { .. })));
    assert!(!wal_lost.exists());
    // The read-only views and provisioning see it too (they open read-only).
    assert!(matches!(Store::open_read_only(&wal_lost, vault(&copy)), Err(StoreError::Lost { .. })));
    assert!(super::had_database(&wal_lost), "a terminal lived here");
    // Removing the marker is the deliberate fresh start.
    std::fs::remove_file(copy.0.join("pos.db-created")).unwrap();
    let fresh = Store::open(&wal_lost, vault(&copy), NOW).unwrap();
    assert_eq!(fresh.next_stan().unwrap(), stan, "a new database starts its counters again");
    // The original, with its WAL, still opens with what it had.
    let again = Store::open(&path, vault(&dir), NOW).unwrap();
    assert!(again.next_stan().unwrap().value() > stan.value());
}

#[test]
fn a_database_from_before_the_marker_gets_one() {
    let dir = TempDir::new("store");
    drop(open(&dir));
    let marker = dir.0.join("pos.db-created");
    std::fs::remove_file(&marker).unwrap();
    drop(open(&dir));
    assert!(marker.is_file(), "protected from the next open on");
}

#[test]
fn a_newer_database_is_refused() {
    let dir = TempDir::new("store");
    drop(open(&dir));
    {
        let conn = rusqlite::Connection::open(dir.0.join(Store::FILE_NAME)).unwrap();
        conn.execute("INSERT INTO schema_version VALUES (99, 'future', 'x')", []).unwrap();
    }
    let e = Store::open(dir.0.join(Store::FILE_NAME), vault(&dir), NOW).unwrap_err();
    assert_eq!(e, StoreError::TooNew { found: 99, supported: Store::latest_schema_version() });
}

#[test]
fn transactions_record_answers_failures_and_cancellations() {
    let dir = TempDir::new("store");
    let store = open(&dir);
    let s = store.begin_txn(&sale(1234)).unwrap();
    assert_eq!(s.status, TxnStatus::Pending);
    let s = store.record_answer(s.id, &answer("00"), NOW).unwrap();
    assert_eq!(
        (s.status, s.rrn.as_deref(), s.auth_code.as_deref()),
        (TxnStatus::Approved, Some("123456789012"), Some("A1B2C3"))
    );

    let mut v = sale(1234);
    v.txn_type = TxnType::Void;
    v.original = OriginalRefs {
        txn_id: Some(s.id),
        batch: Some(s.numbers.batch),
        stan: Some(s.numbers.stan),
        rrn: s.rrn.clone(),
        auth_code: s.auth_code.clone(),
        date: None,
    };
    let void = store.begin_txn(&v).unwrap();
    assert_eq!(store.txn(s.id).unwrap().unwrap().cancelled_by, None);
    store.record_answer(void.id, &answer("00"), NOW).unwrap();
    assert_eq!(store.txn(s.id).unwrap().unwrap().cancelled_by, Some(void.id));

    let d = store.begin_txn(&sale(99)).unwrap();
    assert_eq!(store.record_answer(d.id, &answer("51"), NOW).unwrap().status, TxnStatus::Declined);
    let f = store.begin_txn(&sale(98)).unwrap();
    let failure = Failure { text: "timeout", may_have_reached_host: true, cause: ReversalCause::NoResponse };
    let f = store.record_failure(f.id, &failure, NOW).unwrap();
    assert_eq!((f.status, f.may_have_reached_host, f.response_code), (TxnStatus::Failed, true, None));

    let by_voucher = store.find_txn(TxnLookup::Voucher(s.numbers.voucher.unwrap())).unwrap().unwrap();
    assert_eq!(by_voucher.id, s.id);
    let by_stan = store.find_txn(TxnLookup::Stan { batch: d.numbers.batch, stan: d.numbers.stan }).unwrap();
    assert_eq!(by_stan.map(|t| t.id), Some(d.id));
    assert_eq!(store.find_txn(TxnLookup::Voucher(VoucherNo::new(777).unwrap())).unwrap(), None);
    assert_eq!(store.recent_txns(10).unwrap().len(), 4);
    let unsent = Failure { text: "x", may_have_reached_host: false, cause: ReversalCause::NoResponse };
    assert!(matches!(store.record_failure(TxnId(999), &unsent, NOW), Err(StoreError::MissingTxn(999))));
}

#[test]
fn no_full_pan_reaches_the_files() {
    let dir = TempDir::new("store");
    let store = open(&dir);
    let t = store.begin_txn(&sale(1)).unwrap();
    store.record_answer(t.id, &answer("00"), NOW).unwrap();
    for file in ["pos.db", "pos.db-wal"] {
        let bytes = std::fs::read(dir.0.join(file)).unwrap_or_default();
        assert!(!bytes.windows(19).any(|w| w == b"6228480402564890018"), "{file}");
    }
}

#[test]
fn settings_set_replace_remove() {
    let dir = TempDir::new("store");
    let store = open(&dir);
    assert_eq!(store.setting("operator").unwrap(), None);
    store.set_setting("operator", "01").unwrap();
    store.set_setting("operator", "02").unwrap();
    assert_eq!(store.setting("operator").unwrap().as_deref(), Some("02"));
    store.remove_setting("operator").unwrap();
    assert_eq!(store.setting("operator").unwrap(), None);
}
