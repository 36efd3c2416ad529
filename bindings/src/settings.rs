//! The terminal's settings as the shell edits them, and their mapping onto the core's config.

use std::time::Duration;

use pos_core::iso8583::{MerchantId, TerminalId};
use pos_core::terminal::TerminalConfig;
use pos_core::Bilingual;
use pos_core::OfflinePreference as CorePreference;
use pos_core::RiskPolicy;
use pos_core::{TlsTrust, Transport};

use crate::error::PosError;
use crate::money::{amount, Money};

/// How a sale uses offline approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum OfflinePreference {
    /// Online when the host can be reached, offline (within limits) when it cannot.
    PreferOnline,
    /// Online or not at all.
    RequireOnline,
    /// Offline even when the host could be reached (within limits).
    ForceOffline,
}

impl From<OfflinePreference> for CorePreference {
    fn from(p: OfflinePreference) -> Self {
        match p {
            OfflinePreference::PreferOnline => CorePreference::PreferOnline,
            OfflinePreference::RequireOnline => CorePreference::RequireOnline,
            OfflinePreference::ForceOffline => CorePreference::ForceOffline,
        }
    }
}

impl From<CorePreference> for OfflinePreference {
    fn from(p: CorePreference) -> Self {
        match p {
            CorePreference::PreferOnline => OfflinePreference::PreferOnline,
            CorePreference::RequireOnline => OfflinePreference::RequireOnline,
            CorePreference::ForceOffline => OfflinePreference::ForceOffline,
        }
    }
}

/// The receipt roll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PaperWidth {
    /// 58 mm (32 columns).
    Mm58,
    /// 80 mm (48 columns).
    Mm80,
}

impl From<PaperWidth> for pos_core::devices::printer::PaperWidth {
    fn from(w: PaperWidth) -> Self {
        match w {
            PaperWidth::Mm58 => pos_core::devices::printer::PaperWidth::Mm58,
            PaperWidth::Mm80 => pos_core::devices::printer::PaperWidth::Mm80,
        }
    }
}

/// The merchant's offline approval limits.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OfflineSettings {
    /// Offline approval switched on.
    pub enabled: bool,
    /// Largest single offline payment, minor units.
    pub per_payment_minor: i64,
    /// Largest total waiting for upload, minor units.
    pub total_minor: i64,
    /// Most payments waiting.
    pub max_count: u32,
    /// No new offline payment while the oldest waiting one is older (hours).
    pub max_age_hours: u32,
    /// Most offline payments per card per day.
    pub per_card_per_day: u32,
    /// A waiting payment older than this is not uploaded any more (hours).
    pub upload_deadline_hours: u32,
}

/// What the terminal is, where its acquirer is, and how it behaves.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TerminalSettings {
    /// Acquirer `host:port`.
    pub host: String,
    /// Terminal ID (field 41), 8 characters.
    pub tid: String,
    /// Merchant ID (field 42), 15 characters.
    pub mid: String,
    /// Merchant name printed on slips.
    pub merchant_name: String,
    /// Operator number ("01").
    pub operator: String,
    /// TCP connect timeout.
    pub connect_timeout_ms: u32,
    /// Wait for the host's answer (UnionPay: 60 s).
    pub response_timeout_ms: u32,
    /// Wait for the cardholder to present a card.
    pub card_timeout_ms: u32,
    /// Offline limits.
    pub offline: OfflineSettings,
    /// The default offline preference of a sale.
    pub preference: OfflinePreference,
    /// How often the background sync looks for work when nothing wakes it.
    pub sync_interval_secs: u32,
    /// The receipt roll.
    pub paper_width: PaperWidth,
    /// The provisioned risk policy as JSON (what the acquirer provisions; `None`: no risk
    /// checks until the acquirer pushes one with `Terminal.set_risk_policy`).
    pub risk_policy_json: Option<String>,
    /// The acquirer's CA certificate (or its server certificate) in PEM, pinned for the TLS
    /// link. `None`: the platform trust store (Android only, after `PlatformTrust.init`).
    pub acquirer_ca_pem: Option<String>,
    /// Plain TCP instead of TLS: only where provisioning says so (a private APN); front ends
    /// show "未加密链路 / unencrypted link". Excludes `acquirer_ca_pem`.
    pub plain_tcp: bool,
    /// The MAC algorithm the acquirer requires: X9.19 wherever it supports it; the UnionPay
    /// ECB MAC (forgeable by anyone who can edit a frame) only for hosts that require it.
    pub mac_algorithm: MacAlgorithmSetting,
}

