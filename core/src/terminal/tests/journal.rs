//! The journal's guarantees against the scripted host: reversal before the next request,
//! resends, unmatched answers, and offline limits that need a manual clock.

use super::*;
use crate::offline::{OfflinePreference, OfflineRefusal};
use crate::reversal::{ReversalCause, ReversalState};
use crate::store::UploadState;

#[tokio::test]
async fn silence_leaves_a_reversal_that_goes_before_the_next_sale() {
    let r = signed_in().await;
    r.reader.present("debit").unwrap();
    r.host.script(Script::Silent);
    let e = r.terminal.sale(cny(100)).await.unwrap_err();
    let id = e.exchange_failure().unwrap().txn_id.unwrap();
    let stan = r.terminal.store().txn(id).unwrap().unwrap().numbers.stan.value();
    assert!(r.host.reversals().is_empty());
    assert!(r.terminal.sale(cny(200)).await.unwrap().approved);
    assert_eq!(r.host.reversals(), [stan]);
    assert_eq!(r.terminal.store().reversal(id).unwrap().unwrap().state, ReversalState::Acknowledged);
}

#[tokio::test]
async fn an_unmatched_answer_is_reversed_with_reason_06() {
    let r = signed_in().await;
    r.reader.present("debit").unwrap();
    r.host.script(Script::WrongAmount);
    let e = r.terminal.sale(cny(100)).await.unwrap_err();
    let id = e.exchange_failure().unwrap().txn_id.unwrap();
    let rev = r.terminal.store().reversal(id).unwrap().unwrap();
    assert_eq!((rev.state, rev.reason.as_str(), rev.cause), (ReversalState::Due, "06", Some(ReversalCause::Unmatched)));
}

#[tokio::test]
async fn an_unsigned_decline_is_not_trusted_to_clear_the_reversal() {
    let r = signed_in().await;
    r.reader.present("lowbal").unwrap();
    // The scripted host leaves declines unsigned, as many hosts do.
    let o = r.terminal.sale(cny(5_000)).await.unwrap();
    assert_eq!(o.response_code.as_str(), "51");
    let rev = r.terminal.store().reversal(o.txn_id).unwrap().unwrap();
    assert_eq!((rev.state, rev.cause), (ReversalState::Due, Some(ReversalCause::UnsignedAnswer)));
    r.terminal.sync().await.unwrap();
    assert_eq!(r.terminal.store().reversal(o.txn_id).unwrap().unwrap().state, ReversalState::Acknowledged);
}

#[tokio::test]
async fn unanswered_reversals_are_resent_then_block_online_requests() {
    let r = signed_in().await;
    r.reader.present("debit").unwrap();
    r.host.script(Script::Silent);
    let id = r.terminal.sale(cny(100)).await.unwrap_err().exchange_failure().unwrap().txn_id.unwrap();
    r.host.ignore_reversals(true);
    assert_eq!(r.terminal.sale(cny(100)).await.unwrap_err(), TerminalError::ReversalPending { count: 1 }.into());
    assert_eq!(r.host.reversals().len(), 3, "three sends per attempt");
    let rev = r.terminal.store().reversal(id).unwrap().unwrap();
    assert_eq!((rev.attempts, rev.rounds), (3, 1));
    r.host.ignore_reversals(false);
    assert!(r.terminal.sale(cny(100)).await.unwrap().approved);
    assert_eq!(r.host.reversals().len(), 4);
}

