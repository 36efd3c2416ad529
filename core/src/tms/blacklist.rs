//! The card blacklist (卡黑名单): downloaded page by page (60.3 390, ended by 391), kept as keyed
//! fingerprints, checked before any offline approval.
//!
//! A page is ASCII: a flag (`1` the last page, `2` more follow, anything else: nothing to
//! download), the index of the page's last entry, then entries of a 2-digit length and that
//! many digits. The profile's index has 3 digits (999 entries at most); for longer lists this
//! terminal asks with a 7-digit index and the host answers with the same width (our extension,
//! `docs/terminal-management.md`). Entries are card-number prefixes (BINs) or whole numbers, 1 to
//! 19 digits; a card is listed when any entry is a prefix of its number.
//!
//! Nothing clear is kept: each entry becomes HMAC-SHA-256(device secret, domain ‖ length ‖
//! digits) truncated to 16 bytes, so the list says nothing without the reader's secret, and
//! a lookup computes the same for each entry length present in the list.

use ring::hmac;

use super::TmsError;
use crate::card::{DeviceSecret, Pan};

const WHAT: &str = "blacklist";

/// Separates these MACs from every other use of the device secret.
const DOMAIN: &[u8] = b"pos-blacklist-v1\0";

/// Shortest and longest entry.
pub const ENTRY_DIGITS: std::ops::RangeInclusive<usize> = 1..=19;
/// Entries one terminal keeps (a national hot-card list is in the hundreds of thousands).
pub const MAX_ENTRIES: usize = 2_000_000;
/// Entries in one page (field 62 holds 512 bytes here: about 28 entries of 16 digits).
pub const MAX_PAGE_ENTRIES: usize = 500;

/// The width of the page index: the profile's 3 digits, or our 7.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexWidth {
    /// 3 digits: at most 999 entries (the profile).
    Profile,
    /// 7 digits: at most 9,999,999 entries (this terminal's extension).
    Wide,
}

impl IndexWidth {
    fn digits(self) -> usize {
        match self {
            IndexWidth::Profile => 3,
            IndexWidth::Wide => 7,
        }
    }
}

/// What a page says about the pages after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageFlag {
    /// The last page.
    Last,
    /// More pages follow: ask again from `last_index + 1`.
    More,
    /// Nothing to download.
    Nothing,
}

/// One page of a 390 answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlacklistPage {
    /// What follows.
    pub flag: PageFlag,
    /// The index of this page's last entry.
    pub last_index: u32,
    /// The entries: digits only.
    pub entries: Vec<String>,
}

/// The 62 of a 390 request: the index to start from.
pub fn page_request(start: u32, width: IndexWidth) -> Vec<u8> {
    format!("{start:0w$}", w = width.digits()).into_bytes()
}

/// Reads the 62 of a 390 request (the simulator's side): the start index and its width.
pub fn parse_page_request(data: &[u8]) -> Result<(u32, IndexWidth), TmsError> {
    let width = match data.len() {
        3 => IndexWidth::Profile,
        7 => IndexWidth::Wide,
        n => return Err(malformed(format!("request index of {n} characters"))),
    };
    Ok((digits(data, "request index")?, width))
}

/// Reads one page (the whole of field 62 of a 390 answer).
pub fn parse_page(data: &[u8], width: IndexWidth) -> Result<BlacklistPage, TmsError> {
    let Some((&flag, rest)) = data.split_first() else {
        return Ok(BlacklistPage { flag: PageFlag::Nothing, last_index: 0, entries: Vec::new() });
    };
    let flag = match flag {
        b'1' => PageFlag::Last,
        b'2' => PageFlag::More,
        _ => return Ok(BlacklistPage { flag: PageFlag::Nothing, last_index: 0, entries: Vec::new() }),
    };
    let w = width.digits();
    let index = rest.get(..w).ok_or_else(|| malformed("page shorter than its index".into()))?;
    let last_index = digits(index, "page index")?;
    let mut rest = rest.get(w..).unwrap_or_default();
    let mut entries = Vec::new();
    while !rest.is_empty() {
        let len = rest.get(..2).ok_or_else(|| malformed("entry length cut off".into()))?;
        let len = digits(len, "entry length")? as usize;
        if !ENTRY_DIGITS.contains(&len) {
            return Err(range(format!("entry of {len} digits")));
        }
        let entry = rest.get(2..2 + len).ok_or_else(|| malformed("entry cut off".into()))?;
        if !entry.iter().all(u8::is_ascii_digit) {
            return Err(malformed("entry with a character other than a digit".into()));
        }
        entries.push(String::from_utf8_lossy(entry).into_owned());
        if entries.len() > MAX_PAGE_ENTRIES {
            return Err(range(format!("more than {MAX_PAGE_ENTRIES} entries in a page")));
        }
        rest = rest.get(2 + len..).unwrap_or_default();
    }
    Ok(BlacklistPage { flag, last_index, entries })
}

/// One page as a host sends it (for the simulator); `None` when an entry is not 1-19 digits.
pub fn encode_page(page: &BlacklistPage, width: IndexWidth) -> Option<Vec<u8>> {
    let flag = match page.flag {
        PageFlag::Last => '1',
        PageFlag::More => '2',
        PageFlag::Nothing => '0',
    };
    let mut out = format!("{flag}{:0w$}", page.last_index, w = width.digits());
    for e in &page.entries {
        if !ENTRY_DIGITS.contains(&e.len()) || !e.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        out.push_str(&format!("{:02}{e}", e.len()));
    }
    Some(out.into_bytes())
}

/// A keyed fingerprint of one entry (16 bytes of HMAC-SHA-256).
pub type EntryFingerprint = [u8; 16];

