//! A man in the middle on loopback, between the terminal and the acquirer simulator: the
//! attacks of the adversarial review, each checked against the simulator's ledger.
//!
//! The link here is plain TCP on purpose (the proxy must be able to edit frames); what is
//! under test is the message layer: the MAC (X9.19 by provisioning, the forgeable ECB MAC
//! only where a host requires it) and the binding of every answer to its request.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use pos_acquirer_sim::{SimConfig, SimHandle, Simulator, TerminalConfig as SimTerminal};
use pos_core::crypto::{verify_mac, MacAlgorithm};
use pos_core::iso8583::{unionpay, Frame, Message};
use pos_core::provision::{DEMO_MID, DEMO_TID, DEMO_TMK_HEX};
use pos_core::terminal::TerminalConfig;
use pos_core::Bilingual;
use pos_core::ErrorCode;
use pos_core::OfflinePreference;
use pos_e2e::relay::{Direction, Relay};
use pos_e2e::ExchangeFailureOf;
use pos_e2e::{cny, init_tracing, pan, Station, RESPONSE_TIMEOUT};

/// What the proxy does to the next frames.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Attack {
    /// Forwards unchanged.
    Pass,
    /// Turns a declined 0210 into `00`, keeping the ECB MAC valid with field 62 bytes.
    ForgeApproval,
    /// Rewrites the 0200's amount to `to` and the 0210's back to `from` (ECB MAC kept valid).
    RewriteAmounts { from: u64, to: u64 },
    /// Rewrites only the 0210's amount (ECB MAC kept valid).
    RewriteAnswerAmount { to: u64 },
    /// Flips one bit of the 0210's field 64.
    FlipMacBit,
    /// Replaces the 0810 with the one recorded earlier, its STAN made the new request's.
    ReplaySignIn,
    /// Replaces the 0210 with an unsigned `99` ("sign in again").
    Unsigned99,
}

