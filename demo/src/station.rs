//! The demo's equipment: the acquirer simulator in-process on a free loopback port, the
//! provisioned terminal, and the simulated Bluetooth reader and printer, all on one clock.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use pos_acquirer_sim::{SimConfig, SimHandle, Simulator};
use pos_core::card::DeviceSecret;
use pos_core::crypto::{FileVault, SecretKey};
use pos_core::devices::ble::{memory_pair, MemoryFaults, TransportConfig};
use pos_core::devices::printer::sim::{SimPrinter, SimPrinterConfig};
use pos_core::devices::printer::{BlePrinter, PaperWidth, PrinterConfig};
use pos_core::devices::reader::{BleCardReader, SimulatedReader};
use pos_core::provision;
use pos_core::terminal::{Terminal, TerminalConfig};
use pos_core::Error;
use pos_core::MerchantInfo;
use pos_core::SoftwareReader;
use pos_core::{Clock, ManualClock, SystemClock, Timestamp};

use crate::error::DemoError;
use crate::options::{DemoOptions, FaultLevel};

/// The MTU the phone negotiates with both devices (a typical Android value).
const MTU: usize = 185;

/// Everything the day runs on.
pub struct Station {
    /// The acquirer.
    pub sim: SimHandle,
    /// The terminal (the phone's payment core).
    pub terminal: Terminal,
    /// The card reader device, to present cards.
    pub reader: SimulatedReader,
    /// The phone's side of the printer.
    pub printer: BlePrinter,
    /// The printer device, whose paper becomes the PNG and text files.
    pub paper: SimPrinter,
    /// The shared clock of terminal and acquirer.
    pub clock: Arc<ManualClock>,
    /// The merchant as printed.
    pub merchant: MerchantInfo,
    /// The roll in the printer.
    pub width: PaperWidth,
}

impl Station {
    /// Starts the acquirer, opens the terminal in `out/terminal` and pairs both devices.
    pub async fn start(opts: &DemoOptions, dirs: &Dirs) -> Result<Station, DemoError> {
        let start = morning(SystemClock::default().now());
        let clock = Arc::new(ManualClock::new(start));

        let mut sim_config = SimConfig::demo().listening_on("127.0.0.1:0");
        sim_config.seed = opts.seed;
        sim_config.database = Some(dirs.acquirer.join("ledger.db").to_string_lossy().into_owned());
        // The merchant trades in China Standard Time, as the terminal's clock does.
        sim_config.utc_offset_minutes = pos_core::CHINA_UTC_OFFSET_SECS / 60;
        let sim = Simulator::start(sim_config).await.map_err(|e| DemoError::Acquirer(e.to_string()))?;
        sim.clock().pin(start.unix_secs * 1000);

        // TLS, the terminal pinning the CA the simulator made for this run.
        let ca = sim.ca_pem().ok_or_else(|| DemoError::Acquirer("the simulator serves no TLS".into()))?;
        let mut config = TerminalConfig::demo_at_tls(sim.addr().to_string(), ca);
        // A lost answer costs the operator this long; on a phone it is tens of seconds.
        config.response_timeout = Duration::from_millis(1500);
        config.card_timeout = Duration::from_secs(10);

        let link_faults = match opts.faults {
            FaultLevel::Many => MemoryFaults {
                seed: opts.seed,
                drop_per_mille: 20,
                duplicate_per_mille: 10,
                corrupt_per_mille: 10,
                disconnect_after_writes: 0,
            },
            _ => MemoryFaults::default(),
        };
        let tmk = SecretKey::from_hex(provision::DEMO_TMK_HEX).map_err(Error::from)?;
        let secure_element = Arc::new(SoftwareReader::new(tmk, DeviceSecret::generate().map_err(Error::from)?));
        let ((phone, phone_rx), (device, device_rx)) = memory_pair(MTU, link_faults);
        let reader = SimulatedReader::spawn(Arc::new(device), device_rx, secure_element, TransportConfig::default());
        let reader_client =
            BleCardReader::connect(Arc::new(phone), phone_rx, TransportConfig::default()).await.map_err(Error::from)?;

        let ((p_phone, p_phone_rx), (p_device, p_device_rx)) = memory_pair(MTU, MemoryFaults::default());
        let width = PaperWidth::Mm58;
        let paper = SimPrinter::start(
            Arc::new(p_device),
            p_device_rx,
            SimPrinterConfig { width, ..SimPrinterConfig::default() },
        );
        let printer = BlePrinter::new(Arc::new(p_phone), p_phone_rx, PrinterConfig::default());

        let vault = Arc::new(FileVault::open_or_create(dirs.terminal.join("vault.key")).map_err(Error::from)?);
        let merchant = config.merchant();
        let terminal = Terminal::open(&dirs.terminal, config, vault, Arc::new(reader_client), clock.clone())?;
        Ok(Station { sim, terminal, reader, printer, paper, clock, merchant, width })
    }

