//! The `pos-acquirer-sim` binary: config file, ports, admin shutdown, exit codes.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pos_core::crypto::KeyMode;
use pos_core::provision::{DEMO_MID, DEMO_TMK_HEX};
use pos_testkit::TempDir;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};

use crate::terminal::{rc, Term};

const BIN: &str = env!("CARGO_BIN_EXE_pos-acquirer-sim");

/// `body` as `config.json` in `dir`.
fn temp_config(dir: &TempDir, body: &serde_json::Value) -> std::path::PathBuf {
    let path = dir.join("config.json");
    std::fs::write(&path, body.to_string()).unwrap();
    path
}

#[tokio::test]
async fn runs_from_a_config_file_and_stops_on_the_admin_port() {
    let dir = TempDir::new("sim-bin");
    let config = temp_config(
        &dir,
        &json!({
            "listen": "127.0.0.1:0",
            "admin_listen": "127.0.0.1:0",
            "terminals": [{"tid": "30000001", "mid": DEMO_MID, "tmk": DEMO_TMK_HEX, "key_mode": "004", "mac": "x919"}],
            "limits": {"per_transaction": 100000}
        }),
    );
    let mut child = Command::new(BIN)
        .args(["--config", config.to_str().unwrap(), "--tls-dir", dir.join("tls").to_str().unwrap()])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    // "pos-acquirer-sim listening on ADDR admin ADDR ca PATH"
    let words: Vec<&str> = line.split_whitespace().collect();
    let addr: std::net::SocketAddr = words[3].parse().unwrap();
    let admin: std::net::SocketAddr = words[5].parse().unwrap();
    assert_eq!(std::path::Path::new(words[7]), dir.join("tls").join("ca.pem"), "{line}");
    let ca = std::fs::read_to_string(words[7]).unwrap();

    let mut t = Term::new_at(addr, &ca, "30000001", DEMO_MID, DEMO_TMK_HEX).await;
    assert_eq!(t.sign_in(KeyMode::DoubleWithTrack004).await.response_code.as_str(), "00");
    assert_eq!(rc(&t.sale("debit", 100_000).await.1), "00");
    assert_eq!(rc(&t.sale("debit", 100_001).await.1), "61", "the config's limit applies");

    let stream = tokio::net::TcpStream::connect(admin).await.unwrap();
    let (r, mut w) = stream.into_split();
    w.write_all(b"{\"cmd\":\"shutdown\"}\n").await.unwrap();
    let mut answer = String::new();
    tokio::io::BufReader::new(r).read_line(&mut answer).await.unwrap();
    assert!(answer.contains("\"ok\":true"), "{answer}");
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "the simulator did not stop");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success());
}

#[test]
fn bad_config_exits_2_with_a_clear_message() {
    let dir = TempDir::new("sim-bad-config");
    let config = temp_config(&dir, &json!({"terminals": [{"tid": "10000001", "mid": DEMO_MID, "tmk": "not-hex"}]}));
    let out = Command::new(BIN).args(["--config", config.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("terminal 10000001: TMK is not hexadecimal"));
    let out = Command::new(BIN).arg("--bogus").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success() && String::from_utf8_lossy(&out.stderr).contains("usage"));
}