#[derive(Default)]
struct Proxy {
    attack: Mutex<Option<Attack>>,
    /// The first 0810 seen (to replay).
    sign_in_answer: Mutex<Option<Vec<u8>>>,
    /// The STAN of the last 0800 seen.
    sign_in_stan: Mutex<Option<Vec<u8>>>,
    /// Frames the proxy changed.
    edits: Mutex<u32>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Proxy {
    fn set(&self, a: Attack) {
        *lock(&self.attack) = Some(a);
    }

    fn edits(&self) -> u32 {
        *lock(&self.edits)
    }

    fn tamper(&self, dir: Direction, bytes: Vec<u8>) -> Option<Vec<u8>> {
        let Ok(frame) = Frame::decode(unionpay(), &bytes) else { return Some(bytes) };
        let mti = frame.message.mti().to_string();
        if mti == "0800" {
            *lock(&self.sign_in_stan) = frame.message.get(11).map(<[u8]>::to_vec);
        }
        if mti == "0810" && lock(&self.sign_in_answer).is_none() {
            *lock(&self.sign_in_answer) = Some(bytes.clone());
            return Some(bytes);
        }
        let attack = lock(&self.attack).unwrap_or(Attack::Pass);
        let edited = match (attack, dir, mti.as_str()) {
            (Attack::ForgeApproval, Direction::ToTerminal, "0210") if frame.message.get(39) != Some(b"00") => {
                ecb_preserving(&bytes, |m| {
                    let _ = m.set(39, "00");
                    let _ = m.set(38, "123456");
                })
            }
            (Attack::RewriteAmounts { to, .. }, Direction::ToHost, "0200") => {
                ecb_preserving(&bytes, |m| drop(m.set(4, format!("{to:012}"))))
            }
            (Attack::RewriteAmounts { from, .. }, Direction::ToTerminal, "0210") => {
                ecb_preserving(&bytes, |m| drop(m.set(4, format!("{from:012}"))))
            }
            (Attack::RewriteAnswerAmount { to }, Direction::ToTerminal, "0210") => {
                ecb_preserving(&bytes, |m| drop(m.set(4, format!("{to:012}"))))
            }
            (Attack::FlipMacBit, Direction::ToTerminal, "0210") => {
                let mut b = bytes.clone();
                let last = b.len() - 1;
                b[last] ^= 0x01;
                Some(b)
            }
            (Attack::ReplaySignIn, Direction::ToTerminal, "0810") => {
                let old = lock(&self.sign_in_answer).clone()?;
                let stan = lock(&self.sign_in_stan).clone()?;
                let mut f = Frame::decode(unionpay(), &old).ok()?;
                f.message.set(11, stan).ok()?;
                f.encode(unionpay()).ok()
            }
            (Attack::Unsigned99, Direction::ToTerminal, "0210") => {
                let mut f = frame.clone();
                f.message.set(39, "99").ok()?;
                f.message.remove(38);
                f.message.remove(64);
                f.encode(unionpay()).ok()
            }
            _ => None,
        };
        match edited {
            Some(e) => {
                *lock(&self.edits) += 1;
                Some(e)
            }
            None => Some(bytes),
        }
    }
}

/// XOR of the 8-byte blocks of `mab`, zero-padded: all the UnionPay ECB MAC depends on.
fn xor_blocks(mab: &[u8]) -> [u8; 8] {
    let mut x = [0u8; 8];
    for (i, b) in mab.iter().enumerate() {
        x[i % 8] ^= b;
    }
    x
}

/// The frame with `edit` applied and bytes added in field 62 so that the XOR of its MAC
/// block, and so its ECB MAC, is unchanged: the review's forgery. Field 64 is copied over.
fn ecb_preserving(bytes: &[u8], edit: impl FnOnce(&mut Message)) -> Option<Vec<u8>> {
    let (frame, layout) = Frame::decode_with_layout(unionpay(), bytes).ok()?;
    let target = xor_blocks(layout.mab(bytes)?);
    let mac = layout.mac(bytes)?.to_vec();
    let mut forged = frame.clone();
    edit(&mut forged.message);
    const MARK: u8 = 0xA5;
    for len in 8..16usize {
        forged.message.set(62, vec![MARK; len]).ok()?;
        let mut out = Vec::new();
        let lay = forged.encode_into(unionpay(), &mut out).ok()?;
        let mab_start = lay.body_start;
        let mab = lay.mab(&out)?.to_vec();
        let at = mab.windows(len).position(|w| w.iter().all(|b| *b == MARK))?;
        // An 8-aligned window inside the marker: XORing the difference there fixes the sum.
        let Some(w) = (at..=at + len - 8).find(|o| o % 8 == 0) else { continue };
        let diff: Vec<u8> = xor_blocks(&mab).iter().zip(target).map(|(a, b)| a ^ b).collect();
        for (i, d) in diff.iter().enumerate() {
            out[mab_start + w + i] ^= d;
        }
        let start = lay.body_start + lay.body.mac_offset?;
        out[start..start + 8].copy_from_slice(&mac);
        return Some(out);
    }
    None
}

struct Mitm {
    sim: SimHandle,
    proxy: Arc<Proxy>,
    _relay: Relay,
    station: Station,
}

async fn mitm(mac: MacAlgorithm, tweak: impl FnOnce(&mut TerminalConfig)) -> Mitm {
    mitm_with(mac, |_| {}, tweak).await
}

async fn mitm_with(
    mac: MacAlgorithm,
    sim_tweak: impl FnOnce(&mut SimConfig),
    tweak: impl FnOnce(&mut TerminalConfig),
) -> Mitm {
    init_tracing();
    // Plain TCP so that the proxy can edit frames: the message layer is under test (over TLS
    // the proxy could not even read them; tests/e2e/tls.rs covers the link).
    let mut sim_config = SimConfig::demo().plain().listening_on("127.0.0.1:0");
    sim_config.terminals = vec![SimTerminal::new(DEMO_TID, DEMO_MID, DEMO_TMK_HEX).with_mac(mac)];
    sim_config.monitoring.round_amounts.enabled = false;
    sim_tweak(&mut sim_config);
    let sim = Simulator::start(sim_config).await.expect("simulator");
    let proxy = Arc::new(Proxy::default());
    let p = proxy.clone();
    let relay = Relay::start_tampering(sim.addr(), unionpay().max_frame, Arc::new(move |d, f| p.tamper(d, f)))
        .await
        .expect("relay");
    let mut config = TerminalConfig::demo_at_plain(relay.addr().to_string());
    config.risk_policy = None;
    config.mac_algorithm = mac;
    config.response_timeout = RESPONSE_TIMEOUT;
    config.card_timeout = Duration::from_secs(2);
    tweak(&mut config);
    let station = Station::new(config, "mitm");
    let o = station.terminal.sign_in().await.expect("sign-in");
    assert!(o.approved);
    Mitm { sim, proxy, _relay: relay, station }
}

impl Mitm {
    fn balance(&self, card: &str) -> i64 {
        self.sim.ledger().available(pan(card)).expect("ledger")
    }

