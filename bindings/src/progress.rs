//! Payment progress: a reader wrapper that tells the shell when the terminal waits for the
//! card and when it has it and goes on to the host. The reader's card and PIN events go into
//! the same channel (see `reader.rs`), so one observer sees every stage in the order it happened.

use std::sync::Arc;

use async_trait::async_trait;
use pos_core::crypto::EncryptedWorkingKeys;
use pos_core::tms::blacklist::EntryFingerprint;
use pos_core::{CardRead, CardReader, CardRequest, DeviceInfo, ReaderError, ReaderKeyAck};
use tokio::sync::broadcast;

use crate::money::Money;
use crate::outcome::TxnKind;
use crate::reader::{CardMethod, ReaderEvent};

/// Where the payment in progress stands.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum PaymentStage {
    /// The reader waits for the card (and then the PIN): show "请刷卡/插卡/挥卡".
    WaitingForCard { kind: TxnKind, amount: Option<Money> },
    /// A card was swiped, inserted or tapped.
    CardDetected { method: CardMethod },
    /// The chip failed: swipe the card instead.
    FallbackToSwipe,
    /// The cardholder types the PIN: digits so far (never the digits themselves).
    PinEntry { digits: u8 },
    /// The card (and PIN) are read: the request goes to the host, or is approved offline.
    Processing { kind: TxnKind, masked_pan: String },
    /// The read ended without a card (cancelled, timed out, tampered, disconnected).
    CardNotRead { zh: String, en: String },
}

impl PaymentStage {
    /// The stage a reader event means during a payment, if any.
    pub(crate) fn of_reader(e: ReaderEvent) -> Option<PaymentStage> {
        match e {
            ReaderEvent::CardDetected { method } => Some(PaymentStage::CardDetected { method }),
            ReaderEvent::FallbackToSwipe => Some(PaymentStage::FallbackToSwipe),
            ReaderEvent::PinProgress { digits } => Some(PaymentStage::PinEntry { digits }),
            _ => None,
        }
    }
}

/// The reader as the terminal sees it, reporting the stages of each read.
pub(crate) struct ProgressReader {
    inner: Arc<dyn CardReader>,
    stages: broadcast::Sender<PaymentStage>,
}

impl ProgressReader {
    pub(crate) fn new(inner: Arc<dyn CardReader>, stages: broadcast::Sender<PaymentStage>) -> ProgressReader {
        ProgressReader { inner, stages }
    }

    fn emit(&self, s: PaymentStage) {
        // Nobody listening is fine.
        let _ = self.stages.send(s);
    }
}

#[async_trait]
impl CardReader for ProgressReader {
    fn device_info(&self) -> DeviceInfo {
        self.inner.device_info()
    }

    fn check_secure_link(&self) -> Result<(), ReaderError> {
        self.inner.check_secure_link()
    }

    async fn load_working_keys(&self, keys: &EncryptedWorkingKeys) -> Result<ReaderKeyAck, ReaderError> {
        self.inner.load_working_keys(keys).await
    }

    async fn read_card(&self, request: CardRequest) -> Result<CardRead, ReaderError> {
        let kind = TxnKind::from(request.txn);
        self.emit(PaymentStage::WaitingForCard { kind, amount: request.amount.map(Money::from) });
        let read = self.inner.read_card(request).await;
        match &read {
            Ok(card) => self.emit(PaymentStage::Processing { kind, masked_pan: card.masked_pan.as_str().to_string() }),
            Err(e) => {
                use pos_core::Bilingual;
                self.emit(PaymentStage::CardNotRead { zh: e.zh(), en: e.en() })
            }
        }
        read
    }

    async fn cancel(&self) -> Result<(), ReaderError> {
        self.inner.cancel().await
    }

    async fn load_chip_parameters(
        &self,
        keys: &[pos_core::tms::capk::CaPublicKey],
        aids: &[pos_core::tms::aid::IcParams],
    ) -> Result<pos_core::ChipParamsHeld, ReaderError> {
        self.inner.load_chip_parameters(keys, aids).await
    }

    async fn fingerprint_entries(&self, entries: &[String]) -> Result<Vec<EntryFingerprint>, ReaderError> {
        self.inner.fingerprint_entries(entries).await
    }

    // Every method is passed on, the defaulted ones too: a default here would hide the
    // reader's own answer (the remote unlock would read as "unsupported").
    async fn unlock_challenge(&self) -> Result<String, ReaderError> {
        self.inner.unlock_challenge().await
    }

    async fn unlock(&self, code: &str) -> Result<(), ReaderError> {
        self.inner.unlock(code).await
    }

    async fn help_desk_reset(&self, code: &str) -> Result<(), ReaderError> {
        self.inner.help_desk_reset(code).await
    }
}
