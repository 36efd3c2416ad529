//! The simulator's configuration: terminals, accounts, limits, monitoring rules, timeouts.
//!
//! Read from JSON (see the README for the format); every field but `terminals` has a
//! default, and [`SimConfig::demo`] needs no file at all.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use pos_core::crypto::{KeyMode, MacAlgorithm, SecretKey};
use pos_core::deck::{AccountKind, CardStatus, Presentation, DECK};
use pos_core::iso8583::{MerchantId, TerminalId};
use pos_core::mask_pan_digits;
use pos_core::provision;
use serde::{Deserialize, Serialize};

use crate::error::ConfigError;

/// Everything the simulator needs to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimConfig {
    /// Address of the ISO 8583 port; port 0 picks a free one.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// TLS of the ISO 8583 port: `"ephemeral"` (a CA made in memory at start, the default),
    /// `{"dir": "PATH"}` (the CA kept in PATH, made at the first start) or `"plain"` (plain TCP).
    #[serde(default)]
    pub tls: SimTls,
    /// Address of the JSON-lines admin port (loopback only); none when absent.
    #[serde(default)]
    pub admin_listen: Option<String>,
    /// SQLite file of the ledger; in memory when absent or `":memory:"`.
    #[serde(default)]
    pub database: Option<String>,
    /// Seed of the fault-injection and auth-code generator.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// The host's local time zone as minutes east of UTC (480 = Beijing time).
    #[serde(default = "default_utc_offset")]
    pub utc_offset_minutes: i32,
    /// Connection timeouts and the "late response" delay.
    #[serde(default)]
    pub timeouts: Timeouts,
    /// Amount, frequency and connection limits.
    #[serde(default)]
    pub limits: Limits,
    /// Merchant and card monitoring rules.
    #[serde(default)]
    pub monitoring: MonitoringConfig,
    /// The provisioned terminals.
    pub terminals: Vec<TerminalConfig>,
    /// Whether the accounts of `pos_core::deck::DECK` are loaded.
    #[serde(default = "yes")]
    pub include_deck: bool,
    /// Accounts beyond (or instead of) the deck.
    #[serde(default)]
    pub accounts: Vec<AccountConfig>,
    /// What terminal management serves: CA public keys, IC parameters, the blacklist.
    #[serde(default)]
    pub tms: TmsConfig,
}

/// Terminal-management content (`docs/terminal-management.md`), served as configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TmsConfig {
    /// CA public keys, each the TLV of a 370 answer in hex. Default: the published test keys
    /// (UnionPay 08 and 09, Visa 92, Mastercard EF).
    #[serde(default = "default_capks")]
    pub capks: Vec<String>,
    /// IC parameters, each the TLV of a 380 answer in hex. Default: UnionPay debit, credit and
    /// quasi-credit.
    #[serde(default = "default_aids")]
    pub aids: Vec<String>,
    /// Blacklisted card-number prefixes or numbers (1-19 digits): served by 390 and declined
    /// online with `62`. Default: the deck's `hotlisted` card.
    #[serde(default = "default_blacklist")]
    pub blacklist: Vec<String>,
    /// A fault for tests: the blacklist page that starts at this index carries a damaged entry.
    #[serde(default)]
    pub corrupt_blacklist_page_at: Option<u32>,
    /// The terminal parameters served by 360 (none: answered `12`). Default: version 1 with the
    /// demo merchant's name, a header line, the default offline limits and timeouts.
    #[serde(default = "default_params")]
    pub params: Option<ParamsConfig>,
}

/// The terminal parameters the simulator serves (`pos_core::tms::params::TerminalParams`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamsConfig {
    /// The document's version.
    pub version: u64,
    /// Merchant name (22).
    #[serde(default)]
    pub merchant_name: Option<String>,
    /// Slip header lines (91).
    #[serde(default)]
    pub header_lines: Vec<String>,
    /// Answer timeout, seconds (12).
    #[serde(default)]
    pub response_timeout_secs: Option<u32>,
    /// Reversal tries (13).
    #[serde(default)]
    pub retries: Option<u32>,
    /// Offline limits (92): enabled, per payment, total (fen), count, age (hours), per card a day.
    #[serde(default)]
    pub offline: Option<(bool, u64, u64, u32, u32, u32)>,
    /// The risk policy, JSON (93).
    #[serde(default)]
    pub risk_policy: Option<String>,
    /// The acquirer's `host:port` (94).
    #[serde(default)]
    pub host: Option<String>,
    /// The next TLS CA, PEM (95).
    #[serde(default)]
    pub next_ca_pem: Option<String>,
}

