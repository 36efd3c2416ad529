//! The remote unlock of a reader whose security switch fired (系统安全已触发), and its limits.
//!
//! The reader shows a challenge; the merchant reads it to the acquirer's help desk, which holds
//! the terminal's unlock key and answers a 12-digit code; the reader checks the code. Neither
//! the phone nor the merchant can make a code without the key.
//!
//! Wrong codes are counted ([`UnlockAttempts`]) by the reader, in its secure memory, and by the
//! phone, in its store, so neither a restart of the app nor a new challenge buys more tries:
//! [`UNLOCK_FREE_TRIES`] wrong codes cost nothing, each further one doubles a wait (from
//! [`UNLOCK_BASE_WAIT_SECS`]), and after [`UNLOCK_MAX_FAILURES`] the unlock is locked out until
//! the help desk's reset code ([`reset_code`], over a fresh challenge) clears the counters.
//! Time comes from the injected clock (unix seconds).

use ring::hmac;
use serde::{Deserialize, Serialize};

use crate::crypto::SecretKey;
use crate::i18n::Bilingual;

/// Digits of an unlock or reset code (about 40 bits: out of reach of the bounded tries).
pub const UNLOCK_CODE_DIGITS: usize = 12;
/// Wrong codes allowed before the first wait.
pub(crate) const UNLOCK_FREE_TRIES: u32 = 3;
/// Wrong codes after which only the help desk's reset clears the lockout.
pub(crate) const UNLOCK_MAX_FAILURES: u32 = 10;
/// The wait after the [`UNLOCK_FREE_TRIES`]th wrong code; it doubles with each further one.
pub(crate) const UNLOCK_BASE_WAIT_SECS: u64 = 60;
/// The longest wait between two wrong reset codes.
pub(crate) const RESET_MAX_WAIT_SECS: u64 = 24 * 3600;

const UNLOCK_LABEL: &[u8] = b"pos-unlock-v2\0";
const RESET_LABEL: &[u8] = b"pos-unlock-reset-v1\0";

fn code(unlock_key: &SecretKey, label: &[u8], tid: &str, challenge: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, unlock_key.as_bytes());
    let mut msg = Vec::with_capacity(64);
    msg.extend_from_slice(label);
    msg.extend_from_slice(tid.as_bytes());
    msg.push(0);
    msg.extend_from_slice(challenge.trim().to_ascii_uppercase().as_bytes());
    let tag = hmac::sign(&key, &msg);
    let mut first = [0u8; 8];
    first.copy_from_slice(&tag.as_ref()[..8]);
    // 64 bits reduced to 12 digits: the bias (2^64 mod 10^12 over 2^64) is negligible.
    format!("{:0width$}", u64::from_be_bytes(first) % 10u64.pow(UNLOCK_CODE_DIGITS as u32), width = UNLOCK_CODE_DIGITS)
}

/// The 12-digit unlock code for `challenge` (16 hex digits) of terminal `tid`.
pub fn unlock_code(unlock_key: &SecretKey, tid: &str, challenge: &str) -> String {
    code(unlock_key, UNLOCK_LABEL, tid, challenge)
}

/// The help desk's 12-digit reset code for `challenge` of terminal `tid`: clears a lockout
/// (never the tamper state itself: an unlock code is still needed after it).
pub fn reset_code(unlock_key: &SecretKey, tid: &str, challenge: &str) -> String {
    code(unlock_key, RESET_LABEL, tid, challenge)
}

/// A code as typed: spaces and dashes (as in "1234 5678 9012") are dropped.
#[cfg(any(test, feature = "sim"))]
fn normalize(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace() && *c != '-').take(64).collect()
}

