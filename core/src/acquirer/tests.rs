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
    let mut cfg = AcquirerConfig::new(l.local_addr().unwrap().to_string(), Transport::PlainTcp);
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
    let mut cfg = AcquirerConfig::new(format!("127.0.0.1:{port}"), Transport::PlainTcp);
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

/// TLS: scripted hosts behind a rustls server with certificates made by rcgen.
mod tls {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    use tokio::io::AsyncReadExt;

    use super::*;
    use crate::i18n::Bilingual;

    /// A CA: its PEM and what signs with it.
    struct Ca {
        pem: String,
        issuer: Issuer<'static, KeyPair>,
    }

    fn ca(name: &str) -> Ca {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let pem = params.self_signed(&key).unwrap().pem();
        Ca { pem, issuer: Issuer::new(params, key) }
    }

    /// A server certificate for `names` signed by `ca` (self-signed when `None`), with its key.
    fn server_cert(ca: Option<&Ca>, names: &[&str]) -> (CertificateDer<'static>, PrivateKeyDer<'static>, String) {
        let key = KeyPair::generate().unwrap();
        let params = CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
        let cert = match ca {
            Some(ca) => params.signed_by(&key, &ca.issuer).unwrap(),
            None => params.self_signed(&key).unwrap(),
        };
        let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        (cert.der().clone(), der, cert.pem())
    }

