//! A received frame, decoded once and kept with its bytes for MAC checks and duplicates.

use pos_core::iso8583::{unionpay, CodecError, Frame, FrameLayout, Message};

use crate::fault::RequestClass;

/// A request as received: the exact bytes, the decoded frame, where its MAC sits.
pub(crate) struct Inbound {
    bytes: Vec<u8>,
    frame: Frame,
    layout: FrameLayout,
}

impl Inbound {
    /// Decodes a whole frame including its 2-byte length.
    pub(crate) fn decode(bytes: Vec<u8>) -> Result<Inbound, CodecError> {
        let (frame, layout) = Frame::decode_with_layout(unionpay(), &bytes)?;
        Ok(Inbound { bytes, frame, layout })
    }

    /// The bytes as received, length prefix included.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The decoded frame.
    pub(crate) fn frame(&self) -> &Frame {
        &self.frame
    }

    /// The ISO 8583 message.
    pub(crate) fn message(&self) -> &Message {
        &self.frame.message
    }

    /// Offsets of the MAC block and field 64.
    pub(crate) fn layout(&self) -> &FrameLayout {
        &self.layout
    }

    /// Field 41 when it is 8 printable characters.
    pub(crate) fn tid(&self) -> Option<&str> {
        self.frame.message.get_str(41).filter(|t| t.len() == 8 && t.bytes().all(|b| b.is_ascii_graphic()))
    }

    /// Which fault plans may apply to it.
    pub(crate) fn class(&self) -> RequestClass {
        RequestClass::of_mti(self.frame.message.mti().as_str())
    }
}
