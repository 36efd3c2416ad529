//! The client against small scripted hosts on loopback.

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use super::framing::read_frame;
use super::*;
use crate::crypto::{MacAlgorithm, SecretKey};
use crate::iso8583::{encode_signed, unionpay, Frame, Header, MacCheck, Message, Mti, Stan, TerminalId, Tpdu};

const ALGO: MacAlgorithm = MacAlgorithm::UnionPayEcb;
const TID: &str = "10000001";

fn mak() -> SecretKey {
    SecretKey::from_hex("5BB5C72CD00B7338").unwrap()
}

fn key(stan: u32) -> MatchKey {
    MatchKey { tid: TerminalId::new(TID).unwrap(), stan: Stan::new(stan).unwrap() }
}

/// A signed 0200 with the given STAN.
fn request(stan: u32) -> Vec<u8> {
    let mut m = Message::new(Mti::new("0200").unwrap());
    m.set(3, "000000").unwrap().set(4, "000000000100").unwrap().set(11, format!("{stan:06}")).unwrap();
    m.set(41, TID).unwrap().set(42, "898310048990001").unwrap().set(60, "22000001").unwrap();
    m.set(64, [0u8; 8]).unwrap();
    encode_signed(&Frame::new(Tpdu::DEFAULT, Header::IC, m), unionpay(), ALGO, &mak()).unwrap()
}

/// The 0210 answering a request frame: `rc`, MACed when `mac` (with a wrong key when `bad_mac`).
fn answer(req: &[u8], rc: &str, mac: bool, bad_mac: bool) -> Vec<u8> {
    let f = Frame::decode(unionpay(), req).unwrap();
    let q = &f.message;
    let mut m = Message::new(q.mti().response());
    for n in [3, 4, 11, 41, 42, 60] {
        if let Some(v) = q.get(n) {
            m.set(n, v).unwrap();
        }
    }
    m.set(37, "000000000001").unwrap().set(39, rc).unwrap();
    let frame = Frame::new(f.tpdu.swapped(), f.header, m);
    if mac {
        let mut frame = frame;
        frame.message.set(64, [0u8; 8]).unwrap();
        let k = if bad_mac { SecretKey::from_hex("0123456789ABCDEF").unwrap() } else { mak() };
        encode_signed(&frame, unionpay(), ALGO, &k).unwrap()
    } else {
        frame.encode(unionpay()).unwrap()
    }
}

fn stan_of(frame: &[u8]) -> u32 {
    let f = Frame::decode(unionpay(), frame).unwrap();
    f.message.get_str(11).unwrap().parse().unwrap()
}

async fn next(s: &mut TcpStream) -> Option<Vec<u8>> {
    read_frame(s, 4096, Duration::from_secs(5)).await.ok().flatten()
}

async fn listener() -> (TcpListener, AcquirerClient) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut cfg = AcquirerConfig::new(l.local_addr().unwrap().to_string());
    cfg.response_timeout = Duration::from_secs(5);
    cfg.connect_timeout = Duration::from_secs(2);
    (l, AcquirerClient::new(cfg))
}

fn out<'a>(frame: &'a [u8], stan: u32, k: &'a SecretKey) -> Outbound<'a> {
    Outbound {
        frame,
        key: key(stan),
        response_mti: Mti::from_digits(*b"0210"),
        mac: ResponseMac::RequiredIfApproved(k, ALGO),
    }
}

#[tokio::test]
async fn approved_response_with_valid_mac() {
    let (l, client) = listener().await;
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        let req = next(&mut s).await.unwrap();
        s.write_all(&answer(&req, "00", true, false)).await.unwrap();
        next(&mut s).await;
    });
    let k = mak();
    let req = request(1);
    let reply = client.exchange(out(&req, 1, &k)).await.unwrap();
    assert_eq!(reply.mac, MacCheck::Valid);
    assert_eq!(reply.frame.message.get_str(39), Some("00"));
}

