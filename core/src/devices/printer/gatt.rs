//! The GATT services common BLE thermal printers offer for ESC/POS data.
//!
//! Printers differ only in where the byte stream goes; the platform connects, looks at the
//! services the printer advertises and uses the first of [`KNOWN_SERVICES`] it finds.

/// Where the ESC/POS stream is written and where status answers come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrinterGatt {
    /// A short name for logs and the device list.
    pub name: &'static str,
    /// The primary service (128-bit, upper case).
    pub service: &'static str,
    /// The characteristic the phone writes ESC/POS bytes to.
    pub write: &'static str,
    /// The characteristic the printer notifies status bytes on.
    pub notify: &'static str,
}

/// Service `18F0` with write characteristic `2AF1` and notify `2AF0`: most 58/80 mm
/// Chinese thermal printers (Xprinter, GOOJPRT, Milestone and their OEMs).
pub const SERVICE_18F0: PrinterGatt = PrinterGatt {
    name: "18F0/2AF1",
    service: "000018F0-0000-1000-8000-00805F9B34FB",
    write: "00002AF1-0000-1000-8000-00805F9B34FB",
    notify: "00002AF0-0000-1000-8000-00805F9B34FB",
};

/// The ISSC (Microchip BM70/RN4870) transparent UART service: printers built on that module.
pub const ISSC_TRANSPARENT_UART: PrinterGatt = PrinterGatt {
    name: "ISSC transparent UART",
    service: "49535343-FE7D-4AE5-8FA9-9FAFD205E455",
    write: "49535343-8841-43F4-A8D4-ECBE34729BB3",
    notify: "49535343-1E4D-4BD9-BA61-23C647249616",
};

/// Every service we know, in order of preference.
pub const KNOWN_SERVICES: [PrinterGatt; 2] = [SERVICE_18F0, ISSC_TRANSPARENT_UART];

/// Expands a 16-bit short UUID ("18F0") to the Bluetooth base UUID; longer input is kept.
fn full_uuid(uuid: &str) -> String {
    let u = uuid.trim().to_ascii_uppercase();
    if u.len() == 4 && u.bytes().all(|b| b.is_ascii_hexdigit()) {
        format!("0000{u}-0000-1000-8000-00805F9B34FB")
    } else {
        u
    }
}

/// The service to use among those a printer offers (any case, short or long form).
pub fn pick_service<'a, I>(offered: I) -> Option<PrinterGatt>
where
    I: IntoIterator<Item = &'a str>,
{
    let offered: Vec<String> = offered.into_iter().take(64).map(full_uuid).collect();
    KNOWN_SERVICES.into_iter().find(|k| offered.iter().any(|o| o == k.service))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_service_the_printer_offers() {
        assert_eq!(pick_service(["1800", "18f0"]), Some(SERVICE_18F0));
        assert_eq!(pick_service(["49535343-fe7d-4ae5-8fa9-9fafd205e455"]), Some(ISSC_TRANSPARENT_UART));
        // Both offered: the 18F0 service wins (it is the printers' own, ISSC may be a bridge).
        assert_eq!(
            pick_service(["49535343-FE7D-4AE5-8FA9-9FAFD205E455", "000018F0-0000-1000-8000-00805F9B34FB"]),
            Some(SERVICE_18F0)
        );
        assert_eq!(pick_service(["180A", "not a uuid"]), None);
    }
}
