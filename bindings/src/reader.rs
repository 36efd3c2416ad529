//! The card reader over the shell's Bluetooth link: connecting, its events and tamper alerts.

use std::sync::{Arc, Mutex};

use pos_core::devices::ble::TransportConfig;
use pos_core::devices::reader::{
    BleCardReader, CardMethod as CoreMethod, ReaderEvent as CoreEvent, ReaderObserver as CoreObserver,
};
use pos_core::Bilingual;
use pos_core::{CardReader, DeviceInfo as CoreInfo, ReaderError};
use tokio::sync::broadcast;

use crate::error::PosError;
use crate::link::{BleLink, ForeignLink, LinkInbox};
use crate::observers::{pump, ReaderEventObserver, TamperObserver};
use crate::progress::PaymentStage;
use crate::runtime::run;
use crate::task::TaskHandle;

/// Reader events buffered for slow observers.
const EVENT_BUFFER: usize = 256;

/// How the card was presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CardMethod {
    /// Magnetic stripe.
    Swipe,
    /// Contact chip.
    Insert,
    /// Contactless.
    Tap,
}

/// What the reader tells the operator's screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ReaderEvent {
    /// Waiting for a card.
    WaitingForCard,
    /// A card was swiped, inserted or tapped.
    CardDetected { method: CardMethod },
    /// The chip failed: swipe instead.
    FallbackToSwipe,
    /// PIN digits entered so far (never the digits themselves).
    PinProgress { digits: u8 },
    /// The card was taken out.
    CardRemoved,
    /// The security switch fired: 系统安全已触发.
    Tampered,
    /// Battery low (percent).
    BatteryLow { percent: u8 },
}

impl From<CoreEvent> for ReaderEvent {
    fn from(e: CoreEvent) -> Self {
        match e {
            CoreEvent::WaitingForCard => ReaderEvent::WaitingForCard,
            CoreEvent::CardDetected(m) => ReaderEvent::CardDetected {
                method: match m {
                    CoreMethod::Swipe => CardMethod::Swipe,
                    CoreMethod::Insert => CardMethod::Insert,
                    CoreMethod::Tap => CardMethod::Tap,
                },
            },
            CoreEvent::FallbackToSwipe => ReaderEvent::FallbackToSwipe,
            CoreEvent::PinProgress(n) => ReaderEvent::PinProgress { digits: n },
            CoreEvent::CardRemoved => ReaderEvent::CardRemoved,
            CoreEvent::Tampered => ReaderEvent::Tampered,
            CoreEvent::BatteryLow(p) => ReaderEvent::BatteryLow { percent: p },
        }
    }
}

/// Model, serial and state of the reader.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeviceInfo {
    /// Model.
    pub model: String,
    /// Serial number.
    pub serial: String,
    /// Firmware version.
    pub firmware: String,
    /// Has a PIN pad.
    pub pin_pad: bool,
    /// Reads contactless cards.
    pub contactless: bool,
    /// Battery percent.
    pub battery_percent: u8,
    /// The security switch has fired.
    pub tampered: bool,
}

impl From<CoreInfo> for DeviceInfo {
    fn from(i: CoreInfo) -> Self {
        DeviceInfo {
            model: i.model,
            serial: i.serial,
            firmware: i.firmware,
            pin_pad: i.pin_pad,
            contactless: i.contactless,
            battery_percent: i.battery_percent,
            tampered: i.tampered,
        }
    }
}

/// Where a terminal wants the payment stages of this reader's events.
type StageSink = Arc<Mutex<Option<broadcast::Sender<PaymentStage>>>>;

/// Forwards the client's events to every subscriber and, as payment stages, to the terminal.
struct Fanout {
    events: broadcast::Sender<ReaderEvent>,
    stages: StageSink,
}