#[tokio::test]
async fn two_in_flight_answered_out_of_order() {
    let (l, client) = listener().await;
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        let a = next(&mut s).await.unwrap();
        let b = next(&mut s).await.unwrap();
        // Answer the second first, with different response codes to tell them apart.
        let (rc_a, rc_b) = if stan_of(&a) == 1 { ("00", "51") } else { ("51", "00") };
        s.write_all(&answer(&b, rc_b, true, false)).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        s.write_all(&answer(&a, rc_a, true, false)).await.unwrap();
        next(&mut s).await;
    });
    let k = mak();
    let (r1, r2) = (request(1), request(2));
    let (a, b) = tokio::join!(client.exchange(out(&r1, 1, &k)), client.exchange(out(&r2, 2, &k)));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!((a.frame.message.get_str(11), a.frame.message.get_str(39)), (Some("000001"), Some("00")));
    assert_eq!((b.frame.message.get_str(11), b.frame.message.get_str(39)), (Some("000002"), Some("51")));
}

#[tokio::test]
async fn unmatched_and_late_responses_are_dropped() {
    let (l, mut client) = listener().await;
    client.config.response_timeout = Duration::from_millis(300);
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        let first = next(&mut s).await.unwrap();
        // Stray answers: another STAN, another terminal's request, and the right STAN as a 0410.
        s.write_all(&answer(&request(77), "00", true, false)).await.unwrap();
        let mut other = Frame::decode(unionpay(), &answer(&first, "00", false, false)).unwrap();
        other.message.set(41, "99999999").unwrap();
        s.write_all(&other.encode(unionpay()).unwrap()).await.unwrap();
        let mut reversal_reply = Frame::decode(unionpay(), &answer(&first, "00", false, false)).unwrap();
        reversal_reply.message.set_mti(Mti::from_digits(*b"0410"));
        s.write_all(&reversal_reply.encode(unionpay()).unwrap()).await.unwrap();
        // Let the first request time out, then answer it late, then answer the second properly.
        let second = next(&mut s).await.unwrap();
        s.write_all(&answer(&first, "00", true, false)).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        s.write_all(&answer(&second, "05", true, false)).await.unwrap();
        next(&mut s).await;
    });
    let k = mak();
    let r1 = request(1);
    assert!(matches!(client.exchange(out(&r1, 1, &k)).await, Err(AcquirerError::Timeout { .. })));
    let r2 = request(2);
    let reply = client.exchange(out(&r2, 2, &k)).await.unwrap();
    assert_eq!((reply.frame.message.get_str(11), reply.frame.message.get_str(39)), (Some("000002"), Some("05")));
}

#[tokio::test]
async fn silence_times_out_and_the_request_may_have_arrived() {
    let (l, mut client) = listener().await;
    client.config.response_timeout = Duration::from_millis(200);
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        while next(&mut s).await.is_some() {}
    });
    let k = mak();
    let r = request(3);
    let e = client.exchange(out(&r, 3, &k)).await.unwrap_err();
    assert!(matches!(e, AcquirerError::Timeout { .. }));
    assert_eq!(e.delivery(), Delivery::MaybeReceived);
    assert_eq!(e.reversal_reason().as_str(), "98");
}

#[tokio::test]
async fn reconnects_on_the_next_request_after_a_loss() {
    let (l, client) = listener().await;
    tokio::spawn(async move {
        // First connection: read the request and hang up without answering.
        let (mut s, _) = l.accept().await.unwrap();
        next(&mut s).await;
        drop(s);
        // Second connection: answer properly.
        let (mut s, _) = l.accept().await.unwrap();
        let req = next(&mut s).await.unwrap();
        s.write_all(&answer(&req, "00", true, false)).await.unwrap();
        next(&mut s).await;
    });
    let k = mak();
    let r1 = request(1);
    let e = client.exchange(out(&r1, 1, &k)).await.unwrap_err();
    assert_eq!(e, AcquirerError::ConnectionLost { sent: true });
    let r2 = request(2);
    let reply = client.exchange(out(&r2, 2, &k)).await.unwrap();
    assert_eq!(reply.frame.message.get_str(39), Some("00"));
}

