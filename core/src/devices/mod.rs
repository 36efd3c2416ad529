//! Bluetooth LE peripherals: the byte-level link and the framed transport the reader and printer protocols run on.

pub mod ble;
pub mod printer;
pub mod reader;
