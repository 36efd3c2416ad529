//! One transport frame: `SOF | LEN(2) | SEQ | KIND | CMD | PAYLOAD | CRC(2)`.

use super::crc::crc16_ccitt;

/// Start-of-frame marker; resynchronisation scans for it.
pub const SOF: u8 = 0x02;
/// Bytes a frame adds to its payload: SOF, LEN, SEQ, KIND, CMD, CRC.
pub const FRAME_OVERHEAD: usize = 8;
/// Largest payload; bounds reassembly memory whatever a peer claims.
pub const MAX_PAYLOAD: usize = 2048;

/// What a frame is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameKind {
    /// Phone to reader: a command.
    Request,
    /// Reader to phone: the answer to a command.
    Response,
    /// Reader to phone: something happened (card inserted, PIN digit entered...).
    Event,
    /// Receipt of the frame with this SEQ.
    Ack,
    /// The frame with this SEQ arrived damaged: send it again.
    Nak,
}

impl FrameKind {
    fn byte(self) -> u8 {
        match self {
            FrameKind::Request => 0x01,
            FrameKind::Response => 0x02,
            FrameKind::Event => 0x03,
            FrameKind::Ack => 0x06,
            FrameKind::Nak => 0x15,
        }
    }

    fn from_byte(b: u8) -> Option<FrameKind> {
        Some(match b {
            0x01 => FrameKind::Request,
            0x02 => FrameKind::Response,
            0x03 => FrameKind::Event,
            0x06 => FrameKind::Ack,
            0x15 => FrameKind::Nak,
            _ => return None,
        })
    }

    /// True for frames the receiver must acknowledge.
    pub fn needs_ack(self) -> bool {
        matches!(self, FrameKind::Request | FrameKind::Response | FrameKind::Event)
    }
}

/// A decoded frame.
#[derive(Clone, PartialEq, Eq)]
pub struct Frame {
    /// Sequence number, per sender, wrapping.
    pub seq: u8,
    /// Request, response, event, ack or nak.
    pub kind: FrameKind,
    /// Command or event code (the reader protocol's vocabulary).
    pub cmd: u8,
    /// Command data.
    pub payload: Vec<u8>,
}

impl std::fmt::Debug for Frame {
    /// Payload length only: payloads carry card data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Frame(seq={}, {:?}, cmd=0x{:02X}, {} bytes)", self.seq, self.kind, self.cmd, self.payload.len())
    }
}

/// Why a byte run is not a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FrameFault {
    /// The CRC does not match: a damaged chunk.
    Crc,
    /// An unknown KIND byte.
    Kind,
    /// LEN below the minimum or above [`MAX_PAYLOAD`].
    Length,
}

impl Frame {
    /// A frame of `kind` for `cmd`.
    pub fn new(seq: u8, kind: FrameKind, cmd: u8, payload: Vec<u8>) -> Frame {
        Frame { seq, kind, cmd, payload }
    }

    /// An acknowledgement of `seq`.
    pub fn ack(seq: u8) -> Frame {
        Frame::new(seq, FrameKind::Ack, 0, Vec::new())
    }

    /// A negative acknowledgement of `seq`.
    pub(crate) fn nak(seq: u8) -> Frame {
        Frame::new(seq, FrameKind::Nak, 0, Vec::new())
    }

    /// The wire bytes; payloads above [`MAX_PAYLOAD`] are the caller's bug and are refused.
    pub fn encode(&self) -> Option<Vec<u8>> {
        if self.payload.len() > MAX_PAYLOAD {
            return None;
        }
        let len = (3 + self.payload.len()) as u16;
        let mut out = Vec::with_capacity(FRAME_OVERHEAD + self.payload.len());
        out.push(SOF);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&[self.seq, self.kind.byte(), self.cmd]);
        out.extend_from_slice(&self.payload);
        let crc = crc16_ccitt(&out[1..]);
        out.extend_from_slice(&crc.to_be_bytes());
        Some(out)
    }

    /// Total wire length announced by a frame header (`SOF LEN LEN`), if the length is plausible.
    pub(crate) fn wire_len(header: [u8; 3]) -> Result<usize, FrameFault> {
        let len = usize::from(u16::from_be_bytes([header[1], header[2]]));
        if !(3..=3 + MAX_PAYLOAD).contains(&len) {
            return Err(FrameFault::Length);
        }
        Ok(len + 5)
    }

    /// Decodes exactly one frame's bytes (SOF through CRC).
    pub(crate) fn decode(bytes: &[u8]) -> Result<Frame, FrameFault> {
        let n = bytes.len();
        if n < FRAME_OVERHEAD || bytes[0] != SOF {
            return Err(FrameFault::Length);
        }
        let crc = u16::from_be_bytes([bytes[n - 2], bytes[n - 1]]);
        if crc16_ccitt(&bytes[1..n - 2]) != crc {
            return Err(FrameFault::Crc);
        }
        let kind = FrameKind::from_byte(bytes[4]).ok_or(FrameFault::Kind)?;
        Ok(Frame { seq: bytes[3], kind, cmd: bytes[5], payload: bytes[6..n - 2].to_vec() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode() {
        let f = Frame::new(7, FrameKind::Request, 0x03, vec![1, 2, 3]);
        let b = f.encode().unwrap();
        assert_eq!(b.len(), FRAME_OVERHEAD + 3);
        assert_eq!(&b[..6], &[SOF, 0, 6, 7, 0x01, 0x03]);
        assert_eq!(Frame::wire_len([b[0], b[1], b[2]]), Ok(b.len()));
        assert_eq!(Frame::decode(&b), Ok(f));
        let mut bad = b.clone();
        bad[7] ^= 1;
        assert_eq!(Frame::decode(&bad), Err(FrameFault::Crc));
        assert!(Frame::new(0, FrameKind::Event, 0, vec![0; MAX_PAYLOAD + 1]).encode().is_none());
    }
}