#[cfg(any(test, feature = "sim"))]
fn same(a: &str, b: &str) -> bool {
    // Every byte is compared whatever the first difference, so timing says nothing of the code.
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// True when `code` answers `challenge`; compared in constant time.
#[cfg(any(test, feature = "sim"))]
pub(crate) fn verify_unlock_code(unlock_key: &SecretKey, tid: &str, challenge: &str, code: &str) -> bool {
    same(&normalize(code), &unlock_code(unlock_key, tid, challenge))
}

/// True when `code` is the help desk's reset code for `challenge`; compared in constant time.
#[cfg(any(test, feature = "sim"))]
pub(crate) fn verify_reset_code(unlock_key: &SecretKey, tid: &str, challenge: &str, code: &str) -> bool {
    same(&normalize(code), &reset_code(unlock_key, tid, challenge))
}

/// Why an unlock (or a help-desk reset) was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnlockError {
    /// The code does not answer the challenge; `tries_left` before the lockout, and the wait
    /// before the next try (0: none).
    WrongCode {
        /// Wrong codes still allowed before the lockout.
        tries_left: u32,
        /// Seconds before the next try is accepted.
        wait_secs: u64,
    },
    /// Too many wrong codes lately: the next try is accepted after `wait_secs`.
    Wait {
        /// Seconds before the next try is accepted.
        wait_secs: u64,
    },
    /// Too many wrong codes: only the help desk's reset code clears it.
    LockedOut,
    /// The help desk's reset code is wrong; the next reset is accepted after `wait_secs`.
    WrongResetCode {
        /// Seconds before the next reset code is accepted.
        wait_secs: u64,
    },
    /// No challenge to answer (each challenge answers one try): ask for a new one.
    NoChallenge,
    /// The reader holds no unlock key for this terminal: it must be provisioned.
    NotProvisioned,
}

/// Whole minutes, rounded up (the operator waits at least that long).
fn minutes(secs: u64) -> u64 {
    secs.div_ceil(60).max(1)
}

impl std::fmt::Display for UnlockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en())
    }
}

impl std::error::Error for UnlockError {}

impl Bilingual for UnlockError {
    fn zh(&self) -> String {
        match *self {
            UnlockError::WrongCode { tries_left, wait_secs: 0 } => {
                format!("解锁码错误，还可尝试{tries_left}次，请与收单机构核对挑战码")
            }
            UnlockError::WrongCode { tries_left, wait_secs } => {
                format!("解锁码错误，还可尝试{tries_left}次，请等待{}分钟后再试", minutes(wait_secs))
            }
            UnlockError::Wait { wait_secs } => format!("解锁码错误次数过多，请等待{}分钟后再试", minutes(wait_secs)),
            UnlockError::LockedOut => "解锁码错误次数过多，解锁已锁定：请致电收单机构客服中心重置".into(),
            UnlockError::WrongResetCode { wait_secs } => {
                format!("重置码错误，请等待{}分钟后与客服中心核对挑战码再试", minutes(wait_secs))
            }
            UnlockError::NoChallenge => "请先获取新的挑战码".into(),
            UnlockError::NotProvisioned => "读卡器未灌装本终端的解锁密钥，请联系收单机构".into(),
        }
    }

    fn en(&self) -> String {
        match *self {
            UnlockError::WrongCode { tries_left, wait_secs: 0 } => {
                format!("Wrong unlock code, {tries_left} tries left: check the challenge with the acquirer")
            }
            UnlockError::WrongCode { tries_left, wait_secs } => {
                format!(
                    "Wrong unlock code, {tries_left} tries left: wait {} minutes before the next",
                    minutes(wait_secs)
                )
            }
            UnlockError::Wait { wait_secs } => {
                format!("Too many wrong unlock codes: wait {} minutes before the next", minutes(wait_secs))
            }
            UnlockError::LockedOut => "Unlock locked after too many wrong codes: call the help desk to reset it".into(),
            UnlockError::WrongResetCode { wait_secs } => {
                format!(
                    "Wrong reset code: wait {} minutes, then check the challenge with the help desk",
                    minutes(wait_secs)
                )
            }
            UnlockError::NoChallenge => "Ask for a new challenge first".into(),
            UnlockError::NotProvisioned => "The reader holds no unlock key for this terminal: call the acquirer".into(),
        }
    }
}

/// Wrong unlock and reset codes so far, kept across restarts (reader memory, phone store).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UnlockAttempts {
    /// Wrong unlock codes since the last unlock or help-desk reset.
    pub failures: u32,
    /// Unix seconds before which no code is accepted (0: none).
    pub not_before: i64,
    /// Wrong reset codes since the lockout.
    pub reset_failures: u32,
}

impl UnlockAttempts {
    /// True once the unlock is locked out.
    pub(crate) fn locked_out(&self) -> bool {
        self.failures >= UNLOCK_MAX_FAILURES
    }

    fn wait_left(&self, now: i64) -> u64 {
        u64::try_from(self.not_before.saturating_sub(now)).unwrap_or(0)
    }