impl ParamsConfig {
    /// As the terminal reads it.
    pub fn to_params(&self) -> pos_core::tms::params::TerminalParams {
        use pos_core::tms::params::{OfflineParams, TerminalParams};
        TerminalParams {
            version: self.version,
            response_timeout_secs: self.response_timeout_secs,
            retries: self.retries,
            merchant_name: self.merchant_name.clone(),
            header_lines: self.header_lines.clone(),
            offline: self.offline.map(
                |(enabled, per_payment_minor, total_minor, count, max_age_hours, per_card_per_day)| OfflineParams {
                    enabled,
                    per_payment_minor,
                    total_minor,
                    count,
                    max_age_hours,
                    per_card_per_day,
                },
            ),
            risk_policy: self.risk_policy.clone(),
            host: self.host.clone(),
            next_ca_pem: self.next_ca_pem.clone(),
        }
    }
}

fn default_params() -> Option<ParamsConfig> {
    Some(ParamsConfig {
        version: 1,
        merchant_name: Some(pos_core::provision::DEMO_MERCHANT_NAME.to_owned()),
        header_lines: vec!["欢迎光临 WELCOME".to_owned()],
        response_timeout_secs: Some(30),
        retries: Some(3),
        offline: Some((true, 50_000, 500_000, 100, 24, 3)),
        risk_policy: None,
        host: None,
        next_ca_pem: None,
    })
}

impl Default for TmsConfig {
    fn default() -> TmsConfig {
        TmsConfig {
            capks: default_capks(),
            aids: default_aids(),
            blacklist: default_blacklist(),
            corrupt_blacklist_page_at: None,
            params: default_params(),
        }
    }
}

fn default_blacklist() -> Vec<String> {
    vec![pos_core::deck::HOTLISTED_PAN.to_owned()]
}

/// The published EMV test keys, as the core's vector file holds them.
fn default_capks() -> Vec<String> {
    let published = include_str!("../../core/tests/vectors/ca-public-keys.txt").lines();
    // The test CA that signed the test deck's chip cards (offline data authentication); its
    // deliberately wrong twin is for tests that serve it instead (`test_ca_key`).
    let test_ca =
        include_str!("../../core/tests/vectors/oda-test-ca.txt").lines().filter(|l| l.starts_with("pos-test-f9 "));
    published
        .chain(test_ca)
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once(' ').map(|(_, h)| h.trim().to_owned()))
        .collect()
}

/// The 370 TLV (hex) of this project's test CA key (`pos-test-f9`), or of its wrong twin under
/// the same RID and index (`pos-test-f9-wrong`): for tests of offline data authentication.
pub fn test_ca_key(wrong: bool) -> String {
    let label = if wrong { "pos-test-f9-wrong " } else { "pos-test-f9 " };
    include_str!("../../core/tests/vectors/oda-test-ca.txt")
        .lines()
        .find_map(|l| l.strip_prefix(label))
        .map(|h| h.trim().to_owned())
        .unwrap_or_default()
}

/// UnionPay debit, credit and quasi-credit with the profile's usual action codes and limits.
fn default_aids() -> Vec<String> {
    ["A000000333010101", "A000000333010102", "A000000333010103"]
        .iter()
        .map(|aid| {
            hex::encode_upper(pos_core::tms::aid::unionpay_application(&hex::decode(aid).unwrap_or_default()).to_tlv())
        })
        .collect()
}

/// How the ISO 8583 port is served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SimTls {
    /// TLS with a CA made in memory at start: in-process tests and the demo pin
    /// [`crate::SimHandle::ca_pem`].
    #[default]
    Ephemeral,
    /// TLS with the CA kept in this folder (`ca.pem`, and `ca-key.pem` at 0600), made at the
    /// first start: what `pos sim` does, so that terminals keep their pin across restarts.
    Dir(PathBuf),
    /// Plain TCP (relays that record frames, terminals provisioned for a private APN).
    Plain,
}

