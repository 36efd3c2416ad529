//! What the terminal is and where its acquirer is: provisioning plus acquirer parameters.

use crate::error::Error;
use std::time::Duration;

use crate::acquirer::{AcquirerConfig, Transport};
use crate::crypto::{KeyMode, MacAlgorithm};
use crate::iso8583::{Header, MerchantId, TerminalId, Tpdu, TxnType};
use crate::money::Currency;
use crate::offline::{OfflineLimits, OfflinePreference};
#[cfg(any(test, feature = "sim"))]
use crate::provision;
use crate::provisioning::{ProvisionError, Provisioning};
use crate::reversal::ReversalPolicy;
use crate::sync::SyncPolicy;

/// Which transactions ask the cardholder for a PIN (when the card takes one).
///
/// Sale, pre-auth and balance inquiry always do; the others are acquirer parameters
/// on UnionPay terminals ("消费撤销是否输密" and so on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinPolicy {
    /// 消费撤销.
    pub void: bool,
    /// 退货.
    pub refund: bool,
    /// 预授权撤销.
    pub pre_auth_cancel: bool,
    /// 预授权完成.
    pub pre_auth_completion: bool,
    /// 完成撤销.
    pub completion_cancel: bool,
}

impl Default for PinPolicy {
    fn default() -> Self {
        PinPolicy {
            void: false,
            refund: false,
            pre_auth_cancel: true,
            pre_auth_completion: true,
            completion_cancel: false,
        }
    }
}

impl PinPolicy {
    /// Whether `txn` asks for a PIN.
    pub fn asks(&self, txn: TxnType) -> bool {
        match txn {
            TxnType::Sale | TxnType::PreAuth | TxnType::BalanceInquiry | TxnType::OfflineSale | TxnType::Transfer => {
                true
            }
            TxnType::Void => self.void,
            TxnType::Refund => self.refund,
            TxnType::PreAuthCancel => self.pre_auth_cancel,
            TxnType::PreAuthCompletion => self.pre_auth_completion,
            TxnType::CompletionCancel => self.completion_cancel,
        }
    }
}

/// The terminal's provisioning and acquirer parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalConfig {
    /// Acquirer `host:port`.
    pub host: String,
    /// TLS with the provisioned pin, or (only where provisioned so) plain TCP.
    pub transport: Transport,
    /// Field 41.
    pub tid: TerminalId,
    /// Field 42.
    pub mid: MerchantId,
    /// Routing header of every frame.
    pub tpdu: Tpdu,
    /// Application header of every frame.
    pub header: Header,
    /// Sign-in key mode (60.3 of the 0800).
    pub key_mode: KeyMode,
    /// MAC algorithm.
    pub mac_algorithm: MacAlgorithm,
    /// TCP connect timeout.
    pub connect_timeout: Duration,
    /// Wait for a response (UnionPay default 60 s).
    pub response_timeout: Duration,
    /// Wait for the rest of a frame once it started.
    pub read_timeout: Duration,
    /// Wait for the cardholder to present a card.
    pub card_timeout: Duration,
    /// Operator number sent at sign-in (field 63).
    pub operator: String,
    /// The merchant's name as registered with the acquirer, printed on slips.
    pub merchant_name: String,
    /// Lines printed under every slip's title (the acquirer's terminal parameters).
    pub header_lines: Vec<String>,
    /// Currency of amounts entered at this terminal.
    pub currency: Currency,
    /// PIN prompts per transaction type.
    pub pin_policy: PinPolicy,
    /// Resends of automatic reversals.
    pub reversal: ReversalPolicy,
    /// The merchant's offline approval limits.
    pub offline: OfflineLimits,
    /// How [`Terminal::sale`](super::Terminal::sale) uses offline approval.
    pub preference: OfflinePreference,
    /// Pacing of uploads.
    pub sync: SyncPolicy,
    /// The provisioned risk policy, evaluated before every payment (the default CNY policy
    /// unless provisioned otherwise; `None`: no risk checks until the acquirer pushes one).
    pub risk_policy: Option<crate::risk::RiskPolicy>,
    /// Where the acquirer link's bytes go: the network, or a simulation (tests).
    pub dialer: crate::acquirer::Dialer,
}

impl TerminalConfig {
    /// Terminal `tid` of merchant `mid` against `host`, with the profile's defaults (default
    /// TPDU, IC header, key mode 004, X9.19 MAC, UnionPay timeouts, CNY, default offline limits
    /// and risk policy) and no merchant name, over TLS with no trust anchor yet: connecting
    /// fails ([`crate::acquirer::TlsFailure::NoPin`]) until `transport` is set. A terminal never
    /// falls back to plain TCP by itself. Front ends start from
    /// [`TerminalConfig::from_provisioning`].
    pub fn new(host: impl Into<String>, tid: TerminalId, mid: MerchantId) -> TerminalConfig {
        TerminalConfig {
            host: host.into(),
            transport: Transport::tls_pinned(""),
            tid,
            mid,
            tpdu: Tpdu::DEFAULT,
            header: Header::IC,
            key_mode: KeyMode::DoubleWithTrack004,
            // X9.19 wherever the acquirer supports it (the simulator does): the UnionPay ECB MAC
            // can be forged by anyone who can edit the frame (it depends only on the XOR of the
            // blocks, and 32 bits travel), so it is for hosts that require it, by provisioning.
            mac_algorithm: MacAlgorithm::X919,
            connect_timeout: AcquirerConfig::DEFAULT_CONNECT_TIMEOUT,
            response_timeout: AcquirerConfig::DEFAULT_RESPONSE_TIMEOUT,
            read_timeout: AcquirerConfig::DEFAULT_READ_TIMEOUT,
            card_timeout: Duration::from_secs(60),
            operator: "01".into(),
            merchant_name: String::new(),
            header_lines: Vec::new(),
            currency: Currency::CNY,
            pin_policy: PinPolicy::default(),
            reversal: ReversalPolicy::default(),
            offline: OfflineLimits::defaults(Currency::CNY),
            preference: OfflinePreference::PreferOnline,
            sync: SyncPolicy::default(),
            risk_policy: Some(crate::risk::RiskPolicy::default_cny()),
            dialer: crate::acquirer::Dialer::tcp(),
        }
    }

