//! Matching responses to the requests waiting for them, by terminal ID and STAN.
//!
//! Each request in flight registers a [`MatchKey`] and the response MTI it
//! expects; the connection's reader hands a decoded frame only to the request
//! whose key and MTI it carries. Anything else is logged (masked) and dropped, so
//! a late or stray response can never complete the wrong transaction.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::oneshot;

use super::error::AcquirerError;
use crate::iso8583::{Frame, FrameLayout, Message, Mti, Stan, TerminalId};
use crate::redact::mask_pan_digits;

/// What identifies a response: field 41 and field 11.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct MatchKey {
    /// Field 41.
    pub tid: TerminalId,
    /// Field 11.
    pub stan: Stan,
}

impl MatchKey {
    /// The key a message carries, if fields 41 and 11 are readable.
    pub fn of(message: &Message) -> Option<MatchKey> {
        let tid = TerminalId::from_field(message.get(41)?).ok()?;
        let stan = Stan::parse(11, message.get(11)?).ok()?;
        Some(MatchKey { tid, stan })
    }
}

/// A received frame: its bytes (for the MAC check) and its decoding.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub bytes: Vec<u8>,
    pub frame: Frame,
    pub layout: FrameLayout,
}

type Delivery = Result<Received, AcquirerError>;

/// The receiving end a request waits on.
pub(crate) type Waiting = oneshot::Receiver<Delivery>;

struct Waiter {
    expect: Mti,
    tx: oneshot::Sender<Delivery>,
}

#[derive(Default)]
struct Table {
    waiting: HashMap<MatchKey, Waiter>,
    /// Set once the connection is gone; nothing may register after that.
    closed: bool,
}

/// The requests in flight on one connection.
#[derive(Default, Clone)]
pub(crate) struct Pending {
    table: Arc<Mutex<Table>>,
}

/// Why a request could not register.
pub(crate) enum RegisterError {
    Closed,
    Duplicate,
}

impl Pending {
    fn lock(&self) -> MutexGuard<'_, Table> {
        // A poisoned lock only means another task panicked mid-update of a plain map.
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a request before it is written, so that even an instant reply finds it.
    pub(crate) fn register(&self, key: MatchKey, expect: Mti) -> Result<Waiting, RegisterError> {
        let mut t = self.lock();
        if t.closed {
            return Err(RegisterError::Closed);
        }
        if t.waiting.contains_key(&key) {
            return Err(RegisterError::Duplicate);
        }
        let (tx, rx) = oneshot::channel();
        t.waiting.insert(key, Waiter { expect, tx });
        Ok(rx)
    }

    /// Forgets a request (timed out or abandoned): its response, if it comes, is dropped.
    pub(crate) fn forget(&self, key: &MatchKey) {
        self.lock().waiting.remove(key);
    }

    /// Number of requests waiting.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.lock().waiting.len()
    }

    /// Hands a decoded response to its request, or logs and drops it.
    pub fn deliver(&self, received: Received) {
        let msg = &received.frame.message;
        let Some(key) = MatchKey::of(msg) else {
            tracing::warn!(response = %describe(msg), "response without a readable TID/STAN dropped");
            return;
        };
        let mut t = self.lock();
        match t.waiting.get(&key) {
            Some(w) if w.expect == msg.mti() => {
                if let Some(w) = t.waiting.remove(&key) {
                    // The requester may have given up a moment ago; then the response is moot.
                    let _ = w.tx.send(Ok(received));
                }
            }
            Some(w) => {
                tracing::warn!(response = %describe(msg), expected = %w.expect, "response of the wrong type dropped");
            }
            None => tracing::warn!(response = %describe(msg), "late or unmatched response dropped"),
        }
    }

    /// A frame that could not be decoded: it can only be blamed on a request if exactly one waits.
    pub(crate) fn deliver_undecodable(&self, error: AcquirerError) {
        let mut t = self.lock();
        if t.waiting.len() == 1 {
            let key = t.waiting.keys().next().cloned();
            if let Some(w) = key.and_then(|k| t.waiting.remove(&k)) {
                let _ = w.tx.send(Err(error));
            }
        } else {
            tracing::warn!(%error, waiting = t.waiting.len(), "undecodable response dropped");
        }
    }

    /// Closes the table: every waiting request gets `error`, and no new one may register.
    pub fn close(&self, error: &AcquirerError) {
        let mut t = self.lock();
        t.closed = true;
        for (_, w) in t.waiting.drain() {
            let _ = w.tx.send(Err(error.clone()));
        }
    }

    /// True once closed.
    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }
}

/// One log line's worth of a message: MTI, TID, STAN, response code and a masked PAN.
pub(crate) fn describe(m: &Message) -> String {
    let field = |n| m.get_str(n).unwrap_or("-");
    let pan = m.get_str(2).map(mask_pan_digits).unwrap_or_else(|| "-".into());
    format!("mti={} tid={} stan={} rc={} pan={}", m.mti(), field(41), field(11), field(39), pan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iso8583::{Header, Tpdu};

    fn received(mti: &str, tid: &str, stan: &str) -> Received {
        let mut m = Message::new(Mti::new(mti).unwrap_or(Mti::from_digits(*b"0000")));
        m.set(11, stan).ok();
        m.set(41, tid).ok();
        m.set(2, "6228480402564890018").ok();
        let frame = Frame::new(Tpdu::DEFAULT, Header::IC, m);
        let layout = FrameLayout { body_start: 13, body: Default::default() };
        Received { bytes: vec![], frame, layout }
    }

    fn key(stan: u32) -> MatchKey {
        MatchKey { tid: TerminalId::new("10000001").unwrap(), stan: Stan::new(stan).unwrap() }
    }

    #[test]
    fn delivers_by_key_and_type_only() {
        let p = Pending::default();
        let Ok(mut a) = p.register(key(1), Mti::from_digits(*b"0210")) else { panic!("register") };
        let Ok(mut b) = p.register(key(2), Mti::from_digits(*b"0210")) else { panic!("register") };
        assert!(matches!(p.register(key(2), Mti::from_digits(*b"0210")), Err(RegisterError::Duplicate)));
        p.deliver(received("0210", "10000001", "000002"));
        assert!(b.try_recv().is_ok_and(|r| r.is_ok()));
        assert!(a.try_recv().is_err());
        // Wrong MTI, other terminal, unknown STAN: all dropped, request 1 still waits.
        p.deliver(received("0410", "10000001", "000001"));
        p.deliver(received("0210", "10000002", "000001"));
        p.deliver(received("0210", "10000001", "000099"));
        assert!(a.try_recv().is_err());
        assert_eq!(p.len(), 1);
        p.close(&AcquirerError::ConnectionLost { sent: true });
        assert!(matches!(a.try_recv(), Ok(Err(AcquirerError::ConnectionLost { sent: true }))));
        assert!(matches!(p.register(key(3), Mti::from_digits(*b"0210")), Err(RegisterError::Closed)));
    }

    #[test]
    fn description_masks_the_pan() {
        let r = received("0210", "10000001", "000002");
        let d = describe(&r.frame.message);
        assert!(d.contains("622848*********0018") && !d.contains("6228480402564890018"), "{d}");
    }
}
