//! Chunks back into frames, resynchronising after garbage, a damaged or a lost chunk.

use zeroize::Zeroize;

use super::frame::{Frame, FrameFault, FRAME_OVERHEAD, MAX_PAYLOAD, SOF};

/// Something the reassembler threw away, for the transport to react to and count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resync {
    /// Bytes that could not start a frame were skipped.
    Skipped(usize),
    /// A complete frame failed its CRC; `seq` is its (unverified) sequence number, for a NAK.
    Damaged(u8),
    /// A partial frame was abandoned (its remaining chunks never came).
    Abandoned(usize),
}

/// Incremental frame reassembly with a hard bound on buffered bytes. Bytes it is done with
/// are wiped, spare capacity included: frames carry key blocks, PIN blocks and tracks.
#[derive(Debug, Default)]
pub struct Reassembler {
    buf: Vec<u8>,
}

impl Drop for Reassembler {
    fn drop(&mut self) {
        self.buf.zeroize();
    }
}

/// The most a buffer can legitimately hold: one maximal frame.
const MAX_BUFFER: usize = FRAME_OVERHEAD + MAX_PAYLOAD;

impl Reassembler {
    /// An empty reassembler.
    pub fn new() -> Self {
        Reassembler { buf: Vec::with_capacity(256) }
    }

    /// True while part of a frame is buffered.
    pub(crate) fn has_partial(&self) -> bool {
        !self.buf.is_empty()
    }

    /// Drops a partial frame whose remaining chunks did not arrive in time.
    pub(crate) fn abandon_partial(&mut self) -> Option<Resync> {
        let n = self.buf.len();
        self.consume(n);
        (n > 0).then_some(Resync::Abandoned(n))
    }

    /// Drops the first `n` buffered bytes and wipes every copy of them, in the spare capacity too
    /// (`drain` moves the rest down and leaves the old tail behind).
    fn consume(&mut self, n: usize) {
        let n = n.min(self.buf.len());
        if n == 0 {
            return;
        }
        self.buf[..n].zeroize();
        self.buf.drain(..n);
        let len = self.buf.len();
        let cap = self.buf.capacity();
        self.buf.resize(cap, 0);
        self.buf[len..].zeroize();
        self.buf.truncate(len);
    }

    /// Feeds one received chunk; returns complete frames and what was discarded, in order.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<Result<Frame, Resync>> {
        let mut out = Vec::new();
        for piece in chunk.chunks(MAX_BUFFER) {
            self.buf.extend_from_slice(piece);
            self.drain(&mut out);
        }
        out
    }

    fn drain(&mut self, out: &mut Vec<Result<Frame, Resync>>) {
        loop {
            let skip = self.buf.iter().position(|&b| b == SOF).unwrap_or(self.buf.len());
            if skip > 0 {
                self.consume(skip);
                out.push(Err(Resync::Skipped(skip)));
            }
            if self.buf.len() < 3 {
                return;
            }
            let need = match Frame::wire_len([self.buf[0], self.buf[1], self.buf[2]]) {
                Ok(n) => n,
                Err(_) => {
                    // Not a real start of frame: drop the marker and look for the next one.
                    self.consume(1);
                    out.push(Err(Resync::Skipped(1)));
                    continue;
                }
            };
            if self.buf.len() < need {
                return;
            }
            match Frame::decode(&self.buf[..need]) {
                Ok(f) => {
                    self.consume(need);
                    out.push(Ok(f));
                }
                Err(FrameFault::Crc | FrameFault::Kind | FrameFault::Length) => {
                    // The length itself may be what was damaged, so only the marker is consumed:
                    // a real frame hidden in what follows is still found.
                    let seq = self.buf[3];
                    self.consume(1);
                    out.push(Err(Resync::Damaged(seq)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::ble::frame::FrameKind;
    use proptest::prelude::*;

    fn frames(out: Vec<Result<Frame, Resync>>) -> Vec<Frame> {
        out.into_iter().filter_map(Result::ok).collect()
    }

    #[test]
    fn garbage_before_and_between_frames_is_skipped() {
        let a = Frame::new(1, FrameKind::Event, 0x81, vec![9; 40]);
        let b = Frame::new(2, FrameKind::Response, 0x01, vec![]);
        let mut stream = vec![0xFF, 0x00, 0x13];
        stream.extend(a.encode().unwrap());
        stream.extend([0x55, 0xAA]);
        stream.extend(b.encode().unwrap());
        let mut r = Reassembler::new();
        let got: Vec<Frame> = stream.chunks(5).flat_map(|c| frames(r.push(c))).collect();
        assert_eq!(got, vec![a, b]);
        assert!(!r.has_partial());
    }

    #[test]
    fn damaged_frame_is_reported_and_the_next_one_survives() {
        let a = Frame::new(1, FrameKind::Event, 0x81, vec![1, 2, 3, 4]).encode().unwrap();
        let b = Frame::new(2, FrameKind::Event, 0x82, vec![5]);
        let mut bad = a.clone();
        bad[7] ^= 0x40;
        bad.extend(b.encode().unwrap());
        let mut r = Reassembler::new();
        let out = r.push(&bad);
        assert!(out.contains(&Err(Resync::Damaged(1))));
        assert_eq!(frames(out), vec![b]);
    }

    #[test]
    fn lost_chunk_leaves_a_partial_that_is_abandoned() {
        let a = Frame::new(3, FrameKind::Request, 0x03, vec![7; 60]).encode().unwrap();
        let mut r = Reassembler::new();
        assert!(r.push(&a[..20]).iter().all(|x| x.is_err()));
        assert!(r.has_partial());
        assert_eq!(r.abandon_partial(), Some(Resync::Abandoned(20)));
        let b = Frame::new(4, FrameKind::Request, 0x03, vec![]);
        assert_eq!(frames(r.push(&b.encode().unwrap())), vec![b]);
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_and_stay_bounded(chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..30)) {
            let mut r = Reassembler::new();
            for c in &chunks {
                let _ = r.push(c);
                prop_assert!(r.buf.len() <= MAX_BUFFER);
            }
        }

        #[test]
        fn any_chunking_reassembles(payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..200), 1..6), size in 1usize..100) {
            let sent: Vec<Frame> = payloads.into_iter().enumerate().map(|(i, p)| Frame::new(i as u8, FrameKind::Event, 0x80, p)).collect();
            let stream: Vec<u8> = sent.iter().flat_map(|f| f.encode().unwrap()).collect();
            let mut r = Reassembler::new();
            let got: Vec<Frame> = stream.chunks(size).flat_map(|c| frames(r.push(c))).collect();
            prop_assert_eq!(got, sent);
        }
    }
}
