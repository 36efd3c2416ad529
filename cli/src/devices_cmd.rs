//! `pos devices`: find and pair Bluetooth readers and printers (feature `ble`).

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Subcommand, ValueEnum};
use pos_core::devices::ble::btleplug_link::{scan, BtleplugLink, GattProfile};
use pos_core::devices::ble::TransportConfig;
use pos_core::devices::printer::{Align, BlePrinter, EscPos, Printer, PrinterConfig};
use pos_core::devices::reader::BleCardReader;
use pos_core::CardReader;
use serde_json::json;

use crate::{CliError, Global};

/// Which kind of device.
#[derive(Clone, Copy, ValueEnum)]
pub enum Kind {
    /// Card reader with PIN pad.
    Reader,
    /// Thermal printer (service 18F0).
    Printer,
    /// Thermal printer (ISSC transparent UART).
    PrinterIssc,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Reader => "reader",
            Kind::Printer => "printer",
            Kind::PrinterIssc => "printer-issc",
        }
    }

    fn profile(self) -> GattProfile {
        use pos_core::devices::printer::{ISSC_TRANSPARENT_UART, SERVICE_18F0};
        let printer = |g| GattProfile::printer(g).unwrap_or(GattProfile::READER);
        match self {
            Kind::Reader => GattProfile::READER,
            Kind::Printer => printer(SERVICE_18F0),
            Kind::PrinterIssc => printer(ISSC_TRANSPARENT_UART),
        }
    }
}

/// Device commands.
#[derive(Subcommand)]
pub enum DevicesCmd {
    /// List nearby readers or printers.
    #[command(
        after_help = "Examples:\n  pos devices scan --kind reader --seconds 5\n  pos devices scan --kind printer --json"
    )]
    Scan {
        /// Device kind.
        #[arg(long, value_enum, default_value = "reader")]
        kind: Kind,
        /// Scan duration.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// Connect to a device, check it, and remember it in the data directory.
    #[command(
        after_help = "Examples:\n  pos devices pair AA:BB:CC:DD:EE:FF --kind reader\n  pos devices pair 11:22:33:44:55:66 --kind printer --json\n\nThe address is the one `pos devices scan` shows."
    )]
    Pair {
        /// Bluetooth address.
        address: String,
        /// Device kind.
        #[arg(long, value_enum, default_value = "reader")]
        kind: Kind,
        /// ATT MTU the platform negotiated (23 is always safe).
        #[arg(long, default_value_t = 23)]
        mtu: usize,
    },
    /// Print a test slip (Chinese and English) on a printer; the paired one when no address is given.
    #[command(
        after_help = "Examples:\n  pos devices test-print\n  pos devices test-print AA:BB:CC:DD:EE:FF --kind printer-issc --json"
    )]
    TestPrint {
        /// Bluetooth address (default: the paired printer).
        address: Option<String>,
        /// Printer kind (its GATT service).
        #[arg(long, value_enum, default_value = "printer")]
        kind: Kind,
        /// ATT MTU the platform negotiated.
        #[arg(long, default_value_t = 23)]
        mtu: usize,
    },
}

/// A test page: both scripts, both alignments, sizes, a cut.
fn test_page() -> Vec<u8> {
    let mut p = EscPos::new();
    p.init().align(Align::Center).size(2, 2).line("打印测试").size(1, 1).line("PRINT TEST");
    p.align(Align::Left).line(pos_core::provision::DEMO_MERCHANT_NAME).line("0123456789 ABCDEFGHIJ 中文 GB18030");
    p.feed(3).cut();
    p.into_bytes()
}

/// Runs a devices command.
pub fn run(g: &Global, cmd: DevicesCmd) -> Result<ExitCode, CliError> {
    let rt = crate::runtime()?;
    rt.block_on(async {
        match cmd {
            DevicesCmd::Scan { kind, seconds } => {
                let found =
                    scan(kind.profile(), Duration::from_secs(seconds.min(60))).await.map_err(pos_core::Error::from)?;
                if g.json {
                    let v: Vec<_> =
                        found.iter().map(|d| json!({"address": d.address, "name": d.name, "rssi": d.rssi})).collect();
                    println!("{}", serde_json::Value::Array(v));
                } else if found.is_empty() {
                    println!("{}", crate::say_pair(g, "未发现设备", "no devices found"));
                } else {
                    for d in &found {
                        println!(
                            "{}  {:<24} {}",
                            d.address,
                            d.name.as_deref().unwrap_or("-"),
                            d.rssi.map(|r| format!("{r} dBm")).unwrap_or_default()
                        );
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            DevicesCmd::Pair { address, kind, mtu } => {
                let (link, events) = BtleplugLink::connect(&address, kind.profile(), mtu, Duration::from_secs(5))
                    .await
                    .map_err(pos_core::Error::from)?;
                let detail = match kind {
                    Kind::Reader => {
                        let reader = BleCardReader::connect(Arc::new(link), events, TransportConfig::default())
                            .await
                            .map_err(pos_core::Error::from)?;
                        let i = reader.device_info();
                        format!("{} {} fw {} battery {}%", i.model, i.serial, i.firmware, i.battery_percent)
                    }
                    Kind::Printer | Kind::PrinterIssc => "printer".to_string(),
                };
                remember(&g.data_dir, kind, &address)?;
                if g.json {
                    println!("{}", json!({"paired": address, "kind": kind.name(), "detail": detail}));
                } else {
                    println!("{} {address}: {detail}", crate::say_pair(g, "已配对", "paired"));
                }
                Ok(ExitCode::SUCCESS)
            }
            DevicesCmd::TestPrint { address, kind, mtu } => {
                let address = match address {
                    Some(a) => a,
                    None => std::fs::read_to_string(g.data_dir.join("paired-printer.txt"))
                        .map(|a| a.trim().to_string())
                        .map_err(|e| no_paired_printer(&g.data_dir, &e))?,
                };
                let (link, events) = BtleplugLink::connect(&address, kind.profile(), mtu, Duration::from_secs(5))
                    .await
                    .map_err(pos_core::Error::from)?;
                let printer = BlePrinter::new(Arc::new(link), events, PrinterConfig::default());
                let report = printer.print(&test_page()).await.map_err(pos_core::Error::from)?;
                if g.json {
                    println!("{}", json!({"printed": address, "bytes": report.bytes}));
                } else {
                    println!(
                        "{} {address}: {} bytes",
                        crate::say_pair(g, "测试页已打印", "test page printed"),
                        report.bytes
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}

/// No printer address given and none remembered.
fn no_paired_printer(dir: &Path, e: &std::io::Error) -> CliError {
    crate::terminal_cmd::ArgProblem::new(
        &format!(
            "数据目录 {} 中没有已配对的打印机（{}）。请先执行 `pos devices pair 地址 --kind printer`，或直接给出打印机地址",
            dir.display(),
            crate::advice::io_zh(e)
        ),
        &format!(
            "no paired printer in the data directory {} ({e}). Run `pos devices pair ADDRESS --kind printer` first, \
             or give the printer's address",
            dir.display()
        ),
    )
    .into()
}

fn remember(dir: &Path, kind: Kind, address: &str) -> Result<(), CliError> {
    let name = match kind {
        Kind::Reader => "reader",
        Kind::Printer | Kind::PrinterIssc => "printer",
    };
    let fail = |e: std::io::Error| crate::terminal_cmd::io_problem(dir, e);
    std::fs::create_dir_all(dir).map_err(fail)?;
    std::fs::write(dir.join(format!("paired-{name}.txt")), address).map_err(fail)
}
