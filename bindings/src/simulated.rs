//! Simulated devices for the emulator build and the JVM tests: the reader and printer
//! simulators of the core, reached through the real reader protocol and ESC/POS client.
//!
//! [`SimulatedDevices`] wires both over in-memory links (like the CLI). [`ReaderPeripheral`]
//! is a simulated reader at the far end of a link the shell implements, so the shell's
//! own `BleLink` and pairing code can be exercised without Bluetooth.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use pos_core::deck;
use pos_core::devices::ble::{
    memory_pair, BleLink as CoreLink, LinkError, LinkEvent, LinkInbox as CoreInbox, LinkSecurity, MemoryEndpoint,
    MemoryFaults, TransportConfig,
};
use pos_core::devices::printer::sim::{SimPrinter, SimPrinterConfig};
use pos_core::devices::printer::{BlePrinter, PrinterConfig, PrinterStatus};
use pos_core::devices::reader::{BleCardReader, SimulatedReader};
use pos_core::SoftwareReader;

use crate::error::PosError;
use crate::link::LinkInbox;
use crate::printer::ReceiptPrinter;
use crate::reader::CardReaderHandle;
use crate::runtime::run;
use crate::vault::{ForeignVault, KeyVault};

/// The MTU the simulated links negotiate (a typical Android value).
const SIM_MTU: usize = 185;

/// A card of the shared test deck (the simulator's issuer knows the same cards).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TestCard {
    /// Id to present ("debit", "lowbal", "offline", ...).
    pub id: String,
    /// What it tests, in English.
    pub description: String,
    /// What it tests, in Chinese.
    pub description_zh: String,
    /// The card number, masked.
    pub masked_pan: String,
}

/// A card id the deck does not have: the caller's input, in both languages.
fn unknown_card(e: pos_core::UnknownTestCard) -> PosError {
    use pos_core::Bilingual;
    PosError::InvalidInput { zh: e.zh(), en: e.en() }
}

/// The simulated reader's secure element for the terminal in `dir`: the TMK and unlock key
/// of its provisioning (the published demo terminal's when it was never provisioned), its
/// device secret and working keys sealed through `vault` beside the terminal's journal.
fn secure_element(dir: &Path, vault: Arc<dyn KeyVault>) -> Result<SoftwareReader, PosError> {
    pos_core::terminal::Terminal::create_data_dir(dir)?;
    let vault: Arc<dyn pos_core::crypto::KeyVault> = Arc::new(ForeignVault(vault));
    let provisioning = crate::provisioning::for_simulated_reader(dir, vault.as_ref())?;
    Ok(provisioning.software_reader(dir, vault).map_err(pos_core::Error::from)?)
}

/// The reader and printer simulators, connected over in-memory links.
#[derive(uniffi::Object)]
pub struct SimulatedDevices {
    reader_device: SimulatedReader,
    reader: Arc<CardReaderHandle>,
    reader_link: Arc<MemoryEndpoint>,
    printer_device: SimPrinter,
    printer: Arc<ReceiptPrinter>,
}

/// Starts a simulated reader and printer for the terminal in `data_dir`: the reader holds
/// that terminal's provisioned keys (the demo terminal's when it was never provisioned),
/// its device secret and working keys sealed through `vault` there.
#[uniffi::export(async_runtime = "tokio")]
pub async fn start_simulated_devices(
    data_dir: String,
    vault: Arc<dyn KeyVault>,
) -> Result<Arc<SimulatedDevices>, PosError> {
    let dir = PathBuf::from(data_dir);
    run(async move {
        let inner = Arc::new(secure_element(&dir, vault)?);
        let ((phone, phone_rx), (device, device_rx)) = memory_pair(SIM_MTU, MemoryFaults::default());
        let reader_device = SimulatedReader::spawn(Arc::new(device), device_rx, inner, TransportConfig::default());
        let phone = Arc::new(phone);
        let reader = BleCardReader::connect(phone.clone(), phone_rx, TransportConfig::default())
            .await
            .map_err(pos_core::Error::from)?;
        let ((p_phone, p_phone_rx), (p_device, p_device_rx)) = memory_pair(SIM_MTU, MemoryFaults::default());
        let printer_device = SimPrinter::start(Arc::new(p_device), p_device_rx, SimPrinterConfig::default());
        let printer = BlePrinter::new(Arc::new(p_phone), p_phone_rx, PrinterConfig::default());
        Ok(Arc::new(SimulatedDevices {
            reader_device,
            reader: CardReaderHandle::wrap(reader),
            reader_link: phone,
            printer_device,
            printer: ReceiptPrinter::wrap(Arc::new(printer)),
        }))
    })
    .await
}