#[tokio::test]
async fn offline_limits_per_card_per_day_and_age_follow_the_clock() {
    let clock = Arc::new(ManualClock::new(Timestamp::new(1_740_794_400, CHINA_UTC_OFFSET_SECS)));
    let r = rig_with_clock(clock.clone()).await;
    assert!(r.terminal.sign_in().await.unwrap().approved);
    r.reader.present("contactless").unwrap();
    for _ in 0..3 {
        let o = r.terminal.sale_with(cny(100), OfflinePreference::ForceOffline).await.unwrap();
        assert!(o.approved && o.txn == TxnType::OfflineSale);
    }
    let e = r.terminal.sale_with(cny(100), OfflinePreference::ForceOffline).await.unwrap_err();
    assert_eq!(e, TerminalError::Offline(OfflineRefusal::CardDailyLimit { limit: 3 }).into());
    // Another card is fine; the next day this one is too, but the queue is now too old.
    r.reader.present("offline").unwrap();
    assert!(r.terminal.sale_with(cny(100), OfflinePreference::ForceOffline).await.is_ok());
    clock.advance(24 * 3600 + 1);
    r.reader.present("contactless").unwrap();
    let e = r.terminal.sale_with(cny(100), OfflinePreference::ForceOffline).await.unwrap_err();
    assert_eq!(e, TerminalError::Offline(OfflineRefusal::QueueTooOld { hours: 24 }).into());
    // Uploading clears the queue; then the card may pay offline again today.
    let report = r.terminal.sync().await.unwrap();
    assert_eq!((report.accepted, report.left), (4, 0));
    assert!(r.terminal.sale_with(cny(100), OfflinePreference::ForceOffline).await.is_ok());
}

#[tokio::test]
async fn payments_past_the_upload_deadline_expire_and_need_attention() {
    let clock = Arc::new(ManualClock::new(Timestamp::new(1_740_794_400, CHINA_UTC_OFFSET_SECS)));
    let r = rig_with_clock(clock.clone()).await;
    assert!(r.terminal.sign_in().await.unwrap().approved);
    r.reader.present("offline").unwrap();
    let o = r.terminal.sale_with(cny(300), OfflinePreference::ForceOffline).await.unwrap();
    clock.advance(7 * 24 * 3600 + 1);
    let report = r.terminal.sync().await.unwrap();
    assert_eq!((report.expired, report.accepted, report.left), (1, 0, 0));
    assert_eq!(r.terminal.store().queue_entry(o.txn_id).unwrap().unwrap().state, UploadState::Expired);
    let a = r.terminal.attention().unwrap();
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].kind, crate::reversal::AttentionKind::UploadExpired);
    assert!(a[0].zh().contains("收单机构") && a[0].en().contains("acquirer"));
    // The operator told the customer: the item leaves the list, the queue entry stays expired,
    // and a second acknowledgement is refused (nothing left to acknowledge).
    let acked = r.terminal.acknowledge_attention(o.txn_id).unwrap();
    assert_eq!(acked, a);
    assert!(r.terminal.attention().unwrap().is_empty());
    assert_eq!(r.terminal.store().queue_entry(o.txn_id).unwrap().unwrap().state, UploadState::Expired);
    assert!(matches!(r.terminal.acknowledge_attention(o.txn_id), Err(crate::Error::InvalidInput { .. })));
}

async fn rig_with_clock(clock: Arc<ManualClock>) -> Rig {
    let host = FakeHost::start().await;
    let dir = TempDir::new("terminal");
    let mut config = TerminalConfig::demo_at_plain(host.addr.clone());
    // The scripted host signs with the UnionPay ECB MAC, as hosts that require it do.
    config.mac_algorithm = crate::crypto::MacAlgorithm::UnionPayEcb;
    // Pays with the same few cards many times a day; the default risk policy would ask for
    // confirmations (the risk engine has its own tests: tests/risk.rs, core risk::tests).
    config.risk_policy = None;
    config.response_timeout = Duration::from_millis(400);
    config.card_timeout = Duration::from_millis(200);
    let reader =
        Arc::new(SoftwareReader::new(SecretKey::from_hex(DEMO_TMK_HEX).unwrap(), DeviceSecret::from_bytes([3; 32])));
    // As `rig`: the scripted host serves no CA keys, the reader comes with the test CA's.
    reader.load_chip_parameters(&[crate::reader::oda::test_ca_key()], &[]).await.unwrap();
    let vault = Arc::new(FileVault::open_or_create(dir.0.join("vault.key")).unwrap());
    let terminal = Terminal::open(&dir.0, config, vault, reader.clone(), clock).unwrap();
    Rig { host, reader, terminal, _dir: dir }
}