impl CoreObserver for Fanout {
    fn on_reader_event(&self, event: CoreEvent) {
        let e = ReaderEvent::from(event);
        // Sent from the reader's task in the order the reader reported them, before the read
        // returns: the payment stage channel keeps card, PIN and "processing" in order.
        if let (Some(stage), Ok(sink)) = (PaymentStage::of_reader(e), self.stages.lock()) {
            if let Some(tx) = sink.as_ref() {
                let _ = tx.send(stage);
            }
        }
        let _ = self.events.send(e);
    }
}

/// A connected card reader, to pass to `Terminal.open`.
#[derive(uniffi::Object)]
pub struct CardReaderHandle {
    reader: Arc<BleCardReader>,
    events: broadcast::Sender<ReaderEvent>,
    stages: StageSink,
}

impl CardReaderHandle {
    pub(crate) fn wrap(reader: BleCardReader) -> Arc<CardReaderHandle> {
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let stages: StageSink = Arc::new(Mutex::new(None));
        reader.set_observer(Arc::new(Fanout { events: events.clone(), stages: stages.clone() }));
        Arc::new(CardReaderHandle { reader: Arc::new(reader), events, stages })
    }

    /// Sends the reader's card and PIN events to `sink` as payment stages (the terminal using it).
    pub(crate) fn set_stage_sink(&self, sink: broadcast::Sender<PaymentStage>) {
        if let Ok(mut s) = self.stages.lock() {
            *s = Some(sink);
        }
    }

    pub(crate) fn card_reader(&self) -> Arc<dyn CardReader> {
        self.reader.clone()
    }
}

/// Connects to the reader at the other end of `link` (the shell pushes its notifications into `inbox`).
#[uniffi::export(async_runtime = "tokio")]
pub async fn connect_reader(link: Arc<dyn BleLink>, inbox: Arc<LinkInbox>) -> Result<Arc<CardReaderHandle>, PosError> {
    let events = inbox.take_receiver()?;
    run(async move {
        let reader = BleCardReader::connect(Arc::new(ForeignLink(link)), events, TransportConfig::default())
            .await
            .map_err(pos_core::Error::from)?;
        Ok(CardReaderHandle::wrap(reader))
    })
    .await
}

#[uniffi::export(async_runtime = "tokio")]
impl CardReaderHandle {
    /// What the reader said about itself when last asked.
    pub fn device_info(&self) -> DeviceInfo {
        self.reader.device_info().into()
    }

    /// Asks the reader again (battery, tamper state).
    pub async fn refresh_info(&self) -> Result<DeviceInfo, PosError> {
        let r = self.reader.clone();
        run(async move { Ok(r.refresh_info().await.map_err(pos_core::Error::from)?.into()) }).await
    }

    /// Shows `text` on the reader's display (at most 64 bytes are kept).
    pub async fn display_text(&self, text: String) -> Result<(), PosError> {
        let r = self.reader.clone();
        run(async move { Ok(r.display_text(&text).await.map_err(pos_core::Error::from)?) }).await
    }

    /// Whether the security switch has fired (the reader then refuses every transaction).
    pub fn is_tampered(&self) -> bool {
        self.reader.is_tampered()
    }

    /// Reader events until the handle is cancelled.
    pub fn subscribe(&self, observer: Arc<dyn ReaderEventObserver>) -> Arc<TaskHandle> {
        pump(self.events.subscribe(), move |e| observer.on_reader_event(e))
    }

    /// Tamper alerts until the handle is cancelled; fires at once if the reader is already tampered.
    pub fn subscribe_tamper(&self, observer: Arc<dyn TamperObserver>) -> Arc<TaskHandle> {
        let alert = ReaderError::Tampered;
        if self.reader.is_tampered() {
            observer.on_tamper(alert.zh(), alert.en());
        }
        pump(self.events.subscribe(), move |e| {
            if e == ReaderEvent::Tampered {
                observer.on_tamper(alert.zh(), alert.en());
            }
        })
    }
}
