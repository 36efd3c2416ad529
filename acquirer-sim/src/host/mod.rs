//! The acquirer host: turns one received frame into (at most) one answer.
//!
//! Order of checks for every request: known terminal (`97`), then for everything but
//! network management a signed-in terminal and a valid MAC (`A0`), the merchant (`03`),
//! duplicates (same bytes again, or `94`), and only then the transaction's own rules,
//! all inside one SQLite transaction.

mod card;
mod context;
mod error;
mod financial;
mod fingerprint;
mod follow_up;
mod inbound;
mod monitor;
mod netmgmt;
mod pin;
mod plan;
mod preauth;
mod purchase;
mod reply;
mod reversal;
mod sessions;
mod settlement;
mod tms;

use std::collections::HashMap;
use std::sync::Arc;

use pos_core::iso8583::{check_mac, Field60, MacCheck, Stan};
use tracing::{debug, error, warn};

use crate::clock::SimClock;
use crate::config::{Limits, MonitoringConfig, TerminalProfile};
use crate::ledger::replies::{self, ReplyClass, Seen};
use crate::ledger::Ledger;
pub(crate) use context::Ctx;
pub(crate) use error::HostError;
pub(crate) use inbound::Inbound;
pub(crate) use reply::Reply;
use reply::{bare, MacKey};
pub(crate) use sessions::{Session, Sessions};
pub(crate) use tms::{tag_value as tms_tag, TmsContent};

/// Everything a request is decided against.
pub(crate) struct Host {
    terminals: HashMap<String, TerminalProfile>,
    sessions: Sessions,
    ledger: Arc<Ledger>,
    clock: Arc<SimClock>,
    limits: Limits,
    monitoring: MonitoringConfig,
    /// Seed of the auth code sequence (its position is a ledger counter).
    codes_seed: u64,
    /// What terminal management serves (replaced whole by [`Host::set_tms`]).
    tms: std::sync::RwLock<Arc<TmsContent>>,
    /// Per terminal, downloads it has yet to make since the content changed (bit 1: CA public
    /// keys, bit 2: IC parameters): asked for in the header of every answer until done.
    tms_pending: std::sync::Mutex<HashMap<String, u8>>,
    /// Per terminal: the blacklist generation (see `TmsContent::blacklist_generation`) of its
    /// last completed download and of the download it started from index 0; a request from
    /// an index above 0 of neither generation is answered `25`.
    tms_blacklist_synced: std::sync::Mutex<HashMap<String, BlacklistSync>>,
}

/// Per terminal: the generation of its last completed blacklist download, and of the one it
/// started from index 0.
type BlacklistSync = (Option<u64>, Option<u64>);

/// [`Host::tms_pending`] bits.
pub(crate) const PENDING_KEYS: u8 = 1;
pub(crate) const PENDING_AIDS: u8 = 2;
pub(crate) const PENDING_BLACKLIST: u8 = 4;
pub(crate) const PENDING_PARAMS: u8 = 8;

impl Host {
    pub(crate) fn new(
        terminals: Vec<TerminalProfile>,
        ledger: Arc<Ledger>,
        clock: Arc<SimClock>,
        limits: Limits,
        monitoring: MonitoringConfig,
        seed: u64,
        tms: TmsContent,
    ) -> Result<Host, HostError> {
        let terminals: HashMap<String, TerminalProfile> =
            terminals.into_iter().map(|t| (t.tid.as_str().to_owned(), t)).collect();
        let sessions = Sessions::restore(&ledger, &terminals)?;
        // A different stream from the fault generator's, so faults do not shift auth codes.
        let codes_seed = seed ^ 0xA17C_0DE5;
        let tms = std::sync::RwLock::new(Arc::new(tms));
        let tms_pending = std::sync::Mutex::new(HashMap::new());
        let tms_blacklist_synced = std::sync::Mutex::new(HashMap::new());
        Ok(Host {
            terminals,
            sessions,
            ledger,
            clock,
            limits,
            monitoring,
            codes_seed,
            tms,
            tms_pending,
            tms_blacklist_synced,
        })
    }

    /// Whether `tid` holds working keys from a sign-in.
    /// The help desk's answer to a reader's unlock challenge; `None` for an unknown terminal.
    pub(crate) fn unlock_code(&self, tid: &str, challenge: &str) -> Option<String> {
        let t = self.terminals.get(tid)?;
        Some(pos_core::unlock_code(&t.unlock_key, tid, challenge))
    }

