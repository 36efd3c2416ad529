//! The UnionPay frame: 2-byte length, TPDU, 6-byte application header, body.

use serde::{Deserialize, Serialize};

use super::codec::{decode_message, encode_message, BodyLayout, Reader};
use super::error::CodecError;
use super::message::Message;
use super::spec::Profile;

/// Transport protocol data unit: `60` + destination + source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tpdu {
    /// Protocol id, `60` on UnionPay networks.
    pub id: u8,
    /// Destination address (the NII of the acquirer).
    pub dest: [u8; 2],
    /// Source address.
    pub src: [u8; 2],
}

impl Tpdu {
    /// The TPDU most UnionPay acquirers configure: `60 0003 0000`.
    pub const DEFAULT: Tpdu = Tpdu { id: 0x60, dest: [0x00, 0x03], src: [0x00, 0x00] };

    /// The TPDU of the reply: destination and source swapped.
    pub fn swapped(&self) -> Tpdu {
        Tpdu { id: self.id, dest: self.src, src: self.dest }
    }

    /// The five wire bytes.
    pub fn bytes(&self) -> [u8; 5] {
        [self.id, self.dest[0], self.dest[1], self.src[0], self.src[1]]
    }
}

/// The 6-byte application header after the TPDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header(pub [u8; 6]);

impl Header {
    /// Application type `60` (magstripe), version `31`, status `00`, sub-version `000000`.
    pub const MAGSTRIPE: Header = Header([0x60, 0x31, 0x00, 0x00, 0x00, 0x00]);
    /// Application type `61` (IC).
    pub const IC: Header = Header([0x61, 0x31, 0x00, 0x00, 0x00, 0x00]);

    /// Application type: `60` magstripe, `61` IC.
    pub fn app_type(&self) -> u8 {
        self.0[0]
    }
    /// Software version byte.
    pub fn version(&self) -> u8 {
        self.0[1]
    }
    /// The whole status byte: terminal status (high nibble) and processing requirement (low).
    pub fn status(&self) -> u8 {
        self.0[2]
    }
    /// The terminal status, the high nibble of byte 3: 0 normal, 1 test.
    pub fn terminal_status(&self) -> u8 {
        self.0[2] >> 4
    }
    /// What the host asks the terminal to do next, the low nibble of byte 3.
    pub fn processing_requirement(&self) -> ProcessingRequirement {
        ProcessingRequirement::from_nibble(self.0[2] & 0x0F)
    }
    /// This header with the processing requirement set (a host's answer asking for `r`).
    pub fn with_requirement(mut self, r: ProcessingRequirement) -> Header {
        self.0[2] = (self.0[2] & 0xF0) | r.nibble();
        self
    }
    /// The 3-byte sub-version.
    pub fn sub_version(&self) -> [u8; 3] {
        [self.0[3], self.0[4], self.0[5]]
    }
}

/// What a host asks of the terminal in the header of any answer (处理要求), to be done after
/// the current transaction. Values from the profile's terminals and hosts (sources in
/// `docs/terminal-management.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProcessingRequirement {
    /// 0: nothing.
    None,
    /// 1: download the terminal parameters (60.3 360).
    DownloadParameters,
    /// 2: upload the terminal's status (362).
    UploadStatus,
    /// 3: sign in again.
    SignIn,
    /// 4: update the CA public keys (372, 370..., 371).
    UpdatePublicKeys,
    /// 5: download the IC parameters (382, 380..., 381).
    DownloadIcParameters,
    /// 6: TMS parameter download (364/365; one host only).
    TmsDownload,
    /// 7: download the card blacklist (390..., 391).
    DownloadBlacklist,
    /// Any other value (8: rates; 9-F unassigned): ignored.
    Other(u8),
}

impl ProcessingRequirement {
    /// From the low nibble.
    pub fn from_nibble(n: u8) -> ProcessingRequirement {
        match n & 0x0F {
            0 => ProcessingRequirement::None,
            1 => ProcessingRequirement::DownloadParameters,
            2 => ProcessingRequirement::UploadStatus,
            3 => ProcessingRequirement::SignIn,
            4 => ProcessingRequirement::UpdatePublicKeys,
            5 => ProcessingRequirement::DownloadIcParameters,
            6 => ProcessingRequirement::TmsDownload,
            7 => ProcessingRequirement::DownloadBlacklist,
            n => ProcessingRequirement::Other(n),
        }
    }