    /// May an unlock code be tried at `now`?
    pub(crate) fn check_unlock(&self, now: i64) -> Result<(), UnlockError> {
        if self.locked_out() {
            return Err(UnlockError::LockedOut);
        }
        match self.wait_left(now) {
            0 => Ok(()),
            wait_secs => Err(UnlockError::Wait { wait_secs }),
        }
    }

    /// Counts a wrong unlock code at `now`; returns what the operator is told.
    pub(crate) fn record_wrong_code(&mut self, now: i64) -> UnlockError {
        self.failures = self.failures.saturating_add(1);
        if self.locked_out() {
            self.not_before = 0;
            return UnlockError::LockedOut;
        }
        let wait_secs = match self.failures.checked_sub(UNLOCK_FREE_TRIES) {
            Some(n) => UNLOCK_BASE_WAIT_SECS << n.min(20),
            None => 0,
        };
        self.not_before = if wait_secs > 0 { now.saturating_add_unsigned(wait_secs) } else { 0 };
        UnlockError::WrongCode { tries_left: UNLOCK_MAX_FAILURES - self.failures, wait_secs }
    }

    /// May a help-desk reset code be tried at `now`? (Allowed whether or not locked out.)
    pub(crate) fn check_reset(&self, now: i64) -> Result<(), UnlockError> {
        match self.wait_left(now) {
            0 => Ok(()),
            // While not locked out the wait is the unlock's back-off; a reset may wait too.
            wait_secs if self.reset_failures > 0 => Err(UnlockError::WrongResetCode { wait_secs }),
            _ => Ok(()),
        }
    }

    /// Counts a wrong reset code at `now`: each one doubles the wait, up to a day.
    pub(crate) fn record_wrong_reset(&mut self, now: i64) -> UnlockError {
        self.reset_failures = self.reset_failures.saturating_add(1);
        let wait_secs = (UNLOCK_BASE_WAIT_SECS << (self.reset_failures - 1).min(20)).min(RESET_MAX_WAIT_SECS);
        self.not_before = now.saturating_add_unsigned(wait_secs);
        UnlockError::WrongResetCode { wait_secs }
    }

    /// Takes in what the other side (reader or phone) reports, keeping the stricter count.
    pub(crate) fn merge(&mut self, other: &UnlockAttempts) {
        self.failures = self.failures.max(other.failures);
        self.not_before = self.not_before.max(other.not_before);
        self.reset_failures = self.reset_failures.max(other.reset_failures);
    }

    /// After a right code or a help-desk reset: counters cleared.
    pub fn clear(&mut self) {
        *self = UnlockAttempts::default();
    }
}

