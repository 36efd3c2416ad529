//! The receipt printer over the shell's Bluetooth link.

use std::sync::Arc;

use pos_core::devices::printer::{BlePrinter, Printer, PrinterConfig, PrinterStatus};

use crate::error::PosError;
use crate::link::{BleLink, ForeignLink, LinkInbox};
use crate::runtime::run;

/// Paper and cover state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct PrinterState {
    /// No paper: nothing prints.
    pub paper_out: bool,
    /// The roll is nearly used up.
    pub paper_near_end: bool,
    /// The cover is open: nothing prints.
    pub cover_open: bool,
    /// Another fault (cutter, head temperature).
    pub fault: bool,
    /// A receipt would print now.
    pub ready: bool,
}

impl From<PrinterStatus> for PrinterState {
    fn from(s: PrinterStatus) -> Self {
        PrinterState {
            paper_out: s.paper_out,
            paper_near_end: s.paper_near_end,
            cover_open: s.cover_open,
            fault: s.fault,
            ready: s.ready(),
        }
    }
}

/// What printing a transaction's slips did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ReceiptResult {
    /// Copies printed (merchant, then cardholder).
    pub copies: u32,
    /// The roll is nearly used up: tell the operator.
    pub paper_near_end: bool,
}

/// A connected receipt printer (ESC/POS over BLE).
#[derive(uniffi::Object)]
pub struct ReceiptPrinter {
    printer: Arc<dyn Printer>,
}

impl ReceiptPrinter {
    pub(crate) fn wrap(printer: Arc<dyn Printer>) -> Arc<ReceiptPrinter> {
        Arc::new(ReceiptPrinter { printer })
    }

    pub(crate) fn printer(&self) -> Arc<dyn Printer> {
        self.printer.clone()
    }
}

/// The printer at the other end of `link` (the shell pushes its notifications into `inbox`).
#[uniffi::export]
pub fn connect_printer(link: Arc<dyn BleLink>, inbox: Arc<LinkInbox>) -> Result<Arc<ReceiptPrinter>, PosError> {
    let events = inbox.take_receiver()?;
    Ok(ReceiptPrinter::wrap(Arc::new(BlePrinter::new(Arc::new(ForeignLink(link)), events, PrinterConfig::default()))))
}

#[uniffi::export(async_runtime = "tokio")]
impl ReceiptPrinter {
    /// Asks for paper and cover state.
    pub async fn status(&self) -> Result<PrinterState, PosError> {
        let p = self.printer.clone();
        run(async move { Ok(p.status().await.map_err(pos_core::Error::from)?.into()) }).await
    }
}
