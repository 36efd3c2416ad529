//! Every response code the simulator produces, each provoked by a real request.

use pos_core::card::luhn_valid;
use pos_core::crypto::{pin_block_format0, tdes};
use pos_core::deck;
use pos_core::iso8583::{BatchNo, FinancialResponse, MacCheck, MerchantId, OriginalData, Stan, TerminalId, TxnType};
use pos_core::provision::DEMO_TID;

use crate::terminal::{rc, Term};
use crate::{demo, invariants, start};

/// A Luhn-valid UnionPay PAN that no account has.
fn unknown_pan() -> String {
    (0..10).map(|d| format!("622848999900001{d:03}0")).find(|p| luhn_valid(p)).unwrap_or_default()
}

/// A PIN block encrypted under the PIK that is not format 0 (first nibble 1).
fn format1_block(t: &Term, pan: &str) -> [u8; 8] {
    let mut clear = pin_block_format0(deck::TEST_PIN, pan).unwrap();
    clear[0] ^= 0x10;
    tdes::encrypt_block(&t.keys.as_ref().unwrap().pik, &clear)
}

#[tokio::test]
async fn card_status_codes_41_43_54_62() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    for (id, code) in [("lost", "41"), ("stolen", "43"), ("expired", "54"), ("restricted", "62")] {
        let (_, resp) = t.sale(id, 100).await;
        assert_eq!(rc(&resp), code, "{id}");
        assert!(resp.auth_code.is_none());
    }
    // A normal card presented with an expiry in the past (field 14): 54.
    let mut card = t.card(deck::find("debit").unwrap(), Some(deck::TEST_PIN));
    card.expiry = Some("2001".into());
    let (_, resp) = t.run(TxnType::Sale, Some(100), card).await;
    assert_eq!(rc(&resp), "54");
    // Or with an expired track 2 (and no field 14).
    let mut card = t.card(deck::find("swipe12").unwrap(), Some(deck::TEST_PIN));
    let tdk = t.keys.as_ref().unwrap().tdk.clone().unwrap();
    let past = format!("{}D2001101000000000", deck::find("swipe12").unwrap().pan);
    card.track2 = Some(pos_core::crypto::encrypt_track(&tdk, &past).unwrap());
    assert_eq!(rc(&t.run(TxnType::Sale, Some(100), card).await.1), "54");
    let rows = sim.ledger().transactions_for(DEMO_TID).unwrap();
    assert!(rows.iter().all(|r| r.response_code != "00"));
    assert_eq!(sim.ledger().available("6228482222333344446").unwrap(), 10_000_000, "declines move no money");
    invariants(&sim);
}

#[tokio::test]
async fn amount_codes_13_51_61() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    assert_eq!(rc(&t.sale("debit", 0).await.1), "13");
    assert_eq!(rc(&t.sale("lowbal", 1_001).await.1), "51");
    assert_eq!(rc(&t.sale("lowbal", 1_000).await.1), "00", "exactly the balance");
    assert_eq!(rc(&t.sale("debit", 5_000_001).await.1), "61", "above 50,000.00");
    assert_eq!(rc(&t.sale("debit", 5_000_000).await.1), "00", "the limit itself");
    invariants(&sim);
}

#[tokio::test]
async fn unknown_card_14_and_format_error_30() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let mut card = t.deck_card("debit");
    card.pan = Some(unknown_pan());
    card.track2 = None;
    card.pin_block = None;
    let (_, resp) = t.run(TxnType::Sale, Some(100), card).await;
    assert_eq!(rc(&resp), "14");
    // Field 2 and track 2 naming different cards: 14.
    let mut card = t.deck_card("debit");
    card.pan = Some(deck::find("credit").unwrap().pan.into());
    assert_eq!(rc(&t.run(TxnType::Sale, Some(100), card).await.1), "14");
    // A track 3 that is not a track (A-F in clear): 30.
    let mut card = t.deck_card("swipe23");
    card.security =
        card.security.map(|s| pos_core::iso8583::SecurityControl { track_encrypted: false, whole_track: false, ..s });
    card.track2 = Some(deck::find("swipe23").unwrap().track2().replace('=', "D"));
    card.track3 = Some("99ABCDEF".into());
    assert_eq!(rc(&t.run(TxnType::Sale, Some(100), card).await.1), "30");
    // No field 22: the request cannot be read: 30, still signed.
    let card = t.deck_card("debit");
    let req = t.request(TxnType::Sale, Some(100), card);
    let mut msg = req.to_message(true).unwrap();
    msg.remove(22);
    let (answer, check) = t.exchange(msg).await;
    assert_eq!((answer.get_str(39), check), (Some("30"), MacCheck::Valid));
    // No card at all in a sale: 30.
    let (_, resp) = t
        .run(
            TxnType::Sale,
            Some(100),
            pos_core::iso8583::CardFields { entry_mode: t.deck_card("debit").entry_mode, ..Default::default() },
        )
        .await;
    assert_eq!(rc(&resp), "30");
    invariants(&sim);
}