/// One provisioned terminal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerminalConfig {
    /// Terminal ID (field 41), 8 characters.
    pub tid: String,
    /// Merchant ID (field 42), 15 characters.
    pub mid: String,
    /// Terminal master key, hex (8, 16 or 24 bytes).
    pub tmk: String,
    /// The only sign-in mode accepted ("001", "003", "004"); any when absent.
    #[serde(default)]
    pub key_mode: Option<KeyMode>,
    /// MAC algorithm: "ecb" (UnionPay, the default) or "x919".
    #[serde(default)]
    pub mac: MacAlgorithm,
    /// The host's batch number for this terminal when the ledger has none yet.
    #[serde(default = "default_batch")]
    pub batch: u32,
    /// Key of the reader's remote unlock after a tamper event, hex, per terminal (the help desk's
    /// unlock and reset codes are made with it); the published demo key when absent, which is
    /// for the demo terminal and tests only.
    #[serde(default = "default_unlock_key")]
    pub unlock_key: String,
}

fn default_unlock_key() -> String {
    provision::DEMO_UNLOCK_KEY_HEX.to_owned()
}

impl TerminalConfig {
    /// A terminal with any key mode, the ANSI X9.19 MAC and batch 000001 (a JSON configuration
    /// without `mac` keeps the UnionPay ECB MAC, what hosts that say nothing use).
    pub fn new(tid: &str, mid: &str, tmk_hex: &str) -> TerminalConfig {
        TerminalConfig {
            tid: tid.to_owned(),
            mid: mid.to_owned(),
            tmk: tmk_hex.to_owned(),
            key_mode: None,
            mac: MacAlgorithm::X919,
            batch: 1,
            unlock_key: default_unlock_key(),
        }
    }

    /// The same terminal accepting only `mode` at sign-in.
    pub fn with_key_mode(mut self, mode: KeyMode) -> TerminalConfig {
        self.key_mode = Some(mode);
        self
    }

    /// The same terminal using `mac`.
    pub fn with_mac(mut self, mac: MacAlgorithm) -> TerminalConfig {
        self.mac = mac;
        self
    }

    /// The same terminal with its own unlock key (hex), as provisioned into its reader.
    pub fn with_unlock_key(mut self, hex: &str) -> TerminalConfig {
        hex.clone_into(&mut self.unlock_key);
        self
    }
}

/// One account at the simulated issuer.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// Card number.
    pub pan: String,
    /// Debit (balance) or credit (limit).
    pub kind: AccountKind,
    /// Opening balance or credit limit in fen.
    pub funds: u64,
    /// Issuer status.
    #[serde(default = "normal")]
    pub status: CardStatus,
    /// The PIN the issuer expects.
    pub pin: String,
    /// PIN tries already used (3 = locked).
    #[serde(default)]
    pub pin_tries_used: u8,
    /// Expiry YYMM.
    pub expiry: String,
    /// Whether purchases need an online PIN (false for contactless and offline chip cards).
    #[serde(default = "yes")]
    pub pin_required: bool,
}

impl std::fmt::Debug for AccountConfig {
    /// Masked PAN, no PIN.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountConfig")
            .field("pan", &mask_pan_digits(&self.pan))
            .field("kind", &self.kind)
            .field("funds", &self.funds)
            .field("status", &self.status)
            .field("pin_tries_used", &self.pin_tries_used)
            .field("pin_required", &self.pin_required)
            .finish()
    }
}

/// Connection timeouts, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Timeouts {
    /// Once a frame has started, the rest must arrive within this time.
    pub frame_read_ms: u64,
    /// A connection with no frame for this long is closed.
    pub idle_ms: u64,
    /// The delay of the `late` fault: longer than the terminal waits.
    pub late_ms: u64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts { frame_read_ms: 30_000, idle_ms: 300_000, late_ms: 65_000 }
    }
}

/// Limits the acquirer enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest single debit or refund in fen (default 50,000.00 CNY); above: `61`.
    pub per_transaction: u64,
    /// Sales and pre-auths per card per local day; beyond: `65`.
    pub daily_count_per_card: u32,
    /// Connections served at once; more are closed on accept.
    pub max_connections: usize,
    /// Requests of one connection processed at once; further frames wait to be read.
    pub max_in_flight: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { per_transaction: 5_000_000, daily_count_per_card: 20, max_connections: 1024, max_in_flight: 32 }
    }
}

/// The acquirer's monitoring rules (merchant agreement clauses on abnormal trading).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct MonitoringConfig {
    /// Sudden volume rise per merchant.
    pub volume_spike: SpikeRule,
    /// Repeated large round amounts per card.
    pub round_amounts: RoundAmountRule,
}