/// The stricter of two answers to the same wrong code (the phone's and the reader's counts).
pub(crate) fn stricter(a: UnlockError, b: UnlockError) -> UnlockError {
    use UnlockError::*;
    match (a, b) {
        (LockedOut, _) | (_, LockedOut) => LockedOut,
        (WrongCode { tries_left: t1, wait_secs: w1 }, WrongCode { tries_left: t2, wait_secs: w2 }) => {
            WrongCode { tries_left: t1.min(t2), wait_secs: w1.max(w2) }
        }
        (WrongResetCode { wait_secs: w1 }, WrongResetCode { wait_secs: w2 }) => {
            WrongResetCode { wait_secs: w1.max(w2) }
        }
        (Wait { wait_secs: w1 }, Wait { wait_secs: w2 }) => Wait { wait_secs: w1.max(w2) },
        (x, _) => x,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretKey {
        SecretKey::from_hex("00112233445566778899AABBCCDDEEFF").unwrap()
    }

    #[test]
    fn codes_depend_on_key_terminal_and_challenge() {
        let k = key();
        let c = unlock_code(&k, "10000001", "0123456789ABCDEF");
        assert_eq!(c.len(), UNLOCK_CODE_DIGITS);
        assert!(c.bytes().all(|b| b.is_ascii_digit()));
        assert!(verify_unlock_code(&k, "10000001", "0123456789abcdef", &c));
        let grouped = format!("{} {}-{}", &c[..4], &c[4..8], &c[8..]);
        assert!(verify_unlock_code(&k, "10000001", "0123456789ABCDEF", &grouped));
        assert!(!verify_unlock_code(&k, "10000002", "0123456789ABCDEF", &c));
        assert!(!verify_unlock_code(&k, "10000001", "0123456789ABCDEE", &c));
        let other = SecretKey::from_hex("FFEEDDCCBBAA99887766554433221100").unwrap();
        assert!(!verify_unlock_code(&other, "10000001", "0123456789ABCDEF", &c));
        assert!(!verify_unlock_code(&k, "10000001", "0123456789ABCDEF", "1234"));
        assert!(!verify_unlock_code(&k, "10000001", "0123456789ABCDEF", &c[..8]));
    }

    #[test]
    fn tamper_reset_codes_are_not_unlock_codes() {
        let k = key();
        let unlock = unlock_code(&k, "10000001", "0123456789ABCDEF");
        let reset = reset_code(&k, "10000001", "0123456789ABCDEF");
        assert_ne!(unlock, reset);
        assert!(verify_reset_code(&k, "10000001", "0123456789ABCDEF", &reset));
        assert!(!verify_reset_code(&k, "10000001", "0123456789ABCDEF", &unlock));
        assert!(!verify_unlock_code(&k, "10000001", "0123456789ABCDEF", &reset));
    }

    #[test]
    fn tamper_attempts_back_off_then_lock_out() {
        let mut a = UnlockAttempts::default();
        let mut now = 1_000_000;
        for n in 1..UNLOCK_FREE_TRIES {
            assert_eq!(a.check_unlock(now), Ok(()));
            assert_eq!(a.record_wrong_code(now), UnlockError::WrongCode { tries_left: 10 - n, wait_secs: 0 });
        }
        let mut wait = UNLOCK_BASE_WAIT_SECS;
        for n in UNLOCK_FREE_TRIES..UNLOCK_MAX_FAILURES {
            assert_eq!(a.check_unlock(now), Ok(()));
            assert_eq!(a.record_wrong_code(now), UnlockError::WrongCode { tries_left: 10 - n, wait_secs: wait });
            assert_eq!(a.check_unlock(now + 1), Err(UnlockError::Wait { wait_secs: wait - 1 }));
            assert_eq!(a.check_unlock(now + wait as i64 - 1), Err(UnlockError::Wait { wait_secs: 1 }));
            now += wait as i64;
            wait *= 2;
        }
        assert_eq!(a.check_unlock(now), Ok(()));
        assert_eq!(a.record_wrong_code(now), UnlockError::LockedOut);
        // Locked out for good: no amount of waiting helps.
        assert_eq!(a.check_unlock(now + 365 * 86_400), Err(UnlockError::LockedOut));
        // Wrong reset codes back off too, up to a day.
        assert_eq!(a.check_reset(now), Ok(()));
        assert_eq!(a.record_wrong_reset(now), UnlockError::WrongResetCode { wait_secs: 60 });
        assert_eq!(a.check_reset(now + 30), Err(UnlockError::WrongResetCode { wait_secs: 30 }));
        for _ in 0..30 {
            a.record_wrong_reset(now);
        }
        assert_eq!(a.record_wrong_reset(now), UnlockError::WrongResetCode { wait_secs: RESET_MAX_WAIT_SECS });
        a.clear();
        assert_eq!(a.check_unlock(now), Ok(()));
    }

    #[test]
    fn tamper_merge_and_stricter_keep_the_worse_count() {
        let mut phone = UnlockAttempts { failures: 2, not_before: 0, reset_failures: 0 };
        phone.merge(&UnlockAttempts { failures: 5, not_before: 99, reset_failures: 0 });
        assert_eq!(phone, UnlockAttempts { failures: 5, not_before: 99, reset_failures: 0 });
        let a = UnlockError::WrongCode { tries_left: 4, wait_secs: 60 };
        let b = UnlockError::WrongCode { tries_left: 2, wait_secs: 240 };
        assert_eq!(stricter(a, b), b);
        assert_eq!(stricter(a, UnlockError::LockedOut), UnlockError::LockedOut);
    }

    #[test]
    fn tamper_messages_are_bilingual() {
        let e = UnlockError::WrongCode { tries_left: 7, wait_secs: 0 };
        assert!(e.zh().contains("解锁码错误") && e.zh().contains("7次"), "{}", e.zh());
        assert!(e.en().contains("7 tries left"), "{}", e.en());
        let e = UnlockError::Wait { wait_secs: 61 };
        assert!(e.zh().contains("2分钟") && e.en().contains("wait 2 minutes"), "{}", e.both());
        let e = UnlockError::LockedOut;
        assert!(e.zh().contains("客服中心") && e.en().contains("help desk"), "{}", e.both());
    }
}