/// Which MAC signs the terminal's messages (provisioned per acquirer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum MacAlgorithmSetting {
    /// ANSI X9.19 retail MAC.
    X919,
    /// The UnionPay "ECB" MAC, for hosts that require it (then only over TLS).
    UnionPayEcb,
}

impl From<MacAlgorithmSetting> for pos_core::crypto::MacAlgorithm {
    fn from(m: MacAlgorithmSetting) -> Self {
        match m {
            MacAlgorithmSetting::X919 => pos_core::crypto::MacAlgorithm::X919,
            MacAlgorithmSetting::UnionPayEcb => pos_core::crypto::MacAlgorithm::UnionPayEcb,
        }
    }
}

impl From<pos_core::crypto::MacAlgorithm> for MacAlgorithmSetting {
    fn from(m: pos_core::crypto::MacAlgorithm) -> Self {
        match m {
            pos_core::crypto::MacAlgorithm::X919 => MacAlgorithmSetting::X919,
            pos_core::crypto::MacAlgorithm::UnionPayEcb => MacAlgorithmSetting::UnionPayEcb,
        }
    }
}

fn hours(h: u32) -> Duration {
    Duration::from_secs(u64::from(h) * 3600)
}

fn whole_hours(d: Duration) -> u32 {
    u32::try_from(d.as_secs() / 3600).unwrap_or(u32::MAX)
}

