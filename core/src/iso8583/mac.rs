//! Field 64: MACing frames on send and checking them on receipt, over the bytes on the wire.

use super::error::CodecError;
use super::frame::{Frame, FrameLayout};
use super::spec::Profile;
use crate::crypto::{compute_mac, verify_mac, MacAlgorithm, SecretKey};

/// What checking a received frame's MAC found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacCheck {
    /// Field 64 matches the MAB.
    Valid,
    /// Field 64 is present and wrong: treat as no response (reverse, reason `A0`).
    Invalid,
    /// The frame carries no field 64.
    Absent,
}

/// Encodes `frame` and fills field 64 with the MAC over its MAB.
///
/// The message must already carry field 64 (any 8 bytes): the bitmap bit is part of the MAB.
pub fn encode_signed(
    frame: &Frame,
    profile: &Profile,
    algo: MacAlgorithm,
    mak: &SecretKey,
) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::with_capacity(256);
    encode_signed_into(frame, profile, algo, mak, &mut out)?;
    Ok(out)
}

/// As [`encode_signed`], writing into a reused buffer.
pub fn encode_signed_into(
    frame: &Frame,
    profile: &Profile,
    algo: MacAlgorithm,
    mak: &SecretKey,
    out: &mut Vec<u8>,
) -> Result<(), CodecError> {
    let layout = frame.encode_into(profile, out)?;
    let mab = layout.mab(out).ok_or(CodecError::MissingField(64))?;
    let mac = compute_mac(algo, mak, mab);
    let start = layout.body_start + layout.body.mac_offset.ok_or(CodecError::MissingField(64))?;
    out[start..start + 8].copy_from_slice(&mac);
    Ok(())
}

/// Checks the MAC of a received frame against the bytes actually received.
pub fn check_mac(frame_bytes: &[u8], layout: &FrameLayout, algo: MacAlgorithm, mak: &SecretKey) -> MacCheck {
    match (layout.mab(frame_bytes), layout.mac(frame_bytes)) {
        (Some(mab), Some(mac)) if verify_mac(algo, mak, mab, mac) => MacCheck::Valid,
        (Some(_), Some(_)) => MacCheck::Invalid,
        _ => MacCheck::Absent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iso8583::{unionpay, Header, Message, Mti, Tpdu};

    #[test]
    fn signed_frame_verifies_and_tampering_fails() {
        let key = SecretKey::from_hex("5BB5C72CD00B7338").unwrap();
        let mut m = Message::new(Mti::new("0200").unwrap());
        m.set(3, "000000").unwrap().set(4, "000000000100").unwrap().set(11, "000001").unwrap();
        m.set(64, [0u8; 8]).unwrap();
        let f = Frame::new(Tpdu::DEFAULT, Header::MAGSTRIPE, m);
        for algo in [MacAlgorithm::UnionPayEcb, MacAlgorithm::X919] {
            let bytes = encode_signed(&f, unionpay(), algo, &key).unwrap();
            let (_, layout) = Frame::decode_with_layout(unionpay(), &bytes).unwrap();
            assert_eq!(check_mac(&bytes, &layout, algo, &key), MacCheck::Valid);
            let mut bad = bytes.clone();
            bad[layout.body_start + 12] ^= 0x01; // inside field 4
            let (_, layout) = Frame::decode_with_layout(unionpay(), &bad).unwrap();
            assert_eq!(check_mac(&bad, &layout, algo, &key), MacCheck::Invalid);
        }
        let mut unsigned = f.message.clone();
        unsigned.remove(64);
        let f2 = Frame::new(Tpdu::DEFAULT, Header::MAGSTRIPE, unsigned);
        assert_eq!(encode_signed(&f2, unionpay(), MacAlgorithm::X919, &key), Err(CodecError::MissingField(64)));
        let bytes = f2.encode(unionpay()).unwrap();
        let (_, layout) = Frame::decode_with_layout(unionpay(), &bytes).unwrap();
        assert_eq!(check_mac(&bytes, &layout, MacAlgorithm::X919, &key), MacCheck::Absent);
    }
}
