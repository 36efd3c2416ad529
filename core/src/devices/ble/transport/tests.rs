use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::devices::ble::memory::{memory_pair, MemoryFaults};

fn pair(
    mtu: usize,
    faults: MemoryFaults,
) -> (FrameTransport, FrameTransport, Arc<crate::devices::ble::MemoryEndpoint>) {
    let ((a, arx), (b, brx)) = memory_pair(mtu, faults);
    let a = Arc::new(a);
    let cfg = TransportConfig {
        ack_timeout: Duration::from_millis(50),
        retries: 8,
        chunk_timeout: Duration::from_millis(40),
    };
    let ta = FrameTransport::start(a.clone(), arx, cfg);
    let tb = FrameTransport::start(Arc::new(b), brx, cfg);
    (ta, tb, a)
}

fn payload(i: usize) -> Vec<u8> {
    (0..(i * 37) % 700).map(|j| (i + j) as u8).collect()
}

async fn exchange(ta: &FrameTransport, tb: &FrameTransport, n: usize) -> Vec<Frame> {
    exchange_with(ta, tb, n, payload).await
}

async fn exchange_with(
    ta: &FrameTransport,
    tb: &FrameTransport,
    n: usize,
    payload: fn(usize) -> Vec<u8>,
) -> Vec<Frame> {
    let sender = async {
        for i in 0..n {
            ta.send(FrameKind::Request, i as u8, payload(i)).await.expect("sent");
        }
    };
    let receiver = async {
        let mut got = Vec::new();
        while got.len() < n {
            got.push(tb.recv(Duration::from_secs(5)).await.expect("received"));
        }
        got
    };
    let ((), got) = tokio::join!(sender, receiver);
    got
}

#[tokio::test]
async fn every_mtu_from_23_to_512_carries_frames_intact() {
    for mtu in [23, 24, 50, 100, 185, 247, 512] {
        let (ta, tb, _) = pair(mtu, MemoryFaults::default());
        let got = exchange(&ta, &tb, 12).await;
        for (i, f) in got.iter().enumerate() {
            assert_eq!((f.cmd, &f.payload), (i as u8, &payload(i)), "mtu {mtu}");
        }
    }
}

#[tokio::test]
async fn dropped_duplicated_and_corrupted_chunks_are_recovered_exactly_once() {
    // Whole frames are retransmitted, so rates are per chunk and frames kept to a few chunks:
    // the chance that one frame fails all 9 attempts stays below 1e-7.
    fn small(i: usize) -> Vec<u8> {
        (0..(i * 29) % 300).map(|j| (i ^ j) as u8).collect()
    }
    for seed in 1..=6u64 {
        let faults = MemoryFaults {
            seed,
            drop_per_mille: 10,
            duplicate_per_mille: 10,
            corrupt_per_mille: 10,
            ..Default::default()
        };
        let (ta, tb, _) = pair(64, faults);
        let got = exchange_with(&ta, &tb, 20, small).await;
        let cmds: Vec<u8> = got.iter().map(|f| f.cmd).collect();
        assert_eq!(cmds, (0..20).collect::<Vec<u8>>(), "seed {seed}: each frame once, in order");
        for (i, f) in got.iter().enumerate() {
            assert_eq!(f.payload, small(i), "seed {seed}");
        }
    }
}

#[tokio::test]
async fn disconnect_fails_the_send_and_the_receiver_hears_of_it() {
    let (ta, tb, a) = pair(185, MemoryFaults::default());
    a.disconnect().await;
    assert_eq!(ta.send(FrameKind::Request, 1, vec![1]).await, Err(TransportError::Disconnected));
    assert_eq!(tb.recv(Duration::from_secs(1)).await, Err(TransportError::Disconnected));
    a.reconnect().await;
    let got = exchange(&ta, &tb, 3).await;
    assert_eq!(got.len(), 3);
}

#[tokio::test]
async fn disconnect_after_every_write_count_never_hangs() {
    for after in 1..12 {
        let faults = MemoryFaults { disconnect_after_writes: after, ..Default::default() };
        let (ta, tb, _) = pair(23, faults);
        let r = ta.send(FrameKind::Request, 9, payload(5)).await;
        let r2 = tb.recv(Duration::from_millis(300)).await;
        assert!(
            r.is_ok() || r == Err(TransportError::Disconnected) || r == Err(TransportError::NoAck),
            "{after}: {r:?}"
        );
        assert!(r2.is_ok() || r2.is_err());
    }
}

#[tokio::test]
async fn silence_gives_no_ack_and_recv_timeout() {
    let ((a, arx), (_b, _brx)) = memory_pair(23, MemoryFaults { seed: 3, drop_per_mille: 1000, ..Default::default() });
    let cfg = TransportConfig {
        ack_timeout: Duration::from_millis(20),
        retries: 2,
        chunk_timeout: Duration::from_millis(20),
    };
    let ta = FrameTransport::start(Arc::new(a), arx, cfg);
    assert_eq!(ta.send(FrameKind::Request, 1, vec![]).await, Err(TransportError::NoAck));
    assert_eq!(ta.recv(Duration::from_millis(30)).await, Err(TransportError::Timeout));
}
