//! What the acquirer provisions for one terminal, kept sealed in its data directory.

use std::path::Path;
#[cfg(any(test, feature = "sim"))]
use std::sync::Arc;

#[cfg(any(test, feature = "sim"))]
use crate::card::DeviceSecret;
use crate::crypto::{CryptoError, KeyVault, SealedFile};
#[cfg(any(test, feature = "sim"))]
use crate::provision::{DEMO_MERCHANT_NAME, DEMO_MID, DEMO_TID, DEMO_TMK_HEX, DEMO_UNLOCK_KEY_HEX};

/// What the acquirer provisions for one terminal: its identity, its MAC algorithm and the
/// keys injected into its reader. Kept sealed through the platform vault in the terminal's
/// data directory (see [`crate::crypto::SealedFile`]); the TMK never appears in clear there.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct Provisioning {
    /// Field 41, 8 characters.
    pub tid: String,
    /// Field 42, 15 characters.
    pub mid: String,
    /// The merchant's registered name, printed on slips.
    #[serde(default)]
    pub merchant_name: Option<String>,
    /// The MAC algorithm the acquirer requires (X9.19 wherever it supports it).
    pub mac: crate::crypto::MacAlgorithm,
    /// The terminal master key, hex (16, 32 or 48 digits), injected into the reader.
    pub tmk_hex: zeroize::Zeroizing<String>,
    /// The key of the reader's remote unlock, hex (the help desk holds it too).
    #[serde(default)]
    pub unlock_key_hex: Option<zeroize::Zeroizing<String>>,
    /// The acquirer's CA (or server) certificate, PEM, that the TLS link pins.
    #[serde(default)]
    pub acquirer_ca_pem: Option<String>,
    /// The acquirer's `host:port` (the app's; the CLI takes `--host`). `None`: the front
    /// end's default.
    #[serde(default)]
    pub host: Option<String>,
    /// Plain TCP to the acquirer: only where the link is a private APN, and said so here.
    #[serde(default)]
    pub plain_tcp: bool,
    /// True for the published demo identity and keys: for the simulator and tests only.
    #[serde(default)]
    pub demo: bool,
}

/// The sealed provisioning's file name in a terminal's data directory.
pub const FILE_NAME: &str = "provision.sealed";
/// The software reader's working-key memory (sealed) in a data directory.
pub(crate) const READER_KEYS_FILE: &str = "reader-keys.json";
/// The software reader's device secret, its card fingerprint key (sealed).
#[cfg(any(test, feature = "sim"))]
pub(crate) const READER_SECRET_FILE: &str = "reader-secret.sealed";
/// An earlier version's clear device secret, sealed and removed when found.
#[cfg(any(test, feature = "sim"))]
const LEGACY_READER_SECRET_FILE: &str = "reader-secret.bin";

impl std::fmt::Debug for Provisioning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provisioning")
            .field("tid", &self.tid)
            .field("mid", &self.mid)
            .field("mac", &self.mac)
            .field("host", &self.host)
            .field("plain_tcp", &self.plain_tcp)
            .field("demo", &self.demo)
            .finish_non_exhaustive()
    }
}

/// Reads or creates the software reader's device secret (its card fingerprint key), sealed
/// through the vault: in clear beside the journal's masked PANs and fingerprints it would give
/// the full PANs back by brute force. An earlier version's clear file is sealed and removed.
#[cfg(any(test, feature = "sim"))]
pub fn device_secret(dir: &Path, vault: &dyn KeyVault) -> Result<DeviceSecret, CryptoError> {
    let sealed = SealedFile::new(dir.join(READER_SECRET_FILE), vault);
    let legacy = dir.join(LEGACY_READER_SECRET_FILE);
    let bytes = sealed.read_or_create(Some(&legacy), || {
        let fresh = DeviceSecret::generate().map_err(|_| CryptoError::RandomFailed)?;
        Ok(zeroize::Zeroizing::new(fresh.expose_secret().to_vec()))
    })?;
    DeviceSecret::from_slice(&bytes).map_err(|_| CryptoError::SealedTooShort { len: bytes.len() })
}

/// Why a provisioning cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProvisionError {
    /// A field is not what the profile needs.
    #[error("provisioning: {field}: {problem}")]
    Invalid {
        /// Which field.
        field: &'static str,
        /// What is wrong (never the key's value).
        problem: String,
    },
    /// The sealed file could not be read or written.
    #[error("provisioning: {0}")]
    Sealed(#[from] CryptoError),
}

impl crate::i18n::Bilingual for ProvisionError {
    fn zh(&self) -> String {
        match self {
            ProvisionError::Invalid { field, problem } => format!("终端参数 {field} 无效：{problem}"),
            ProvisionError::Sealed(e) => format!("终端参数无法读写：{}", e.zh()),
        }
    }
    fn en(&self) -> String {
        match self {
            ProvisionError::Invalid { field, problem } => format!("provisioning: {field} is not valid: {problem}"),
            ProvisionError::Sealed(e) => format!("the provisioning cannot be read or written: {}", e.en()),
        }
    }
}

impl Provisioning {
    /// The published demo terminal (demo TID, MID, TMK and unlock key), named as such.
    #[cfg(any(test, feature = "sim"))]
    pub fn demo() -> Provisioning {
        Provisioning {
            tid: DEMO_TID.into(),
            mid: DEMO_MID.into(),
            merchant_name: Some(DEMO_MERCHANT_NAME.into()),
            mac: crate::crypto::MacAlgorithm::X919,
            tmk_hex: zeroize::Zeroizing::new(DEMO_TMK_HEX.into()),
            unlock_key_hex: Some(zeroize::Zeroizing::new(DEMO_UNLOCK_KEY_HEX.into())),
            acquirer_ca_pem: None,
            host: None,
            plain_tcp: false,
            demo: true,
        }
    }

