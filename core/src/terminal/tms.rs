//! Terminal management downloads (`docs/terminal-management.md`): CA public keys, IC parameters
//! and the card blacklist, each staged entry by entry and applied in one transaction when the
//! host answers the end message; an interrupted download resumes where it stopped. The
//! blacklist's entries are fingerprinted by the reader as each page arrives: the phone never
//! holds the key, and keeps no card number.
//!
//! Every answer is checked against its request before anything of it is kept: a key must be
//! the key asked for and pass its check sum, an AID the AID asked for, a page must start where
//! it was asked to.

use crate::error::Error;
use crate::i18n::Bilingual;
use crate::iso8583::{AdminKind, AdminResponse, Management, ProcessingRequirement};
use crate::reader::FINGERPRINT_BATCH;
use crate::store::{TmsItem, TmsKind, TmsState};
use crate::tms::aid::{self, IcParams};
use crate::tms::blacklist::{self, Blacklist, IndexWidth, PageFlag};
use crate::tms::capk::{self, CaPublicKey};
use crate::tms::TmsError;

use super::Terminal;
use crate::error::TerminalError;
use std::sync::Arc;

/// Settings marking a download the host asked for.
const DUE_CAPK: &str = "tms.due.capk";
const DUE_AID: &str = "tms.due.aid";
const DUE_BLACKLIST: &str = "tms.due.blacklist";
const DUE_PARAMS: &str = "tms.due.params";

/// Blacklist pages one download asks for at most (a million entries of 16 digits is about
/// 36,000 pages of 512 bytes).
const MAX_BLACKLIST_PAGES: u32 = 100_000;

/// The host's answer to a blacklist page asked from an index it no longer has (its list was
/// rebuilt): `25`, "unable to locate the record" (our convention, docs/terminal-management.md).
const STALE_INDEX: &str = "25";