#[uniffi::export(async_runtime = "tokio")]
impl SimulatedDevices {
    /// The connected reader, for `Terminal.open`.
    pub fn reader(&self) -> Arc<CardReaderHandle> {
        self.reader.clone()
    }

    /// The connected printer, for `Terminal.print_receipt`.
    pub fn printer(&self) -> Arc<ReceiptPrinter> {
        self.printer.clone()
    }

    /// The cards the simulated reader can present.
    pub fn test_cards(&self) -> Vec<TestCard> {
        test_cards()
    }

    /// Presents a deck card (it stays until removed); its PIN is typed by the simulated pad.
    pub fn present_card(&self, card_id: String) -> Result<(), PosError> {
        self.reader_device.present(&card_id).map_err(unknown_card)
    }

    /// Takes the card away (the next read waits).
    pub fn remove_card(&self) {
        self.reader_device.remove();
    }

    /// Fires the reader's security switch: it erases its keys and refuses every transaction.
    pub fn trigger_tamper(&self) {
        self.reader_device.trigger_tamper();
    }

    /// Sets the reader's battery; below 20 % it warns.
    pub fn set_battery(&self, percent: u8) {
        self.reader_device.set_battery(percent);
    }

    /// The reader walks out of range.
    pub async fn disconnect_reader(&self) {
        let l = self.reader_link.clone();
        let _ = run(async move {
            l.disconnect().await;
            Ok(())
        })
        .await;
    }

    /// The reader comes back.
    pub async fn reconnect_reader(&self) {
        let l = self.reader_link.clone();
        let _ = run(async move {
            l.reconnect().await;
            Ok(())
        })
        .await;
    }

    /// The printer runs out of paper (or gets a new roll).
    pub fn set_paper_out(&self, out: bool) {
        self.printer_device.set_paper_out(out);
    }

    /// The printer's cover opens (or closes).
    pub fn set_cover_open(&self, open: bool) {
        self.printer_device.set_cover_open(open);
    }

    /// Near end of the roll.
    pub fn set_paper_near_end(&self, near: bool) {
        let mut s: PrinterStatus = self.printer_device.status();
        s.paper_near_end = near;
        self.printer_device.set_status(s);
    }

    /// Everything printed so far, as text.
    pub fn paper_text(&self) -> String {
        self.printer_device.text()
    }

    /// Everything printed so far, as text, tearing it off.
    pub fn take_paper_text(&self) -> String {
        self.printer_device.take_paper().to_text()
    }
}

fn test_cards() -> Vec<TestCard> {
    deck::DECK
        .iter()
        .map(|c| TestCard {
            id: c.id.to_string(),
            description: c.description.to_string(),
            description_zh: c.description_zh().to_string(),
            masked_pan: format!(
                "{}{}{}",
                &c.pan[..6],
                "*".repeat(c.pan.len().saturating_sub(10)),
                &c.pan[c.pan.len() - 4..]
            ),
        })
        .collect()
}

/// The peripheral's side of a link whose phone side the shell implements: what the device
/// writes arrives in the shell's inbox as notifications.
struct AirLink {
    phone: CoreInbox,
    powered: Arc<AtomicBool>,
}

#[async_trait]
impl CoreLink for AirLink {
    async fn write(&self, chunk: Vec<u8>) -> Result<(), LinkError> {
        if !self.powered.load(Ordering::SeqCst) || !self.phone.push(LinkEvent::Notification(chunk)).await {
            return Err(LinkError::Disconnected);
        }
        Ok(())
    }

    fn mtu(&self) -> usize {
        SIM_MTU
    }

    fn is_connected(&self) -> bool {
        self.powered.load(Ordering::SeqCst)
    }

    // The reader's end: it only answers; the phone's end is what must be encrypted.
    fn link_security(&self) -> LinkSecurity {
        LinkSecurity::Encrypted
    }
}

/// A simulated reader at the far end of the shell's own [`crate::BleLink`]: the shell's link
/// `write`s go to [`ReaderPeripheral::deliver`], the reader's answers to the shell's inbox.
#[derive(uniffi::Object)]
pub struct ReaderPeripheral {
    device: SimulatedReader,
    inbox: CoreInbox,
    powered: Arc<AtomicBool>,
}

