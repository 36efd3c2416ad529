//! What the reader tells the operator's screen while a card is read.

use std::sync::Arc;

/// How the card was presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardMethod {
    /// Magnetic stripe.
    Swipe,
    /// Contact chip.
    Insert,
    /// Contactless.
    Tap,
}

impl CardMethod {
    /// The protocol's byte.
    pub fn code(self) -> u8 {
        match self {
            CardMethod::Swipe => 1,
            CardMethod::Insert => 2,
            CardMethod::Tap => 3,
        }
    }

    /// From the protocol's byte.
    pub fn from_code(b: u8) -> Option<CardMethod> {
        match b {
            1 => Some(CardMethod::Swipe),
            2 => Some(CardMethod::Insert),
            3 => Some(CardMethod::Tap),
            _ => None,
        }
    }
}

impl CardMethod {
    /// The entry method this presentation is (the vocabulary names it).
    pub(crate) fn entry_method(self) -> crate::iso8583::EntryMethod {
        match self {
            CardMethod::Swipe => crate::iso8583::EntryMethod::Swipe,
            CardMethod::Insert => crate::iso8583::EntryMethod::Chip,
            CardMethod::Tap => crate::iso8583::EntryMethod::Contactless,
        }
    }
}

/// A reader event for the UI ("请刷卡/插卡/挥卡", "请输入密码 ****").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderEvent {
    /// Waiting for a card.
    WaitingForCard,
    /// A card was swiped, inserted or tapped.
    CardDetected(CardMethod),
    /// The chip failed: swipe the card instead.
    FallbackToSwipe,
    /// PIN digits entered so far.
    PinProgress(u8),
    /// The card was taken out.
    CardRemoved,
    /// The reader's security switch fired: 系统安全已触发.
    Tampered,
    /// The reader's battery is low (percent).
    BatteryLow(u8),
}

/// Receives reader events; implemented by the shell (a uniffi callback interface later).
pub trait ReaderObserver: Send + Sync {
    /// Called for each event, in order, from the reader's task.
    fn on_reader_event(&self, event: ReaderEvent);
}

/// An observer that collects events, for tests and the CLI.
#[derive(Debug, Default)]
pub struct EventLog(std::sync::Mutex<Vec<ReaderEvent>>);

impl EventLog {
    /// A new, empty log behind an `Arc`.
    pub fn shared() -> Arc<EventLog> {
        Arc::new(EventLog::default())
    }

    /// The events so far.
    pub fn events(&self) -> Vec<ReaderEvent> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

impl ReaderObserver for EventLog {
    fn on_reader_event(&self, event: ReaderEvent) {
        if let Ok(mut v) = self.0.lock() {
            v.push(event);
        }
    }
}