/// What a download did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadReport {
    /// What was downloaded.
    pub kind: TmsKind,
    /// Entries in force now.
    pub entries: u64,
    /// The host's index the download asked from first: 0 in full, above 0 an incremental
    /// blacklist download continuing after the entries in force.
    pub from: u32,
    /// The index an interrupted download resumed at (0: not resumed).
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

    /// Downloads the card blacklist (0800/390 page by page, then 0800/391): in full the first
    /// time, when `full`, or when the host asked for it (processing requirement 7); otherwise
    /// incrementally, from the host's index after the last entry in force, adding to the list.
    /// Each page must start where it was asked to; its entries are fingerprinted by the reader
    /// and staged with the index to resume at, and the end message applies them in one
    /// transaction.
    pub async fn download_blacklist(&self, full: bool) -> Result<DownloadReport, Error> {
        self.owner("download the card blacklist")?;
        let state = self.db(|s| s.tms_state(TmsKind::Blacklist))?;
        // The host's request (requirement 7) does not say which entries changed: continue from
        // the last index held; a host whose list was rebuilt answers that with `25`.
        let full = full || state.applied_at.is_none();
        let from = if full { 0 } else { state.host_next };
        let now = self.clock.now().to_string();
        let mut start = self.db(|s| s.tms_stage_begin_from(TmsKind::Blacklist, &now, from, !full))?;
        let mut next = start;
        let mut complete = false;
        let mut restarted = false;
        for _ in 0..MAX_BLACKLIST_PAGES {
            let request = Management::BlacklistPage(blacklist::page_request(next, IndexWidth::Wide));
            let (resp, _) = self.admin(AdminKind::Management(request), None).await?;
            if resp.response_code.as_str() == STALE_INDEX && next > 0 && !restarted {
                restarted = true;
                // The host rebuilt its list since our last download: the indexes we hold mean
                // nothing now. Start again from 0, replacing the list (staged pages dropped).
                tracing::info!(next, "the host's blacklist was rebuilt: downloading it in full");
                self.db(|s| s.tms_stage_abandon(TmsKind::Blacklist))?;
                start = self.db(|s| s.tms_stage_begin_from(TmsKind::Blacklist, &now, 0, false))?;
                next = start;
                continue;
            }
            let resp = approved(resp)?;
            let page = blacklist::parse_page(resp.key_block.as_deref().unwrap_or_default(), IndexWidth::Wide)?;
            if page.flag == PageFlag::Nothing {
                complete = true;
                break;
            }
            let n = u32::try_from(page.entries.len()).unwrap_or(u32::MAX);
            if n == 0 || page.last_index.checked_sub(n - 1) != Some(next) {
                return Err(unmatched("a blacklist page that does not start where it was asked to"));
            }
            let lengths = blacklist::lengths_of(page.entries.iter().map(String::as_str))
                .ok_or_else(|| unmatched("a blacklist entry that is not 1-19 digits"))?;
            let mut items = Vec::with_capacity(page.entries.len());
            for chunk in page.entries.chunks(FINGERPRINT_BATCH) {
                let fps = self.reader.fingerprint_entries(chunk).await.map_err(|e| self.note_reader_error(e))?;
                items.extend(fps.iter().map(|fp| TmsItem { key: fp.to_vec(), value: Vec::new() }));
            }
            if u64::from(page.last_index) >= blacklist::MAX_ENTRIES as u64 {
                return Err(unmatched("a blacklist longer than this terminal takes"));
            }
            next = page.last_index.saturating_add(1);
            self.db(|s| s.tms_stage_page(TmsKind::Blacklist, &items, next, lengths))?;
            if page.flag == PageFlag::Last {
                complete = true;
                break;
            }
        }
        if !complete {
            return Err(unmatched("a blacklist longer than this terminal takes"));
        }
        let resumed_at = if start > from { start } else { 0 };
        let mut report = self.finish_download(TmsKind::Blacklist, Management::BlacklistEnd, resumed_at, 0).await?;
        report.from = if start == 0 { 0 } else { from };
        self.db(|s| s.remove_setting(DUE_BLACKLIST))?;
        *lock(&self.blacklist) = None;
        Ok(report)
    }

    /// The blacklist's entry lengths (bit `n`: `n` digits): the prefixes a card must be
    /// fingerprinted at to be looked up ([`crate::tms::blacklist::prefix_fingerprints`]).
    pub fn blacklist_lengths(&self) -> Result<u32, Error> {
        Ok(self.blacklist()?.lengths())
    }

    /// Whether a card whose prefix fingerprints (at [`Terminal::blacklist_lengths`]) are
    /// `prefixes` is on the blacklist in force. Read-only: nothing is journaled.
    pub fn blacklisted(&self, prefixes: &[blacklist::EntryFingerprint]) -> Result<bool, Error> {
        Ok(self.blacklist()?.contains_any(prefixes))
    }

    /// The blacklist in force (loaded from the journal at its first use).
    pub(super) fn blacklist(&self) -> Result<Arc<Blacklist>, TerminalError> {
        if let Some(list) = lock(&self.blacklist).as_ref() {
            return Ok(list.clone());
        }
        let (lengths, entries) = self.db(|s| s.tms_blacklist())?;
        let list = Arc::new(Blacklist::from_parts(lengths, entries));
        *lock(&self.blacklist) = Some(list.clone());
        Ok(list)
    }

    /// Remembers what the host asked for in an answer's header (`4` new CA public keys, `5` new
    /// IC parameters), for [`Terminal::run_due_downloads`]. The header is not MACed: a forged
    /// request can only cause a download, whose content is verified anyway.
    pub(super) fn note_requirement(&self, r: ProcessingRequirement) {
        let key = match r {
            ProcessingRequirement::UpdatePublicKeys => DUE_CAPK,
            ProcessingRequirement::DownloadIcParameters => DUE_AID,
            ProcessingRequirement::DownloadBlacklist => DUE_BLACKLIST,
            ProcessingRequirement::DownloadParameters => DUE_PARAMS,
            _ => return,
        };
        if let Err(e) = self.db(|s| s.set_setting(key, "1")) {
            tracing::warn!(error = %e, key, "could not note the host's download request");
        } else {
            tracing::info!(?r, "the host asks for a download");
        }
    }

    /// Whether the host asked for the terminal parameters (requirement 1) or a download of them
    /// was cut off.
    pub fn parameters_due(&self) -> Result<bool, Error> {
        Ok(self.store.setting(DUE_PARAMS)?.is_some() || !self.store.param_pages()?.is_empty())
    }

    /// The downloads the host asked for and that have not run since (or were cut off).
    pub fn downloads_due(&self) -> Result<Vec<TmsKind>, Error> {
        let mut due = Vec::new();
        for (key, kind) in [(DUE_CAPK, TmsKind::Capk), (DUE_AID, TmsKind::Aid), (DUE_BLACKLIST, TmsKind::Blacklist)] {
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
        if self.parameters_due()? {
            let report = self.download_parameters().await?;
            self.db(|s| s.remove_setting(DUE_PARAMS))?;
            tracing::info!(version = report.version, applied = report.applied, "due parameter download done");
        }
        let mut done = Vec::new();
        for kind in self.downloads_due()? {
            let (report, key) = match kind {
                TmsKind::Capk => (self.download_public_keys().await?, DUE_CAPK),
                TmsKind::Aid => (self.download_ic_parameters().await?, DUE_AID),
                TmsKind::Blacklist => (self.download_blacklist(false).await?, DUE_BLACKLIST),
            };
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

    /// Hands the reader the CA public keys and IC parameters in force, unless it holds them
    /// already. A failure is logged, not raised: the read goes on, and a chip card the reader
    /// could not authenticate is then refused offline (never approved on trust).
    pub(super) async fn load_chip_parameters(&self) {
        use std::sync::atomic::Ordering;
        if self.chip_loaded.load(Ordering::SeqCst) {
            return;
        }
        let (keys, aids) = match (self.public_keys(), self.ic_parameters()) {
            (Ok(k), Ok(a)) => (k, a),
            (Err(e), _) | (_, Err(e)) => {
                tracing::warn!(error = %e, "the chip parameters could not be read from the store");
                return;
            }
        };
        if keys.is_empty() && aids.is_empty() {
            // Nothing downloaded yet: the reader has nothing to authenticate with.
            self.chip_loaded.store(true, Ordering::SeqCst);
            return;
        }
        match self.reader.load_chip_parameters(&keys, &aids).await {
            Ok(held) => {
                tracing::info!(keys = held.keys, aids = held.aids, "the reader holds the chip parameters");
                self.chip_loaded.store(true, Ordering::SeqCst);
            }
            Err(e) => tracing::warn!(error = %e, "the reader did not take the chip parameters"),
        }
    }

    /// After a sign-in: a terminal that holds no CA public keys fetches them and the IC
    /// parameters now (as UnionPay terminals do after their first sign-in), so that chip cards
    /// can be authenticated offline. A failure leaves both due for the next sync; the sign-in
    /// stands.
    pub(super) async fn first_chip_downloads(&self) {
        let held = self.store.tms_state(TmsKind::Capk).map(|s| s.applied_at.is_some());
        if !matches!(held, Ok(false)) {
            return;
        }
        for (key, kind) in [(DUE_CAPK, TmsKind::Capk), (DUE_AID, TmsKind::Aid)] {
            let done = match kind {
                TmsKind::Capk => self.download_public_keys().await.map(|_| ()),
                _ => self.download_ic_parameters().await.map(|_| ()),
            };
            match done {
                Ok(()) => {
                    let _ = self.db(|s| s.remove_setting(key));
                }
                Err(e) => {
                    tracing::warn!(error = %e, kind = kind.as_str(), "first download after sign-in failed: due");
                    let _ = self.db(|s| s.set_setting(key, "1"));
                    return;
                }
            }
        }
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
        if matches!(kind, TmsKind::Capk | TmsKind::Aid) {
            // The reader gets the new set before its next card read.
            self.chip_loaded.store(false, std::sync::atomic::Ordering::SeqCst);
        }
        Ok(DownloadReport {
            kind,
            from: 0,
            entries: state.entries,
            resumed_at,
            skipped,
            digest: state.digest.map(hex::encode_upper).unwrap_or_default(),
        })
    }

    /// One management exchange; anything but an approval ends the download (staged pages kept).
    pub(super) async fn manage(&self, m: Management) -> Result<AdminResponse, Error> {
        let (resp, _) = self.admin(AdminKind::Management(m), None).await?;
        approved(resp)
    }
}

/// The answer when approved; otherwise the download ends (staged pages kept).
fn approved(resp: AdminResponse) -> Result<AdminResponse, Error> {
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

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
