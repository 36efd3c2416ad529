//! The terminal's provisioning as the app installs and shows it: identity, keys, acquirer.
//!
//! The acquirer (or its help desk) gives each terminal a provisioning file (JSON: `tid`,
//! `mid`, `merchant_name`, `mac`, `tmk_hex`, `unlock_key_hex`, `acquirer_ca_pem`, `host`,
//! `plain_tcp`; `pos provision --export` writes one). The app imports it once: the core
//! validates it and seals it through the platform vault in the data directory, and the app
//! deletes the plain file. Nothing here ever returns a key: only its check value.

use std::path::PathBuf;
use std::sync::Arc;

use pos_core::crypto::check_value;
use pos_core::terminal::{Terminal as CoreTerminal, TerminalConfig};
use pos_core::Provisioning;

use crate::error::PosError;
use crate::settings::{settings_of, MacAlgorithmSetting, TerminalSettings};
use crate::vault::{ForeignVault, KeyVault};

/// The largest provisioning file accepted (a CA chain in PEM fits many times over).
const MAX_FILE_LEN: usize = 64 * 1024;

/// What is provisioned, as the settings screen shows it (never a key).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ProvisioningInfo {
    /// Terminal ID (field 41).
    pub tid: String,
    /// Merchant ID (field 42).
    pub mid: String,
    /// The merchant's registered name, if provisioned.
    pub merchant_name: Option<String>,
    /// The MAC algorithm the acquirer requires.
    pub mac_algorithm: MacAlgorithmSetting,
    /// The TMK's check value (hex), to compare with the key ceremony's record.
    pub tmk_check_value: String,
    /// Whether a remote-unlock key for the reader was provisioned.
    pub has_unlock_key: bool,
    /// The acquirer's `host:port`, if provisioned.
    pub host: Option<String>,
    /// Whether the TLS link is pinned to a provisioned certificate (else the platform store).
    pub acquirer_ca_pinned: bool,
    /// Plain TCP (a private APN): shown as "未加密链路 / unencrypted link".
    pub plain_tcp: bool,
    /// The published demo identity and keys: for the simulator and tests only.
    pub demo: bool,
}

impl ProvisioningInfo {
    fn of(p: &Provisioning) -> Result<ProvisioningInfo, PosError> {
        let tmk = p.tmk().map_err(pos_core::Error::from)?;
        Ok(ProvisioningInfo {
            tid: p.tid.clone(),
            mid: p.mid.clone(),
            merchant_name: p.merchant_name.clone(),
            mac_algorithm: p.mac.into(),
            tmk_check_value: check_value(&tmk).iter().map(|b| format!("{b:02X}")).collect(),
            has_unlock_key: p.unlock_key_hex.is_some(),
            host: p.host.clone(),
            acquirer_ca_pinned: p.acquirer_ca_pem.is_some(),
            plain_tcp: p.plain_tcp,
            demo: p.demo,
        })
    }
}

fn invalid(e: pos_core::ProvisionError) -> PosError {
    use pos_core::Bilingual;
    PosError::InvalidInput { zh: e.zh(), en: e.en() }
}

fn install(data_dir: &str, vault: Arc<dyn KeyVault>, p: &Provisioning) -> Result<ProvisioningInfo, PosError> {
    let vault: Arc<dyn pos_core::crypto::KeyVault> = Arc::new(ForeignVault(vault));
    CoreTerminal::provision(PathBuf::from(data_dir), vault, p)?;
    ProvisioningInfo::of(p)
}

