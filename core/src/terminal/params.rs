//! The terminal parameters (终端参数, 60.3 360) and the status upload (362): the host's document
//! downloaded page by page (each page durable, a cut download resumes), checked whole, never
//! older than the one in force, kept in the journal and applied when the terminal opens: the
//! merchant's name and slip header lines, offline limits, the answer timeout, reversal tries,
//! the acquirer's address and the next TLS CA. The risk policy in it is installed at once.

use std::time::Duration;

use crate::acquirer::{TlsTrust, Transport};
use crate::error::Error;
use crate::iso8583::Management;
use crate::money::Amount;
use crate::offline::OfflineLimits;
use crate::tms::params::{self, TerminalParams, MAX_DOCUMENT};
use crate::tms::TmsError;

use super::{Terminal, TerminalConfig};

/// Pages one download asks for at most (64 KiB in pages of 500 bytes is 132).
const MAX_PAGES: u16 = 200;

/// What a parameter download did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamsReport {
    /// The version downloaded.
    pub version: u64,
    /// Whether it is now in force (`false`: the one in force was already as new).
    pub applied: bool,
    /// Pages the document took.
    pub pages: u32,
    /// The page an interrupted download resumed at (0: not resumed).
    pub resumed_at: u32,
}

impl Terminal {
    /// Uploads the terminal's status (0820/362: its devices and the parameter version in force),
    /// then downloads the terminal parameters (0800/360, page by page) and keeps them if they
    /// read whole and are not older than the ones in force. They apply from the terminal's next
    /// open (the CLI opens for each command; the app reopens after a download); a risk policy
    /// in them is installed now.
    pub async fn download_parameters(&self) -> Result<ParamsReport, Error> {
        self.owner("download the terminal parameters")?;
        let in_force = self.db(|s| s.terminal_params())?.map_or(0, |p| p.version);
        self.manage(Management::StatusUpload(params::status_list(true, true, in_force))).await?;
        let mut pages = self.db(|s| s.param_pages())?;
        let resumed_at = u32::try_from(pages.len()).unwrap_or(u32::MAX);
        let mut complete = false;
        while let Ok(page) = u16::try_from(pages.len()) {
            if page >= MAX_PAGES {
                break;
            }
            let resp = self.manage(Management::ParameterDownload { page }).await?;
            let f62 = resp.key_block.unwrap_or_default();
            let (last, content) = match f62.split_first() {
                Some((b'1', rest)) => (true, rest),
                Some((b'2', rest)) if !rest.is_empty() => (false, rest),
                _ => return Err(bad("a page without its flag")),
            };
            if pages.iter().map(Vec::len).sum::<usize>() + content.len() > MAX_DOCUMENT {
                self.db(|s| s.param_stage_clear())?;
                return Err(bad("a document longer than this terminal takes"));
            }
            self.db(|s| s.param_stage_page(page, content))?;
            pages.push(content.to_vec());
            if last {
                complete = true;
                break;
            }
        }
        if !complete {
            self.db(|s| s.param_stage_clear())?;
            return Err(bad("more pages than this terminal takes"));
        }
        let document = pages.concat();
        // A document that does not read whole is dropped: the next try starts from its first page.
        let checked = TerminalParams::parse(&document).map_err(Error::from).and_then(|p| {
            if let Some(json) = &p.risk_policy {
                crate::risk::RiskPolicy::from_json(json).map_err(Error::from)?;
            }
            if p.version < in_force {
                return Err(Error::from(TmsError::OutOfRange {
                    what: "terminal parameters",
                    detail: format!("version {} is older than {in_force} in force", p.version),
                }));
            }
            Ok(p)
        });
        let parsed = match checked {
            Ok(p) => p,
            Err(e) => {
                self.db(|s| s.param_stage_clear())?;
                return Err(e);
            }
        };
        let now = self.clock.now().to_string();
        let applied = self.db(|s| s.param_commit(parsed.version, &document, &now))?;
        if applied {
            if let Some(json) = &parsed.risk_policy {
                // Not older than the policy in force: a policy pushed since stays.
                if let Err(e) = self.set_risk_policy(json) {
                    tracing::warn!(error = %e, "the parameters' risk policy was not installed");
                }
            }
        }
        tracing::info!(
            version = parsed.version,
            applied,
            pages = pages.len(),
            resumed_at,
            "terminal parameters downloaded"
        );
        Ok(ParamsReport { version: parsed.version, applied, pages: pages.len() as u32, resumed_at })
    }

    /// The terminal parameters in force (none before the first download).
    pub fn parameters(&self) -> Result<Option<(TerminalParams, String)>, Error> {
        match self.store.terminal_params()? {
            None => Ok(None),
            Some(s) => Ok(Some((TerminalParams::parse(&s.document)?, s.applied_at))),
        }
    }
}

/// `config` with the parameters stored in `store` applied (the provisioned ones when none are,
/// or when they do not read: logged, never a terminal that cannot open).
pub(super) fn with_stored(config: TerminalConfig, store: &crate::store::Store) -> Result<TerminalConfig, Error> {
    let stored = store.terminal_params().unwrap_or_else(|e| {
        // A read-only view of a journal an older build still owns has no parameter table yet.
        tracing::warn!(error = %e, "the stored terminal parameters cannot be read: the provisioned ones apply");
        None
    });
    Ok(match stored {
        Some(p) => match TerminalParams::parse(&p.document) {
            Ok(params) => config.with_parameters(&params),
            Err(e) => {
                tracing::error!(error = %e, "the stored terminal parameters do not read: the provisioned ones apply");
                config
            }
        },
        None => config,
    })
}

fn bad(what: &str) -> Error {
    Error::from(TmsError::Malformed { what: "terminal parameters", detail: what.to_owned() })
}

impl TerminalConfig {
    /// This configuration with the acquirer's parameters applied over what was provisioned.
    pub fn with_parameters(mut self, p: &TerminalParams) -> TerminalConfig {
        if let Some(name) = &p.merchant_name {
            self.merchant_name = name.clone();
        }
        if !p.header_lines.is_empty() {
            self.header_lines = p.header_lines.clone();
        }
        if let Some(secs) = p.response_timeout_secs {
            self.response_timeout = Duration::from_secs(u64::from(secs));
        }
        if let Some(n) = p.retries {
            self.reversal.sends_per_attempt = n;
        }
        if let Some(o) = &p.offline {
            let amount = |minor| Amount::from_minor(minor, self.currency).ok();
            if let (Some(per_payment), Some(total)) = (amount(o.per_payment_minor), amount(o.total_minor)) {
                self.offline = OfflineLimits {
                    enabled: o.enabled,
                    per_payment,
                    total,
                    count: o.count,
                    max_age: Duration::from_secs(u64::from(o.max_age_hours) * 3600),
                    per_card_per_day: o.per_card_per_day,
                    ..self.offline
                };
            }
        }
        if let Some(host) = &p.host {
            self.host = host.clone();
        }
        if let (Some(next), Transport::Tls { trust: TlsTrust::Pinned(pem), .. }) = (&p.next_ca_pem, &mut self.transport)
        {
            // The pin's rotation: the next CA is trusted beside the provisioned one.
            if !pem.contains(next.trim()) {
                pem.push('\n');
                pem.push_str(next.trim());
                pem.push('\n');
            }
        }
        self
    }
}
