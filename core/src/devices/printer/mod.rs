//! Receipt printers: ESC/POS over a BLE characteristic, its text preview, and (feature `sim`)
//! a simulated printer.
//!
//! The printer does not use the reader's framed transport: ESC/POS is a raw byte stream,
//! written in MTU-sized chunks with write-with-response, with status queries around a job.

mod client;
mod error;
pub mod escpos;
mod gatt;
mod parser;
pub mod preview;
#[cfg(any(test, feature = "sim"))]
pub mod sim;
mod status;
mod width;

pub use client::{BlePrinter, PrintReport, Printer, PrinterConfig};
pub use error::PrinterError;
pub use escpos::{Align, EscPos, StatusQuery};
pub use gatt::{pick_service, PrinterGatt, ISSC_TRANSPARENT_UART, KNOWN_SERVICES, SERVICE_18F0};
pub use parser::{line_ends, Op, Parser};
pub use status::PrinterStatus;
pub use width::{char_columns, str_columns, PaperWidth};