#[tokio::test]
async fn mac_failures_are_never_approvals() {
    let (l, client) = listener().await;
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        for (rc, mac, bad) in [("00", true, true), ("00", false, false), ("05", true, true), ("51", false, false)] {
            let req = next(&mut s).await.unwrap();
            s.write_all(&answer(&req, rc, mac, bad)).await.unwrap();
        }
        next(&mut s).await;
    });
    let k = mak();
    for stan in 1..=3 {
        let r = request(stan);
        let e = client.exchange(out(&r, stan, &k)).await.unwrap_err();
        assert_eq!(e, AcquirerError::MacFailed, "stan {stan}");
        assert_eq!(e.reversal_reason().as_str(), "A0");
    }
    // An unMACed decline is accepted as the decline it is.
    let r = request(4);
    let reply = client.exchange(out(&r, 4, &k)).await.unwrap();
    assert_eq!((reply.mac, reply.frame.message.get_str(39)), (MacCheck::Absent, Some("51")));
}

#[tokio::test]
async fn malformed_response_fails_its_sole_request() {
    let (l, client) = listener().await;
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        next(&mut s).await;
        // A well-framed body of garbage: 258 bytes that decode to nothing sensible.
        s.write_all(&[0x01, 0x02]).await.unwrap();
        s.write_all(&[0u8; 258]).await.unwrap();
        next(&mut s).await;
    });
    let k = mak();
    let r = request(1);
    let e = client.exchange(out(&r, 1, &k)).await.unwrap_err();
    assert!(matches!(e, AcquirerError::Malformed(_)), "{e:?}");
    assert_eq!(e.reversal_reason().as_str(), "06");
}

#[tokio::test]
async fn oversize_response_drops_the_connection() {
    let (l, client) = listener().await;
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        next(&mut s).await;
        s.write_all(&[0x7F, 0xFF]).await.unwrap();
        next(&mut s).await;
    });
    let k = mak();
    let r = request(3);
    let e = client.exchange(out(&r, 3, &k)).await.unwrap_err();
    assert!(matches!(e, AcquirerError::FrameTooLarge { len: 32767, outgoing: false, .. }), "{e:?}");
    assert!(e.may_have_reached_host());
}

#[tokio::test]
async fn refuses_to_send_an_oversize_request() {
    let (_l, mut client) = listener().await;
    client.config.max_frame = 40;
    let k = mak();
    let r = request(1);
    let e = client.exchange(out(&r, 1, &k)).await.unwrap_err();
    assert!(matches!(e, AcquirerError::FrameTooLarge { outgoing: true, .. }));
    assert!(!e.may_have_reached_host());
}

#[tokio::test]
async fn connect_failures_are_typed_and_unsent() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap().port()
    };
    let mut cfg = AcquirerConfig::new(format!("127.0.0.1:{port}"));
    cfg.connect_timeout = Duration::from_secs(2);
    let client = AcquirerClient::new(cfg.clone());
    let k = mak();
    let r = request(1);
    let e = client.exchange(out(&r, 1, &k)).await.unwrap_err();
    assert!(matches!(e, AcquirerError::ConnectFailed { cause: ConnectFailure::Refused, .. }), "{e:?}");
    assert!(!e.may_have_reached_host());
    cfg.host = "no-such-host.invalid:8583".into();
    let e = AcquirerClient::new(cfg).exchange(out(&r, 1, &k)).await.unwrap_err();
    assert!(
        matches!(e, AcquirerError::ConnectFailed { cause: ConnectFailure::Dns | ConnectFailure::TimedOut, .. }),
        "{e:?}"
    );
}

#[tokio::test]
async fn duplicate_stan_in_flight_is_refused() {
    let (l, client) = listener().await;
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        let req = next(&mut s).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        s.write_all(&answer(&req, "00", true, false)).await.unwrap();
        next(&mut s).await;
    });
    let k = mak();
    let r = request(5);
    let first = client.exchange(out(&r, 5, &k));
    let second = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        client.exchange(out(&r, 5, &k)).await
    };
    let (a, b) = tokio::join!(first, second);
    assert!(a.is_ok());
    assert!(matches!(b, Err(AcquirerError::DuplicateInFlight { .. })));
}
