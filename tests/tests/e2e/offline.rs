//! Offline approval and store-and-forward against the simulator: every preference, every
//! refusal, uploads in order with their events, declines that do not block the others,
//! repeats without a second effect, and fallback that never charges twice.

use std::time::Duration;

use crate::support::{drain, sim_config, sync_while_offline, wait_for, Lane};
use pos_acquirer_sim::{FaultMode, RequestClass, RowKind, TxnStatus as HostStatus};
use pos_core::iso8583::TxnType;
use pos_core::store::{TxnStatus, UploadState};
use pos_core::terminal::AttentionKind;
use pos_core::terminal::OriginalRef;
use pos_core::terminal::{SyncEvent, SyncStop};
use pos_core::Bilingual;
use pos_core::Error;
use pos_core::ReversalState;
use pos_core::{OfflinePreference, OfflineRefusal};
use pos_e2e::{cny, pan};

const FORCE: OfflinePreference = OfflinePreference::ForceOffline;

#[tokio::test(start_paused = true)]
async fn offline_payments_are_stored_then_uploaded_in_order() {
    let lane = Lane::start(|_| {}).await;
    let ledger = lane.sim.ledger();
    let (start_tap, start_chip) =
        (ledger.available(pan("contactless")).unwrap(), ledger.available(pan("offline")).unwrap());
    let mut stored = Vec::new();
    for (card, fen) in [("contactless", 1_200), ("offline", 3_400), ("contactless", 560)] {
        lane.present(card);
        let o = lane.terminal.sale_with(cny(fen), FORCE).await.unwrap();
        assert!(o.approved && o.txn == TxnType::OfflineSale && o.rrn.is_none(), "{o:?}");
        assert!(o.zh().contains("离线") && o.en().contains("offline"));
        stored.push(o);
    }
    assert!(lane.host_rows().is_empty(), "nothing went to the host");
    let stats = lane.terminal.queue_stats().unwrap();
    assert_eq!((stats.count, stats.total_minor), (3, 5_160));

    let mut events = lane.terminal.subscribe();
    let report = lane.terminal.sync().await.unwrap();
    assert_eq!((report.accepted, report.declined, report.left, report.stop.clone()), (3, 0, 0, None));
    assert!(report.is_clean() && report.zh().contains("上送成功3笔") && report.en().contains("3 accepted"));
    let rows = lane.host_rows();
    assert_eq!(rows.len(), 3);
    for (o, row) in stored.iter().zip(&rows) {
        assert_eq!(
            (row.kind, row.stan, row.amount),
            (RowKind::Txn(TxnType::OfflineSale), o.stan.value(), o.amount.unwrap().minor())
        );
        assert_eq!((row.status, row.auth_code.as_deref()), (HostStatus::Approved, o.auth_code.as_deref()));
        let mine = lane.terminal.txn(o.txn_id).unwrap().unwrap();
        assert_eq!(
            (mine.status, mine.rrn.clone(), mine.response_code.map(|c| c.to_string())),
            (TxnStatus::Approved, row.rrn.clone(), Some("00".into()))
        );
        assert_eq!(lane.terminal.queue_entry(o.txn_id).unwrap().unwrap().state, UploadState::Accepted);
    }
    assert_eq!(ledger.available(pan("contactless")).unwrap(), start_tap - 1_760);
    assert_eq!(ledger.available(pan("offline")).unwrap(), start_chip - 3_400);

    let events = drain(&mut events);
    assert!(matches!(events.first(), Some(SyncEvent::Started { payments: 3, .. })));
    let uploaded: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            SyncEvent::Payment { txn_id, state: UploadState::Accepted, .. } => Some(*txn_id),
            _ => None,
        })
        .collect();
    assert_eq!(uploaded, stored.iter().map(|o| o.txn_id).collect::<Vec<_>>(), "in order");
    assert!(events.iter().any(|e| matches!(e, SyncEvent::Progress { left: 0, .. })));
    assert!(matches!(events.last(), Some(SyncEvent::Finished(r)) if r.accepted == 3));
    assert_eq!(lane.terminal.sync().await.unwrap().accepted, 0, "nothing twice");
    ledger.check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn prefer_online_goes_online_when_it_can_and_offline_when_the_network_is_gone() {
    let lane = Lane::start(|_| {}).await;
    lane.present("contactless");
    let online = lane.terminal.sale(cny(100)).await.unwrap();
    assert_eq!((online.txn, online.approved), (TxnType::Sale, true));
    lane.terminal.set_connectivity(false);
    assert!(!lane.terminal.is_online());
    let rows_before = lane.host_rows().len();
    let offline = lane.terminal.sale(cny(200)).await.unwrap();
    assert_eq!((offline.txn, offline.approved), (TxnType::OfflineSale, true));
    assert_eq!(lane.host_rows().len(), rows_before, "no attempt at the host");
    // A card that needs an online PIN cannot pay while offline.
    lane.present("debit");
    let e = lane.terminal.sale(cny(300)).await.unwrap_err();
    assert_eq!(e, Error::from(OfflineRefusal::OnlinePin));
    let sync = lane.terminal.sync().await.unwrap();
    assert_eq!(sync.stop, Some(SyncStop::Offline));
    assert_eq!(sync.left, 1);
}

