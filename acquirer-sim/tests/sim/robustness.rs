//! Hostile and broken peers: the server answers, closes, or waits, and never falls over.

use std::time::Duration;

use pos_core::crypto::KeyMode;
use pos_core::deck::DECK;
use pos_core::iso8583::{unionpay, AdminKind, Frame, Header, Message, Mti, Tpdu, TxnType};
use pos_core::provision::DEMO_TMK_HEX;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::client::{Client, Recv};
use crate::terminal::{rc, Term};
use crate::{demo, invariants, start, LOGS};

/// Sends `bytes` on a fresh connection, half-closes, and drains whatever comes back.
async fn throw(sim: &pos_acquirer_sim::SimHandle, bytes: &[u8]) {
    let mut c = Client::to(sim).await;
    let _ = tokio::io::AsyncWriteExt::write_all(&mut c.stream, bytes).await;
    let _ = tokio::io::AsyncWriteExt::shutdown(&mut c.stream).await;
    for _ in 0..4 {
        match c.recv(Duration::from_secs(2)).await {
            Recv::Frame(_) => continue,
            _ => break,
        }
    }
}

fn prefixed(body: &[u8]) -> Vec<u8> {
    let mut v = (body.len() as u16).to_be_bytes().to_vec();
    v.extend_from_slice(body);
    v
}

/// Values of the right shape for a field, so that garbage gets past the codec to the rules.
fn field_value(n: u8, seed: &[u8]) -> Vec<u8> {
    let Some(spec) = unionpay().field(n) else { return Vec::new() };
    let max = spec.length.max().min(40);
    let len = match spec.length {
        pos_core::iso8583::LengthKind::Fixed(f) => usize::from(f),
        _ => seed.first().map(|b| usize::from(*b) % (max + 1)).unwrap_or(0),
    };
    let byte = |i: usize| seed.get(i % seed.len().max(1)).copied().unwrap_or(0);
    (0..len)
        .map(|i| match spec.encoding {
            pos_core::iso8583::Encoding::BcdLeft | pos_core::iso8583::Encoding::BcdRight => b'0' + byte(i) % 10,
            pos_core::iso8583::Encoding::Track => b"0123456789D"[usize::from(byte(i)) % 11],
            pos_core::iso8583::Encoding::Ascii => b' ' + byte(i) % 95,
            pos_core::iso8583::Encoding::Binary => byte(i),
        })
        .collect()
}

#[test]
fn arbitrary_bytes_never_crash_the_server() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let sim = rt.block_on(start(demo()));
    let mut t = rt.block_on(Term::signed_in(&sim));
    let mut runner = TestRunner::new(Config { cases: 96, failure_persistence: None, ..Config::default() });

    // Raw bytes, and bodies behind a correct length prefix.
    let raw = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..600),
        proptest::collection::vec(any::<u8>(), 0..600).prop_map(|b| prefixed(&b)),
    ];
    runner
        .run(&raw, |bytes| {
            rt.block_on(throw(&sim, &bytes));
            Ok(())
        })
        .unwrap();

    // Signed messages of request types with random (well-shaped) field values: past the MAC, into the rules.
    let mtis = ["0100", "0200", "0220", "0400", "0500", "0320", "0800", "0820", "0600", "0210"];
    let fields: Vec<u8> = (2..=63).filter(|n| unionpay().field(*n).is_some() && *n != 41 && *n != 42).collect();
    let shaped = (
        0..mtis.len(),
        proptest::collection::vec((0..fields.len(), proptest::collection::vec(any::<u8>(), 1..24)), 0..14),
    );
    let keys = t.keys.clone();
    runner
        .run(&shaped, |(m, picks)| {
            let mut msg = Message::new(Mti::new(mtis[m]).unwrap());
            for (i, seed) in &picks {
                let n = fields[*i];
                msg.set(n, field_value(n, seed)).unwrap();
            }
            msg.set(41, t.tid.as_str()).unwrap();
            msg.set(42, t.mid.as_str()).unwrap();
            msg.set(64, [0u8; 8]).unwrap();
            let frame = Frame::new(Tpdu::DEFAULT, Header::IC, msg);
            let Ok(bytes) = pos_core::iso8583::encode_signed(&frame, unionpay(), t.mac, &keys.as_ref().unwrap().mak)
            else {
                return Ok(());
            };
            rt.block_on(throw(&sim, &bytes));
            Ok(())
        })
        .unwrap();

    // Still serving, and the books still balance.
    rt.block_on(async {
        let (_, resp) = t.sale("debit", 100).await;
        assert_eq!(rc(&resp), "00");
    });
    invariants(&sim);
    rt.block_on(sim.shutdown());
}