    /// The time now on both clocks.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Moves the day on to local `hh:mm` (never backwards), on the terminal's and the host's clock.
    pub fn at(&self, hour: u8, minute: u8) {
        let now = self.clock.now();
        let c = now.civil();
        let target = i64::from(hour) * 3600 + i64::from(minute) * 60;
        let current = i64::from(c.hour) * 3600 + i64::from(c.minute) * 60 + i64::from(c.second);
        self.advance(target - current);
    }

    /// Moves both clocks `secs` on (nothing when `secs` is not positive).
    pub fn advance(&self, secs: i64) {
        if secs > 0 {
            self.clock.advance(secs);
        }
        self.sim.clock().pin(self.clock.now().unix_secs * 1000);
    }

    /// Local `HH:MM`.
    pub fn hhmm(&self) -> String {
        let c = self.now().civil();
        format!("{:02}:{:02}", c.hour, c.minute)
    }
}

/// 08:30 local on the day of `now`.
fn morning(now: Timestamp) -> Timestamp {
    let c = now.civil();
    Timestamp::from_civil(pos_core::CivilTime { hour: 8, minute: 30, second: 0, ..c }, now.utc_offset_secs)
}

/// The output directory's layout.
#[derive(Debug, Clone)]
pub struct Dirs {
    /// The output directory.
    pub out: PathBuf,
    /// The terminal's data (journal, sealed keys).
    pub terminal: PathBuf,
    /// The acquirer simulator's ledger.
    pub acquirer: PathBuf,
    /// Receipt PNG and text files.
    pub receipts: PathBuf,
}

/// The file that marks a directory as a demo's output (so a rerun may replace it).
pub const SUMMARY_FILE: &str = "summary.json";

impl Dirs {
    /// Prepares `out`: created when absent, replaced when it holds a previous demo, refused
    /// when it holds anything else (nothing of the operator's is ever deleted).
    pub fn prepare(out: &Path) -> Result<Dirs, DemoError> {
        let io = |e: std::io::Error| DemoError::Output { path: out.to_path_buf(), reason: e.to_string() };
        if out.exists() {
            let mut entries = std::fs::read_dir(out).map_err(io)?;
            let empty = entries.next().is_none();
            if !empty {
                if !out.join(SUMMARY_FILE).exists() && !out.join("terminal").join("pos.db").exists() {
                    return Err(DemoError::OutputNotEmpty(out.to_path_buf()));
                }
                for sub in ["terminal", "acquirer", "receipts"] {
                    let p = out.join(sub);
                    if p.exists() {
                        std::fs::remove_dir_all(&p).map_err(io)?;
                    }
                }
            }
        }
        let dirs = Dirs {
            out: out.to_path_buf(),
            terminal: out.join("terminal"),
            acquirer: out.join("acquirer"),
            receipts: out.join("receipts"),
        };
        for d in [&dirs.out, &dirs.terminal, &dirs.acquirer, &dirs.receipts] {
            std::fs::create_dir_all(d).map_err(io)?;
        }
        Ok(dirs)
    }
}

impl Station {
    /// The printer's state as the operator reads it.
    pub async fn printer_status(&self) -> (String, String) {
        use pos_core::devices::printer::Printer;
        use pos_core::Bilingual;
        match self.printer.status().await {
            Ok(s) if s.ready() => {
                (format!("就绪，{} 毫米纸", self.width.mm()), format!("ready, {} mm paper", self.width.mm()))
            }
            Ok(s) => (format!("未就绪：{s:?}"), format!("not ready: {s:?}")),
            Err(e) => (e.zh(), e.en()),
        }
    }
}