    /// The low nibble.
    pub fn nibble(self) -> u8 {
        match self {
            ProcessingRequirement::None => 0,
            ProcessingRequirement::DownloadParameters => 1,
            ProcessingRequirement::UploadStatus => 2,
            ProcessingRequirement::SignIn => 3,
            ProcessingRequirement::UpdatePublicKeys => 4,
            ProcessingRequirement::DownloadIcParameters => 5,
            ProcessingRequirement::TmsDownload => 6,
            ProcessingRequirement::DownloadBlacklist => 7,
            ProcessingRequirement::Other(n) => n & 0x0F,
        }
    }
}

/// A whole frame as exchanged with the acquirer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Routing.
    pub tpdu: Tpdu,
    /// Application header.
    pub header: Header,
    /// The ISO 8583 message.
    pub message: Message,
}

/// Bytes before the message body: TPDU and header.
pub const PREAMBLE_LEN: usize = 11;

impl Frame {
    /// Wraps a message in a frame.
    pub fn new(tpdu: Tpdu, header: Header, message: Message) -> Frame {
        Frame { tpdu, header, message }
    }

    /// Encodes the whole frame including the 2-byte length.
    pub fn encode(&self, profile: &Profile) -> Result<Vec<u8>, CodecError> {
        let mut out = Vec::with_capacity(256);
        self.encode_into(profile, &mut out)?;
        Ok(out)
    }

    /// Encodes the whole frame into `out` (cleared first), reusing its allocation.
    pub fn encode_into(&self, profile: &Profile, out: &mut Vec<u8>) -> Result<FrameLayout, CodecError> {
        out.clear();
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&self.tpdu.bytes());
        out.extend_from_slice(&self.header.0);
        let body = encode_message(profile, &self.message, out)?;
        let len = out.len() - 2;
        if len > profile.max_frame || len > usize::from(u16::MAX) {
            return Err(CodecError::FrameTooLarge { len, max: profile.max_frame.min(usize::from(u16::MAX)) });
        }
        out[..2].copy_from_slice(&(len as u16).to_be_bytes());
        Ok(FrameLayout { body_start: 2 + PREAMBLE_LEN, body })
    }

    /// Decodes a frame with its 2-byte length prefix; the prefix must match exactly.
    pub fn decode(profile: &Profile, bytes: &[u8]) -> Result<Frame, CodecError> {
        Self::decode_with_layout(profile, bytes).map(|(f, _)| f)
    }

    /// Decodes a frame and reports where its MAC sits, for verification over received bytes.
    pub fn decode_with_layout(profile: &Profile, bytes: &[u8]) -> Result<(Frame, FrameLayout), CodecError> {
        let mut r = Reader::new(bytes);
        let lb = r.take(2, || "frame length".into())?;
        let declared = usize::from(u16::from_be_bytes([lb[0], lb[1]]));
        let actual = r.remaining();
        if declared != actual {
            return Err(CodecError::LengthPrefixMismatch { declared, actual });
        }
        let (frame, body) = Self::decode_unprefixed(profile, &bytes[2..])?;
        Ok((frame, FrameLayout { body_start: 2 + PREAMBLE_LEN, body }))
    }

    /// Decodes what follows the length prefix (TCP framing has already read it).
    pub fn decode_unprefixed(profile: &Profile, bytes: &[u8]) -> Result<(Frame, BodyLayout), CodecError> {
        if bytes.len() > profile.max_frame {
            return Err(CodecError::FrameTooLarge { len: bytes.len(), max: profile.max_frame });
        }
        let mut r = Reader::new(bytes);
        let t = r.take(5, || "TPDU".into())?;
        let tpdu = Tpdu { id: t[0], dest: [t[1], t[2]], src: [t[3], t[4]] };
        let h = r.take(6, || "header".into())?;
        let header = Header([h[0], h[1], h[2], h[3], h[4], h[5]]);
        let (message, layout) = decode_message(profile, &bytes[PREAMBLE_LEN..])?;
        Ok((Frame { tpdu, header, message }, layout))
    }
}

/// Offsets within a received frame (with its length prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameLayout {
    /// Where the MTI starts.
    pub body_start: usize,
    /// Offsets within the body.
    pub body: BodyLayout,
}

impl FrameLayout {
    /// The MAC block as received: MTI to the end of the last field before 64.
    pub fn mab<'a>(&self, frame_bytes: &'a [u8]) -> Option<&'a [u8]> {
        let end = self.body_start + self.body.mac_offset?;
        frame_bytes.get(self.body_start..end)
    }

    /// The 8 bytes of field 64 within the frame.
    pub fn mac<'a>(&self, frame_bytes: &'a [u8]) -> Option<&'a [u8]> {
        let start = self.body_start + self.body.mac_offset?;
        frame_bytes.get(start..start + 8)
    }
}
