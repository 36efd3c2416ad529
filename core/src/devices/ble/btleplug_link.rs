//! [`BleLink`] over btleplug (BlueZ on Linux, CoreBluetooth, WinRT) for the desktop `pos`.
//!
//! Behind the `ble` cargo feature: it needs the platform Bluetooth stack (on Linux the
//! D-Bus development library), which the default build must not.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use btleplug::api::{Central, CentralEvent, Characteristic, Manager as _, Peripheral as _, ScanFilter, WriteType};
use btleplug::platform::{Adapter, Manager, Peripheral};
use futures::StreamExt;
use thiserror::Error;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::link::{BleLink, LinkError, LinkEvent, LinkInbox, LinkSecurity};
use crate::i18n::Bilingual;

/// The GATT service and characteristics of one kind of device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GattProfile {
    /// Service to scan for.
    pub service: Uuid,
    /// Characteristic the phone writes to.
    pub write: Uuid,
    /// Characteristic the device notifies on (may equal `write`).
    pub notify: Uuid,
}

/// Expands a 16-bit Bluetooth SIG UUID (`18F0`) to its 128-bit form.
#[cfg(test)]
const fn sig_uuid(short: u16) -> Uuid {
    Uuid::from_u128(0x0000_0000_0000_1000_8000_0080_5F9B_34FB | ((short as u128) << 96))
}

impl GattProfile {
    /// The card reader (docs/reader-protocol.md).
    pub const READER: GattProfile = GattProfile {
        service: Uuid::from_u128(0x8E3D0001_6C1B_4D8A_9F1E_2A5B7C0D1E2F),
        write: Uuid::from_u128(0x8E3D0002_6C1B_4D8A_9F1E_2A5B7C0D1E2F),
        notify: Uuid::from_u128(0x8E3D0003_6C1B_4D8A_9F1E_2A5B7C0D1E2F),
    };
    /// A printer's GATT layout, as `devices::printer` names it (the one list of printer UUIDs).
    pub fn printer(g: crate::devices::printer::PrinterGatt) -> Option<GattProfile> {
        let parse = |s: &str| Uuid::parse_str(s).ok();
        Some(GattProfile { service: parse(g.service)?, write: parse(g.write)?, notify: parse(g.notify)? })
    }
}

/// Why the desktop Bluetooth set-up failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BleSetupError {
    /// No Bluetooth adapter (or the Bluetooth service is not running).
    #[error("no Bluetooth adapter: {0}")]
    NoAdapter(String),
    /// No device with that address was seen.
    #[error("device {0} not found")]
    NotFound(String),
    /// The device lacks the service or characteristics of the profile.
    #[error("the device does not offer the expected service")]
    WrongDevice,
    /// The platform stack failed.
    #[error("Bluetooth error: {0}")]
    Platform(String),
}

impl Bilingual for BleSetupError {
    fn zh(&self) -> String {
        match self {
            BleSetupError::NoAdapter(_) => "未找到蓝牙适配器，请打开蓝牙".into(),
            BleSetupError::NotFound(a) => format!("未找到设备 {a}，请确认设备已开机并在附近"),
            BleSetupError::WrongDevice => "该设备不是支持的读卡器或打印机".into(),
            BleSetupError::Platform(_) => "蓝牙错误，请重试".into(),
        }
    }
    fn en(&self) -> String {
        match self {
            BleSetupError::NoAdapter(_) => "No Bluetooth adapter: turn Bluetooth on".into(),
            BleSetupError::NotFound(a) => format!("Device {a} not found: check it is on and nearby"),
            BleSetupError::WrongDevice => "This device is not a supported reader or printer".into(),
            BleSetupError::Platform(e) => format!("Bluetooth error ({e}); try again"),
        }
    }
}

fn platform(e: btleplug::Error) -> BleSetupError {
    BleSetupError::Platform(e.to_string())
}

/// A device seen in a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundDevice {
    /// Platform address (MAC on Linux).
    pub address: String,
    /// Advertised name.
    pub name: Option<String>,
    /// Signal strength.
    pub rssi: Option<i16>,
}

async fn adapter() -> Result<Adapter, BleSetupError> {
    let manager = Manager::new().await.map_err(|e| BleSetupError::NoAdapter(e.to_string()))?;
    let adapters = manager.adapters().await.map_err(|e| BleSetupError::NoAdapter(e.to_string()))?;
    adapters.into_iter().next().ok_or_else(|| BleSetupError::NoAdapter("none".into()))
}

/// Scans for `duration` for devices advertising `profile.service`.
pub async fn scan(profile: GattProfile, duration: Duration) -> Result<Vec<FoundDevice>, BleSetupError> {
    let central = adapter().await?;
    central.start_scan(ScanFilter { services: vec![profile.service] }).await.map_err(platform)?;
    tokio::time::sleep(duration).await;
    let _ = central.stop_scan().await;
    let mut found = Vec::new();
    for p in central.peripherals().await.map_err(platform)? {
        let props = p.properties().await.map_err(platform)?;
        let Some(props) = props else { continue };
        if props.services.contains(&profile.service) {
            found.push(FoundDevice { address: p.address().to_string(), name: props.local_name, rssi: props.rssi });
        }
    }
    Ok(found)
}