/// Flags a merchant whose last hour exceeds `factor` times its trailing hourly average.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SpikeRule {
    /// Whether the rule runs.
    pub enabled: bool,
    /// K: how many times the trailing hourly average counts as a spike.
    pub factor: u32,
    /// Hours of history the average is taken over (before the last hour).
    pub trailing_hours: u32,
    /// Fewest debits in the last hour that can be a count spike.
    pub min_count: u32,
    /// Smallest last-hour amount (fen) that can be an amount spike.
    pub min_amount: u64,
    /// Whether a flagged merchant's debits are declined `34` for an hour.
    pub decline: bool,
}

impl Default for SpikeRule {
    fn default() -> Self {
        SpikeRule {
            enabled: true,
            factor: 5,
            trailing_hours: 24,
            min_count: 10,
            min_amount: 10_000_000,
            decline: false,
        }
    }
}

/// Flags a card with `count` or more debits in a day that are multiples of `unit` and at least `min_amount`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoundAmountRule {
    /// Whether the rule runs.
    pub enabled: bool,
    /// The round unit in fen (default 1,000.00).
    pub unit: u64,
    /// Smallest amount that counts, in fen (default 5,000.00).
    pub min_amount: u64,
    /// How many such debits in a local day raise the flag.
    pub count: u32,
    /// Whether a flagged card's further debits that day are declined `34`.
    pub decline: bool,
}

impl Default for RoundAmountRule {
    fn default() -> Self {
        RoundAmountRule { enabled: true, unit: 100_000, min_amount: 500_000, count: 3, decline: true }
    }
}

fn default_listen() -> String {
    provision::DEMO_HOST.to_owned()
}
fn default_seed() -> u64 {
    0x5EED_0FAC_0B1E
}
fn default_utc_offset() -> i32 {
    480
}
fn default_batch() -> u32 {
    1
}
fn yes() -> bool {
    true
}
fn normal() -> CardStatus {
    CardStatus::Normal
}

/// A terminal after validation: typed identifiers and the TMK as a key.
#[derive(Debug, Clone)]
pub(crate) struct TerminalProfile {
    pub tid: TerminalId,
    pub mid: MerchantId,
    pub tmk: SecretKey,
    pub key_mode: Option<KeyMode>,
    pub mac: MacAlgorithm,
    pub batch: u32,
    pub unlock_key: SecretKey,
}

/// The configuration checked and turned into what the host runs on.
#[derive(Debug, Clone)]
pub(crate) struct ValidConfig {
    pub listen: SocketAddr,
    pub admin: Option<SocketAddr>,
    pub terminals: Vec<TerminalProfile>,
    pub accounts: Vec<AccountConfig>,
    pub tms: crate::host::TmsContent,
}

impl SimConfig {
    /// The demo host: the demo terminal of `pos_core::provision` and every card of the deck, in memory.
    pub fn demo() -> SimConfig {
        SimConfig {
            listen: default_listen(),
            tls: SimTls::Ephemeral,
            admin_listen: None,
            database: None,
            seed: default_seed(),
            utc_offset_minutes: default_utc_offset(),
            timeouts: Timeouts::default(),
            limits: Limits::default(),
            monitoring: MonitoringConfig::default(),
            // The demo acquirer supports X9.19, so its terminals use it (see DESIGN: the ECB MAC
            // only for hosts that require it).
            terminals: vec![TerminalConfig::new(provision::DEMO_TID, provision::DEMO_MID, provision::DEMO_TMK_HEX)],
            include_deck: true,
            accounts: Vec::new(),
            tms: TmsConfig::default(),
        }
    }

    /// The demo host plus `n` load-test terminals `demo_tid(1..=n)` of the demo merchant.
    pub fn demo_fleet(n: u32) -> SimConfig {
        let mut c = SimConfig::demo();
        c.terminals.extend((1..=n).map(|i| {
            TerminalConfig::new(&provision::demo_tid(i), provision::DEMO_MID, provision::DEMO_TMK_HEX)
                .with_mac(MacAlgorithm::X919)
        }));
        c
    }

    /// The same configuration served over plain TCP.
    pub fn plain(mut self) -> SimConfig {
        self.tls = SimTls::Plain;
        self
    }

    /// The same configuration listening on `addr` (tests use `127.0.0.1:0`).
    pub fn listening_on(mut self, addr: &str) -> SimConfig {
        self.listen = addr.to_owned();
        self
    }

