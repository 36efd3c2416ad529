//! The JSON-lines admin port.

use std::time::Duration;

use pos_acquirer_sim::SimConfig;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::client::Recv;
use crate::terminal::{rc, Term};
use crate::{demo, start};

struct Admin {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
}

impl Admin {
    async fn connect(addr: std::net::SocketAddr) -> Admin {
        let (r, w) = TcpStream::connect(addr).await.unwrap().into_split();
        Admin { reader: BufReader::new(r), writer: w }
    }

    async fn raw(&mut self, line: &str) -> Value {
        self.writer.write_all(line.as_bytes()).await.unwrap();
        self.writer.write_all(b"\n").await.unwrap();
        let mut answer = String::new();
        tokio::time::timeout(Duration::from_secs(5), self.reader.read_line(&mut answer)).await.unwrap().unwrap();
        serde_json::from_str(&answer).unwrap()
    }

    async fn cmd(&mut self, v: Value) -> Value {
        self.raw(&v.to_string()).await
    }
}

#[tokio::test]
async fn help_desk_unlock_and_reset_codes() {
    let mut c = with_admin();
    c.terminals[0] = c.terminals[0].clone().with_unlock_key("0F1E2D3C4B5A69788796A5B4C3D2E1F0");
    let sim = start(c).await;
    let mut a = Admin::connect(sim.admin_addr().unwrap()).await;
    let key = pos_core::crypto::SecretKey::from_hex("0F1E2D3C4B5A69788796A5B4C3D2E1F0").unwrap();
    let (tid, challenge) = ("10000001", "0123456789ABCDEF");
    let u = a.cmd(json!({"cmd": "unlock_code", "tid": tid, "challenge": challenge})).await;
    assert_eq!(u["code"], pos_core::unlock_code(&key, tid, challenge));
    assert_eq!(u["code"].as_str().unwrap().len(), 12);
    let r = a.cmd(json!({"cmd": "reset_code", "tid": tid, "challenge": challenge})).await;
    assert_eq!(r["code"], pos_core::reset_code(&key, tid, challenge));
    assert_ne!(r["code"], u["code"]);
    assert_eq!(sim.reset_code(tid, challenge).as_deref(), r["code"].as_str());
    assert_eq!(a.cmd(json!({"cmd": "reset_code", "tid": "99999999", "challenge": challenge})).await["ok"], false);
    assert_eq!(a.cmd(json!({"cmd": "reset_code", "tid": tid})).await["ok"], false);
}

fn with_admin() -> SimConfig {
    let mut c = demo();
    c.admin_listen = Some("127.0.0.1:0".into());
    c
}

#[tokio::test]
async fn commands() {
    let sim = start(with_admin()).await;
    let mut a = Admin::connect(sim.admin_addr().unwrap()).await;
    assert_eq!(a.cmd(json!({"cmd": "ping"})).await, json!({"ok": true}));
    let mut t = Term::signed_in(&sim).await;

    // A fault switched on through the port hits the next financial request.
    let r =
        a.cmd(json!({"cmd": "fault", "tid": "10000001", "mode": "drop_response", "count": 1, "on": "financial"})).await;
    assert_eq!(r["ok"], true);
    let listed = a.cmd(json!({"cmd": "faults"})).await;
    assert_eq!(listed["faults"][0]["plan"]["mode"], "drop_response");
    let card = t.deck_card("debit");
    let req = t.request(pos_core::iso8583::TxnType::Sale, Some(1_000), card);
    t.client.send(&t.encode(req.to_message(true).unwrap())).await;
    assert_eq!(t.recv(Duration::from_millis(300)).await, Recv::Timeout);
    a.cmd(json!({"cmd": "fault", "tid": "10000001", "mode": "delay", "ms": 10})).await;
    assert_eq!(a.cmd(json!({"cmd": "clear", "tid": "10000001"})).await["ok"], true);
    assert_eq!(a.cmd(json!({"cmd": "faults"})).await["faults"], json!([]));

    // Balances by last 4 digits or by deck card id, masked.
    let b = a.cmd(json!({"cmd": "balance", "pan_last4": "0018"})).await;
    assert_eq!(b["accounts"][0], json!({"pan": "622848*********0018", "available": 10_000_000 - 1_000}));
    let b = a.cmd(json!({"cmd": "balance", "card": "lowbal"})).await;
    assert_eq!(b["accounts"][0]["available"], 1_000);
    assert_eq!(a.cmd(json!({"cmd": "batch", "tid": "10000001"})).await["batch"]["current"], 1);
    let txns = a.cmd(json!({"cmd": "txns", "tid": "10000001"})).await;
    assert_eq!(txns["txns"][0]["kind"], json!({"txn": "sale"}));
    assert!(!txns.to_string().contains("6228480402564890018"), "no full PAN on the admin port");
    assert_eq!(a.cmd(json!({"cmd": "invariants"})).await["problems"], json!([]));
    let before = sim.clock().now_ms();
    let r = a.cmd(json!({"cmd": "advance_clock", "seconds": 3600})).await;
    assert!(r["now_ms"].as_i64().unwrap() >= before + 3_600_000);
    assert_eq!(a.cmd(json!({"cmd": "stats"})).await["ok"], true);
    // Round-amount flags appear on the port.
    for _ in 0..3 {
        assert_eq!(rc(&t.sale("credit", 500_000).await.1), "00");
    }
    let flags = a.cmd(json!({"cmd": "flags"})).await;
    assert_eq!(flags["flags"][0]["rule"], "round_amounts");
    assert_eq!(flags["flags"][0]["pan_masked"], "625807******4565");

    // Errors are answers, not disconnections.
    assert_eq!(a.raw("not json").await["ok"], false);
    assert_eq!(a.cmd(json!({"cmd": "nope"})).await["ok"], false);
    assert_eq!(a.cmd(json!({"cmd": "fault", "tid": "10000001", "mode": "explode"})).await["ok"], false);
    assert_eq!(a.cmd(json!({"no": "cmd"})).await["ok"], false);
    assert_eq!(a.cmd(json!({"cmd": "ping"})).await["ok"], true);
}

#[tokio::test]
async fn overlong_line_is_refused_and_shutdown_stops() {
    let sim = start(with_admin()).await;
    let mut a = Admin::connect(sim.admin_addr().unwrap()).await;
    let r = a.raw(&"x".repeat(10_000)).await;
    assert_eq!(r["error"], "line too long");
    assert_eq!(a.cmd(json!({"cmd": "ping"})).await["ok"], true, "the next line is read cleanly");
    let mut b = Admin::connect(sim.admin_addr().unwrap()).await;
    assert_eq!(b.cmd(json!({"cmd": "shutdown"})).await["ok"], true);
    tokio::time::timeout(Duration::from_secs(5), sim.stopped()).await.unwrap();
    sim.shutdown().await;
}

#[tokio::test]
async fn admin_must_be_loopback() {
    let mut c = demo();
    c.admin_listen = Some("0.0.0.0:0".into());
    assert!(matches!(
        pos_acquirer_sim::Simulator::start(c).await,
        Err(pos_acquirer_sim::SimError::Config(pos_acquirer_sim::ConfigError::AdminNotLoopback(_)))
    ));
}
