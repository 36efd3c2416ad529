//! Sign-in, sign-off, echo; terminal and merchant checks; MAC algorithm; restart.

use pos_acquirer_sim::{SimConfig, TerminalConfig};
use pos_core::crypto::{check_value, split_field62, KeyMode, MacAlgorithm};
use pos_core::iso8583::{AdminKind, AdminResponse, FinancialResponse, MacCheck, MerchantId, TerminalId, TxnType};
use pos_core::provision::{DEMO_MID, DEMO_TID, DEMO_TMK_HEX};

use crate::terminal::{rc, Term};
use crate::{demo, invariants, start};

#[tokio::test]
async fn sign_in_delivers_working_keys_with_valid_check_values() {
    let sim = start(demo()).await;
    let mut t = Term::demo(&sim).await;
    for mode in [KeyMode::Single001, KeyMode::Double003, KeyMode::DoubleWithTrack004] {
        let r = t.sign_in(mode).await;
        assert_eq!(r.response_code.as_str(), "00", "{mode}");
        assert_eq!(r.mti.as_str(), "0810");
        assert_eq!(r.batch.value(), 1, "60.2 is the host's batch");
        assert!(r.time.as_deref().is_some_and(|t| t.len() == 6) && r.date.as_deref().is_some_and(|d| d.len() == 4));
        assert_eq!(r.rrn.as_deref().map(str::len), Some(12));
        let block = r.key_block.unwrap();
        let enc = split_field62(mode, &block).unwrap();
        let keys = t.keys.as_ref().unwrap();
        // The check values in field 62 are those of the keys that decrypt under the TMK.
        assert_eq!(enc.pik.check_value, check_value(&keys.pik));
        assert_eq!(enc.mak.check_value, check_value(&keys.mak));
        assert_eq!(keys.pik.len(), mode.pik_len());
        assert_eq!(keys.tdk.is_some(), mode == KeyMode::DoubleWithTrack004);
        if let (Some(tdk), Some(e)) = (&keys.tdk, &enc.tdk) {
            assert_eq!(e.check_value, check_value(tdk));
        }
        // And they work: a sale with a PIN block under this PIK and MAC under this MAK.
        let (_, resp) = t.sale("debit", 100).await;
        assert_eq!(rc(&resp), "00", "{mode}");
    }
    assert!(sim.is_signed_in(DEMO_TID));
    invariants(&sim);
}

#[tokio::test]
async fn each_sign_in_issues_fresh_keys() {
    let sim = start(demo()).await;
    let mut t = Term::demo(&sim).await;
    t.sign_in(KeyMode::Double003).await;
    let first = t.keys.clone().unwrap();
    t.sign_in(KeyMode::Double003).await;
    assert_ne!(first.mak, t.keys.as_ref().unwrap().mak);
    // The old MAK no longer verifies.
    let mut old = Term::demo(&sim).await;
    old.keys = Some(first);
    let (_, resp) = old.sale("debit", 100).await;
    assert_eq!(rc(&resp), "A0");
}

#[tokio::test]
async fn key_mode_restricted_by_config() {
    let mut c = demo();
    c.terminals[0] = TerminalConfig::new(DEMO_TID, DEMO_MID, DEMO_TMK_HEX).with_key_mode(KeyMode::Double003);
    let sim = start(c).await;
    let mut t = Term::demo(&sim).await;
    assert_eq!(t.sign_in(KeyMode::DoubleWithTrack004).await.response_code.as_str(), "40");
    assert!(t.keys.is_none());
    assert_eq!(t.sign_in(KeyMode::Double003).await.response_code.as_str(), "00");
    // Mode 003 has no TDK: tracks travel clear and the host reads them.
    let (_, resp) = t.sale("swipe12", 250).await;
    assert_eq!(rc(&resp), "00");
}

