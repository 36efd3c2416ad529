//! Sign-in, sign-off and echo: the administrative exchanges.
//!
//! Sign-in relays field 62 (working keys under the TMK) to the reader, which keeps
//! PIK and TDK and returns the MAK; the MAK is sealed into the store with the host's
//! batch number. The phone never holds PIK or TDK.

use crate::acquirer::AcquirerError;
use crate::crypto::kcv::check_value_matches;
use crate::crypto::{split_field62, CryptoError, KeyKind, KeyMode};
use crate::error::Error;
use crate::iso8583::{AdminKind, AdminRequest, AdminResponse, BatchNo, CodecError, Field60, NetCode, Stan};
use crate::store::NewSession;

use super::exchange::{failure, Signing};
use super::Terminal;
use crate::error::{ExchangeFailure, TerminalError};
use crate::outcome::{AdminOp, AdminOutcome};

/// The settings key listing the check values of the MAKs this terminal has signed in with.
const SEEN_MAK_KCVS: &str = "signin.seen_mak_kcvs";
/// How many of them are kept (4 bytes each, far below one a day for years).
const SEEN_KCV_LIMIT: usize = 512;

fn sign_in_code(mode: KeyMode) -> NetCode {
    match mode {
        KeyMode::Single001 => NetCode::SignInSingle,
        KeyMode::Double003 => NetCode::SignInDouble,
        KeyMode::DoubleWithTrack004 => NetCode::SignInDoubleTdk,
    }
}

/// 999999 is followed by 000001: a host just past the wrap is ahead, not behind.
fn wrapped(ours: BatchNo, host: BatchNo) -> bool {
    ours.value() > 999_000 && host.value() < 1_000
}

impl Terminal {
    /// Signs in (0800/0810): loads the new working keys into the reader and stores the sealed MAK.
    ///
    /// What the terminal still owes the host goes first, under the keys in force: stored
    /// payments carry tracks encrypted under the current TDK, which the host can no longer
    /// read once a sign-in has replaced it.
    pub async fn sign_in(&self) -> Result<AdminOutcome, Error> {
        self.owner("sign in")?;
        // A tampered reader holds no keys to load: the acquirer unlocks it first.
        self.tamper_guard()?;
        // New keys the reader could not take over an unencrypted link would strand the host's
        // new keys: refused before anything is sent.
        self.reader.check_secure_link().map_err(TerminalError::Reader)?;
        self.flush_before_new_keys().await?;
        let mode = self.config.key_mode;
        let (resp, stan) =
            self.admin(AdminKind::SignIn(sign_in_code(mode)), Some(self.config.operator.clone())).await?;
        if !resp.response_code.is_approved() {
            tracing::info!(rc = %resp.response_code, "sign-in declined");
            return self.admin_outcome(AdminOp::SignIn, &resp, stan).map_err(Error::from);
        }
        // A host batch below ours (its books reset or restored) would reopen settled vouchers:
        // refused before the keys or the batch change. 000000 means "keep yours" on some hosts.
        let ours = self.db(|s| s.batch())?;
        if resp.batch.value() != 0 && resp.batch < ours && !wrapped(ours, resp.batch) {
            tracing::warn!(host = %resp.batch, ours = %ours, "sign-in refused: the host's batch went backwards");
            return Err(TerminalError::HostBatchBehind { ours, host: resp.batch }.into());
        }
        let block = resp.key_block.as_deref().ok_or(CodecError::MissingField(62))?;
        let keys = split_field62(mode, block)?;
        if self.replayed_keys(keys.mak.check_value)? {
            tracing::warn!(stan = %stan, "sign-in answer refused: its keys were used before (a replayed answer)");
            let reason = "the sign-in answer carries keys used before (a replayed answer)".to_string();
            return Err(TerminalError::from(ExchangeFailure {
                txn: None,
                may_have_reached_host: true,
                reversal_reason: AcquirerError::Unmatched { reason: reason.clone() }.reversal_reason(),
                error: AcquirerError::Unmatched { reason },
                txn_id: None,
                reversal: None,
            })
            .into());
        }
        let ack = self.reader.load_working_keys(&keys).await.map_err(|e| self.note_reader_error(e))?;
        // The reader checked its keys; check the MAK we are about to seal ourselves too.
        let same = |ours: [u8; 4], theirs: [u8; 4]| ours == theirs;
        if !check_value_matches(&ack.mak, &keys.mak.check_value) || !same(ack.mak_kcv, keys.mak.check_value) {
            return Err(CryptoError::CheckValueMismatch { key: KeyKind::Mak }.into());
        }
        if !same(ack.pik_kcv, keys.pik.check_value) {
            return Err(CryptoError::CheckValueMismatch { key: KeyKind::Pik }.into());
        }
        if ack.tdk_kcv != keys.tdk.as_ref().map(|t| t.check_value) {
            return Err(CryptoError::CheckValueMismatch { key: KeyKind::Tdk }.into());
        }
        let at = self.clock.now().to_string();
        self.db(|s| {
            s.save_session(&NewSession {
                tid: &self.config.tid,
                key_mode: mode,
                mac_algorithm: self.config.mac_algorithm,
                mak: &ack.mak,
                mak_kcv: ack.mak_kcv,
                pik_kcv: ack.pik_kcv,
                tdk_kcv: ack.tdk_kcv,
                at: &at,
            })
        })?;
        self.remember_keys(ack.mak_kcv)?;
        // 000000 means "keep yours" on some hosts.
        if resp.batch.value() != 0 {
            self.db(|s| s.set_batch(resp.batch))?;
        }
        tracing::info!(batch = %resp.batch, mode = %mode, "signed in");
        self.first_chip_downloads().await;
        // Uploads that stopped for want of a sign-in can go on.
        self.wakeup.notify_one();
        self.admin_outcome(AdminOp::SignIn, &resp, stan).map_err(Error::from)
    }

