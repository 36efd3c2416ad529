//! The demo terminal's provisioning, shared by the simulator's defaults, `pos` and the tests.
//!
//! A real deployment provisions TID, MID and TMK per terminal from the acquirer; these values
//! make `pos sim` and `pos sign-in` work together with no configuration.

use crate::iso8583::Tpdu;

/// Terminal ID of the demo terminal.
pub const DEMO_TID: &str = "10000001";
/// Merchant ID of the demo merchant.
pub const DEMO_MID: &str = "898310048990001";
/// Merchant name printed on receipts.
pub const DEMO_MERCHANT_NAME: &str = "演示商户 DEMO MERCHANT";
/// The demo terminal master key (the published vector TMK), loaded into the reader at provisioning.
pub const DEMO_TMK_HEX: &str = "CA5D92598DCA48CE8A4C76361A9269E9";
/// The demo terminal's unlock key: in the reader's secure memory and at the acquirer's help desk.
pub const DEMO_UNLOCK_KEY_HEX: &str = "2B7E151628AED2A6ABF7158809CF4F3C";
/// Sign-in mode: double-length keys plus a track key.
pub const DEMO_KEY_MODE: &str = "004";
/// Default acquirer address of the simulator.
pub const DEMO_HOST: &str = "127.0.0.1:8583";
/// Default TPDU.
pub const DEMO_TPDU: Tpdu = Tpdu::DEFAULT;

/// Terminal ID of the `n`th extra demo terminal (for load tests): `2000nnnn`.
pub fn demo_tid(n: u32) -> String {
    format!("2{:07}", n % 10_000_000)
}

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
    /// True for the published demo identity and keys: for the simulator and tests only.
    #[serde(default)]
    pub demo: bool,
}

impl std::fmt::Debug for Provisioning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provisioning")
            .field("tid", &self.tid)
            .field("mid", &self.mid)
            .field("mac", &self.mac)
            .field("demo", &self.demo)
            .finish_non_exhaustive()
    }
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
}

impl crate::i18n::Bilingual for ProvisionError {
    fn zh(&self) -> String {
        match self {
            ProvisionError::Invalid { field, problem } => format!("终端参数 {field} 无效：{problem}"),
        }
    }
    fn en(&self) -> String {
        match self {
            ProvisionError::Invalid { field, problem } => format!("provisioning: {field} is not valid: {problem}"),
        }
    }
}

impl Provisioning {
    /// The published demo terminal (demo TID, MID, TMK and unlock key), named as such.
    pub fn demo() -> Provisioning {
        Provisioning {
            tid: DEMO_TID.into(),
            mid: DEMO_MID.into(),
            merchant_name: Some(DEMO_MERCHANT_NAME.into()),
            mac: crate::crypto::MacAlgorithm::X919,
            tmk_hex: zeroize::Zeroizing::new(DEMO_TMK_HEX.into()),
            unlock_key_hex: Some(zeroize::Zeroizing::new(DEMO_UNLOCK_KEY_HEX.into())),
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
        Ok(())
    }

    /// The TMK as a key.
    pub fn tmk(&self) -> Result<crate::crypto::SecretKey, crate::crypto::CryptoError> {
        crate::crypto::SecretKey::from_hex(&self.tmk_hex)
    }

    /// The terminal configuration for `host` with this identity and MAC algorithm.
    pub fn config_at(&self, host: impl Into<String>) -> Result<crate::terminal::TerminalConfig, ProvisionError> {
        self.validate()?;
        let mut c = crate::terminal::TerminalConfig::demo_at(host);
        let invalid = |field| ProvisionError::Invalid { field, problem: "unreadable".into() };
        c.tid = crate::iso8583::TerminalId::new(&self.tid).map_err(|_| invalid("tid"))?;
        c.mid = crate::iso8583::MerchantId::new(&self.mid).map_err(|_| invalid("mid"))?;
        c.mac_algorithm = self.mac;
        if let Some(name) = &self.merchant_name {
            c.merchant_name = name.clone();
        }
        Ok(c)
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
mod provisioning_tests {
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