    /// A TLS host presenting `cert`: answers each request `00`, counts the frames it read.
    async fn tls_host(cert: (CertificateDer<'static>, PrivateKeyDer<'static>)) -> (String, Arc<AtomicUsize>) {
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert.0], cert.1)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap().to_string();
        let frames = Arc::new(AtomicUsize::new(0));
        let seen = frames.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = l.accept().await {
                let (acceptor, seen) = (acceptor.clone(), seen.clone());
                tokio::spawn(async move {
                    let Ok(mut s) = acceptor.accept(tcp).await else { return };
                    while let Ok(Some(req)) = read_frame(&mut s, 4096, Duration::from_secs(5)).await {
                        seen.fetch_add(1, Ordering::SeqCst);
                        s.write_all(&answer(&req, "00", true, false)).await.unwrap();
                    }
                });
            }
        });
        (addr, frames)
    }

    fn client(addr: &str, transport: Transport) -> AcquirerClient {
        let mut cfg = AcquirerConfig::new(addr, transport);
        cfg.response_timeout = Duration::from_secs(5);
        cfg.connect_timeout = Duration::from_secs(3);
        AcquirerClient::new(cfg)
    }

    async fn sale(client: &AcquirerClient) -> Result<Reply, AcquirerError> {
        let (k, r) = (mak(), request(1));
        client.exchange(out(&r, 1, &k)).await
    }

    fn tls_failure(e: &AcquirerError) -> Option<TlsFailure> {
        match e {
            AcquirerError::ConnectFailed { cause: ConnectFailure::Tls(t), .. } => Some(*t),
            _ => None,
        }
    }

    #[tokio::test]
    async fn exchange_over_tls_with_the_pinned_ca() {
        let ca = ca("acquirer CA");
        let (cert, key, _) = server_cert(Some(&ca), &["localhost", "127.0.0.1"]);
        let (addr, frames) = tls_host((cert, key)).await;
        let c = client(&addr, Transport::tls_pinned(ca.pem.clone()));
        let reply = sale(&c).await.unwrap();
        assert_eq!((reply.mac, reply.frame.message.get_str(39)), (MacCheck::Valid, Some("00")));
        // The connection is kept: a second request rides on the same TLS session.
        let (k, r) = (mak(), request(2));
        c.exchange(out(&r, 2, &k)).await.unwrap();
        assert_eq!(frames.load(Ordering::SeqCst), 2);
        // A server name given by provisioning replaces the host part.
        let named = Transport::Tls { trust: TlsTrust::Pinned(ca.pem), server_name: Some("localhost".into()) };
        sale(&client(&addr, named)).await.unwrap();
    }

    #[tokio::test]
    async fn a_certificate_from_another_ca_is_refused_and_nothing_is_sent() {
        let (provisioned, other) = (ca("provisioned CA"), ca("someone else"));
        let (cert, key, _) = server_cert(Some(&other), &["127.0.0.1"]);
        let (addr, frames) = tls_host((cert, key)).await;
        let e = sale(&client(&addr, Transport::tls_pinned(provisioned.pem))).await.unwrap_err();
        assert_eq!(tls_failure(&e), Some(TlsFailure::NotProvisioned), "{e:?}");
        assert!(!e.may_have_reached_host(), "nothing was sent: no reversal");
        assert!(
            e.zh().contains("收单主机证书与配置不符") && e.en().contains("not the one provisioned"),
            "{}",
            e.both()
        );
        assert_eq!(frames.load(Ordering::SeqCst), 0, "the host read no frame");
    }

    #[tokio::test]
    async fn a_certificate_for_another_name_is_refused() {
        let ca = ca("acquirer CA");
        let (cert, key, _) = server_cert(Some(&ca), &["acquirer.example.com"]);
        let (addr, frames) = tls_host((cert, key)).await;
        let e = sale(&client(&addr, Transport::tls_pinned(ca.pem))).await.unwrap_err();
        assert_eq!(tls_failure(&e), Some(TlsFailure::WrongName), "{e:?}");
        assert!(e.en().contains("another host name") && e.zh().contains("主机名"));
        assert_eq!(frames.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn the_pinned_server_certificate_itself_is_trusted() {
        // Self-signed and for another name: an exact pin needs neither a CA nor a name.
        let (cert, key, pem) = server_cert(None, &["pinned.example"]);
        let (addr, _) = tls_host((cert, key)).await;
        sale(&client(&addr, Transport::tls_pinned(pem))).await.unwrap();
        // Another self-signed certificate is not.
        let (_, _, other_pem) = server_cert(None, &["127.0.0.1"]);
        let e = sale(&client(&addr, Transport::tls_pinned(other_pem))).await.unwrap_err();
        assert_eq!(tls_failure(&e), Some(TlsFailure::NotProvisioned), "{e:?}");
    }

    #[tokio::test]
    async fn a_plain_tcp_host_is_refused_when_tls_is_provisioned() {
        let ca = ca("acquirer CA");
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap().to_string();
        tokio::spawn(async move {
            // A plain host reads the ClientHello as a frame length it does not like, and hangs up.
            let (mut s, _) = l.accept().await.unwrap();
            let mut buf = [0u8; 2];
            let _ = s.read_exact(&mut buf).await;
            assert_eq!(buf[0], 0x16, "a TLS handshake record");
        });
        let e = sale(&client(&addr, Transport::tls_pinned(ca.pem))).await.unwrap_err();
        assert_eq!(tls_failure(&e), Some(TlsFailure::NotTls), "{e:?}");
        assert!(!e.may_have_reached_host());
        assert!(e.en().contains("did not answer TLS") && e.zh().contains("未以TLS应答"), "{}", e.both());
    }

    #[tokio::test]
    async fn a_host_answering_plain_bytes_is_refused() {
        let ca = ca("acquirer CA");
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap().to_string();
        tokio::spawn(async move {
            let (mut s, _) = l.accept().await.unwrap();
            s.write_all(&answer(&request(1), "00", false, false)).await.unwrap();
            let mut sink = Vec::new();
            let _ = s.read_to_end(&mut sink).await;
        });
        let e = sale(&client(&addr, Transport::tls_pinned(ca.pem))).await.unwrap_err();
        assert!(matches!(tls_failure(&e), Some(TlsFailure::NotTls | TlsFailure::Handshake)), "{e:?}");
    }

    #[tokio::test]
    async fn plain_tcp_only_when_provisioned() {
        // A TLS client of a TLS host with plain TCP configured gets nothing usable, and the other way round.
        let ca = ca("acquirer CA");
        let (cert, key, _) = server_cert(Some(&ca), &["127.0.0.1"]);
        let (addr, frames) = tls_host((cert, key)).await;
        let mut cfg = AcquirerConfig::new(&addr, Transport::PlainTcp);
        cfg.response_timeout = Duration::from_millis(500);
        let e = sale(&AcquirerClient::new(cfg)).await.unwrap_err();
        assert!(e.may_have_reached_host(), "a plain request went out: {e:?}");
        assert_eq!(frames.load(Ordering::SeqCst), 0, "the TLS host took no plain frame");
        // A TLS terminal without a pin connects nowhere.
        let e = sale(&client(&addr, Transport::tls_pinned(""))).await.unwrap_err();
        assert_eq!(tls_failure(&e), Some(TlsFailure::NoPin), "{e:?}");
        let e = sale(&client(&addr, Transport::Tls { trust: TlsTrust::Platform, server_name: None })).await;
        assert_eq!(tls_failure(&e.unwrap_err()), Some(TlsFailure::BadPin), "no platform store off Android");
    }
}