    /// The demo terminal of [`crate::provision`] against `host` (feature `sim`), over TLS
    /// with no trust anchor yet, as [`TerminalConfig::new`]; [`TerminalConfig::demo_at_tls`]
    /// and [`TerminalConfig::demo_at_plain`] set the link.
    #[cfg(any(test, feature = "sim"))]
    pub fn demo_at(host: impl Into<String>) -> TerminalConfig {
        // The provisioning constants are fixed, valid data (checked by a test).
        let tid = TerminalId::new(provision::DEMO_TID).unwrap_or_else(|e| unreachable!("demo TID: {e}"));
        let mid = MerchantId::new(provision::DEMO_MID).unwrap_or_else(|e| unreachable!("demo MID: {e}"));
        let key_mode = KeyMode::from_code(provision::DEMO_KEY_MODE).unwrap_or(KeyMode::DoubleWithTrack004);
        TerminalConfig {
            tpdu: provision::DEMO_TPDU,
            key_mode,
            merchant_name: provision::DEMO_MERCHANT_NAME.into(),
            ..TerminalConfig::new(host, tid, mid)
        }
    }

    /// The terminal configuration for `host` with the identity, MAC algorithm, merchant name
    /// and acquirer link of `p` (the rest as in [`TerminalConfig::new`]).
    ///
    /// It lives here, not on `Provisioning`, so `provisioning` stays below the terminal.
    pub fn from_provisioning(p: &Provisioning, host: impl Into<String>) -> Result<TerminalConfig, Error> {
        p.validate()?;
        let invalid = |field| ProvisionError::Invalid { field, problem: "unreadable".into() };
        let tid = TerminalId::new(&p.tid).map_err(|_| invalid("tid"))?;
        let mid = MerchantId::new(&p.mid).map_err(|_| invalid("mid"))?;
        let mut c = TerminalConfig::new(host, tid, mid);
        c.mac_algorithm = p.mac;
        if let Some(name) = &p.merchant_name {
            c.merchant_name = name.clone();
        }
        if let Some(pem) = &p.acquirer_ca_pem {
            c.transport = Transport::tls_pinned(pem.clone());
        } else if p.plain_tcp {
            c.transport = Transport::PlainTcp;
        }
        Ok(c)
    }

    /// The demo terminal against `host` over TLS, trusting the CA certificate `ca_pem`
    /// (the simulator's: `SimHandle::ca_pem` in process, or the `ca.pem` that `pos sim` writes).
    #[cfg(any(test, feature = "sim"))]
    pub fn demo_at_tls(host: impl Into<String>, ca_pem: impl Into<String>) -> TerminalConfig {
        TerminalConfig { transport: Transport::tls_pinned(ca_pem), ..TerminalConfig::demo_at(host) }
    }

    /// The demo terminal against `host` over plain TCP: for scripted test hosts and relays
    /// that read the frames, and a simulator started plain.
    #[cfg(any(test, feature = "sim"))]
    pub fn demo_at_plain(host: impl Into<String>) -> TerminalConfig {
        TerminalConfig { transport: Transport::PlainTcp, ..TerminalConfig::demo_at(host) }
    }

    /// The demo terminal against the demo simulator address.
    #[cfg(any(test, feature = "sim"))]
    pub fn demo() -> TerminalConfig {
        TerminalConfig::demo_at(provision::DEMO_HOST)
    }

    /// The merchant and terminal as slips print them.
    pub fn merchant(&self) -> crate::receipt::MerchantInfo {
        crate::receipt::MerchantInfo {
            name: self.merchant_name.clone(),
            mid: self.mid.clone(),
            tid: self.tid.clone(),
            header_lines: self.header_lines.clone(),
        }
    }

    /// The acquirer client's part of the configuration.
    pub fn acquirer(&self) -> AcquirerConfig {
        AcquirerConfig {
            connect_timeout: self.connect_timeout,
            response_timeout: self.response_timeout,
            read_timeout: self.read_timeout,
            dialer: self.dialer.clone(),
            ..AcquirerConfig::new(self.host.clone(), self.transport.clone())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_is_the_provisioned_terminal() {
        let c = TerminalConfig::demo();
        assert_eq!(
            (c.tid.as_str(), c.mid.as_str(), c.host.as_str()),
            ("10000001", "898310048990001", "127.0.0.1:8583")
        );
        assert_eq!(c.key_mode, KeyMode::DoubleWithTrack004);
        assert_eq!(c.response_timeout, Duration::from_secs(60));
        assert_eq!(c.acquirer().response_timeout, c.response_timeout);
        assert!(c.pin_policy.asks(TxnType::Sale) && !c.pin_policy.asks(TxnType::Void));
        assert_eq!(c.merchant().name, provision::DEMO_MERCHANT_NAME, "slips carry the merchant's name");
        assert_eq!(c.risk_policy, Some(crate::risk::RiskPolicy::default_cny()), "risk checks are on out of the box");
        assert!(c.transport.is_encrypted() && c.acquirer().transport.is_encrypted(), "TLS unless provisioned plain");
        assert!(!TerminalConfig::demo_at_plain("h:1").acquirer().transport.is_encrypted());
    }
}