    /// Under the session in force, sends what is owed (due reversals, stored payments) and
    /// refuses the sign-in if anything is left: stored payments carry tracks under the
    /// current TDK and reversals go under the current MAK, so new keys would strand them
    /// (the host would decline them, and the merchant would carry the loss).
    ///
    /// Without a session in force (never signed in, or the host itself asked for a new
    /// sign-in, which ends the old keys at the host too) there is nothing to send under.
    async fn flush_before_new_keys(&self) -> Result<(), TerminalError> {
        if self.session().is_err() {
            return Ok(());
        }
        let owed = |t: &Terminal| -> Result<(u32, u32), TerminalError> {
            // A refund in doubt is settled by its repeat, which the sync sends like a reversal.
            Ok((t.store.queue_stats()?.count, t.store.due_reversal_count()? + t.store.due_repeat_count()?))
        };
        if owed(self)? == (0, 0) {
            return Ok(());
        }
        match self.sync().await {
            Ok(r) if r.is_clean() => tracing::info!(uploaded = r.accepted, "queue flushed before the new keys"),
            // The host refuses our keys ("sign in again"): nothing more can go under them, and
            // only a sign-in moves on. The host keeps the track key of the sign-in before for
            // what is still stored (see the simulator's sessions), so nothing is stranded.
            Ok(r) if r.stop == Some(crate::sync::SyncStop::NeedsSignIn) => {
                tracing::warn!(left = r.left, "the host asks for a sign-in before taking the stored payments");
                return Ok(());
            }
            Ok(r) => tracing::warn!(left = r.left, "payments still stored under the old keys"),
            Err(e) => tracing::warn!(error = %e, "could not flush the queue before signing in"),
        }
        // The sync may have ended the session (the host asked for a new sign-in): then the
        // host has dropped the old keys itself, and only a sign-in can move on.
        if self.session().is_err() {
            return Ok(());
        }
        match owed(self)? {
            (0, 0) => Ok(()),
            (stored, reversals) => {
                tracing::warn!(stored, reversals, "sign-in refused: work owed under the keys in force");
                Err(TerminalError::OwedBeforeSignIn { stored, reversals })
            }
        }
    }

