//! The 0400 that reverses a request.

use crate::iso8583::{reversal_of, CodecError, Message};
use crate::response_code::ResponseCode;

/// The reversal of `request` with reason `reason`, MAC placeholder included.
///
/// Built from the request as sent (so the host can match terminal, batch, STAN, type and
/// amount) without the PIN block (UnionPay rule) and without tracks 2 and 3: the host
/// needs neither to undo the original, and the stored copy should hold as little card
/// data as it can.
pub(crate) fn reversal_message(request: &Message, reason: ResponseCode) -> Result<Message, CodecError> {
    let mut m = reversal_of(request, reason, true)?;
    m.remove(35);
    m.remove(36);
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iso8583::Mti;

    #[test]
    fn keeps_the_keys_drops_pin_and_tracks() -> Result<(), CodecError> {
        let mut req = Message::new(Mti::from_digits(*b"0200"));
        req.set(3, "000000")?.set(4, "000000000100")?.set(11, "000012")?.set(35, "1234D")?;
        req.set(36, "99")?.set(41, "10000001")?.set(52, [1u8; 8])?.set(64, [0u8; 8])?;
        let r = reversal_message(&req, ResponseCode::parse("98").unwrap_or(ResponseCode::APPROVED))?;
        assert_eq!(r.mti().as_str(), "0400");
        assert_eq!((r.get_str(11), r.get_str(39), r.get_str(4)), (Some("000012"), Some("98"), Some("000000000100")));
        assert!(!r.has(35) && !r.has(36) && !r.has(52) && r.has(64));
        Ok(())
    }
}