#[tokio::test]
async fn a_valid_frame_with_flipped_bytes() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let card = t.deck_card("debit");
    let req = t.request(TxnType::Sale, Some(100), card);
    let good = t.encode(req.to_message(true).unwrap());
    for i in 2..good.len() {
        let mut bad = good.clone();
        bad[i] ^= 0x5A;
        throw(&sim, &bad).await;
    }
    // Only flips in the TPDU and header leave the MAB intact: the first of those is processed,
    // the others are duplicates of it. Every other flip fails the MAC or the codec.
    let rows = sim.ledger().transactions_for(pos_core::provision::DEMO_TID).unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    invariants(&sim);
    assert_eq!(rc(&t.sale("debit", 100).await.1), "00");
}

#[tokio::test]
async fn oversize_frames_heartbeats_and_responses_sent_to_the_host() {
    let sim = start(demo()).await;
    let mut c = Client::to(&sim).await;
    c.send(&[0x10, 0x01]).await; // 4097 > the profile maximum
    assert!(c.is_closed(Duration::from_secs(5)).await);
    // A zero-length keep-alive is ignored; a 0210 sent to the host is not answered.
    let mut t = Term::demo(&sim).await;
    t.client.send(&[0, 0]).await;
    let mut m = Message::new(Mti::new("0210").unwrap());
    m.set(41, t.tid.as_str()).unwrap().set(39, "00").unwrap();
    t.client.send(&Frame::new(Tpdu::DEFAULT, Header::IC, m).encode(unionpay()).unwrap()).await;
    assert_eq!(t.recv(Duration::from_millis(200)).await, Recv::Timeout);
    assert_eq!(t.sign_in(KeyMode::Double003).await.response_code.as_str(), "00", "same connection still served");
    // An unknown message type from a known terminal: 40.
    let mut m = Message::new(Mti::new("0600").unwrap());
    m.set(11, "000009").unwrap().set(41, t.tid.as_str()).unwrap().set(42, t.mid.as_str()).unwrap();
    let (answer, _) = t.exchange(m).await;
    assert_eq!((answer.mti().as_str(), answer.get_str(39)), ("0610", Some("40")));
}

#[tokio::test]
async fn idle_and_stalled_connections_are_closed() {
    let mut c = demo();
    c.timeouts.idle_ms = 200;
    c.timeouts.frame_read_ms = 200;
    let sim = start(c).await;
    let mut idle = Client::to(&sim).await;
    assert!(idle.is_closed(Duration::from_secs(5)).await);
    let mut stalled = Client::to(&sim).await;
    stalled.send(&[0x00, 0x40, 0x60, 0x00]).await;
    assert!(stalled.is_closed(Duration::from_secs(5)).await);
    // A slow but steady terminal within the limits is fine.
    let mut t = Term::signed_in(&sim).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(t.call_unsigned(AdminKind::Echo).await.response_code.as_str(), "00");
}

#[tokio::test]
async fn logs_never_contain_card_data_or_keys() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    for card in DECK {
        t.sale(card.id, 100).await;
    }
    let wrongpin = pos_core::deck::find("wrongpin").unwrap();
    let card = t.card(wrongpin, Some("999999"));
    t.run(TxnType::Sale, Some(100), card).await;
    let (sale, _) = t.sale("debit", 100).await;
    t.reverse(&sale).await;
    let keys = t.keys.clone().unwrap();
    let logs = String::from_utf8_lossy(&LOGS.lock().unwrap_or_else(|e| e.into_inner())).into_owned();
    assert!(logs.contains("622848*********0018"), "masked PANs are logged");
    for card in DECK {
        assert!(!logs.contains(card.pan), "full PAN of {} in logs", card.id);
        assert!(!logs.contains(&card.track2().replace('=', "D")), "track of {} in logs", card.id);
    }
    for secret in
        [hex::encode_upper(keys.mak.as_bytes()), hex::encode_upper(keys.pik.as_bytes()), DEMO_TMK_HEX.to_owned()]
    {
        assert!(!logs.to_uppercase().contains(&secret), "a key in the logs");
    }
}