    /// The help desk's reset code after an unlock lockout; `None` for an unknown terminal.
    pub(crate) fn reset_code(&self, tid: &str, challenge: &str) -> Option<String> {
        let t = self.terminals.get(tid)?;
        Some(pos_core::reset_code(&t.unlock_key, tid, challenge))
    }

    /// What terminal management serves now.
    pub(crate) fn tms(&self) -> Arc<TmsContent> {
        self.tms.read().map(|t| t.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Serves `content` from now on (a new version of the keys, parameters or blacklist); every
    /// terminal is asked, in the header of its next answers, to download what changed.
    pub(crate) fn set_tms(&self, mut content: TmsContent) {
        let mut t = self.tms.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        let changed = u8::from(t.capks != content.capks) * PENDING_KEYS
            + u8::from(t.aids != content.aids) * PENDING_AIDS
            + u8::from(t.blacklist != content.blacklist) * PENDING_BLACKLIST
            + u8::from(t.params != content.params) * PENDING_PARAMS;
        // Entries added at the end keep the indexes a terminal holds (it continues from its
        // last one); any other change starts a new generation (it must download in full).
        content.blacklist_generation = if content.blacklist.starts_with(&t.blacklist) {
            t.blacklist_generation
        } else {
            t.blacklist_generation + 1
        };
        *t = Arc::new(content);
        drop(t);
        if changed != 0 {
            let mut p = self.tms_pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            for tid in self.terminals.keys() {
                *p.entry(tid.clone()).or_default() |= changed;
            }
        }
    }

    /// Terminal `tid` finished a download (`bit`: [`PENDING_KEYS`] or [`PENDING_AIDS`]).
    pub(crate) fn tms_done(&self, tid: &str, bit: u8) {
        let mut p = self.tms_pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(v) = p.get_mut(tid) {
            *v &= !bit;
        }
    }

    /// Whether `tid` may ask for the blacklist from an index above 0: the indexes it holds are
    /// of the current generation (its last completed download, or the one it started from 0).
    pub(crate) fn blacklist_current(&self, tid: &str) -> bool {
        let generation = self.tms().blacklist_generation;
        let synced = self.tms_blacklist_synced.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        synced.get(tid).is_some_and(|&(done, started)| done == Some(generation) || started == Some(generation))
    }

    /// `tid` asked for the blacklist from index 0: the download it starts is of this generation.
    pub(crate) fn blacklist_started(&self, tid: &str) {
        let generation = self.tms().blacklist_generation;
        let mut synced = self.tms_blacklist_synced.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        synced.entry(tid.to_owned()).or_default().1 = Some(generation);
    }

    /// `tid` completed a blacklist download (the 391 end message).
    pub(crate) fn blacklist_synced(&self, tid: &str) {
        let generation = self.tms().blacklist_generation;
        let mut synced = self.tms_blacklist_synced.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        synced.insert(tid.to_owned(), (Some(generation), None));
        drop(synced);
        self.tms_done(tid, PENDING_BLACKLIST);
    }

    /// What to ask of `tid` in an answer's header.
    fn requirement(&self, tid: &str) -> pos_core::iso8583::ProcessingRequirement {
        use pos_core::iso8583::ProcessingRequirement as R;
        let p = self.tms_pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match p.get(tid).copied().unwrap_or(0) {
            v if v & PENDING_PARAMS != 0 => R::DownloadParameters,
            v if v & PENDING_KEYS != 0 => R::UpdatePublicKeys,
            v if v & PENDING_AIDS != 0 => R::DownloadIcParameters,
            v if v & PENDING_BLACKLIST != 0 => R::DownloadBlacklist,
            _ => R::None,
        }
    }

    pub(crate) fn is_signed_in(&self, tid: &str) -> bool {
        self.sessions.get(tid).is_some()
    }

    /// Decides on one decoded request; `None` means nothing is sent back. `unbalanced`: a
    /// settlement is answered as not balanced whatever the totals (the `Unbalanced` fault).
    pub(crate) fn handle(&self, inbound: &Inbound, unbalanced: bool) -> Option<Reply> {
        let mut reply = self.answer(inbound, unbalanced)?;
        // The processing requirement rides in the header, outside the MAC (byte 3 of the
        // header, after the 2-byte length and the 5-byte TPDU).
        if let Some(tid) = inbound.tid() {
            let r = self.requirement(tid);
            if r != pos_core::iso8583::ProcessingRequirement::None {
                if let Some(b) = reply.bytes.get_mut(2 + 5 + 2) {
                    *b = (*b & 0xF0) | r.nibble();
                }
            }
        }
        Some(reply)
    }

    fn answer(&self, inbound: &Inbound, unbalanced: bool) -> Option<Reply> {
        let msg = inbound.message();
        if !msg.mti().is_request() {
            debug!(mti = %msg.mti(), "ignoring a response-class message sent to the host");
            return None;
        }
        let Some(tid) = inbound.tid() else {
            warn!(mti = %msg.mti(), "request without a usable field 41");
            return reply::encode(inbound, bare(msg, "30"), None);
        };
        let Some(term) = self.terminals.get(tid) else {
            warn!(tid, "request from a terminal that is not provisioned");
            return reply::encode(inbound, bare(msg, "97"), None);
        };
        match msg.mti().as_str() {
            "0800" | "0820" => return netmgmt::handle(self, inbound, term),
            "0100" | "0200" | "0220" | "0400" | "0500" | "0320" => {}
            other => {
                warn!(tid, mti = other, "message type not supported");
                return reply::encode(inbound, bare(msg, "40"), None);
            }
        }
        let Some(session) = self.sessions.get(tid) else {
            warn!(tid, "request before sign-in: no MAK to verify it with");
            return reply::encode(inbound, bare(msg, "A0"), None);
        };
        match check_mac(inbound.bytes(), inbound.layout(), term.mac, &session.keys.mak) {
            MacCheck::Valid => {}
            check => {
                warn!(tid, ?check, "MAC check failed");
                return reply::encode(inbound, bare(msg, "A0"), None);
            }
        }
        let key = MacKey { mak: &session.keys.mak, algo: term.mac };
        if msg.get(42) != Some(term.mid.as_str().as_bytes()) {
            warn!(tid, "merchant ID does not match the terminal's");
            return reply::encode(inbound, bare(msg, "03"), Some(key));
        }
        self.decide(inbound, term, &session, key, unbalanced)
    }

    /// The authenticated part: duplicates, then the transaction rules, in one ledger transaction.
    fn decide(
        &self,
        inbound: &Inbound,
        term: &TerminalProfile,
        session: &Session,
        key: MacKey<'_>,
        unbalanced: bool,
    ) -> Option<Reply> {
        let msg = inbound.message();
        let batch = msg.get(60).and_then(|v| Field60::parse(v).ok()).map(|f| f.batch.value());
        let stan = msg.get(11).and_then(|v| Stan::parse(11, v).ok()).map(|s| s.value());
        let (Some(batch), Some(stan)) = (batch, stan) else {
            return reply::encode(inbound, bare(msg, "30"), Some(key));
        };
        let tid = term.tid.as_str();
        let class = if msg.mti().as_str() == "0400" { ReplyClass::Reversal } else { ReplyClass::Request };
        let content = fingerprint::of_request(inbound);
        let now_ms = self.clock.now_ms();
        let result = self.ledger.transact(|db| -> Result<Reply, HostError> {
            match replies::lookup(db, tid, batch, stan, class, &content)? {
                Seen::Same(bytes) => {
                    debug!(tid, batch, stan, "duplicate request: sending the stored answer");
                    return Ok(reply::resign(bytes, key));
                }
                Seen::Different if class == ReplyClass::Request => {
                    warn!(tid, batch, stan, "same terminal, batch and STAN with different content");
                    return Ok(reply::encode_or_err(inbound, bare(msg, "94"), Some(key))?);
                }
                Seen::Different | Seen::New => {}
            }
            let ctx = Ctx { db, host: self, term, session, now_ms, local: self.clock.local_at(now_ms), unbalanced };
            let response = match msg.mti().as_str() {
                "0400" => reversal::handle(&ctx, msg)?,
                "0500" => settlement::settle(&ctx, msg)?,
                "0320" => settlement::upload(&ctx, msg)?,
                _ => financial::handle(&ctx, msg)?,
            };
            let reply = reply::encode_or_err(inbound, response, Some(key))?;
            replies::store(db, tid, batch, stan, class, &content, &reply.bytes)?;
            Ok(reply)
        });
        match result {
            Ok(reply) => Some(reply),
            Err(e) => {
                error!(tid, batch, stan, error = %e, "request failed at the host; answering 96");
                reply::encode(inbound, bare(msg, "96"), Some(key))
            }
        }
    }
}
