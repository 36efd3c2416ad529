//! Answers: framing (TPDU swapped, header echoed) and signing with the terminal's MAK.

use pos_core::crypto::{MacAlgorithm, SecretKey};
use pos_core::iso8583::{encode_signed, unionpay, CodecError, Frame, Message};
use tracing::error;

use super::inbound::Inbound;

/// Fields copied from a request into an answer that cannot be built from a typed view.
const ECHOED: [u8; 8] = [3, 4, 11, 25, 41, 42, 49, 60];

/// An encoded answer.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    /// The whole frame with its length prefix.
    pub bytes: Vec<u8>,
    /// Whether field 64 carries a MAC (the last 8 bytes).
    pub signed: bool,
}

/// The MAK and algorithm that sign answers to a terminal.
#[derive(Clone, Copy)]
pub(crate) struct MacKey<'a> {
    pub mak: &'a SecretKey,
    pub algo: MacAlgorithm,
}

/// A minimal answer with `rc`: the request's MTI + 10 and its identifying fields echoed.
pub(crate) fn bare(request: &Message, rc: &str) -> Message {
    let mut m = Message::with_capacity(request.mti().response(), 96);
    for n in ECHOED {
        // As received: a newer terminal's longer field 60 is echoed as it came, and values
        // that decoded under the profile encode under it again.
        m.copy_field(request, n);
    }
    let _ = m.set(39, rc);
    m
}

/// Frames `msg` as the answer to `inbound`, signed when `key` is given.
pub(crate) fn encode_or_err(inbound: &Inbound, mut msg: Message, key: Option<MacKey<'_>>) -> Result<Reply, CodecError> {
    let request = inbound.frame();
    match key {
        Some(k) => {
            msg.set(64, [0u8; 8])?;
            let frame = Frame::new(request.tpdu.swapped(), request.header, msg);
            Ok(Reply { bytes: encode_signed(&frame, unionpay(), k.algo, k.mak)?, signed: true })
        }
        None => {
            msg.remove(64);
            let frame = Frame::new(request.tpdu.swapped(), request.header, msg);
            Ok(Reply { bytes: frame.encode(unionpay())?, signed: false })
        }
    }
}

/// A stored answer sent again for a repeat, signed with the terminal's MAK of now: a
/// sign-in since the first answer changed the key, and the terminal checks the repeat's
/// answer under the key it has. Under the same key the bytes are the same as before.
pub(crate) fn resign(bytes: Vec<u8>, key: MacKey<'_>) -> Reply {
    match Frame::decode(unionpay(), &bytes) {
        Ok(frame) if frame.message.has(64) => match encode_signed(&frame, unionpay(), key.algo, key.mak) {
            Ok(signed) => Reply { bytes: signed, signed: true },
            Err(e) => {
                error!(error = %e, "cannot sign a stored answer again; sending it as stored");
                Reply { bytes, signed: true }
            }
        },
        _ => Reply { bytes, signed: true },
    }
}

/// As [`encode_or_err`]; a failure (a defect) is logged and nothing is sent.
pub(crate) fn encode(inbound: &Inbound, msg: Message, key: Option<MacKey<'_>>) -> Option<Reply> {
    match encode_or_err(inbound, msg, key) {
        Ok(r) => Some(r),
        Err(e) => {
            error!(error = %e, "cannot encode an answer");
            None
        }
    }
}
