//! The terminal's link to the acquirer over TLS: a sale end to end, a certificate that is not
//! the provisioned one and a plain-TCP host both refused before anything is sent, plain TCP
//! only where the terminal is provisioned so.

use pos_acquirer_sim::{SimConfig, Simulator};
use pos_core::provision::DEMO_TID;
use pos_core::terminal::TerminalConfig;
use pos_core::Bilingual;
use pos_core::OfflinePreference;
use pos_core::Transport;
use pos_core::{Error, ErrorCode};
use pos_e2e::ExchangeFailureOf;
use pos_e2e::{cny, init_tracing, pan, signed_in, start, Station};

/// The TLS failure's code of a refused connection (`tls_not_provisioned`, `tls_not_tls`, ...).
fn tls_failure(e: &Error) -> Option<ErrorCode> {
    e.exchange_failure().map(|f| f.code).filter(|c| c.as_str().starts_with("tls_"))
}

async fn sim(config: SimConfig) -> pos_acquirer_sim::SimHandle {
    init_tracing();
    Simulator::start(config.listening_on("127.0.0.1:0")).await.expect("simulator starts")
}

#[tokio::test]
async fn a_sale_over_tls_end_to_end() {
    let rig = signed_in().await;
    assert!(rig.terminal.link_encrypted(), "the rigs pin the simulator's CA");
    assert_eq!(rig.terminal.transport().en(), "encrypted link (TLS)");
    rig.reader.present("debit").unwrap();
    let before = rig.sim.ledger().available(pan("debit")).unwrap();
    let sale = rig.terminal.sale(cny(2_500)).await.unwrap();
    assert!(sale.approved, "{sale:?}");
    assert_eq!(rig.sim.ledger().available(pan("debit")).unwrap(), before - 2_500);
    assert!(rig.sim.stats().handshake_failed == 0 && rig.sim.stats().frames >= 2);
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused_and_nothing_is_sent() {
    let (host, impostor_ca) = (sim(SimConfig::demo()).await, sim(SimConfig::demo()).await);
    let config = TerminalConfig::demo_at_tls(host.addr().to_string(), impostor_ca.ca_pem().unwrap());
    let station = Station::new(TerminalConfig { risk_policy: None, ..config }, "tls-wrong-ca");
    let e = station.terminal.sign_in().await.unwrap_err();
    assert_eq!(tls_failure(&e), Some(ErrorCode::TlsNotProvisioned), "{e:?}");
    let f = e.exchange_failure().unwrap();
    assert!(!f.may_have_reached_host && !f.reversal_due, "nothing sent, nothing to reverse");
    assert!(e.zh().contains("收单主机证书与配置不符") && e.zh().contains("未发送"), "{}", e.zh());
    assert!(e.en().contains("not the one provisioned") && e.en().contains("nothing sent"), "{}", e.en());
    assert_eq!(host.stats().frames, 0, "the host read no frame");
    // The host notices the refused handshake a moment after the terminal gave up.
    let host_ref = &host;
    let noticed = pos_testkit::wait_until_async(
        std::time::Duration::from_secs(2),
        std::time::Duration::from_millis(20),
        tokio::time::sleep,
        || async move { host_ref.stats().handshake_failed >= 1 },
    )
    .await;
    assert!(noticed, "the host saw the refused handshake");
    assert!(!host.is_signed_in(DEMO_TID));
    assert!(host.ledger().transactions_for(DEMO_TID).unwrap().is_empty(), "no ledger row");
}

#[tokio::test]
async fn a_payment_on_a_refused_certificate_never_reaches_the_host() {
    // Signed in over the right link, then the host's certificate changes (someone in the middle).
    let rig = signed_in().await;
    let impostor = sim(SimConfig::demo()).await;
    let pos_e2e::Rig { sim: host, terminal, reader, dir } = rig;
    drop(terminal);
    let mut config = TerminalConfig::demo_at_tls(host.addr().to_string(), impostor.ca_pem().unwrap());
    config.risk_policy = None;
    config.preference = OfflinePreference::RequireOnline;
    let terminal = pos_e2e::open(&dir, config, reader.clone());
    reader.present("debit").unwrap();
    let before = host.ledger().transactions_for(DEMO_TID).unwrap().len();
    let e = terminal.sale(cny(1_000)).await.unwrap_err();
    assert_eq!(tls_failure(&e), Some(ErrorCode::TlsNotProvisioned), "{e:?}");
    assert!(!e.exchange_failure().unwrap().may_have_reached_host);
    assert_eq!(host.ledger().transactions_for(DEMO_TID).unwrap().len(), before, "no new row at the host");
    assert_eq!(terminal.due_reversal_count().unwrap(), 0, "nothing to reverse");
}

#[tokio::test]
async fn a_plain_tcp_host_is_refused_when_tls_is_provisioned() {
    let (plain, tls) = (sim(SimConfig::demo().plain()).await, sim(SimConfig::demo()).await);
    assert!(plain.ca_pem().is_none());
    let config = TerminalConfig::demo_at_tls(plain.addr().to_string(), tls.ca_pem().unwrap());
    let station = Station::new(config, "tls-plain-host");
    let e = station.terminal.sign_in().await.unwrap_err();
    assert_eq!(tls_failure(&e), Some(ErrorCode::TlsNotTls), "{e:?}");
    assert!(e.en().contains("did not answer TLS") && e.zh().contains("未以TLS应答"), "{}", e.both());
    assert!(!plain.is_signed_in(DEMO_TID));
    assert!(plain.ledger().transactions_for(DEMO_TID).unwrap().is_empty());
}

#[tokio::test]
async fn plain_tcp_only_when_provisioned_so() {
    // A simulator started plain and a terminal provisioned plain: works, and says so.
    let plain = sim(SimConfig::demo().plain()).await;
    let mut config = TerminalConfig::demo_at_plain(plain.addr().to_string());
    config.risk_policy = None;
    let station = Station::new(config, "tls-plain");
    assert!(!station.terminal.link_encrypted());
    assert_eq!(station.terminal.transport(), &Transport::PlainTcp);
    assert_eq!(station.terminal.transport().zh(), "未加密链路");
    assert!(station.terminal.sign_in().await.unwrap().approved);
    station.reader.present("debit").unwrap();
    assert!(station.terminal.sale(cny(300)).await.unwrap().approved);

    // The demo terminal with no transport set is TLS without a pin: it never falls back to plain.
    let station = Station::new(TerminalConfig::demo_at(plain.addr().to_string()), "tls-no-pin");
    let e = station.terminal.sign_in().await.unwrap_err();
    assert_eq!(tls_failure(&e), Some(ErrorCode::TlsNoPin), "{e:?}");
    assert_eq!(plain.ledger().transactions_for(DEMO_TID).unwrap().len(), 1, "only the plain terminal's sale");

    // A terminal provisioned plain against a TLS host gets no approval.
    let rig = start().await;
    let mut config = TerminalConfig::demo_at_plain(rig.sim.addr().to_string());
    config.response_timeout = std::time::Duration::from_millis(500);
    let station = Station::new(config, "tls-plain-to-tls");
    assert!(station.terminal.sign_in().await.is_err());
    assert_eq!(rig.sim.stats().frames, 0, "the TLS host reads no plain frame");
}