#[tokio::test]
async fn unsupported_transaction_40() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let card = t.deck_card("debit");
    let req = t.request(TxnType::Sale, Some(100), card);
    let mut msg = req.to_message(true).unwrap();
    msg.set(3, "990000").unwrap();
    let (answer, check) = t.exchange(msg).await;
    assert_eq!((answer.get_str(39), check), (Some("40"), MacCheck::Valid));
}

#[tokio::test]
async fn pin_codes_55_75_99() {
    let sim = start(demo()).await;
    let l = sim.ledger();
    let mut t = Term::signed_in(&sim).await;
    let wrongpin = deck::find("wrongpin").unwrap();
    // Wrong PIN: 55, counted; right PIN: approved, tries reset.
    let card = t.card(wrongpin, Some("000000"));
    assert_eq!(rc(&t.run(TxnType::Sale, Some(100), card).await.1), "55");
    assert_eq!(l.pin_tries(wrongpin.pan).unwrap(), 1);
    let card = t.card(wrongpin, Some(deck::TEST_PIN));
    assert_eq!(rc(&t.run(TxnType::Sale, Some(100), card).await.1), "00");
    assert_eq!(l.pin_tries(wrongpin.pan).unwrap(), 0);
    // Three wrong PINs: 55, 55, 75; then even the right PIN gets 75.
    for expected in ["55", "55", "75"] {
        let card = t.card(wrongpin, Some("999999"));
        assert_eq!(rc(&t.run(TxnType::Sale, Some(100), card).await.1), expected);
    }
    let card = t.card(wrongpin, Some(deck::TEST_PIN));
    assert_eq!(rc(&t.run(TxnType::Sale, Some(100), card).await.1), "75");
    assert_eq!(l.pin_tries(wrongpin.pan).unwrap(), 3);
    // The deck's locked card.
    assert_eq!(rc(&t.sale("pinlocked", 100).await.1), "75");
    // A PIN block that does not decode as format 0: 99 (no try counted).
    let debit = deck::find("debit").unwrap();
    let mut card = t.card(debit, Some(deck::TEST_PIN));
    card.pin_block = Some(format1_block(&t, debit.pan));
    assert_eq!(rc(&t.run(TxnType::Sale, Some(100), card).await.1), "99");
    assert_eq!(l.pin_tries(debit.pan).unwrap(), 0);
    // A PIN card without a PIN block: 55.
    let card = t.card(debit, None);
    assert_eq!(rc(&t.run(TxnType::Sale, Some(100), card).await.1), "55");
    // A contactless card needs none.
    let card = t.card(deck::find("contactless").unwrap(), None);
    assert_eq!(rc(&t.run(TxnType::Sale, Some(100), card).await.1), "00");
    invariants(&sim);
}

#[tokio::test]
async fn original_codes_12_25_64() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let (sale, sale_resp) = t.sale("debit", 5_000).await;
    // Void of an unknown original: 25.
    let card = t.deck_card("debit");
    let mut void = t.follow_up(TxnType::Void, Some(5_000), card, &sale, &sale_resp);
    void.original = Some(OriginalData { batch: sale.batch, stan: Stan::new(777), date: None, rest: String::new() });
    void.original_rrn = None;
    assert_eq!(rc(&t.send(&void).await), "25");
    // Wrong amount: 64.
    let card = t.deck_card("debit");
    let void = t.follow_up(TxnType::Void, Some(4_999), card, &sale, &sale_resp);
    assert_eq!(rc(&t.send(&void).await), "64");
    // Right: 00; again: 12.
    for expected in ["00", "12"] {
        let card = t.deck_card("debit");
        let void = t.follow_up(TxnType::Void, Some(5_000), card, &sale, &sale_resp);
        assert_eq!(rc(&t.send(&void).await), expected);
    }
    invariants(&sim);
}