/// Starts a simulated reader for the terminal in `data_dir` (keys as in
/// [`start_simulated_devices`]) answering into `phone_inbox`.
#[uniffi::export(async_runtime = "tokio")]
pub async fn start_reader_peripheral(
    data_dir: String,
    phone_inbox: Arc<LinkInbox>,
    vault: Arc<dyn KeyVault>,
) -> Result<Arc<ReaderPeripheral>, PosError> {
    let dir = PathBuf::from(data_dir);
    let phone = phone_inbox.sender();
    run(async move {
        let inner = Arc::new(secure_element(&dir, vault)?);
        let powered = Arc::new(AtomicBool::new(true));
        let (inbox, rx) = CoreInbox::channel(4096);
        let link = AirLink { phone, powered: powered.clone() };
        let device = SimulatedReader::spawn(Arc::new(link), rx, inner, TransportConfig::default());
        Ok(Arc::new(ReaderPeripheral { device, inbox, powered }))
    })
    .await
}

#[uniffi::export]
impl ReaderPeripheral {
    /// The phone wrote `chunk` to the reader's characteristic; false when the reader is off.
    pub fn deliver(&self, chunk: Vec<u8>) -> bool {
        self.powered.load(Ordering::SeqCst) && self.inbox.try_push(LinkEvent::Notification(chunk))
    }

    /// The MTU the peripheral negotiates.
    pub fn mtu(&self) -> u32 {
        SIM_MTU as u32
    }

    /// Whether it is switched on and in range.
    pub fn is_powered(&self) -> bool {
        self.powered.load(Ordering::SeqCst)
    }

    /// Switches the reader off (or it walks out of range).
    pub fn power_off(&self) {
        if self.powered.swap(false, Ordering::SeqCst) {
            self.inbox.try_push(LinkEvent::Disconnected);
        }
    }

    /// Switches it on again.
    pub fn power_on(&self) {
        if !self.powered.swap(true, Ordering::SeqCst) {
            self.inbox.try_push(LinkEvent::Connected { mtu: SIM_MTU });
        }
    }

    /// Presents a deck card.
    pub fn present_card(&self, card_id: String) -> Result<(), PosError> {
        self.device.present(&card_id).map_err(unknown_card)
    }

    /// Takes the card away.
    pub fn remove_card(&self) {
        self.device.remove();
    }

    /// Fires the security switch.
    pub fn trigger_tamper(&self) {
        self.device.trigger_tamper();
    }
}

/// A simulated printer at the far end of the shell's own [`crate::BleLink`], like
/// [`ReaderPeripheral`]: the shell's `write`s go to [`PrinterPeripheral::deliver`], its status
/// answers to the shell's inbox.
#[derive(uniffi::Object)]
pub struct PrinterPeripheral {
    device: SimPrinter,
    inbox: CoreInbox,
    powered: Arc<AtomicBool>,
}

/// Starts a simulated 58 mm printer answering into `phone_inbox`.
#[uniffi::export(async_runtime = "tokio")]
pub async fn start_printer_peripheral(phone_inbox: Arc<LinkInbox>) -> Result<Arc<PrinterPeripheral>, PosError> {
    let phone = phone_inbox.sender();
    run(async move {
        let powered = Arc::new(AtomicBool::new(true));
        let (inbox, rx) = CoreInbox::channel(4096);
        let link = AirLink { phone, powered: powered.clone() };
        let device = SimPrinter::start(Arc::new(link), rx, SimPrinterConfig::default());
        Ok(Arc::new(PrinterPeripheral { device, inbox, powered }))
    })
    .await
}

#[uniffi::export]
impl PrinterPeripheral {
    /// The phone wrote `chunk` to the printer's characteristic; false when the printer is off.
    pub fn deliver(&self, chunk: Vec<u8>) -> bool {
        self.powered.load(Ordering::SeqCst) && self.inbox.try_push(LinkEvent::Notification(chunk))
    }

    /// The MTU the peripheral negotiates.
    pub fn mtu(&self) -> u32 {
        SIM_MTU as u32
    }

    /// Whether it is switched on.
    pub fn is_powered(&self) -> bool {
        self.powered.load(Ordering::SeqCst)
    }

    /// The printer runs out of paper (or gets a new roll).
    pub fn set_paper_out(&self, out: bool) {
        self.device.set_paper_out(out);
    }

    /// Everything printed so far, as text, tearing it off.
    pub fn take_paper_text(&self) -> String {
        self.device.take_paper().to_text()
    }
}