fn millis(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

/// The demo terminal's settings against `host` (start from these and change what differs):
/// the published demo identity, for the simulators (feature `simulators`) and tests only.
#[cfg(feature = "simulators")]
#[uniffi::export]
pub fn demo_settings(host: String) -> TerminalSettings {
    settings_of(&TerminalConfig::demo_at(host))
}

/// The settings that show `c` (a 58 mm roll; the link's certificate and plain switch are the
/// provisioning's, set by the caller).
pub(crate) fn settings_of(c: &TerminalConfig) -> TerminalSettings {
    let minor = |a: pos_core::Amount| Money::from(a).minor;
    TerminalSettings {
        host: c.host.clone(),
        tid: c.tid.as_str().to_string(),
        mid: c.mid.as_str().to_string(),
        merchant_name: c.merchant_name.clone(),
        operator: c.operator.clone(),
        connect_timeout_ms: millis(c.connect_timeout),
        response_timeout_ms: millis(c.response_timeout),
        card_timeout_ms: millis(c.card_timeout),
        offline: OfflineSettings {
            enabled: c.offline.enabled,
            per_payment_minor: minor(c.offline.per_payment),
            total_minor: minor(c.offline.total),
            max_count: c.offline.count,
            max_age_hours: whole_hours(c.offline.max_age),
            per_card_per_day: c.offline.per_card_per_day,
            upload_deadline_hours: whole_hours(c.offline.upload_deadline),
        },
        preference: c.preference.into(),
        sync_interval_secs: u32::try_from(c.sync.interval.as_secs()).unwrap_or(u32::MAX),
        paper_width: PaperWidth::Mm58,
        risk_policy_json: c.risk_policy.as_ref().map(RiskPolicy::to_json),
        acquirer_ca_pem: None,
        plain_tcp: false,
        mac_algorithm: c.mac_algorithm.into(),
    }
}

/// The acquirer link the settings provision, checked before the terminal opens.
fn transport(s: &TerminalSettings) -> Result<Transport, PosError> {
    let ca = s.acquirer_ca_pem.as_deref().filter(|p| !p.trim().is_empty());
    let transport = match (s.plain_tcp, ca) {
        (true, Some(_)) => {
            return Err(PosError::invalid(
                "明文链路与收单主机CA证书只能二选一",
                "plain TCP and an acquirer CA certificate exclude each other",
            ))
        }
        (true, None) => return Ok(Transport::PlainTcp),
        (false, Some(pem)) => Transport::tls_pinned(pem),
        (false, None) if cfg!(target_os = "android") => Transport::Tls { trust: TlsTrust::Platform, server_name: None },
        (false, None) => {
            return Err(PosError::invalid(
                "请提供收单主机CA证书（PEM）：系统证书库仅在Android上可用；专网明文链路须明确设置为明文",
                "provide the acquirer's CA certificate (PEM): the platform trust store is only on Android; \
                 a plain private-APN link must be set as plain explicitly",
            ))
        }
    };
    transport.check(s.host.trim()).map_err(|e| PosError::InvalidInput {
        zh: format!("收单主机CA证书无效（{}）", e.zh()),
        en: format!("the acquirer CA certificate is not usable ({})", e.en()),
    })?;
    Ok(transport)
}

impl TerminalSettings {
    /// The core's configuration: the profile's defaults (TPDU, key mode; see
    /// `TerminalConfig::new`) with these settings.
    pub(crate) fn to_config(&self) -> Result<TerminalConfig, PosError> {
        if self
            .host
            .trim()
            .rsplit_once(':')
            .and_then(|(h, p)| (!h.is_empty()).then_some(p))
            .and_then(|p| p.parse::<u16>().ok())
            .is_none()
        {
            return Err(PosError::invalid("主机地址应为 主机:端口", "the host must be host:port"));
        }
        let tid = TerminalId::new(&self.tid)
            .map_err(|_| PosError::invalid("终端号应为8位", "the terminal ID must be 8 characters"))?;
        let mid = MerchantId::new(&self.mid)
            .map_err(|_| PosError::invalid("商户号应为15位", "the merchant ID must be 15 characters"))?;
        let mut c = TerminalConfig::new(self.host.trim(), tid, mid);
        if self.operator.is_empty()
            || self.operator.len() > 10
            || !self.operator.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(PosError::invalid(
                "操作员号应为1-10位字母或数字",
                "the operator must be 1-10 letters or digits",
            ));
        }
        c.operator = self.operator.clone();
        c.merchant_name = self.merchant_name.trim().to_string();
        c.mac_algorithm = self.mac_algorithm.into();
        let ms = |v: u32, what_zh: &str, what_en: &str| {
            if v == 0 {
                Err(PosError::InvalidInput {
                    zh: format!("{what_zh}不能为零"),
                    en: format!("the {what_en} cannot be zero"),
                })
            } else {
                Ok(Duration::from_millis(u64::from(v)))
            }
        };
        c.connect_timeout = ms(self.connect_timeout_ms, "连接超时", "connect timeout")?;
        c.response_timeout = ms(self.response_timeout_ms, "应答超时", "response timeout")?;
        c.card_timeout = ms(self.card_timeout_ms, "读卡超时", "card timeout")?;
        let o = &self.offline;
        c.offline.enabled = o.enabled;
        c.offline.per_payment = amount(o.per_payment_minor, c.currency)?;
        c.offline.total = amount(o.total_minor, c.currency)?;
        if c.offline.per_payment > c.offline.total {
            return Err(PosError::invalid(
                "离线单笔限额不能超过累计限额",
                "the offline per-payment limit cannot exceed the total",
            ));
        }
        c.offline.count = o.max_count;
        c.offline.max_age = hours(o.max_age_hours);
        c.offline.per_card_per_day = o.per_card_per_day;
        c.offline.upload_deadline = hours(o.upload_deadline_hours);
        c.preference = self.preference.into();
        c.sync.interval = Duration::from_secs(u64::from(self.sync_interval_secs.max(1)));
        c.risk_policy = match &self.risk_policy_json {
            None => None,
            Some(json) => Some(RiskPolicy::from_json(json).map_err(|e| PosError::InvalidInput {
                zh: format!("风控策略设置无效：{}。请重新下载收单机构下发的风控策略", e.zh()),
                en: format!("the risk policy setting is invalid ({e}): download the acquirer's policy again"),
            })?),
        };
        c.transport = transport(self)?;
        Ok(c)
    }
}

