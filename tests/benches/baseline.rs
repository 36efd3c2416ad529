//! The two yardsticks scripts/bench.sh divides every other figure by, measured in the same run
//! on the same machine:
//!
//! (a) `baseline/bare_durable_commit`: one single-row INSERT committed into a SQLite file of its
//!     own with the journal's settings (`journal_mode=WAL`, `synchronous=FULL`,
//!     `secure_delete=ON`), a ~300-byte payload: the cheapest durable write the disk allows,
//!     as `pos_testkit::bare_db` opens it (the journal bench's yardstick too).
//! (b) `baseline/loopback_round_trip`: a 233-byte frame (the size of an encoded UnionPay sale
//!     request) written to a server thread on 127.0.0.1 and its 250-byte answer read back, over
//!     one blocking `std::net` connection with TCP_NODELAY: the floor of any online exchange
//!     with the acquirer simulator.
//!
//! `cargo bench -p pos-e2e --bench baseline`. Under `cargo test --benches` each runs once.

use std::hint::black_box;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::JoinHandle;

use criterion::{criterion_group, criterion_main, Criterion};
use pos_e2e::TempDir;
use pos_testkit::{bare_commit, bare_db};

/// An encoded UnionPay sale request (core/benches/codec.rs `sale_request`), length prefix included.
const REQUEST_LEN: usize = 233;
/// A sale response of about the same size.
const ANSWER_LEN: usize = 250;
/// The payload of a bare commit: a sealed 0220 is about this size.
const PAYLOAD_LEN: usize = 300;

fn bare_durable_commit(c: &mut Criterion) {
    let dir = TempDir::new("bench-baseline");
    let mut conn = bare_db(dir.path());
    let payload = vec![0x5Au8; PAYLOAD_LEN];
    c.bench_function("baseline/bare_durable_commit", |b| b.iter(|| bare_commit(&mut conn, black_box(&payload))));
}

/// A server thread answering each `REQUEST_LEN`-byte frame with an `ANSWER_LEN`-byte one, until
/// the client closes the connection (one connection, then the thread ends).
fn echo_server() -> (std::net::SocketAddr, JoinHandle<u64>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("address");
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().expect("accept");
        s.set_nodelay(true).expect("nodelay");
        let mut request = [0u8; REQUEST_LEN];
        let answer = [0x30u8; ANSWER_LEN];
        let mut served = 0u64;
        // Bounded: at most one answer per request read; a closed connection ends the loop.
        while s.read_exact(&mut request).is_ok() {
            if s.write_all(&answer).is_err() {
                break;
            }
            served += 1;
        }
        served
    });
    (addr, server)
}

fn round_trip(s: &mut TcpStream, request: &[u8], answer: &mut [u8]) {
    s.write_all(request).expect("send");
    s.read_exact(answer).expect("answer");
}

fn loopback_round_trip(c: &mut Criterion) {
    let (addr, server) = echo_server();
    let mut client = TcpStream::connect(addr).expect("connect");
    client.set_nodelay(true).expect("nodelay");
    client.set_read_timeout(Some(std::time::Duration::from_secs(10))).expect("timeout");
    let request = [0x60u8; REQUEST_LEN];
    let mut answer = [0u8; ANSWER_LEN];
    round_trip(&mut client, &request, &mut answer);
    assert_eq!(answer, [0x30u8; ANSWER_LEN]);
    let mut trips = 1u64;
    c.bench_function("baseline/loopback_round_trip", |b| {
        b.iter(|| {
            round_trip(&mut client, black_box(&request), &mut answer);
            trips += 1;
        })
    });
    drop(client);
    let served = server.join().expect("server thread");
    assert_eq!(served, trips, "every request answered");
}

criterion_group!(benches, bare_durable_commit, loopback_round_trip);
criterion_main!(benches);