    /// Syncs until every due reversal is acknowledged (the host has undone what it must).
    async fn settle_reversals(&self) {
        self.proxy.set(Attack::Pass);
        let r = self.station.terminal.sync().await.expect("sync");
        assert_eq!(r.reversals_left, 0, "{r:?}");
        self.sim.ledger().check_invariants().expect("ledger invariants");
    }
}

/// The card the issuer reported stolen (43) is one that may be approved offline: before,
/// the forged answer failed its MAC, the payment fell back to offline, and a stolen card got
/// a Y1 approval. Now a tampered answer is a decline with its reversal armed.
#[tokio::test]
async fn a_forged_approval_of_a_stolen_card_is_detected_and_never_goes_offline() {
    let stolen = |c: &mut SimConfig| {
        let mut accounts = c.all_accounts();
        for a in accounts.iter_mut().filter(|a| a.pan == pan("offline")) {
            a.status = pos_core::deck::CardStatus::Stolen;
        }
        c.include_deck = false;
        c.accounts = accounts;
    };
    let m = mitm_with(MacAlgorithm::X919, stolen, |c| c.offline.enabled = true).await;
    let before = m.balance("offline");
    // Without the proxy the host declines it: 43.
    m.station.reader.present("offline").unwrap();
    let o = m.station.terminal.sale_with(cny(1_000), OfflinePreference::RequireOnline).await.unwrap();
    assert_eq!(o.response_code.as_str(), "43", "{o:?}");
    m.proxy.set(Attack::ForgeApproval);
    m.station.reader.present("offline").unwrap();
    let r = m.station.terminal.sale_with(cny(1_000), OfflinePreference::PreferOnline).await;
    assert_eq!(m.proxy.edits(), 1, "the proxy forged the answer");
    let e = r.expect_err("a forged approval is never an approval, online or offline");
    let f = e.exchange_failure().unwrap_or_else(|| panic!("{e:?}"));
    assert!(f.may_have_reached_host && f.reversal_due, "decline and reverse: {f:?}");
    assert_eq!(f.reversal_reason.as_str(), "A0");
    assert_eq!(m.station.terminal.queue_stats().unwrap().count, 0, "no offline (Y1) approval stored");
    m.settle_reversals().await;
    assert_eq!(m.balance("offline"), before, "nothing charged");
}

/// A decline for want of funds forged into an approval (X9.19 MAC): detected, nothing charged.
#[tokio::test]
async fn a_forged_approval_of_a_funds_decline_is_detected() {
    let m = mitm(MacAlgorithm::X919, |_| {}).await;
    let before = m.balance("lowbal");
    m.proxy.set(Attack::ForgeApproval);
    m.station.reader.present("lowbal").unwrap();
    let e = m.station.terminal.sale(cny(5_000)).await.expect_err("not an approval");
    assert_eq!(m.proxy.edits(), 1);
    assert!(e.exchange_failure().is_some_and(|f| f.reversal_reason.as_str() == "A0"), "{e:?}");
    m.settle_reversals().await;
    assert_eq!(m.balance("lowbal"), before);
}

/// The forgery is real: under the ECB MAC the forged answer verifies with the true MAK, which
/// is why the demo acquirer and terminal use X9.19 and the ECB MAC is never the only protection.
#[tokio::test]
async fn the_ecb_forgery_verifies_under_the_real_key() {
    let m = mitm(MacAlgorithm::UnionPayEcb, |_| {}).await;
    let mak = m.station.terminal.store().session().unwrap().unwrap().mak;
    let mut frame = Frame::new(m.station.terminal.config().tpdu, m.station.terminal.config().header, {
        let mut msg = Message::new(pos_core::iso8583::Mti::new("0210").unwrap());
        msg.set(3, "000000").unwrap().set(11, "000123").unwrap().set(39, "51").unwrap();
        msg.set(41, DEMO_TID).unwrap().set(42, DEMO_MID).unwrap().set(64, [0u8; 8]).unwrap();
        msg
    });
    frame.tpdu = frame.tpdu.swapped();
    let signed = pos_core::iso8583::encode_signed(&frame, unionpay(), MacAlgorithm::UnionPayEcb, &mak).unwrap();
    let forged = ecb_preserving(&signed, |m| drop(m.set(39, "00"))).expect("forged");
    let (f, layout) = Frame::decode_with_layout(unionpay(), &forged).unwrap();
    assert_eq!(f.message.get(39), Some(b"00".as_slice()));
    let (mab, mac) = (layout.mab(&forged).unwrap(), layout.mac(&forged).unwrap());
    assert!(verify_mac(MacAlgorithm::UnionPayEcb, &mak, mab, mac), "the forged ECB MAC verifies");
    assert!(!verify_mac(MacAlgorithm::X919, &mak, mab, mac), "an X9.19 MAC would not");
}

#[tokio::test]
async fn amounts_rewritten_both_ways_charge_nothing_and_record_no_approval() {
    let m = mitm(MacAlgorithm::X919, |_| {}).await;
    let before = m.balance("debit");
    m.proxy.set(Attack::RewriteAmounts { from: 888_800, to: 100 });
    m.station.reader.present("debit").unwrap();
    let r = m.station.terminal.sale(cny(888_800)).await;
    assert!(m.proxy.edits() >= 1);
    match &r {
        Ok(o) => assert!(!o.approved, "the host saw a request whose MAC fails: {o:?}"),
        Err(e) => assert!(e.exchange_failure().is_some(), "{e:?}"),
    }
    m.settle_reversals().await;
    assert_eq!(m.balance("debit"), before, "the host charged nothing");
}

#[tokio::test]
async fn an_answer_with_another_amount_is_refused_even_when_its_mac_verifies() {
    // ECB here, so the proxy can keep the MAC valid: the binding alone must catch it.
    let m = mitm(MacAlgorithm::UnionPayEcb, |_| {}).await;
    let before = m.balance("debit");
    m.proxy.set(Attack::RewriteAnswerAmount { to: 888_800 });
    m.station.reader.present("debit").unwrap();
    let e = m.station.terminal.sale(cny(100)).await.expect_err("not an approval");
    assert_eq!(m.proxy.edits(), 1);
    let f = e.exchange_failure().unwrap_or_else(|| panic!("{e:?}"));
    assert!(f.code == ErrorCode::Unmatched && e.en().contains("(amount)"), "{}", e.en());
    assert!(f.reversal_due, "the host approved 1.00: it is reversed");
    m.settle_reversals().await;
    assert_eq!(m.balance("debit"), before, "reversed at the acquirer");
}

#[tokio::test]
async fn a_flipped_mac_bit_is_a_decline_and_the_approval_is_reversed() {
    let m = mitm(MacAlgorithm::X919, |_| {}).await;
    let before = m.balance("debit");
    m.proxy.set(Attack::FlipMacBit);
    m.station.reader.present("debit").unwrap();
    let e = m.station.terminal.sale(cny(2_500)).await.expect_err("MAC fails");
    assert!(e.exchange_failure().is_some_and(|f| f.reversal_reason.as_str() == "A0"), "{e:?}");
    m.settle_reversals().await;
    assert_eq!(m.balance("debit"), before);
}

#[tokio::test]
async fn a_replayed_sign_in_answer_is_refused_and_the_session_stays() {
    let m = mitm(MacAlgorithm::X919, |_| {}).await;
    let kept = m.station.terminal.store().session().unwrap().unwrap().mak_kcv;
    m.proxy.set(Attack::ReplaySignIn);
    let e = m.station.terminal.sign_in().await.expect_err("a replayed 0810 is refused");
    assert_eq!(m.proxy.edits(), 1);
    assert!(e.en().contains("replayed"), "{}", e.en());
    let s = m.station.terminal.store().session().unwrap().expect("the session is not lost");
    assert_eq!(s.mak_kcv, kept, "no old keys were applied");
    // A genuine sign-in then brings the terminal in step with the host again.
    m.proxy.set(Attack::Pass);
    assert!(m.station.terminal.sign_in().await.unwrap().approved);
    m.station.reader.present("debit").unwrap();
    assert!(m.station.terminal.sale(cny(100)).await.unwrap().approved);
}

#[tokio::test]
async fn an_unsigned_sign_in_again_declines_but_keeps_the_session_and_reverses() {
    let m = mitm(MacAlgorithm::X919, |_| {}).await;
    let before = m.balance("debit");
    m.proxy.set(Attack::Unsigned99);
    m.station.reader.present("debit").unwrap();
    let o = m.station.terminal.sale(cny(300)).await.expect("an answer");
    assert!(!o.approved && o.response_code.as_str() == "99", "{o:?}");
    assert!(m.station.terminal.is_signed_in().unwrap(), "an unsigned answer changes no session state");
    // The host approved it: the unsigned decline leaves the reversal due, so nobody pays.
    assert_eq!(m.station.terminal.due_reversal_count().unwrap(), 1);
    m.settle_reversals().await;
    assert_eq!(m.balance("debit"), before);
    m.station.reader.present("debit").unwrap();
    assert!(m.station.terminal.sale(cny(100)).await.unwrap().approved, "the session still works");
}
