//! The ISO 8583 port over TLS: served by default, pinned CA, plain peers refused before any frame.

use std::time::Duration;

use pos_core::iso8583::{unionpay, Frame, Header, Message, Mti, Tpdu};
use pos_core::provision;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::client::{tls_connector, Client};
use crate::terminal::{rc, Term};
use crate::{demo, invariants, start};

#[tokio::test]
async fn serves_tls_by_default_and_plain_only_when_asked() {
    let sim = start(demo()).await;
    let ca = sim.ca_pem().expect("TLS by default").to_owned();
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"));
    assert!(sim.ca_path().is_none(), "an in-process CA lives in memory");
    let mut t = Term::signed_in(&sim).await;
    assert_eq!(rc(&t.sale("debit", 100).await.1), "00");
    // The certificate is valid for localhost as well as 127.0.0.1.
    let tcp = TcpStream::connect(sim.addr()).await.unwrap();
    tls_connector(&ca).connect(ServerName::try_from("localhost").unwrap(), tcp).await.unwrap();
    invariants(&sim);

    let plain = start(demo().plain()).await;
    assert!(plain.ca_pem().is_none());
    let mut t = Term::signed_in(&plain).await;
    assert_eq!(rc(&t.sale("debit", 100).await.1), "00");
}

#[tokio::test]
async fn a_plain_peer_is_dropped_before_any_frame() {
    let sim = start(demo()).await;
    let mut c = Client::connect(sim.addr()).await;
    // A sign-in request as a plain frame: not TLS, so the handshake fails and nothing is read.
    let mut m = Message::new(Mti::new("0800").unwrap());
    m.set(11, "000001").unwrap().set(41, provision::DEMO_TID).unwrap().set(42, provision::DEMO_MID).unwrap();
    m.set(60, "00000001003").unwrap();
    c.send(&Frame::new(Tpdu::DEFAULT, Header::IC, m).encode(unionpay()).unwrap()).await;
    // The server answers with a TLS alert at most, then hangs up.
    let mut back = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), c.stream.read_to_end(&mut back)).await;
    assert!(read.is_ok(), "closed");
    assert!(back.is_empty() || back[0] == 0x15, "an alert record, never an answer: {back:02X?}");
    assert_eq!(sim.stats().frames, 0, "no frame read from a plain peer");
    assert!(sim.stats().handshake_failed >= 1);
    assert!(!sim.is_signed_in(provision::DEMO_TID));
}

#[tokio::test]
async fn a_client_pinning_another_ca_does_not_connect() {
    let (sim, other) = (start(demo()).await, start(demo()).await);
    let tcp = TcpStream::connect(sim.addr()).await.unwrap();
    let e = tls_connector(other.ca_pem().unwrap()).connect(ServerName::try_from("127.0.0.1").unwrap(), tcp).await;
    assert!(e.is_err(), "each start makes its own CA");
    // The server saw a failed handshake; a raw read on a fresh plain socket gets a TLS alert or EOF, never a frame.
    let mut raw = TcpStream::connect(sim.addr()).await.unwrap();
    raw.write_all(&[0x00, 0x04, 0x60, 0x00, 0x00, 0x00]).await.unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), raw.read_to_end(&mut buf)).await;
    assert_eq!(sim.stats().frames, 0);
}