    /// Signs off (0820, 002) without the day-end guard: only for [`Terminal::sign_off`] and
    /// the guarded day-end operations. The local session is dropped whatever the host says,
    /// since a terminal that meant to stop must not go on transacting with old keys.
    pub(super) async fn sign_off_unguarded(&self) -> Result<AdminOutcome, TerminalError> {
        let result = self.admin(AdminKind::SignOff, None).await;
        self.db(|s| s.clear_session())?;
        let (resp, stan) = result?;
        self.admin_outcome(AdminOp::SignOff, &resp, stan)
    }

    /// Echo test (0820, 301): checks the link; needs no sign-in.
    pub async fn echo(&self) -> Result<AdminOutcome, Error> {
        let (resp, stan) = self.admin(AdminKind::Echo, None).await?;
        self.admin_outcome(AdminOp::Echo, &resp, stan).map_err(Error::from)
    }

    /// Sends an administrative request and reads its (matched) response.
    pub(super) async fn admin(
        &self,
        kind: AdminKind,
        operator: Option<String>,
    ) -> Result<(AdminResponse, Stan), TerminalError> {
        let stan = self.db(|s| s.next_stan())?;
        let request = AdminRequest {
            kind,
            stan,
            tid: self.config.tid.clone(),
            mid: self.config.mid.clone(),
            batch: self.db(|s| s.batch())?,
            operator,
        };
        let message = request.to_message(false)?;
        let reply = self.exchange(&message, stan, Signing::None, None).await?;
        let resp = AdminResponse::from_message(&reply.frame.message)
            .map_err(|e| TerminalError::from(failure(None, &message, AcquirerError::Malformed(e))))?;
        // Bound to its request before anything is applied: the same terminal, merchant, STAN
        // and network management code (an echo's answer cannot pass for a sign-in's).
        let asked = message.get(60).map(Field60::parse).transpose()?.map(|f| f.net);
        let differs = if resp.stan != stan || resp.tid != self.config.tid {
            Some("terminal or STAN")
        } else if resp.mid != self.config.mid {
            Some("merchant")
        } else if asked.is_some_and(|net| net != resp.net) {
            Some("network management code")
        } else {
            None
        };
        if let Some(what) = differs {
            return Err(failure(None, &message, AcquirerError::Unmatched { reason: what.into() }).into());
        }
        Ok((resp, stan))
    }

    /// Whether a sign-in answer carries a MAK this terminal has had before (by check value).
    ///
    /// The 0810 is unsigned in the profile, so a man in the middle could replay an old one
    /// with the new STAN written in: its keys would pass their check values (they were real
    /// keys once) and the terminal would go back to keys the host has retired, or that have
    /// leaked since. A host never issues the same random key twice, so a MAK whose check
    /// value was seen before is a replay and is refused before the reader loads anything.
    fn replayed_keys(&self, mak_kcv: [u8; 4]) -> Result<bool, TerminalError> {
        let hex = hex::encode_upper(mak_kcv);
        let current = self.db(|s| s.session())?.is_some_and(|s| s.mak_kcv == mak_kcv);
        let seen = self.db(|s| s.setting(SEEN_MAK_KCVS))?.unwrap_or_default();
        Ok(current || seen.split(',').any(|k| k == hex))
    }

    /// Remembers the MAK of a sign-in just applied (the newest [`SEEN_KCV_LIMIT`] are kept).
    fn remember_keys(&self, mak_kcv: [u8; 4]) -> Result<(), TerminalError> {
        let hex = hex::encode_upper(mak_kcv);
        let seen = self.db(|s| s.setting(SEEN_MAK_KCVS))?.unwrap_or_default();
        let mut list: Vec<&str> = seen.split(',').filter(|k| !k.is_empty() && *k != hex).collect();
        list.push(&hex);
        let skip = list.len().saturating_sub(SEEN_KCV_LIMIT);
        self.db(|s| s.set_setting(SEEN_MAK_KCVS, &list[skip..].join(",")))?;
        Ok(())
    }

    fn admin_outcome(&self, op: AdminOp, resp: &AdminResponse, stan: Stan) -> Result<AdminOutcome, TerminalError> {
        Ok(AdminOutcome {
            op,
            approved: resp.response_code.is_approved(),
            response_code: resp.response_code,
            action: resp.response_code.action(),
            stan,
            batch: self.db(|s| s.batch())?,
        })
    }
}
