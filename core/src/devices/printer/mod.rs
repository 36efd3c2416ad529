//! Receipt printers: ESC/POS over a BLE characteristic, its text preview, and (feature `sim`)
//! a simulated printer.
//!
//! The printer does not use the reader's framed transport: ESC/POS is a raw byte stream,
//! written in MTU-sized chunks with write-with-response, with status queries around a job.

mod client;
mod error;
pub(crate) mod escpos;
mod gatt;
mod parser;
pub mod preview;
#[cfg(any(test, feature = "sim"))]
pub mod sim;
mod status;
mod width;

pub use client::PrintReport;
pub use client::{BlePrinter, Printer, PrinterConfig};
pub use error::PrinterError;
pub use escpos::StatusQuery;
pub use escpos::{Align, EscPos};
pub use gatt::{pick_service, PrinterGatt, KNOWN_SERVICES};
pub use gatt::{ISSC_TRANSPARENT_UART, SERVICE_18F0};
pub use parser::line_ends;
pub use parser::{Op, Parser};
pub use status::PrinterStatus;
pub(crate) use width::char_columns;
pub use width::{str_columns, PaperWidth};