    /// The admin address used when none is configured: loopback, one port above the listen port
    /// (`127.0.0.1:8584` next to the default `8583`), or a free port when the listen port is 0, so
    /// that simulators on free ports run side by side. `None` when `listen` does not parse.
    pub fn default_admin(&self) -> Option<String> {
        let listen: SocketAddr = self.listen.parse().ok()?;
        let port = match listen.port() {
            0 | u16::MAX => 0,
            p => p + 1,
        };
        Some(SocketAddr::from(([127, 0, 0, 1], port)).to_string())
    }

    /// Parses and validates JSON text.
    pub fn from_json(text: &str) -> Result<SimConfig, ConfigError> {
        let config: SimConfig = serde_json::from_str(text).map_err(|e| ConfigError::Json(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Reads, parses and validates a JSON file.
    pub fn load(path: &Path) -> Result<SimConfig, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::Read { path: path.display().to_string(), reason: e.to_string() })?;
        SimConfig::from_json(&text)
    }

    /// The accounts the ledger is seeded with: the deck (unless excluded), then `accounts`.
    pub fn all_accounts(&self) -> Vec<AccountConfig> {
        let deck = DECK.iter().filter(|_| self.include_deck).map(|c| AccountConfig {
            pan: c.pan.to_owned(),
            kind: c.kind,
            funds: c.funds,
            status: c.status,
            pin: c.pin.to_owned(),
            pin_tries_used: c.pin_tries_used,
            expiry: c.expiry.to_owned(),
            pin_required: !matches!(c.presentation, Presentation::Contactless | Presentation::ChipOffline),
        });
        deck.chain(self.accounts.iter().cloned()).collect()
    }

    /// Checks everything that can be checked before binding a socket.
    pub(crate) fn validate(&self) -> Result<ValidConfig, ConfigError> {
        let listen = parse_addr("listen", &self.listen)?;
        let admin = match &self.admin_listen {
            Some(a) => {
                let addr = parse_addr("admin_listen", a)?;
                if !addr.ip().is_loopback() {
                    return Err(ConfigError::AdminNotLoopback(addr));
                }
                Some(addr)
            }
            None => None,
        };
        self.check_settings()?;
        let mut seen = HashSet::new();
        let mut terminals = Vec::with_capacity(self.terminals.len());
        for t in &self.terminals {
            let profile = validate_terminal(t)?;
            if !seen.insert(t.tid.clone()) {
                return Err(ConfigError::DuplicateTid { tid: t.tid.clone() });
            }
            terminals.push(profile);
        }
        let accounts = self.all_accounts();
        let mut pans = HashSet::new();
        for a in &accounts {
            validate_account(a)?;
            if !pans.insert(a.pan.clone()) {
                return Err(ConfigError::DuplicateAccount { pan: mask_pan_digits(&a.pan) });
            }
        }
        let tms = validate_tms(&self.tms)?;
        Ok(ValidConfig { listen, admin, terminals, accounts, tms })
    }

    fn check_settings(&self) -> Result<(), ConfigError> {
        let bad = |what, reason: &str| Err(ConfigError::BadSetting { what, reason: reason.to_owned() });
        if self.limits.per_transaction == 0 || self.limits.per_transaction > pos_core::MAX_MINOR {
            return bad("limits.per_transaction", "must be 1..=999999999999 fen");
        }
        if self.limits.max_connections == 0 || self.limits.max_in_flight == 0 {
            return bad("limits", "max_connections and max_in_flight must be at least 1");
        }
        if self.timeouts.frame_read_ms == 0 || self.timeouts.idle_ms == 0 {
            return bad("timeouts", "frame_read_ms and idle_ms must be at least 1");
        }
        if !(-14 * 60..=14 * 60).contains(&self.utc_offset_minutes) {
            return bad("utc_offset_minutes", "must be within -840..=840");
        }
        let spike = &self.monitoring.volume_spike;
        if spike.enabled && (spike.factor == 0 || spike.trailing_hours == 0 || spike.trailing_hours > 24 * 31) {
            return bad("monitoring.volume_spike", "factor must be >= 1 and trailing_hours 1..=744");
        }
        let round = &self.monitoring.round_amounts;
        if round.enabled && (round.unit == 0 || round.count == 0) {
            return bad("monitoring.round_amounts", "unit and count must be at least 1");
        }
        Ok(())
    }
}

fn parse_addr(what: &'static str, value: &str) -> Result<SocketAddr, ConfigError> {
    value.parse().map_err(|_| ConfigError::BadAddress { what, value: value.to_owned() })
}

fn validate_terminal(t: &TerminalConfig) -> Result<TerminalProfile, ConfigError> {
    let tid = TerminalId::new(&t.tid).map_err(|_| ConfigError::BadTid { tid: t.tid.clone() })?;
    let mid = MerchantId::new(&t.mid).map_err(|_| ConfigError::BadMid { tid: t.tid.clone(), mid: t.mid.clone() })?;
    let bytes = hex::decode(t.tmk.trim()).map_err(|_| ConfigError::BadHex { tid: t.tid.clone() })?;
    let tmk = SecretKey::from_slice(&bytes)
        .map_err(|_| ConfigError::BadKeyLength { tid: t.tid.clone(), len: bytes.len() })?;
    if !(1..=999_999).contains(&t.batch) {
        return Err(ConfigError::BadBatch { tid: t.tid.clone(), batch: t.batch });
    }
    let unlock_key = hex::decode(t.unlock_key.trim())
        .ok()
        .and_then(|b| SecretKey::from_slice(&b).ok())
        .ok_or_else(|| ConfigError::BadHex { tid: t.tid.clone() })?;
    Ok(TerminalProfile { tid, mid, tmk, key_mode: t.key_mode, mac: t.mac, batch: t.batch, unlock_key })
}

fn validate_account(a: &AccountConfig) -> Result<(), ConfigError> {
    let bad = |reason: &str| Err(ConfigError::BadAccount { pan: mask_pan_digits(&a.pan), reason: reason.to_owned() });
    if pos_core::card::Pan::parse(&a.pan).is_err() {
        return bad("not a valid card number (12-19 digits, Luhn)");
    }
    if pos_core::crypto::Pin::new(&a.pin).is_err() {
        return bad("PIN must be 4 to 12 digits");
    }
    if pos_core::card::Expiry::parse_yymm(&a.expiry).is_err() {
        return bad("expiry must be YYMM");
    }
    if a.funds > pos_core::MAX_MINOR {
        return bad("funds above 999999999999 fen");
    }
    if a.pin_tries_used > 3 {
        return bad("pin_tries_used above 3");
    }
    Ok(())
}

/// The terminal-management content, well-formed enough to list and find (not checked further:
/// a test may serve a damaged key on purpose).
pub(crate) fn validate_tms(tms: &TmsConfig) -> Result<crate::host::TmsContent, ConfigError> {
    let bad = |what: &'static str, reason: String| ConfigError::BadSetting { what, reason };
    if tms.capks.len() > pos_core::tms::capk::MAX_KEYS || tms.aids.len() > pos_core::tms::aid::MAX_AIDS {
        return Err(bad("tms", "too many keys or applications".into()));
    }
    let mut capks = Vec::new();
    for (i, h) in tms.capks.iter().enumerate() {
        let tlv = hex::decode(h.trim()).map_err(|_| bad("tms.capks", format!("entry {i} is not hex")))?;
        let rid = crate::host::tms_tag(&tlv, 0x9F06).filter(|r| r.len() == 5);
        let index = crate::host::tms_tag(&tlv, 0x9F22).and_then(|i| match i.as_slice() {
            [b] => Some(*b),
            _ => None,
        });
        let (Some(rid), Some(index)) = (rid, index) else {
            return Err(bad("tms.capks", format!("entry {i} has no RID (9F06) or index (9F22)")));
        };
        capks.push((tlv, index, rid));
    }
    let mut aids = Vec::new();
    for (i, h) in tms.aids.iter().enumerate() {
        let tlv = hex::decode(h.trim()).map_err(|_| bad("tms.aids", format!("entry {i} is not hex")))?;
        let aid = crate::host::tms_tag(&tlv, 0x9F06)
            .ok_or_else(|| bad("tms.aids", format!("entry {i} has no AID (9F06)")))?;
        aids.push((aid, tlv));
    }
    if tms.blacklist.len() > pos_core::tms::blacklist::MAX_ENTRIES {
        return Err(bad("tms.blacklist", "too many entries".into()));
    }
    if let Some(e) = tms
        .blacklist
        .iter()
        .find(|e| !pos_core::tms::blacklist::ENTRY_DIGITS.contains(&e.len()) || !e.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad("tms.blacklist", format!("an entry of {} characters is not 1-19 digits", e.len())));
    }
    Ok(crate::host::TmsContent {
        capks,
        aids,
        blacklist: tms.blacklist.clone(),
        blacklist_generation: 0,
        corrupt_page_at: tms.corrupt_blacklist_page_at,
        params: match &tms.params {
            Some(p) => Some(p.to_params().encode().map_err(|e| bad("tms.params", e.to_string()))?),
            None => None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_terminal(tmk: &str) -> String {
        format!(r#"{{"terminals":[{{"tid":"10000001","mid":"898310048990001","tmk":"{tmk}"}}]}}"#)
    }

    #[test]
    fn demo_is_valid_and_has_the_deck() {
        let v = SimConfig::demo().validate().unwrap();
        assert_eq!(v.terminals.len(), 1);
        assert_eq!(v.accounts.len(), DECK.len());
        assert_eq!(SimConfig::demo_fleet(32).validate().unwrap().terminals.len(), 33);
    }

    #[test]
    fn minimal_json_takes_defaults() {
        let c = SimConfig::from_json(&one_terminal(provision::DEMO_TMK_HEX)).unwrap();
        assert_eq!(c.limits.per_transaction, 5_000_000);
        assert_eq!(c.timeouts.idle_ms, 300_000);
        assert_eq!(c.terminals[0].mac, MacAlgorithm::UnionPayEcb);
        assert_eq!(c.terminals[0].key_mode, None);
    }

    #[test]
    fn typed_errors_with_clear_messages() {
        let e = SimConfig::from_json(&one_terminal("XYZ")).unwrap_err();
        assert_eq!(e, ConfigError::BadHex { tid: "10000001".into() });
        let e = SimConfig::from_json(&one_terminal("0123456789")).unwrap_err();
        assert_eq!(e, ConfigError::BadKeyLength { tid: "10000001".into(), len: 5 });
        assert!(e.to_string().contains("5 bytes"));
        let mut c = SimConfig::demo();
        c.terminals.push(c.terminals[0].clone());
        assert_eq!(c.validate().unwrap_err(), ConfigError::DuplicateTid { tid: provision::DEMO_TID.into() });
        let e = SimConfig::from_json(r#"{"terminals":[{"tid":"1","mid":"898310048990001","tmk":"00"}]}"#);
        assert_eq!(e.unwrap_err(), ConfigError::BadTid { tid: "1".into() });
        let e = SimConfig::from_json(
            r#"{"terminals":[{"tid":"10000001","mid":"898310048990001","tmk":"00","key_mode":"005"}]}"#,
        );
        assert!(matches!(e, Err(ConfigError::Json(m)) if m.contains("005")));
        let mut c = SimConfig::demo();
        c.admin_listen = Some("0.0.0.0:9000".into());
        assert!(matches!(c.validate(), Err(ConfigError::AdminNotLoopback(_))));
        let mut c = SimConfig::demo();
        c.accounts.push(c.all_accounts()[0].clone());
        let e = c.validate().unwrap_err();
        assert_eq!(e, ConfigError::DuplicateAccount { pan: "622848*********0018".into() });
    }

    #[test]
    fn readme_example_is_the_defaults() {
        let readme = include_str!("../README.md");
        let json = readme.split("```json").nth(1).and_then(|s| s.split("```").next()).unwrap();
        let c = SimConfig::from_json(json).unwrap();
        let mut demo = SimConfig::demo();
        demo.accounts = c.accounts.clone();
        assert_eq!(c, demo, "the README shows the defaults");
    }

    #[test]
    fn the_admin_port_follows_the_listen_port() {
        let admin = |listen: &str| SimConfig::demo().listening_on(listen).default_admin();
        assert_eq!(SimConfig::demo().default_admin().as_deref(), Some("127.0.0.1:8584"));
        assert_eq!(admin("127.0.0.1:9000").as_deref(), Some("127.0.0.1:9001"));
        assert_eq!(admin("127.0.0.1:0").as_deref(), Some("127.0.0.1:0"), "a free port beside a free port");
        assert_eq!(admin("0.0.0.0:65535").as_deref(), Some("127.0.0.1:0"));
        assert_eq!(admin("localhost:8583"), None, "not an address: validate says so");
    }

    #[test]
    fn account_debug_hides_pan_and_pin() {
        let a = &SimConfig::demo().all_accounts()[0];
        let shown = format!("{a:?}");
        assert!(!shown.contains(&a.pan) && !shown.contains("123456"), "{shown}");
    }
}