    /// Checks every field; the error names the field, never a key's value.
    pub fn validate(&self) -> Result<(), ProvisionError> {
        let bad = |field, problem: &str| ProvisionError::Invalid { field, problem: problem.into() };
        crate::iso8583::TerminalId::new(&self.tid).map_err(|_| bad("tid", "8 characters"))?;
        crate::iso8583::MerchantId::new(&self.mid).map_err(|_| bad("mid", "15 characters"))?;
        let key_ok =
            |hex: &str, lens: &[usize]| lens.contains(&hex.len()) && hex.chars().all(|c| c.is_ascii_hexdigit());
        if !key_ok(&self.tmk_hex, &[16, 32, 48]) {
            return Err(bad("tmk", "16, 32 or 48 hex digits"));
        }
        if self.unlock_key_hex.as_ref().is_some_and(|k| !key_ok(k, &[32, 64])) {
            return Err(bad("unlock_key", "32 or 64 hex digits"));
        }
        if self.plain_tcp && self.acquirer_ca_pem.is_some() {
            return Err(bad("plain_tcp", "a plain link has no certificate to pin"));
        }
        if let Some(host) = &self.host {
            let port_ok =
                host.rsplit_once(':').is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok_and(|p| p > 0));
            if !port_ok || host.len() > 255 {
                return Err(bad("host", "host:port"));
            }
        }
        Ok(())
    }

    /// The TMK as a key.
    pub fn tmk(&self) -> Result<crate::crypto::SecretKey, crate::crypto::CryptoError> {
        crate::crypto::SecretKey::from_hex(&self.tmk_hex)
    }

    /// The provisioning sealed in `dir`, or `None` when the directory was never provisioned.
    pub fn load(dir: &Path, vault: &dyn KeyVault) -> Result<Option<Provisioning>, ProvisionError> {
        match SealedFile::new(dir.join(FILE_NAME), vault).read()? {
            Some(plain) => Ok(Some(Provisioning::from_json(&plain)?)),
            None => Ok(None),
        }
    }

    /// Seals the provisioning into `dir` and drops the software reader's working keys (they
    /// were under the old TMK: a sign-in loads new ones). Front ends go through
    /// [`crate::terminal::Terminal::provision`], which refuses while business is owed.
    pub(crate) fn seal(&self, dir: &Path, vault: &dyn KeyVault) -> Result<(), ProvisionError> {
        self.validate()?;
        SealedFile::new(dir.join(FILE_NAME), vault).write(&self.to_json())?;
        match std::fs::remove_file(dir.join(READER_KEYS_FILE)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(ProvisionError::Invalid { field: "reader keys", problem: format!("cannot remove ({})", e.kind()) })
            }
            _ => Ok(()),
        }
    }

    /// The software reader (the simulated reader's secure element) of the terminal in `dir`:
    /// this provisioning's TMK and unlock key, its device secret and working keys sealed
    /// through `vault` in `dir`.
    #[cfg(any(test, feature = "sim"))]
    pub fn software_reader(
        &self,
        dir: &Path,
        vault: Arc<dyn KeyVault>,
    ) -> Result<crate::reader::SoftwareReader, crate::reader::ReaderError> {
        let tmk = self.tmk().map_err(crate::reader::ReaderError::from)?;
        let secret = device_secret(dir, vault.as_ref()).map_err(crate::reader::ReaderError::from)?;
        let memory = crate::reader::KeyMemory::sealed(dir.join(READER_KEYS_FILE), vault);
        let mut reader = crate::reader::SoftwareReader::new(tmk, secret).with_key_memory(memory)?;
        if let Some(key) = &self.unlock_key_hex {
            let key = crate::crypto::SecretKey::from_hex(key).map_err(crate::reader::ReaderError::from)?;
            reader = reader.with_unlock_key(&self.tid, key);
        }
        Ok(reader)
    }

    /// The provisioning as sealed bytes' plain form (JSON), wiped when dropped.
    pub fn to_json(&self) -> zeroize::Zeroizing<Vec<u8>> {
        zeroize::Zeroizing::new(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Reads the plain form back.
    pub fn from_json(bytes: &[u8]) -> Result<Provisioning, ProvisionError> {
        let p: Provisioning = serde_json::from_slice(bytes).map_err(|e| ProvisionError::Invalid {
            field: "file",
            problem: format!("unreadable ({})", e.classify_name()),
        })?;
        p.validate()?;
        Ok(p)
    }
}

/// The name of a serde_json error's class, without its text (which could quote a key).
trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "io",
            serde_json::error::Category::Syntax => "syntax",
            serde_json::error::Category::Data => "data",
            serde_json::error::Category::Eof => "truncated",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_provisioning_is_valid_and_named_demo() {
        let p = Provisioning::demo();
        assert!(p.demo && p.validate().is_ok());
        let back = Provisioning::from_json(&p.to_json()).unwrap();
        assert_eq!((back.tid.as_str(), back.demo), (DEMO_TID, true));
        assert!(!format!("{p:?}").contains(DEMO_TMK_HEX), "Debug never shows the TMK");
    }

    #[test]
    fn bad_fields_are_named_without_the_key() {
        let mut p = Provisioning::demo();
        p.tmk_hex = zeroize::Zeroizing::new("XYZ".into());
        let e = p.validate().unwrap_err();
        assert!(e.to_string().contains("tmk") && !e.to_string().contains("XYZ"), "{e}");
        let mut p = Provisioning::demo();
        p.tid = "123".into();
        assert!(matches!(p.validate(), Err(ProvisionError::Invalid { field: "tid", .. })));
    }
}
