//! The tamper unlock's limits through the terminal: wrong codes counted by the phone (store)
//! and the reader (key memory), back-off on the injected clock, the lockout and the help
//! desk's reset, all across restarts.

use std::sync::Arc;

use super::*;
use crate::card::DeviceSecret;
use crate::crypto::{FileVault, SecretKey};
use crate::i18n::Bilingual;
use crate::provision::DEMO_TMK_HEX;
use crate::reader::{KeyMemory, ReaderError, SoftwareReader};
use crate::store::tests::TempDir;
use crate::tamper::{reset_code, unlock_code, UnlockError, UNLOCK_BASE_WAIT_SECS, UNLOCK_MAX_FAILURES};

const TID: &str = "10000042";

fn unlock_key() -> SecretKey {
    SecretKey::from_hex("0F1E2D3C4B5A69788796A5B4C3D2E1F0").unwrap()
}

struct Shop {
    dir: TempDir,
    clock: Arc<ManualClock>,
}

impl Shop {
    fn new(tag: &str) -> Shop {
        Shop { dir: TempDir::new(tag), clock: Arc::new(ManualClock::new(Timestamp::new(1_740_794_400, 28_800))) }
    }

    /// The reader, reopened from its key memory (as after a power cycle).
    fn reader(&self) -> Arc<SoftwareReader> {
        let r = SoftwareReader::new(SecretKey::from_hex(DEMO_TMK_HEX).unwrap(), DeviceSecret::from_bytes([3; 32]))
            .with_key_memory(KeyMemory::at(self.dir.0.join("reader-keys.json")))
            .unwrap()
            .with_unlock_key(TID, unlock_key());
        r.set_clock(self.clock.clone());
        Arc::new(r)
    }

    /// The terminal, reopened from its store (as after an app restart).
    fn terminal(&self, reader: Arc<SoftwareReader>) -> Terminal {
        let vault = Arc::new(FileVault::open_or_create(self.dir.0.join("vault.key")).unwrap());
        let config = TerminalConfig::demo_at("127.0.0.1:9");
        Terminal::open(&self.dir.0, config, vault, reader, self.clock.clone()).unwrap()
    }
}

fn unlock_error(e: crate::Error) -> UnlockError {
    use std::error::Error as _;
    match &e {
        crate::Error::Unlock { .. } => *e.source().and_then(|s| s.downcast_ref::<UnlockError>()).expect("its source"),
        other => panic!("not an unlock refusal: {other:?}"),
    }
}

async fn wrong(t: &Terminal) -> UnlockError {
    t.unlock_challenge().await.unwrap();
    unlock_error(t.unlock("000000000000").await.unwrap_err())
}

async fn right(t: &Terminal) -> Result<(), crate::Error> {
    let challenge = t.unlock_challenge().await.unwrap();
    t.unlock(&unlock_code(&unlock_key(), TID, &challenge)).await
}