/// Imports a provisioning file's contents into the terminal directory `data_dir`, sealed
/// through `vault`. Refused while a terminal is open on the directory (`InUse`: close it
/// first) or owes the host business under the current keys (`DayEndRefused`). A file of the
/// published demo terminal is refused unless `allow_demo` (the emulator build). The caller
/// deletes the plain file once this returns.
#[uniffi::export]
pub fn install_provisioning(
    data_dir: String,
    file: Vec<u8>,
    allow_demo: bool,
    vault: Arc<dyn KeyVault>,
) -> Result<ProvisioningInfo, PosError> {
    if file.len() > MAX_FILE_LEN {
        return Err(PosError::InvalidInput {
            zh: format!("开通文件过大（{} 字节，上限 {MAX_FILE_LEN}）", file.len()),
            en: format!("the provisioning file is too large ({} bytes, at most {MAX_FILE_LEN})", file.len()),
        });
    }
    let file = zeroize::Zeroizing::new(file);
    let p = Provisioning::from_json(&file).map_err(invalid)?;
    if p.demo && !allow_demo {
        return Err(PosError::InvalidInput {
            zh: "这是演示终端的开通文件（公开密钥，仅用于模拟器）：正式版不接受".into(),
            en: "this file provisions the demo terminal (published keys, simulator only): not accepted here".into(),
        });
    }
    install(&data_dir, vault, &p)
}

/// Provisions `data_dir` as the published demo terminal against `host`: for the simulator,
/// the emulator build and the tests only (its keys are public). `acquirer_ca_pem`: the
/// simulator's CA; `plain_tcp`: a simulator serving plain TCP. Feature `simulators` only.
#[cfg(feature = "simulators")]
#[uniffi::export]
pub fn install_demo_provisioning(
    data_dir: String,
    host: String,
    acquirer_ca_pem: Option<String>,
    plain_tcp: bool,
    vault: Arc<dyn KeyVault>,
) -> Result<ProvisioningInfo, PosError> {
    let p = Provisioning { host: Some(host), acquirer_ca_pem, plain_tcp, ..Provisioning::demo() };
    install(&data_dir, vault, &p)
}

fn load(data_dir: &str, vault: Arc<dyn KeyVault>) -> Result<Option<Provisioning>, PosError> {
    let vault = ForeignVault(vault);
    Provisioning::load(&PathBuf::from(data_dir), &vault).map_err(|e| match e {
        pos_core::ProvisionError::Sealed(c) => pos_core::Error::from(c).into(),
        other => invalid(other),
    })
}

/// The provisioning of `data_dir`, or `None` when it was never provisioned.
#[uniffi::export]
pub fn provisioning_info(data_dir: String, vault: Arc<dyn KeyVault>) -> Result<Option<ProvisioningInfo>, PosError> {
    load(&data_dir, vault)?.as_ref().map(ProvisioningInfo::of).transpose()
}

/// The settings of the terminal provisioned in `data_dir`: its identity, MAC algorithm,
/// acquirer and link from the provisioning, the rest at their defaults (change what the
/// merchant may change). Refused with a bilingual "not provisioned" when it never was.
#[uniffi::export]
pub fn provisioned_settings(data_dir: String, vault: Arc<dyn KeyVault>) -> Result<TerminalSettings, PosError> {
    let Some(p) = load(&data_dir, vault)? else {
        return Err(PosError::InvalidInput {
            zh: "终端尚未开通：请导入收单机构提供的开通文件".into(),
            en: "the terminal is not provisioned: import the provisioning file from the acquirer".into(),
        });
    };
    let host = p.host.clone().ok_or_else(|| PosError::InvalidInput {
        zh: "开通文件未给出收单主机地址（host）".into(),
        en: "the provisioning names no acquirer host (host)".into(),
    })?;
    let config = TerminalConfig::from_provisioning(&p, host)?;
    let mut s = settings_of(&config);
    s.acquirer_ca_pem = p.acquirer_ca_pem.clone();
    s.plain_tcp = p.plain_tcp;
    Ok(s)
}

/// The provisioning of `data_dir` for the simulated reader (the emulator build and tests):
/// the sealed one, else the published demo terminal.
#[cfg(feature = "simulators")]
pub(crate) fn for_simulated_reader(
    data_dir: &std::path::Path,
    vault: &dyn pos_core::crypto::KeyVault,
) -> Result<Provisioning, PosError> {
    Ok(Provisioning::load(data_dir, vault)
        .map_err(|e| match e {
            pos_core::ProvisionError::Sealed(c) => pos_core::Error::from(c).into(),
            other => invalid(other),
        })?
        .unwrap_or_else(Provisioning::demo))
}
