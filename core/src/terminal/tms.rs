//! Terminal management downloads (`docs/terminal-management.md`): CA public keys and IC
//! parameters, each staged entry by entry and applied in one transaction when the host answers
//! the end message; an interrupted download resumes where it stopped. (The blacklist waits for
//! the reader to fingerprint its entries: the phone never holds the key or the card number.)
//!
//! Every answer is checked against its request before anything of it is kept: a key must be
//! the key asked for and pass its check sum, an AID the AID asked for, a page must start where
//! it was asked to.

use crate::error::Error;
use crate::i18n::Bilingual;
use crate::iso8583::{AdminKind, AdminResponse, Management, ProcessingRequirement};
use crate::store::{TmsItem, TmsKind, TmsState};
use crate::tms::aid::{self, IcParams};
use crate::tms::capk::{self, CaPublicKey};
use crate::tms::TmsError;

use super::Terminal;

/// Settings marking a download the host asked for.
const DUE_CAPK: &str = "tms.due.capk";
const DUE_AID: &str = "tms.due.aid";

/// What a download did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadReport {
    /// What was downloaded.
    pub kind: TmsKind,
    /// Entries in force now.
    pub entries: u64,
    /// The index the download started at (above 0: an interrupted one resumed).
    pub resumed_at: u32,
    /// Entries the host listed but did not have (answered `0`), skipped.
    pub skipped: u32,
    /// SHA-256 of the entries in force, hex (what `pos params show` prints).
    pub digest: String,
}

impl Terminal {
    /// Downloads the CA public keys: the host's list (0820/372), each key (0800/370, verified
    /// by its check sum and bound to the key asked for), then the end message (0800/371),
    /// whose answer applies them in one transaction.
    pub async fn download_public_keys(&self) -> Result<DownloadReport, Error> {
        self.owner("download the CA public keys")?;
        let start = self.db(|s| s.tms_stage_begin(TmsKind::Capk, &self.clock.now().to_string()))?;
        let listed = self.list(|held| Management::CapkQuery { held }, capk::parse_key_list).await?;
        let mut skipped = 0;
        for (i, entry) in listed.iter().enumerate().skip(start as usize) {
            let resp = self.manage(Management::CapkDownload(capk::key_request(&entry.id))).await?;
            let next = i as u32 + 1;
            let items = match flagged(&resp)? {
                Some(tlv) => {
                    let key = CaPublicKey::from_tlv(tlv)?;
                    if key.id != entry.id {
                        return Err(unmatched("a different CA public key than the one asked for"));
                    }
                    let id = [key.id.rid.as_slice(), &[key.id.index]].concat();
                    vec![TmsItem { key: id, value: key.to_tlv() }]
                }
                None => {
                    skipped += 1;
                    Vec::new()
                }
            };
            self.db(|s| s.tms_stage_page(TmsKind::Capk, &items, next, 0))?;
        }
        self.finish_download(TmsKind::Capk, Management::CapkEnd, start, skipped).await
    }

    /// Downloads the IC parameters: the host's AID list (0820/382), each application's
    /// parameters (0800/380, bound to the AID asked for), then the end message (0800/381).
    pub async fn download_ic_parameters(&self) -> Result<DownloadReport, Error> {
        self.owner("download the IC parameters")?;
        let start = self.db(|s| s.tms_stage_begin(TmsKind::Aid, &self.clock.now().to_string()))?;
        let listed = self.list(|held| Management::AidQuery { held }, aid::parse_aid_list).await?;
        let mut skipped = 0;
        for (i, wanted) in listed.iter().enumerate().skip(start as usize) {
            let resp = self.manage(Management::AidDownload(aid::encode_aid_list(std::slice::from_ref(wanted)))).await?;
            let items = match flagged(&resp)? {
                Some(tlv) => {
                    let params = IcParams::from_tlv(tlv)?;
                    if &params.aid != wanted {
                        return Err(unmatched("the parameters of a different application than the one asked for"));
                    }
                    vec![TmsItem { key: params.aid.clone(), value: params.to_tlv() }]
                }
                None => {
                    skipped += 1;
                    Vec::new()
                }
            };
            self.db(|s| s.tms_stage_page(TmsKind::Aid, &items, i as u32 + 1, 0))?;
        }
        self.finish_download(TmsKind::Aid, Management::AidEnd, start, skipped).await
    }

    /// Remembers what the host asked for in an answer's header (`4` new CA public keys, `5` new
    /// IC parameters), for [`Terminal::run_due_downloads`]. The header is not MACed: a forged
    /// request can only cause a download, whose content is verified anyway.
    pub(super) fn note_requirement(&self, r: ProcessingRequirement) {
        let key = match r {
            ProcessingRequirement::UpdatePublicKeys => DUE_CAPK,
            ProcessingRequirement::DownloadIcParameters => DUE_AID,
            _ => return,
        };
        if let Err(e) = self.db(|s| s.set_setting(key, "1")) {
            tracing::warn!(error = %e, key, "could not note the host's download request");
        } else {
            tracing::info!(?r, "the host asks for a download");
        }
    }