/// The fingerprint of one entry (`digits`, 1-19 digits) under the reader's device secret: what
/// the reader answers for each entry of a downloaded page, and for each prefix of a card it reads.
pub fn entry_fingerprint(secret: &DeviceSecret, digits: &str) -> EntryFingerprint {
    fingerprint_with(&key_of(secret), digits)
}

/// The fingerprints of the prefixes of `pan` whose lengths are set in `lengths` (bit `n`: `n`
/// digits), shortest first; lengths above the card number's own are left out. The reader's side
/// of a card read, so that the phone can look the card up without its number.
pub fn prefix_fingerprints(secret: &DeviceSecret, pan: &Pan, lengths: u32) -> Vec<EntryFingerprint> {
    let key = key_of(secret);
    let digits = pan.as_digits();
    prefix_lengths(lengths, digits.len()).filter_map(|n| digits.get(..n)).map(|p| fingerprint_with(&key, p)).collect()
}

/// The prefix lengths of `lengths` (bit `n`: `n` digits) that a card number of `pan_len` digits
/// has, shortest first: how many fingerprints a card read must carry.
pub fn prefix_lengths(lengths: u32, pan_len: usize) -> impl Iterator<Item = usize> {
    (*ENTRY_DIGITS.start()..=pan_len.min(*ENTRY_DIGITS.end())).filter(move |n| lengths & (1 << n) != 0)
}

/// The lengths mask (bit `n`: some entry has `n` digits) of `entries`; `None` when one is not
/// 1-19 digits.
pub fn lengths_of<'a>(entries: impl IntoIterator<Item = &'a str>) -> Option<u32> {
    entries.into_iter().try_fold(0u32, |mask, e| {
        (ENTRY_DIGITS.contains(&e.len()) && e.bytes().all(|b| b.is_ascii_digit())).then(|| mask | 1 << e.len())
    })
}

fn key_of(secret: &DeviceSecret) -> hmac::Key {
    hmac::Key::new(hmac::HMAC_SHA256, secret.expose_secret())
}

fn fingerprint_with(key: &hmac::Key, digits: &str) -> EntryFingerprint {
    let mut ctx = hmac::Context::with_key(key);
    ctx.update(DOMAIN);
    ctx.update(&[u8::try_from(digits.len()).unwrap_or(u8::MAX)]);
    ctx.update(digits.as_bytes());
    let tag = ctx.sign();
    let mut out = [0u8; 16];
    out.iter_mut().zip(tag.as_ref()).for_each(|(o, t)| *o = *t);
    out
}

/// The blacklist as the terminal keeps it: fingerprints only, sorted, and which entry lengths
/// occur (a card read carries the fingerprints of its prefixes of those lengths). The phone
/// holds neither the key nor any card number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Blacklist {
    /// Bit `n` set: some entry has `n` digits.
    lengths: u32,
    entries: Vec<EntryFingerprint>,
}

impl Blacklist {
    /// From fingerprints and the lengths mask (as stored, or as the reader answered).
    pub fn from_parts(lengths: u32, mut entries: Vec<EntryFingerprint>) -> Blacklist {
        entries.sort_unstable();
        entries.dedup();
        Blacklist { lengths, entries }
    }

    /// Builds a list from clear entries under `secret` (the reader's side, and the benches);
    /// refused past [`MAX_ENTRIES`] or for an entry that is not 1-19 digits.
    pub fn build<'a>(secret: &DeviceSecret, entries: impl IntoIterator<Item = &'a str>) -> Result<Blacklist, TmsError> {
        let key = key_of(secret);
        let mut list = Blacklist::default();
        for e in entries {
            if !ENTRY_DIGITS.contains(&e.len()) || !e.bytes().all(|b| b.is_ascii_digit()) {
                return Err(range(format!("entry of {} characters", e.len())));
            }
            if list.entries.len() >= MAX_ENTRIES {
                return Err(range(format!("more than {MAX_ENTRIES} entries")));
            }
            list.lengths |= 1 << e.len();
            list.entries.push(fingerprint_with(&key, e));
        }
        Ok(Blacklist::from_parts(list.lengths, list.entries))
    }

    /// The entry lengths present (bit `n`: `n` digits): what a card read is asked for.
    pub fn lengths(&self) -> u32 {
        self.lengths
    }

    /// The fingerprints, sorted (what the store keeps).
    pub fn entries(&self) -> &[EntryFingerprint] {
        &self.entries
    }

    /// Whether one of a card's prefix fingerprints is listed.
    pub fn contains_any(&self, prefixes: &[EntryFingerprint]) -> bool {
        prefixes.iter().any(|p| self.entries.binary_search(p).is_ok())
    }

    /// Whether some entry is a prefix of `pan` (or the whole of it), computed under `secret`:
    /// the reader's fingerprints and the phone's lookup in one step (tests and benches).
    pub fn contains(&self, secret: &DeviceSecret, pan: &Pan) -> bool {
        self.contains_any(&prefix_fingerprints(secret, pan, self.lengths))
    }

    /// Entries kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// No entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bytes the entries take in memory.
    pub fn memory_bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<EntryFingerprint>()
    }
}

fn digits(b: &[u8], what: &str) -> Result<u32, TmsError> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return Err(malformed(format!("{what} is not digits")));
    }
    String::from_utf8_lossy(b).parse().map_err(|_| malformed(format!("{what} too large")))
}

fn malformed(detail: String) -> TmsError {
    TmsError::Malformed { what: WHAT, detail }
}

fn range(detail: String) -> TmsError {
    TmsError::OutOfRange { what: WHAT, detail }
}