#[tokio::test(start_paused = true)]
async fn fallback_after_a_lost_answer_never_charges_twice() {
    let lane = Lane::start(|_| {}).await;
    let ledger = lane.sim.ledger();
    lane.present("contactless");
    let start = ledger.available(pan("contactless")).unwrap();
    // The host approves the online sale but its answer is lost: the terminal falls back.
    lane.fault(FaultMode::DropResponse, 1, RequestClass::Financial);
    let o = lane.terminal.sale(cny(4_800)).await.unwrap();
    assert_eq!((o.txn, o.approved), (TxnType::OfflineSale, true));
    assert_eq!(ledger.available(pan("contactless")).unwrap(), start - 4_800, "charged online for now");
    let online_try = lane.terminal.open_reversals().unwrap();
    assert_eq!(online_try.len(), 1);
    assert_eq!(online_try[0].state, ReversalState::Due);
    let online_stan = online_try[0].txn.numbers.stan.value();

    let report = lane.terminal.sync().await.unwrap();
    assert_eq!((report.reversals_acknowledged, report.accepted, report.left), (1, 1, 0));
    let rows = lane.host_rows();
    let rev = rows.iter().position(|r| r.kind.is_reversal()).unwrap();
    let advice = rows.iter().position(|r| r.kind == RowKind::Txn(TxnType::OfflineSale)).unwrap();
    assert!(rev < advice, "the reversal went before the advice");
    assert_eq!(lane.host_row(online_stan).unwrap().status, HostStatus::Reversed);
    assert_eq!(ledger.available(pan("contactless")).unwrap(), start - 4_800, "charged exactly once");

    // A connection that closes before the host reads the request falls back too, with nothing to undo.
    lane.fault(FaultMode::Close, 1, RequestClass::Financial);
    let o = lane.terminal.sale(cny(100)).await.unwrap();
    assert_eq!(o.txn, TxnType::OfflineSale);
    lane.terminal.sync().await.unwrap();
    assert_eq!(ledger.available(pan("contactless")).unwrap(), start - 4_900);
    ledger.check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn require_online_and_online_only_types_refuse_while_offline() {
    let lane = Lane::start(|_| {}).await;
    lane.present("contactless");
    let sale = lane.terminal.sale(cny(1_000)).await.unwrap();
    lane.terminal.set_connectivity(false);
    let e = lane.terminal.sale_with(cny(100), OfflinePreference::RequireOnline).await.unwrap_err();
    assert_eq!(e, Error::from(OfflineRefusal::OnlineRequired));
    let e = lane.terminal.void(OriginalRef::Voucher(sale.voucher.unwrap())).await.unwrap_err();
    assert_eq!(e, Error::from(OfflineRefusal::OnlineOnly { txn: TxnType::Void }));
    assert!(e.zh().contains("只能联机") && e.en().contains("only be done online"), "{}", e.en());
    let e = lane.terminal.refund(cny(100), OriginalRef::Voucher(sale.voucher.unwrap())).await.unwrap_err();
    assert_eq!(e, Error::from(OfflineRefusal::OnlineOnly { txn: TxnType::Refund }));
    match e {
        Error::OfflineRefused { code, .. } => assert_eq!(code.as_str(), "online_only"),
        other => panic!("{other:?}"),
    }
    lane.terminal.set_connectivity(true);
    assert!(lane.terminal.void(OriginalRef::Voucher(sale.voucher.unwrap())).await.unwrap().approved);
}

#[tokio::test(start_paused = true)]
async fn each_refusal_has_its_own_reason() {
    let lane = Lane::start(|c| {
        c.offline.per_payment = cny(10_000);
        c.offline.total = cny(15_000);
        c.offline.count = 3;
    })
    .await;
    let refused = |e: Error| match &e {
        Error::OfflineRefused { code, .. } => {
            let r = pos_e2e::source_of::<OfflineRefusal>(&e).expect("its reason");
            assert_eq!(code.as_str(), r.code(), "the public code is the reason's");
            r
        }
        other => panic!("not a refusal: {other:?}"),
    };
    lane.present("swipe12");
    assert_eq!(refused(lane.terminal.sale_with(cny(100), FORCE).await.unwrap_err()), OfflineRefusal::NotChip);
    lane.present("fallback");
    assert_eq!(refused(lane.terminal.sale_with(cny(100), FORCE).await.unwrap_err()), OfflineRefusal::NotChip);
    lane.present("credit");
    assert_eq!(refused(lane.terminal.sale_with(cny(100), FORCE).await.unwrap_err()), OfflineRefusal::OnlinePin);
    lane.present("contactless");
    let over = refused(lane.terminal.sale_with(cny(10_001), FORCE).await.unwrap_err());
    assert_eq!(over, OfflineRefusal::AmountOverLimit { limit: cny(10_000) });
    assert!(over.zh().contains("100.00") && over.en().contains("100.00"), "{}", over.en());
    lane.terminal.sale_with(cny(9_000), FORCE).await.unwrap();
    lane.present("offline");
    let total = refused(lane.terminal.sale_with(cny(6_001), FORCE).await.unwrap_err());
    assert_eq!(total, OfflineRefusal::TotalOverLimit { limit: cny(15_000) });
    lane.terminal.sale_with(cny(100), FORCE).await.unwrap();
    lane.terminal.sale_with(cny(100), FORCE).await.unwrap();
    assert_eq!(
        refused(lane.terminal.sale_with(cny(1), FORCE).await.unwrap_err()),
        OfflineRefusal::CountOverLimit { limit: 3 }
    );
    // Every reason reads in both languages and has a stable code.
    let all = [
        OfflineRefusal::Disabled,
        OfflineRefusal::OnlineRequired,
        OfflineRefusal::OnlineOnly { txn: TxnType::Refund },
        OfflineRefusal::NotChip,
        OfflineRefusal::OnlinePin,
        OfflineRefusal::AmountOverLimit { limit: cny(1) },
        OfflineRefusal::TotalOverLimit { limit: cny(1) },
        OfflineRefusal::CountOverLimit { limit: 1 },
        OfflineRefusal::QueueTooOld { hours: 24 },
        OfflineRefusal::CardDailyLimit { limit: 3 },
        OfflineRefusal::NotSignedIn,
    ];
    let codes: std::collections::HashSet<_> = all.iter().map(|r| r.code()).collect();
    assert_eq!(codes.len(), all.len());
    assert!(all.iter().all(|r| !r.zh().is_empty() && !r.en().is_empty() && r.zh() != r.en()));

    let off = Lane::start(|c| c.offline.enabled = false).await;
    off.present("contactless");
    assert_eq!(refused(off.terminal.sale_with(cny(1), FORCE).await.unwrap_err()), OfflineRefusal::Disabled);
    off.terminal.sign_off().await.unwrap();
    let never = Lane::start(|_| {}).await;
    never.terminal.sign_off().await.unwrap();
    never.present("contactless");
    assert_eq!(refused(never.terminal.sale_with(cny(1), FORCE).await.unwrap_err()), OfflineRefusal::NotSignedIn);
}

#[tokio::test(start_paused = true)]
async fn a_payment_declined_on_upload_is_reported_and_the_others_go_on() {
    let mut sim = sim_config();
    sim.limits.per_transaction = 20_000;
    let lane = Lane::start_with(sim, |_| {}).await;
    lane.present("offline");
    let a = lane.terminal.sale_with(cny(5_000), FORCE).await.unwrap();
    let b = lane.terminal.sale_with(cny(30_000), FORCE).await.unwrap();
    lane.present("contactless");
    let c = lane.terminal.sale_with(cny(7_000), FORCE).await.unwrap();
    let mut events = lane.terminal.subscribe();
    let report = lane.terminal.sync().await.unwrap();
    assert_eq!((report.accepted, report.declined, report.left, report.stop), (2, 1, 0, None));
    assert_eq!(lane.terminal.queue_entry(a.txn_id).unwrap().unwrap().state, UploadState::Accepted);
    let eb = lane.terminal.queue_entry(b.txn_id).unwrap().unwrap();
    assert_eq!((eb.state, eb.response_code.map(|c| c.to_string())), (UploadState::Declined, Some("61".into())));
    assert_eq!(eb.txn.status, TxnStatus::Declined);
    assert_eq!(lane.terminal.queue_entry(c.txn_id).unwrap().unwrap().state, UploadState::Accepted);
    let attention = lane.terminal.attention().unwrap();
    assert_eq!(attention.len(), 1);
    let a1 = &attention[0];
    assert_eq!((a1.kind, a1.txn_id), (AttentionKind::UploadDeclined, b.txn_id));
    assert!(a1.zh().contains("商户承担") && a1.en().contains("merchant carries"), "{}", a1.en());
    assert!(a1.tell_customer_en().contains("not charged"));
    let events = drain(&mut events);
    assert!(events
        .iter()
        .any(|e| matches!(e, SyncEvent::Payment { txn_id, state: UploadState::Declined, .. } if *txn_id == b.txn_id)));
    assert!(events.iter().any(|e| matches!(e, SyncEvent::Attention(a) if a.kind == AttentionKind::UploadDeclined)));
    assert_eq!(lane.host_row(b.stan.value()).unwrap().status, HostStatus::Declined);
    lane.sim.ledger().check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn an_upload_whose_answer_was_lost_is_resent_as_a_repeat_without_a_second_effect() {
    let lane = Lane::start(|_| {}).await;
    let ledger = lane.sim.ledger();
    lane.present("offline");
    let start = ledger.available(pan("offline")).unwrap();
    let o = lane.terminal.sale_with(cny(2_200), FORCE).await.unwrap();
    lane.fault(FaultMode::DropResponse, 1, RequestClass::Financial);
    let report = lane.terminal.sync().await.unwrap();
    assert_eq!((report.accepted, report.left, report.stop), (0, 1, Some(SyncStop::NoAnswer)));
    let e = lane.terminal.queue_entry(o.txn_id).unwrap().unwrap();
    assert_eq!((e.state, e.attempts), (UploadState::Stored, 1));
    assert_eq!(lane.host_row(o.stan.value()).unwrap().status, HostStatus::Approved, "the host has it already");
    assert_eq!(lane.terminal.sync().await.unwrap().accepted, 1);
    let rows: Vec<_> = lane.host_rows().into_iter().filter(|r| r.stan == o.stan.value()).collect();
    assert_eq!(rows.len(), 1, "the repeat was answered from the host's record");
    assert_eq!(ledger.available(pan("offline")).unwrap(), start - 2_200);
    ledger.check_invariants().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_repeat_after_a_new_sign_in_is_still_recognised() {
    let lane = Lane::start(|_| {}).await;
    let ledger = lane.sim.ledger();
    lane.present("offline");
    let start = ledger.available(pan("offline")).unwrap();
    lane.terminal.sale_with(cny(1_100), FORCE).await.unwrap();
    // The host takes the advice but its answers are lost: once in a sync, once in the
    // flush that comes before the next sign-in.
    lane.fault(FaultMode::DropResponse, 2, RequestClass::Financial);
    assert_eq!(lane.terminal.sync().await.unwrap().left, 1);
    // A sign-in would bring a new MAK (and TDK) before the resend: refused while it is owed.
    let e = lane.terminal.sign_in().await.unwrap_err();
    assert!(matches!(e, Error::OwedBeforeSignIn { stored: 1, reversals: 0, .. }), "{e:?}");
    let report = lane.terminal.sync().await.unwrap();
    assert_eq!((report.accepted, report.left), (1, 0), "{report:?}");
    let rows: Vec<_> = lane.host_rows().into_iter().filter(|r| r.amount == 1_100).collect();
    assert_eq!(rows.len(), 1, "the repeat was answered from the host's record");
    assert_eq!(ledger.available(pan("offline")).unwrap(), start - 1_100);
    assert!(lane.terminal.sign_in().await.unwrap().approved, "nothing owed: the sign-in goes ahead");
}

#[tokio::test(start_paused = true)]
async fn uploads_resume_on_connectivity_return() {
    let lane = Lane::start(|c| c.sync.window = 2).await;
    lane.terminal.set_connectivity(false);
    lane.present("contactless");
    for fen in [100, 200, 300, 400, 500] {
        assert_eq!(lane.terminal.sale(cny(fen)).await.unwrap().txn, TxnType::OfflineSale);
    }
    let mut events = lane.terminal.subscribe();
    let _task = lane.terminal.spawn_sync();
    // Offline: neither the background round nor a sync by hand uploads (checked at the host).
    let report = sync_while_offline(&lane.terminal).await;
    assert_eq!((report.accepted, report.declined, report.left), (0, 0, 5), "{report:?}");
    assert!(lane.host_rows().iter().all(|r| r.kind != RowKind::Txn(TxnType::OfflineSale)), "nothing while offline");
    assert_eq!(lane.terminal.queue_stats().unwrap().count, 5, "all five still queued");
    lane.terminal.set_connectivity(true);
    let done = wait_for(&mut events, |e| matches!(e, SyncEvent::Finished(r) if r.accepted == 5)).await;
    assert!(done.is_some());
    assert_eq!(lane.terminal.queue_stats().unwrap().count, 0);
}

#[tokio::test(start_paused = true)]
async fn progress_counts_down_by_group() {
    let lane = Lane::start(|c| c.sync.group = 2).await;
    lane.present("contactless");
    for fen in [100, 200, 300, 400, 500] {
        lane.terminal.sale_with(cny(fen), FORCE).await.unwrap();
    }
    let mut events = lane.terminal.subscribe();
    lane.terminal.sync().await.unwrap();
    let progress: Vec<(u32, u32, u64)> = drain(&mut events)
        .iter()
        .filter_map(|e| match e {
            SyncEvent::Progress { done, left, left_amount } => Some((*done, *left, left_amount.minor())),
            _ => None,
        })
        .collect();
    assert_eq!(progress, [(2, 3, 1_200), (4, 1, 500), (5, 0, 0)], "one progress event per group");
}

#[tokio::test(start_paused = true)]
async fn an_unreachable_host_keeps_everything_for_later() {
    let mut lane = Lane::start(|_| {}).await;
    lane.present("contactless");
    let o = lane.terminal.sale_with(cny(900), FORCE).await.unwrap();
    // Point the terminal at a port nobody listens on.
    let good = lane.config.host.clone();
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    lane.config.host = dead;
    lane.restart();
    let report = lane.terminal.sync().await.unwrap();
    assert_eq!((report.stop, report.left), (Some(SyncStop::HostUnreachable), 1));
    assert!(!lane.terminal.is_online(), "host reachability is part of connectivity");
    assert_eq!(lane.terminal.queue_entry(o.txn_id).unwrap().unwrap().state, UploadState::Stored);
    lane.config.host = good;
    lane.restart();
    assert_eq!(lane.terminal.sync().await.unwrap().accepted, 1);
}

#[tokio::test(start_paused = true)]
async fn payments_stored_before_a_new_sign_in_are_uploaded_under_the_keys_they_were_read_with() {
    let lane = Lane::start(|_| {}).await;
    lane.present("contactless");
    let o = lane.terminal.sale_with(cny(1_300), FORCE).await.unwrap();
    // The morning sign-in: new working keys (the stored track was encrypted under the old TDK).
    assert!(lane.terminal.sign_in().await.unwrap().approved);
    lane.terminal.sync().await.unwrap();
    let e = lane.terminal.queue_entry(o.txn_id).unwrap().unwrap();
    assert_eq!(e.state, UploadState::Accepted, "{e:?}");
}

#[tokio::test(start_paused = true)]
async fn the_background_task_uploads_on_its_timer_and_retries_after_failures() {
    let lane = Lane::start(|c| c.sync.interval = Duration::from_millis(300)).await;
    let mut events = lane.terminal.subscribe();
    let _task = lane.terminal.spawn_sync();
    // Nothing to do at start; then a payment is stored and nobody wakes the task: the timer does.
    tokio::time::sleep(Duration::from_millis(50)).await;
    lane.present("contactless");
    let o = lane.terminal.sale_with(cny(400), FORCE).await.unwrap();
    let done = wait_for(&mut events, |e| matches!(e, SyncEvent::Finished(r) if r.accepted == 1)).await;
    assert!(done.is_some(), "uploaded on the timer");
    assert_eq!(lane.terminal.queue_entry(o.txn_id).unwrap().unwrap().state, UploadState::Accepted);

    // The host drops the next three connections: the task backs off and tries again until it goes.
    lane.fault(FaultMode::Close, 3, RequestClass::Financial);
    let o = lane.terminal.sale_with(cny(500), FORCE).await.unwrap();
    lane.terminal.request_sync();
    let failed = std::cell::Cell::new(0);
    let done = wait_for(&mut events, |e| match e {
        SyncEvent::Finished(r) if r.stop.is_some() => {
            failed.set(failed.get() + 1);
            false
        }
        SyncEvent::Finished(r) => r.accepted == 1,
        _ => false,
    })
    .await;
    assert_eq!(failed.get(), 3, "one failed round per dropped connection");
    assert!(done.is_some(), "uploaded in the end");
    assert_eq!(lane.terminal.queue_entry(o.txn_id).unwrap().unwrap().attempts, 4, "three failures, then accepted");
}