    /// The downloads the host asked for and that have not run since (or were cut off).
    pub fn downloads_due(&self) -> Result<Vec<TmsKind>, Error> {
        let mut due = Vec::new();
        for (key, kind) in [(DUE_CAPK, TmsKind::Capk), (DUE_AID, TmsKind::Aid)] {
            let asked = self.store.setting(key)?.is_some();
            let unfinished = self.store.tms_state(kind)?.staging_next.is_some();
            if asked || unfinished {
                due.push(kind);
            }
        }
        Ok(due)
    }

    /// Runs the downloads that are due (see [`Terminal::downloads_due`]), each done once; one
    /// that fails stays due and the next call resumes it. Returns what ran.
    pub async fn run_due_downloads(&self) -> Result<Vec<DownloadReport>, Error> {
        let mut done = Vec::new();
        for kind in self.downloads_due()? {
            let report = match kind {
                TmsKind::Capk => self.download_public_keys().await?,
                TmsKind::Aid => self.download_ic_parameters().await?,
                TmsKind::Blacklist => continue,
            };
            let key = if kind == TmsKind::Capk { DUE_CAPK } else { DUE_AID };
            self.db(|s| s.remove_setting(key))?;
            done.push(report);
        }
        Ok(done)
    }

    /// Where each download stands (entries in force, when, digest, an unfinished one).
    pub fn downloads(&self) -> Result<Vec<(TmsKind, TmsState)>, Error> {
        [TmsKind::Capk, TmsKind::Aid, TmsKind::Blacklist]
            .into_iter()
            .map(|k| Ok((k, self.store.tms_state(k)?)))
            .collect()
    }

    /// The CA public keys in force.
    pub fn public_keys(&self) -> Result<Vec<CaPublicKey>, Error> {
        let items = self.store.tms_items(TmsKind::Capk)?;
        Ok(items.iter().map(|i| CaPublicKey::from_tlv(&i.value)).collect::<Result<_, _>>()?)
    }

    /// The IC parameters in force.
    pub fn ic_parameters(&self) -> Result<Vec<IcParams>, Error> {
        let items = self.store.tms_items(TmsKind::Aid)?;
        Ok(items.iter().map(|i| IcParams::from_tlv(&i.value)).collect::<Result<_, _>>()?)
    }

    /// The host's list, queried until it says it is complete.
    async fn list<T>(
        &self,
        query: impl Fn(u8) -> Management,
        parse: impl Fn(&[u8]) -> Result<Vec<T>, TmsError>,
    ) -> Result<Vec<T>, Error> {
        let mut listed: Vec<T> = Vec::new();
        for _ in 0..8 {
            let held = u8::try_from(listed.len()).unwrap_or(u8::MAX).min(99);
            let resp = self.manage(query(held)).await?;
            let f62 = resp.key_block.clone().unwrap_or_default();
            let (flag, rest) = match f62.split_first() {
                Some((f, rest)) => (*f, rest),
                None => (b'0', &[][..]),
            };
            match flag {
                b'0' => break,
                b'1' | b'3' => {
                    listed.extend(parse(rest)?);
                    break;
                }
                b'2' => {
                    let part = parse(rest)?;
                    if part.is_empty() {
                        return Err(unmatched("a list part said more follows but held nothing"));
                    }
                    listed.extend(part);
                }
                _ => return Err(unmatched("a list answer with an unknown flag")),
            }
        }
        Ok(listed)
    }

    /// The end message, and on its approval the staged entries go live in one transaction.
    async fn finish_download(
        &self,
        kind: TmsKind,
        end: Management,
        resumed_at: u32,
        skipped: u32,
    ) -> Result<DownloadReport, Error> {
        self.manage(end).await?;
        let now = self.clock.now().to_string();
        let state = self
            .db(|s| s.tms_stage_commit(kind, &now))?
            .ok_or_else(|| unmatched("the download was abandoned meanwhile"))?;
        tracing::info!(kind = kind.as_str(), entries = state.entries, resumed_at, skipped, "download applied");
        Ok(DownloadReport {
            kind,
            entries: state.entries,
            resumed_at,
            skipped,
            digest: state.digest.map(hex::encode_upper).unwrap_or_default(),
        })
    }

    /// One management exchange; anything but an approval ends the download (staged pages kept).
    async fn manage(&self, m: Management) -> Result<AdminResponse, Error> {
        let (resp, _) = self.admin(AdminKind::Management(m), None).await?;
        if !resp.response_code.is_approved() {
            return Err(Error::invalid_input(
                format!("收单机构拒绝下载（{}），已下载的部分保留，稍后重试", resp.response_code.zh()),
                format!(
                    "the acquirer refused the download ({}); what arrived is kept for the next try",
                    resp.response_code.en()
                ),
            ));
        }
        Ok(resp)
    }
}

/// The TLV after a download answer's flag: `Some` for `1`, `None` for `0` (no such entry).
fn flagged(resp: &AdminResponse) -> Result<Option<&[u8]>, Error> {
    match resp.key_block.as_deref().and_then(<[u8]>::split_first) {
        Some((b'1', tlv)) => Ok(Some(tlv)),
        Some((b'0', _)) | None => Ok(None),
        Some(_) => Err(unmatched("a download answer with an unknown flag")),
    }
}

fn unmatched(what: &str) -> Error {
    Error::from(TmsError::Malformed { what: "download", detail: what.to_owned() })
}
