//! The terminal parameters in force (终端参数, downloaded from the acquirer's terminal
//! management), read-only, as the settings screen shows them.

use crate::error::PosError;
use crate::terminal::Terminal;

/// Offline limits as the acquirer set them (minor units, hours).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OfflineParameters {
    /// Offline approval on.
    pub enabled: bool,
    /// Largest offline payment, minor units.
    pub per_payment_minor: i64,
    /// Largest stored total, minor units.
    pub total_minor: i64,
    /// Most stored payments.
    pub count: u32,
    /// Oldest a stored payment may get, hours.
    pub max_age_hours: u32,
    /// Offline payments per card a day.
    pub per_card_per_day: u32,
}

/// The downloaded terminal parameters in force (what was provisioned applies where absent).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TerminalParameters {
    /// The document's version.
    pub version: u64,
    /// When it was applied (the terminal's clock).
    pub applied_at: String,
    /// The wait for an answer, seconds.
    pub response_timeout_secs: Option<u32>,
    /// Tries per reversal.
    pub retries: Option<u32>,
    /// The merchant's name for slips.
    pub merchant_name: Option<String>,
    /// Lines printed under the title of every slip.
    pub header_lines: Vec<String>,
    /// Offline limits.
    pub offline: Option<OfflineParameters>,
    /// Whether the document carries a risk policy.
    pub has_risk_policy: bool,
    /// The acquirer's `host:port`.
    pub host: Option<String>,
    /// Whether the document names the next TLS CA.
    pub has_next_ca: bool,
}

#[uniffi::export]
impl Terminal {
    /// The terminal parameters in force; `None` before the first download.
    pub fn parameters(&self) -> Result<Option<TerminalParameters>, PosError> {
        let minor = |m: u64| i64::try_from(m).unwrap_or(i64::MAX);
        Ok(self.core().parameters()?.map(|(p, applied_at)| TerminalParameters {
            version: p.version,
            applied_at,
            response_timeout_secs: p.response_timeout_secs,
            retries: p.retries,
            merchant_name: p.merchant_name,
            header_lines: p.header_lines,
            offline: p.offline.map(|o| OfflineParameters {
                enabled: o.enabled,
                per_payment_minor: minor(o.per_payment_minor),
                total_minor: minor(o.total_minor),
                count: o.count,
                max_age_hours: o.max_age_hours,
                per_card_per_day: o.per_card_per_day,
            }),
            has_risk_policy: p.risk_policy.is_some(),
            host: p.host,
            has_next_ca: p.next_ca_pem.is_some(),
        }))
    }
}

/// What one terminal-management download did (终端管理下载).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DownloadSummary {
    /// `parameters`, `capk` (CA public keys), `aid` (IC parameters) or `blacklist`.
    pub kind: String,
    /// Entries in force now (for the parameters: the version in force).
    pub entries: u64,
    /// An interrupted download this one resumed (its index; 0: not resumed).
    pub resumed_at: u32,
}

#[uniffi::export(async_runtime = "tokio")]
impl Terminal {
    /// Downloads everything the acquirer manages: the terminal parameters (applied at the next
    /// start), the CA public keys, the IC parameters and the card blacklist (incrementally
    /// after the first time), in that order; stops at the first that fails, keeping what each
    /// finished one applied and what an interrupted one staged (the next call resumes it).
    pub async fn download_terminal_management(&self) -> Result<Vec<DownloadSummary>, PosError> {
        let t = self.core();
        crate::runtime::run(async move {
            let params = t.download_parameters().await?;
            let mut done = vec![DownloadSummary {
                kind: "parameters".into(),
                entries: params.version,
                resumed_at: params.resumed_at,
            }];
            for report in
                [t.download_public_keys().await?, t.download_ic_parameters().await?, t.download_blacklist(false).await?]
            {
                done.push(DownloadSummary {
                    kind: report.kind.as_str().into(),
                    entries: report.entries,
                    resumed_at: report.resumed_at,
                });
            }
            Ok(done)
        })
        .await
    }
}