#[tokio::test]
async fn frequency_65() {
    let mut c = demo();
    c.limits.daily_count_per_card = 3;
    let sim = start(c).await;
    let mut t = Term::signed_in(&sim).await;
    let mut sales = Vec::new();
    for _ in 0..3 {
        let (req, resp) = t.sale("debit", 100).await;
        assert_eq!(rc(&resp), "00");
        sales.push(req);
    }
    assert_eq!(rc(&t.sale("debit", 100).await.1), "65");
    // A reversed sale no longer counts: one more fits, then the limit holds again.
    assert_eq!(rc(&t.reverse(&sales[1]).await), "00");
    assert_eq!(rc(&t.sale("debit", 100).await.1), "00");
    assert_eq!(rc(&t.sale("debit", 100).await.1), "65");
    // Another card is not affected.
    assert_eq!(rc(&t.sale("credit", 100).await.1), "00");
    // The next day the count starts again.
    sim.clock().advance(std::time::Duration::from_secs(24 * 3600));
    assert_eq!(rc(&t.sale("debit", 100).await.1), "00");
    invariants(&sim);
}

#[tokio::test]
async fn batch_out_of_step_77() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    t.batch = BatchNo::new(2).unwrap();
    assert_eq!(rc(&t.sale("debit", 100).await.1), "77");
    // Signing in again tells the terminal the host's batch.
    let r = t.sign_in(pos_core::crypto::KeyMode::DoubleWithTrack004).await;
    assert_eq!(r.batch.value(), 1);
    assert_eq!(rc(&t.sale("debit", 100).await.1), "00");
}

#[tokio::test]
async fn duplicate_key_with_other_content_94() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let (_, resp) = t.sale("debit", 100).await;
    assert_eq!(rc(&resp), "00");
    t.stan -= 1; // same STAN again, other amount
    assert_eq!(rc(&t.sale("debit", 200).await.1), "94");
    assert_eq!(sim.ledger().available("6228480402564890018").unwrap(), 10_000_000 - 100);
    invariants(&sim);
}

#[tokio::test]
async fn merchant_03_and_terminal_97() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    t.mid = MerchantId::new("000000000000001").unwrap();
    assert_eq!(rc(&t.sale("debit", 100).await.1), "03");
    let mut t = Term::signed_in(&sim).await;
    t.tid = TerminalId::new("ABCDEFGH").unwrap();
    assert_eq!(rc(&t.sale("debit", 100).await.1), "97");
}

#[tokio::test]
async fn mac_failures_a0_unsigned() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    let card = t.deck_card("debit");
    let req = t.request(TxnType::Sale, Some(100), card);
    // A corrupted MAC.
    let mut bytes = t.encode(req.to_message(true).unwrap());
    let last = bytes.len() - 1;
    bytes[last] ^= 0x80;
    let answer = t.client.exchange(&bytes).await;
    let (frame, check) = t.decode(&answer);
    assert_eq!((frame.message.get_str(39), check), (Some("A0"), MacCheck::Absent));
    // A changed amount under the original MAC.
    let mut tampered = req.clone();
    tampered.amount = Some(pos_core::Amount::cny(1).unwrap());
    let good = t.encode(req.to_message(true).unwrap());
    let bad_body = t.encode(tampered.to_message(true).unwrap());
    let mut spliced = bad_body.clone();
    let n = spliced.len();
    spliced[n - 8..].copy_from_slice(&good[good.len() - 8..]);
    let answer = t.client.exchange(&spliced).await;
    assert_eq!(FinancialResponse::from_message(&t.decode(&answer).0.message).unwrap().response_code.as_str(), "A0");
    // No MAC at all on a financial request.
    let answer = t.client.exchange(&t.encode(req.to_message(false).unwrap())).await;
    assert_eq!(t.decode(&answer).0.message.get_str(39), Some("A0"));
    assert!(sim.ledger().transactions_for(DEMO_TID).unwrap().is_empty());
    // The real request still goes through afterwards.
    assert_eq!(rc(&t.send(&req).await), "00");
}

#[tokio::test]
async fn suspected_fraud_34() {
    let sim = start(demo()).await;
    let mut t = Term::signed_in(&sim).await;
    // Three 5,000.00 sales on one card in a day raise the round-amount flag; the rule declines further debits.
    for _ in 0..3 {
        assert_eq!(rc(&t.sale("debit", 500_000).await.1), "00");
    }
    assert_eq!(rc(&t.sale("debit", 1_234).await.1), "34");
    assert_eq!(rc(&t.sale("credit", 1_234).await.1), "00", "another card is fine");
    invariants(&sim);
}
