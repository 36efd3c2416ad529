//! Terminal management at the host (`docs/terminal-management.md`): the CA public key and IC
//! parameter lists and downloads (372/370/371, 382/380/381) and the blacklist pages (390/391),
//! served from the configuration ([`crate::config::TmsConfig`]).
//!
//! The content is served as configured, without checking it: a test may configure a key with a
//! wrong check sum to see the terminal refuse it. Lists and pages are cut to fit field 62
//! (LLLVAR, 512 bytes in this profile) and continued with flag `2`.

use pos_core::card::{parse_tlv, Tag};
use pos_core::iso8583::Management;
use pos_core::tms::blacklist::{self, BlacklistPage, PageFlag};
use pos_core::tms::capk;

/// Field 62's largest value in this profile.
const FIELD62_MAX: usize = 512;

/// What the host serves, read from the configuration once.
#[derive(Debug, Clone, Default)]
pub(crate) struct TmsContent {
    /// Each key's TLV as configured, with its RID and index (for the list and lookups).
    pub capks: Vec<(Vec<u8>, u8, Vec<u8>)>,
    /// Each AID's TLV as configured, with its AID.
    pub aids: Vec<(Vec<u8>, Vec<u8>)>,
    /// Card number prefixes (digits).
    pub blacklist: Vec<String>,
    /// Counts the blacklist's rebuilds (a change other than entries added at the end): an
    /// incremental download is only valid within one generation.
    pub blacklist_generation: u64,
    /// A test fault: the page that starts at this index is sent with a damaged entry.
    pub corrupt_page_at: Option<u32>,
    /// The terminal parameter document (all pages), if served.
    pub params: Option<Vec<u8>>,
}

impl TmsContent {
    /// Whether `pan` begins with a listed prefix.
    pub(crate) fn lists(&self, pan: &str) -> bool {
        self.blacklist.iter().any(|p| pan.starts_with(p.as_str()))
    }
}

/// Reads one configured TLV: the value of `tag` (RID or AID).
pub(crate) fn tag_value(tlv: &[u8], tag: u32) -> Option<Vec<u8>> {
    let objects = parse_tlv(tlv).ok()?;
    pos_core::card::find(&objects, Tag(tag)).and_then(|o| o.bytes()).map(<[u8]>::to_vec)
}

/// Field 62 of the answer to a management request, and the response code. `blacklist_current`:
/// the terminal's last blacklist download is of the current generation (else a request to
/// continue from an index above 0 is answered `25`, "no such record": start again from 0).
pub(crate) fn answer(content: &TmsContent, m: &Management, blacklist_current: bool) -> (&'static str, Option<Vec<u8>>) {
    match m {
        Management::CapkQuery { held } => {
            let entries: Vec<Vec<u8>> = content
                .capks
                .iter()
                .map(|(tlv, _, _)| {
                    let expiry = tag_value(tlv, 0xDF05).unwrap_or_else(|| b"20991231".to_vec());
                    let mut e = tag_tlv(0x9F06, &tag_value(tlv, 0x9F06).unwrap_or_default());
                    e.extend(tag_tlv(0x9F22, &tag_value(tlv, 0x9F22).unwrap_or_default()));
                    e.extend(tag_tlv(0xDF05, &expiry));
                    e
                })
                .collect();
            ("00", Some(list_part(&entries, usize::from(*held))))
        }
        Management::AidQuery { held } => {
            let entries: Vec<Vec<u8>> = content.aids.iter().map(|(aid, _)| tag_tlv(0x9F06, aid)).collect();
            ("00", Some(list_part(&entries, usize::from(*held))))
        }
        Management::CapkDownload(f62) => {
            let found = capk::parse_key_request(f62).ok().and_then(|id| {
                content.capks.iter().find(|(_, index, rid)| *index == id.index && rid.as_slice() == id.rid)
            });
            match found {
                Some((tlv, _, _)) => ("00", Some([b"1".as_slice(), tlv].concat())),
                None => ("00", Some(b"0".to_vec())),
            }
        }
        Management::AidDownload(f62) => {
            let wanted = tag_value(f62, 0x9F06);
            match content.aids.iter().find(|(aid, _)| Some(aid) == wanted.as_ref()) {
                Some((_, tlv)) => ("00", Some([b"1".as_slice(), tlv].concat())),
                None => ("00", Some(b"0".to_vec())),
            }
        }
        Management::BlacklistPage(f62) => match blacklist::parse_page_request(f62) {
            Ok((start, _)) if start > 0 && !blacklist_current => ("25", None),
            Ok((start, width)) => {
                let mut page = blacklist_page(&content.blacklist, start, width);
                if content.corrupt_page_at == Some(start) {
                    // A digit of the first entry (after the flag, the index and its length) becomes a letter.
                    if let Some(b) = page.get_mut(10) {
                        *b = b'X';
                    }
                }
                ("00", Some(page))
            }
            Err(_) => ("30", None),
        },
        Management::CapkEnd | Management::AidEnd | Management::BlacklistEnd => ("00", None),
        // Parameter download and status upload come with the parameter document (not yet served).
        Management::ParameterDownload { page } => match &content.params {
            None => ("12", None),
            Some(doc) => {
                // 500 bytes of content a page: with the flag, inside field 62's 512.
                let pages = pos_core::tms::params::pages(doc, 500);
                match pages.get(usize::from(*page)) {
                    Some(p) => ("00", Some(p.clone())),
                    None => ("25", None),
                }
            }
        },
        Management::StatusUpload(_) => ("00", None),
    }
}

/// One 2-byte-tag primitive TLV (lengths below 128).
fn tag_tlv(tag: u16, value: &[u8]) -> Vec<u8> {
    let mut out = tag.to_be_bytes().to_vec();
    out.push(u8::try_from(value.len()).unwrap_or(0x7F).min(0x7F));
    out.extend_from_slice(value);
    out
}

/// The flag and the entries from `held` that fit: `0` nothing (left), `1` the last part, `2` more.
fn list_part(entries: &[Vec<u8>], held: usize) -> Vec<u8> {
    let rest = entries.get(held..).unwrap_or_default();
    if rest.is_empty() {
        return b"0".to_vec();
    }
    let mut body = Vec::new();
    let mut taken = 0;
    for e in rest {
        // The flag byte comes first.
        if 1 + body.len() + e.len() > FIELD62_MAX {
            break;
        }
        body.extend_from_slice(e);
        taken += 1;
    }
    let flag = if taken < rest.len() { b'2' } else { b'1' };
    [vec![flag], body].concat()
}

/// The page of the blacklist from `start`, as many entries as fit.
fn blacklist_page(list: &[String], start: u32, width: blacklist::IndexWidth) -> Vec<u8> {
    let rest = list.get(start as usize..).unwrap_or_default();
    if rest.is_empty() {
        return b"0".to_vec();
    }
    let mut entries = Vec::new();
    let mut used = 0;
    for e in rest {
        // The flag and a 7-digit index come first.
        if 8 + used + 2 + e.len() > FIELD62_MAX || entries.len() >= blacklist::MAX_PAGE_ENTRIES {
            break;
        }
        used += 2 + e.len();
        entries.push(e.clone());
    }
    let n = entries.len() as u32;
    let flag = if (n as usize) < rest.len() { PageFlag::More } else { PageFlag::Last };
    let page = BlacklistPage { flag, last_index: start + n.saturating_sub(1), entries };
    blacklist::encode_page(&page, width).unwrap_or_else(|| b"0".to_vec())
}