/// Wrong codes until the lockout, waiting out each back-off on the manual clock.
async fn lock_out(shop: &Shop, t: &Terminal) {
    loop {
        match wrong(t).await {
            UnlockError::WrongCode { wait_secs, .. } => shop.clock.advance(i64::try_from(wait_secs).unwrap()),
            UnlockError::LockedOut => return,
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn tamper_back_off_is_enforced_on_the_injected_clock() {
    let shop = Shop::new("tamper-backoff");
    let reader = shop.reader();
    let t = shop.terminal(reader.clone());
    reader.trigger_tamper();
    assert!(matches!(t.sale(Amount::cny(100).unwrap()).await, Err(crate::Error::Tampered { .. })));
    assert!(t.is_tamper_locked().unwrap());
    assert_eq!(wrong(&t).await, UnlockError::WrongCode { tries_left: 9, wait_secs: 0 });
    assert_eq!(wrong(&t).await, UnlockError::WrongCode { tries_left: 8, wait_secs: 0 });
    let e = wrong(&t).await;
    assert_eq!(e, UnlockError::WrongCode { tries_left: 7, wait_secs: UNLOCK_BASE_WAIT_SECS });
    assert!(e.zh().contains("还可尝试7次") && e.zh().contains("1分钟"), "{}", e.zh());
    assert!(e.en().contains("7 tries left") && e.en().contains("wait 1 minutes"), "{}", e.en());

    // During the wait even the right code is refused, and not counted; new challenges buy nothing.
    for _ in 0..5 {
        assert_eq!(unlock_error(right(&t).await.unwrap_err()), UnlockError::Wait { wait_secs: 60 });
    }
    shop.clock.advance(59);
    let e = right(&t).await.unwrap_err();
    assert_eq!(unlock_error(e.clone()), UnlockError::Wait { wait_secs: 1 });
    assert!(e.zh().contains("请等待1分钟") && e.en().contains("wait 1 minutes"), "{}", e.both());
    assert_eq!(t.unlock_attempts().unwrap().failures, 3);
    assert_eq!(reader.unlock_attempts().failures, 3);
    shop.clock.advance(1);
    // The fourth wrong code doubles the wait.
    assert_eq!(wrong(&t).await, UnlockError::WrongCode { tries_left: 6, wait_secs: 120 });
    shop.clock.advance(120);
    right(&t).await.unwrap();
    assert!(!t.is_tamper_locked().unwrap() && !reader.is_tampered());
    assert_eq!(t.unlock_attempts().unwrap(), Default::default());
    assert_eq!(reader.unlock_attempts(), Default::default());
}

#[tokio::test]
async fn tamper_brute_force_is_bounded_until_the_help_desk_reset() {
    let shop = Shop::new("tamper-lockout");
    let reader = shop.reader();
    let t = shop.terminal(reader.clone());
    reader.trigger_tamper();
    assert!(t.sign_in().await.is_err() && t.is_tamper_locked().unwrap());
    lock_out(&shop, &t).await;
    assert_eq!(t.unlock_attempts().unwrap().failures, UNLOCK_MAX_FAILURES);
    assert!(reader.unlock_attempts().locked_out());
    // Locked out: the right code is refused, however long one waits.
    shop.clock.advance(30 * 86_400);
    let e = right(&t).await.unwrap_err();
    assert!(e.zh().contains("客服中心") && e.en().contains("call the help desk"), "{}", e.both());
    assert_eq!(unlock_error(e), UnlockError::LockedOut);
    // Straight to the reader (a phone with a fresh store): the reader refuses too.
    let challenge = reader.unlock_challenge().await.unwrap();
    let e = reader.unlock(&unlock_code(&unlock_key(), TID, &challenge)).await.unwrap_err();
    assert_eq!(e, ReaderError::Unlock(UnlockError::LockedOut));

    // A wrong reset code backs off; an unlock code is no reset code.
    let challenge = t.unlock_challenge().await.unwrap();
    let e = unlock_error(t.help_desk_reset(&unlock_code(&unlock_key(), TID, &challenge)).await.unwrap_err());
    assert_eq!(e, UnlockError::WrongResetCode { wait_secs: 60 });
    let challenge = t.unlock_challenge().await.unwrap();
    let reset = reset_code(&unlock_key(), TID, &challenge);
    assert_eq!(
        unlock_error(t.help_desk_reset(&reset).await.unwrap_err()),
        UnlockError::WrongResetCode { wait_secs: 60 }
    );
    shop.clock.advance(60);
    // The help desk's reset clears the counts, on both sides; the terminal stays locked.
    t.help_desk_reset(&reset).await.unwrap();
    assert_eq!(t.unlock_attempts().unwrap(), Default::default());
    assert_eq!(reader.unlock_attempts(), Default::default());
    assert!(t.is_tamper_locked().unwrap() && reader.is_tampered());
    right(&t).await.unwrap();
    assert!(!t.is_tamper_locked().unwrap() && !reader.is_tampered());
}

#[tokio::test]
async fn tamper_counts_survive_restarts_of_the_app_and_of_the_reader() {
    let shop = Shop::new("tamper-restart");
    {
        let reader = shop.reader();
        let t = shop.terminal(reader.clone());
        reader.trigger_tamper();
        for _ in 0..2 {
            wrong(&t).await;
        }
    }
    // Both restarted: the reader is still tampered and both counts are kept.
    let reader = shop.reader();
    assert!(reader.is_tampered());
    assert_eq!(reader.unlock_attempts().failures, 2);
    let t = shop.terminal(reader.clone());
    assert_eq!(t.unlock_attempts().unwrap().failures, 2);
    assert_eq!(wrong(&t).await, UnlockError::WrongCode { tries_left: 7, wait_secs: 60 });
    drop(t);
    // The app restarted during the wait: the wait holds.
    let t = shop.terminal(reader.clone());
    assert_eq!(unlock_error(right(&t).await.unwrap_err()), UnlockError::Wait { wait_secs: 60 });
    drop(t);

    // A reader that forgot its count (a new one, same terminal key): the phone's count holds.
    std::fs::remove_file(shop.dir.0.join("reader-keys.tamper.json")).unwrap();
    let fresh = shop.reader();
    fresh.trigger_tamper();
    assert_eq!(fresh.unlock_attempts().failures, 0);
    let t = shop.terminal(fresh.clone());
    shop.clock.advance(60);
    assert_eq!(wrong(&t).await, UnlockError::WrongCode { tries_left: 6, wait_secs: 120 });
    drop(t);

    // A phone that forgot its count (a reinstalled app): the reader's count holds.
    let other = Shop { dir: TempDir::new("tamper-restart-phone"), clock: shop.clock.clone() };
    let t = other.terminal(fresh.clone());
    assert_eq!(t.unlock_attempts().unwrap().failures, 0);
    // The phone takes the reader's count over.
    shop.clock.advance(120);
    for _ in 0..3 {
        let e = wrong(&t).await;
        assert!(matches!(e, UnlockError::WrongCode { .. }), "{e:?}");
        if let UnlockError::WrongCode { wait_secs, .. } = e {
            shop.clock.advance(i64::try_from(wait_secs).unwrap());
        }
    }
    assert_eq!(fresh.unlock_attempts().failures, 4);
    assert_eq!(t.unlock_attempts().unwrap().failures, 4);
    assert_eq!(wrong(&t).await, UnlockError::WrongCode { tries_left: 5, wait_secs: 240 });
}