/// The default risk policy for CNY terminals as JSON (what an acquirer would push first).
#[uniffi::export]
pub fn default_risk_policy() -> String {
    RiskPolicy::default_cny().to_json()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A terminal's settings against `host` (the product path: no demo constants needed).
    fn settings(host: &str) -> TerminalSettings {
        let tid = TerminalId::new("10000077").unwrap();
        let mid = MerchantId::new("898310048990077").unwrap();
        settings_of(&TerminalConfig { merchant_name: "测试商户".into(), ..TerminalConfig::new(host, tid, mid) })
    }

    #[test]
    fn settings_round_trip_onto_the_config() {
        let s = TerminalSettings { plain_tcp: true, ..settings("127.0.0.1:9") };
        let c = s.to_config().unwrap();
        let tid = TerminalId::new("10000077").unwrap();
        let mid = MerchantId::new("898310048990077").unwrap();
        let mut want = TerminalConfig {
            transport: Transport::PlainTcp,
            merchant_name: "测试商户".into(),
            ..TerminalConfig::new("127.0.0.1:9", tid, mid)
        };
        want.sync.interval = c.sync.interval;
        assert_eq!(c, want);
    }

    #[cfg(feature = "simulators")]
    #[test]
    fn demo_settings_round_trip_onto_the_demo_config() {
        let s = TerminalSettings { plain_tcp: true, ..demo_settings("127.0.0.1:9".into()) };
        let c = s.to_config().unwrap();
        let mut demo = TerminalConfig::demo_at_plain("127.0.0.1:9");
        demo.sync.interval = c.sync.interval;
        assert_eq!(c, demo);
        // The MAC algorithm is provisioned too: X9.19 by default, the ECB MAC where a host requires it.
        assert_eq!(s.mac_algorithm, MacAlgorithmSetting::X919);
        let ecb = TerminalSettings { mac_algorithm: MacAlgorithmSetting::UnionPayEcb, ..s };
        assert_eq!(ecb.to_config().unwrap().mac_algorithm, pos_core::crypto::MacAlgorithm::UnionPayEcb);
    }

    #[test]
    fn the_link_is_tls_with_a_pin_or_plain_when_said_so() {
        let ca = "ca.pem"; // text that is no certificate
        let base = settings("127.0.0.1:9");
        // No pin and not plain: refused off Android (no platform store here).
        let e = base.to_config().unwrap_err();
        assert!(e.zh().contains("CA证书") && e.en().contains("CA certificate"), "{}", e.en());
        let bad = TerminalSettings { acquirer_ca_pem: Some(ca.into()), ..base.clone() };
        let e = bad.to_config().unwrap_err();
        assert!(e.zh().contains("证书无效") && e.en().contains("not usable"), "{}", e.en());
        let both = TerminalSettings { acquirer_ca_pem: Some(ca.into()), plain_tcp: true, ..base.clone() };
        assert!(both.to_config().unwrap_err().en().contains("exclude"));
        let plain = TerminalSettings { plain_tcp: true, ..base };
        assert_eq!(plain.to_config().unwrap().transport, Transport::PlainTcp);
    }

    #[test]
    fn bad_settings_are_refused_in_both_languages() {
        let mut s = settings("127.0.0.1:9");
        s.plain_tcp = true;
        s.tid = "123".into();
        let e = s.to_config().unwrap_err();
        assert!(e.zh().contains("终端号") && e.en().contains("terminal ID"));
        let mut s = settings("nowhere");
        s.host = "nowhere".into();
        assert!(s.to_config().is_err());
        let mut s = settings("127.0.0.1:9");
        s.offline.per_payment_minor = s.offline.total_minor + 1;
        assert!(s.to_config().is_err());
    }

    #[test]
    fn the_settings_carry_the_default_risk_policy() {
        let s = TerminalSettings { plain_tcp: true, ..settings("127.0.0.1:9") };
        assert_eq!(s.risk_policy_json.as_deref(), Some(default_risk_policy().as_str()));
        assert_eq!(s.to_config().unwrap().risk_policy, Some(RiskPolicy::default_cny()));
    }

    #[test]
    fn a_bad_risk_policy_is_refused_in_both_languages() {
        let mut s = settings("127.0.0.1:9");
        s.risk_policy_json = Some("{not json".into());
        let e = s.to_config().unwrap_err();
        assert!(matches!(e, PosError::InvalidInput { .. }), "{e:?}");
        assert!(e.zh().contains("风控策略") && e.zh().contains("重新下载"), "{}", e.zh());
        assert!(e.en().contains("risk policy") && e.en().contains("download"), "{}", e.en());
        // Well-formed JSON that fails validation (version 0): the error names the field.
        let mut bad = RiskPolicy::default_cny();
        bad.version = 0;
        s.risk_policy_json = Some(bad.to_json());
        let e = s.to_config().unwrap_err();
        assert!(e.zh().contains("风控策略") && e.en().contains("version"), "{}", e.en());
    }

    #[test]
    fn no_risk_policy_means_no_risk_checks() {
        let mut s = settings("127.0.0.1:9");
        s.plain_tcp = true;
        s.risk_policy_json = None;
        assert_eq!(s.to_config().unwrap().risk_policy, None);
    }
}