/// True when `a` and `b` name the same Bluetooth address (case and separators aside).
pub(crate) fn same_address(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.chars().filter(char::is_ascii_hexdigit).map(|c| c.to_ascii_uppercase()).collect::<String>();
    let (a, b) = (norm(a), norm(b));
    !a.is_empty() && a == b
}

/// A connected device as a [`BleLink`].
pub struct BtleplugLink {
    peripheral: Peripheral,
    write: Characteristic,
    mtu: usize,
    connected: Arc<AtomicBool>,
}

impl BtleplugLink {
    /// Connects to the device at `address`, subscribes to its notifications and returns the
    /// link with the receiver of its events. `mtu` is what the platform negotiated (BlueZ does
    /// not report it through btleplug; 23 is always safe).
    pub async fn connect(
        address: &str,
        profile: GattProfile,
        mtu: usize,
        scan_for: Duration,
    ) -> Result<(BtleplugLink, mpsc::Receiver<LinkEvent>), BleSetupError> {
        let central = adapter().await?;
        central.start_scan(ScanFilter { services: vec![profile.service] }).await.map_err(platform)?;
        tokio::time::sleep(scan_for).await;
        let _ = central.stop_scan().await;
        let peripheral = central
            .peripherals()
            .await
            .map_err(platform)?
            .into_iter()
            .find(|p| same_address(&p.address().to_string(), address))
            .ok_or_else(|| BleSetupError::NotFound(address.to_string()))?;
        peripheral.connect().await.map_err(platform)?;
        peripheral.discover_services().await.map_err(platform)?;
        let chars = peripheral.characteristics();
        let write = chars.iter().find(|c| c.uuid == profile.write).cloned().ok_or(BleSetupError::WrongDevice)?;
        let notify = chars.iter().find(|c| c.uuid == profile.notify).cloned().ok_or(BleSetupError::WrongDevice)?;
        peripheral.subscribe(&notify).await.map_err(platform)?;

        let (inbox, rx) = LinkInbox::channel(256);
        let connected = Arc::new(AtomicBool::new(true));
        let mut notes = peripheral.notifications().await.map_err(platform)?;
        let note_inbox = inbox.clone();
        tokio::spawn(async move {
            while let Some(n) = notes.next().await {
                if n.uuid == profile.notify && !note_inbox.push(LinkEvent::Notification(n.value)).await {
                    return;
                }
            }
        });
        let mut adapter_events = central.events().await.map_err(platform)?;
        let id = peripheral.id();
        let flag = connected.clone();
        tokio::spawn(async move {
            while let Some(e) = adapter_events.next().await {
                let event = match e {
                    CentralEvent::DeviceDisconnected(d) if d == id => {
                        flag.store(false, Ordering::SeqCst);
                        LinkEvent::Disconnected
                    }
                    CentralEvent::DeviceConnected(d) if d == id => {
                        flag.store(true, Ordering::SeqCst);
                        LinkEvent::Connected { mtu }
                    }
                    _ => continue,
                };
                if !inbox.push(event).await {
                    return;
                }
            }
        });
        Ok((BtleplugLink { peripheral, write, mtu: mtu.clamp(23, 517), connected }, rx))
    }
}

#[async_trait]
impl BleLink for BtleplugLink {
    async fn write(&self, chunk: Vec<u8>) -> Result<(), LinkError> {
        if !self.is_connected() {
            return Err(LinkError::Disconnected);
        }
        self.peripheral.write(&self.write, &chunk, WriteType::WithResponse).await.map_err(|e| match e {
            btleplug::Error::NotConnected => LinkError::Disconnected,
            other => LinkError::WriteFailed(other.to_string()),
        })
    }

    fn mtu(&self) -> usize {
        self.mtu
    }

    fn is_connected(&self) -> bool {
        self.connected.load(Ordering::SeqCst)
    }

    /// Best effort, and today always `Unknown`: btleplug 0.13 exposes neither the bond (BlueZ's
    /// `org.bluez.Device1.Paired`) nor the connection's encryption on any platform. The desktop
    /// `pos devices pair` only reads the reader's identity, which needs neither; the reader
    /// protocol refuses key and PIN commands over this link until btleplug can tell.
    fn link_security(&self) -> LinkSecurity {
        LinkSecurity::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_the_documented_ones() {
        use crate::devices::printer::{ISSC_TRANSPARENT_UART, SERVICE_18F0};
        let p = GattProfile::printer(SERVICE_18F0).unwrap();
        assert_eq!((p.service, p.write), (sig_uuid(0x18F0), sig_uuid(0x2AF1)));
        let issc = GattProfile::printer(ISSC_TRANSPARENT_UART).unwrap();
        assert_eq!(issc.service.to_string(), "49535343-fe7d-4ae5-8fa9-9fafd205e455");
        assert_eq!(GattProfile::READER.service.to_string(), "8e3d0001-6c1b-4d8a-9f1e-2a5b7c0d1e2f");
    }

    #[test]
    fn addresses_compare_loosely() {
        assert!(same_address("aa:bb:cc:dd:ee:ff", "AA-BB-CC-DD-EE-FF"));
        assert!(!same_address("AA:BB:CC:DD:EE:FF", "AA:BB:CC:DD:EE:00"));
        assert!(!same_address("", ""));
    }

    #[test]
    fn setup_errors_are_bilingual() {
        let e = BleSetupError::NotFound("AA:BB".into());
        assert!(e.zh().contains("未找到设备") && e.en().contains("not found"));
    }
}
