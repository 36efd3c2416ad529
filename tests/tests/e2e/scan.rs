//! A scripted day at the terminal, then a scan of everything it left behind (the database,
//! its WAL, the captured logs at TRACE and the Debug output of every outcome and error):
//! no full PAN (digits or BCD), no track (clear or as the reader encrypted it), no PIN
//! block, no key.

use std::time::Duration;

use crate::support::Lane;
use pos_acquirer_sim::{FaultMode, RequestClass};
use pos_core::crypto::SecretKey;
use pos_core::deck;
use pos_core::iso8583::TxnType;
use pos_core::provision::DEMO_TMK_HEX;
use pos_core::store::Store;
use pos_core::terminal::OriginalRef;
use pos_core::Clock;
use pos_core::OfflinePreference;
use pos_core::{CardReader, CardRequest};
use pos_e2e::{cny, LogCapture};

/// The PAN packed two digits a byte, as field 2 would carry it.
fn bcd(digits: &str) -> Vec<u8> {
    pos_testkit::bcd::pack(digits).expect("a deck PAN is digits")
}

fn find(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scripted_day_leaves_no_card_data_or_keys_behind() {
    // The binary's one subscriber, capturing everything at TRACE while `logs` lives.
    let logs = LogCapture::start();
    let mut debug = String::new();
    let mut note = |s: String| {
        debug.push_str(&s);
        debug.push('\n');
    };

    let lane = Lane::start(|c| c.response_timeout = Duration::from_millis(400)).await;
    let t = &lane.terminal;
    let session = t.store().session().unwrap().unwrap();
    let cards = ["debit", "credit", "contactless", "offline", "swipe12", "swipe123", "fallback", "lowbal", "lost"];

    // Morning: online sales of every kind of read, a decline or two, a void, a refund.
    for (card, fen) in [
        ("debit", 12_345),
        ("credit", 2_000),
        ("contactless", 880),
        ("swipe12", 1_500),
        ("swipe123", 1_600),
        ("fallback", 1_700),
    ] {
        lane.present(card);
        note(format!("{:?}", t.sale(cny(fen)).await));
    }
    for card in ["lowbal", "lost"] {
        lane.present(card);
        note(format!("{:?}", t.sale(cny(5_000)).await));
    }
    lane.present("credit");
    let sale = t.sale(cny(3_000)).await.unwrap();
    note(format!("{:?}", t.void(OriginalRef::Voucher(sale.voucher.unwrap())).await));
    let sale = t.sale(cny(4_000)).await.unwrap();
    note(format!("{:?}", t.refund(cny(1_000), OriginalRef::Voucher(sale.voucher.unwrap())).await));
    let hold = t.pre_auth(cny(9_000)).await.unwrap();
    note(format!("{:?}", t.pre_auth_complete(cny(8_000), OriginalRef::Voucher(hold.voucher.unwrap())).await));
    lane.present("debit");
    note(format!("{:?}", t.balance().await));

    // Noon: the signal goes bad. A lost answer, a bad MAC, then no network at all.
    lane.fault(FaultMode::DropResponse, 1, RequestClass::Financial);
    note(format!("{:?}", t.sale(cny(700)).await));
    lane.fault(FaultMode::BadMac, 1, RequestClass::Financial);
    note(format!("{:?}", t.sale(cny(710)).await));
    t.set_connectivity(false);
    for card in ["contactless", "offline", "debit"] {
        lane.present(card);
        note(format!("{:?}", t.sale(cny(2_100)).await));
        note(format!("{:?}", t.sale_with(cny(2_200), OfflinePreference::ForceOffline).await));
    }
    note(format!("{:?}", t.attention()));

    // Afternoon: back online; everything goes up. A receipt fails to print and is cancelled.
    t.set_connectivity(true);
    note(format!("{:?}", t.sync().await));
    lane.present("credit");
    let unprinted = t.sale(cny(1_234)).await.unwrap();
    note(format!("{:?}", t.cancel_unprinted(unprinted.txn_id).await));
    note(format!("{:?}", t.recent_txns(100)));
    note(format!("{:?}", t.offline_queue(false)));
    note(format!("{:?}", t.open_reversals()));
    note(format!("{:?}", t.sync().await));
    assert!(t.offline_queue(false).unwrap().iter().any(|e| e.txn.txn_type == TxnType::OfflineSale));

    // What the reader produced for each card (tracks under the TDK, PIN blocks under the PIK
    // are deterministic per card), to look for in the files.
    let mut needles: Vec<(String, Vec<u8>)> = Vec::new();
    for card in cards {
        let c = deck::find(card).unwrap();
        needles.push((format!("{card} PAN"), c.pan.as_bytes().to_vec()));
        needles.push((format!("{card} PAN BCD"), bcd(c.pan)));
        needles.push((format!("{card} track 2"), c.track2().into_bytes()));
        needles.push((format!("{card} track 2 (D)"), c.track2().replace('=', "D").into_bytes()));
        needles.push((format!("{card} track 3"), c.track3().into_bytes()));
        lane.present(card);
        let read = lane
            .reader
            .read_card(CardRequest {
                txn: TxnType::Sale,
                amount: Some(cny(1)),
                timeout: Duration::from_secs(1),
                pin_entry: true,
                at: lane.clock.now(),
                prefix_lengths: 0,
            })
            .await
            .unwrap();
        for (what, v) in [("encrypted track 2", read.track2.clone()), ("encrypted track 3", read.track3.clone())] {
            if let Some(v) = v {
                needles.push((format!("{card} {what}"), v.into_bytes()));
            }
        }
        if let Some(pb) = read.pin_block {
            needles.push((format!("{card} PIN block"), pb.to_vec()));
            needles.push((format!("{card} PIN block hex"), hex::encode_upper(pb).into_bytes()));
        }
    }
    let tmk = SecretKey::from_hex(DEMO_TMK_HEX).unwrap();
    for (name, key) in [("MAK", &session.mak), ("TMK", &tmk)] {
        needles.push((name.into(), key.as_bytes().to_vec()));
        needles.push((format!("{name} hex"), hex::encode_upper(key.as_bytes()).into_bytes()));
        needles.push((format!("{name} hex lower"), hex::encode(key.as_bytes()).into_bytes()));
    }

    let db = lane.dir.join(Store::FILE_NAME);
    let files = [
        ("database", std::fs::read(&db).unwrap()),
        ("WAL", std::fs::read(lane.dir.join(format!("{}-wal", Store::FILE_NAME))).unwrap_or_default()),
        ("logs", logs.bytes()),
        ("debug output", debug.clone().into_bytes()),
    ];
    assert!(files[1].1.len() > 4096, "the WAL holds the day");
    assert!(files[2].1.len() > 10_000, "logs were captured at TRACE");
    let mut leaks = Vec::new();
    for (file, bytes) in &files {
        for (what, needle) in &needles {
            if find(bytes, needle) {
                leaks.push(format!("{what} in the {file}"));
            }
        }
    }
    assert!(leaks.is_empty(), "found: {leaks:?}");
    // The scan would see them: masked PANs are there, as they should be.
    assert!(find(&files[0].1, b"622848*********0018") || find(&files[1].1, b"622848*********0018"));
    assert!(find(&files[2].1, b"622848*********0018"));
}
