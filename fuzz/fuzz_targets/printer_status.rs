#![no_main]
//! A hostile printer: whatever it notifies in answer to the phone's status queries and print
//! job, the phone's printer client ends with a status, a report or a typed error, never a panic
//! or a hang (tokio's paused clock runs the timeouts at once).
use std::sync::Arc;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use pos_core::devices::ble::{memory_pair, BleLink, LinkEvent, MemoryFaults};
use pos_core::devices::printer::{BlePrinter, Printer, PrinterConfig};

thread_local! {
    /// One runtime for every input: building one costs more than the run itself.
    static RUNTIME: tokio::runtime::Runtime =
        tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().expect("runtime");
}

fuzz_target!(|data: &[u8]| {
    // First byte: the MTU and the size of the printer's notifications; the rest: what it says.
    let Some((&first, said)) = data.split_first() else { return };
    RUNTIME.with(|rt| {
        rt.block_on(async {
            let ((phone, phone_rx), (device, mut device_rx)) =
                memory_pair(23 + usize::from(first), MemoryFaults::default());
            let size = usize::from(first % 16) + 1;
            let said = said.to_vec();
            // The printer answers each write with its next piece of `said`, then goes quiet.
            let printer_side = tokio::spawn(async move {
                let mut pieces = said.chunks(size).map(<[u8]>::to_vec).collect::<Vec<_>>().into_iter();
                while let Some(event) = device_rx.recv().await {
                    if let LinkEvent::Notification(_) = event {
                        match pieces.next() {
                            Some(piece) => {
                                let _ = device.write(piece).await;
                            }
                            None => break,
                        }
                    }
                }
            });
            let config = PrinterConfig {
                status_timeout: Duration::from_millis(200),
                print_timeout: Duration::from_millis(500),
                ..PrinterConfig::default()
            };
            let printer = BlePrinter::new(Arc::new(phone), phone_rx, config);
            let _ = printer.status().await;
            let _ = printer.print(b"\x1b@TEST\n").await;
            printer_side.abort();
        })
    });
});