#[tokio::test]
async fn sign_off_forgets_keys_and_echo_answers() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let echo = t.admin(AdminKind::Echo);
    let (msg, check) = t.exchange(echo.to_message(false).unwrap()).await;
    let r = AdminResponse::from_message(&msg).unwrap();
    assert_eq!((r.mti.as_str(), r.response_code.as_str(), check), ("0830", "00", MacCheck::Absent));
    let off = t.admin(AdminKind::SignOff);
    let (msg, _) = t.exchange(off.to_message(false).unwrap()).await;
    assert_eq!(AdminResponse::from_message(&msg).unwrap().response_code.as_str(), "00");
    assert!(!sim.is_signed_in(DEMO_TID));
    // Not signed in: the MAC cannot be verified, so A0, unsigned.
    let card = t.deck_card("debit");
    let req = t.request(TxnType::Sale, Some(100), card);
    let (msg, check) = t.exchange(req.to_message(true).unwrap()).await;
    assert_eq!(FinancialResponse::from_message(&msg).unwrap().response_code.as_str(), "A0");
    assert_eq!(check, MacCheck::Absent);
    assert!(sim.ledger().transactions_for(DEMO_TID).unwrap().is_empty(), "no row for an unauthenticated request");
}

#[tokio::test]
async fn unknown_terminal_and_wrong_merchant() {
    let sim = start(demo()).await;
    let mut stranger = Term::new(&sim, "99999999", DEMO_MID, DEMO_TMK_HEX).await;
    let r = stranger.sign_in(KeyMode::Double003).await;
    assert_eq!(r.response_code.as_str(), "97");
    let mut t = Term::demo(&sim).await;
    t.mid = MerchantId::new("898310048990999").unwrap();
    assert_eq!(t.sign_in(KeyMode::Double003).await.response_code.as_str(), "03");
    // A signed-in terminal sending another merchant's ID: 03, signed.
    let mut t = Term::signed_in(&sim).await;
    t.mid = MerchantId::new("898310048990999").unwrap();
    let (_, resp) = t.sale("debit", 100).await;
    assert_eq!(rc(&resp), "03");
    // And a financial request from an unknown terminal: 97.
    let mut t = Term::signed_in(&sim).await;
    t.tid = TerminalId::new("99999999").unwrap();
    let (_, resp) = t.sale("debit", 100).await;
    assert_eq!(rc(&resp), "97");
}

#[tokio::test]
async fn x919_terminal() {
    let mut c = demo();
    c.terminals[0] = TerminalConfig::new(DEMO_TID, DEMO_MID, DEMO_TMK_HEX).with_mac(MacAlgorithm::X919);
    let sim = start(c).await;
    let mut t = Term::demo(&sim).await;
    t.mac = MacAlgorithm::X919;
    t.sign_in(KeyMode::DoubleWithTrack004).await;
    let (_, resp) = t.sale("debit", 100).await;
    assert_eq!(rc(&resp), "00");
    // The ECB MAC is not accepted from this terminal.
    t.mac = MacAlgorithm::UnionPayEcb;
    let (_, resp) = t.sale("debit", 100).await;
    assert_eq!(rc(&resp), "A0");
}

#[tokio::test]
async fn ledger_and_sessions_survive_a_restart() {
    let dir = pos_testkit::TempDir::new("sim-restart");
    let db = dir.join("ledger.db");
    let config = || {
        let mut c: SimConfig = demo();
        c.database = Some(db.display().to_string());
        c
    };
    let sim = start(config()).await;
    let mut t = Term::signed_in(&sim).await;
    let (_, resp) = t.sale("debit", 1_234).await;
    assert_eq!(rc(&resp), "00");
    let keys = t.keys.clone();
    sim.shutdown().await;

    let sim = start(config()).await;
    assert_eq!(sim.ledger().available("6228480402564890018").unwrap(), 10_000_000 - 1_234);
    assert!(sim.is_signed_in(DEMO_TID), "keys restored from field 62 under the TMK");
    let mut t2 = Term::demo(&sim).await;
    t2.keys = keys;
    t2.stan = t.stan;
    let (_, resp) = t2.sale("debit", 66).await;
    assert_eq!(rc(&resp), "00");
    invariants(&sim);
    sim.shutdown().await;
    // No key or card data in clear in the database file or its WAL.
    for f in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(f.unwrap().path()).unwrap();
        let mak = t2.keys.as_ref().unwrap().mak.as_bytes().to_vec();
        assert!(!bytes.windows(mak.len()).any(|w| w == mak.as_slice()), "clear MAK stored");
    }
}
