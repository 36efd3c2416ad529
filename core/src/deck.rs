//! The deck of test cards shared by the acquirer simulator (accounts) and the simulated reader.
//!
//! Test data only: these PANs are Luhn-valid but belong to no one. The simulated devices and
//! the simulator provision from this one list, so a card read on the "reader" is known to
//! the "bank" with the same PIN, balance and status.

use serde::{Deserialize, Serialize};

/// Debit (balance) or credit (limit) account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// 借记卡: spends a balance.
    Debit,
    /// 贷记卡: spends against a credit limit.
    Credit,
}

/// The account status at the issuer and the response code it produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardStatus {
    /// Usable.
    Normal,
    /// Reported lost: `41`.
    Lost,
    /// Reported stolen: `43`.
    Stolen,
    /// Past its expiry: `54`.
    Expired,
    /// Restricted: `62`.
    Restricted,
}

/// How the card presents itself to a reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presentation {
    /// Magnetic stripe with tracks 1 and 2.
    Swipe12,
    /// Magnetic stripe with tracks 2 and 3.
    Swipe23,
    /// Magnetic stripe with tracks 1, 2 and 3.
    Swipe123,
    /// Contact chip (online PIN).
    Chip,
    /// Contact chip whose card risk management allows offline approval (no online PIN).
    ChipOffline,
    /// Contactless (qPBOC), no PIN under the CVM limit.
    Contactless,
    /// Chip that fails to read, so the reader falls back to the stripe.
    ChipFailFallback,
}

impl Presentation {
    /// True when the read yields field 55 chip data.
    pub fn is_chip(self) -> bool {
        matches!(self, Presentation::Chip | Presentation::ChipOffline | Presentation::Contactless)
    }
}

/// One test card and its account at the simulated issuer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestCard {
    /// Short id used on the command line: `pos sale 12.34 --card debit`.
    pub id: &'static str,
    /// What the card is for, shown in `pos` listings.
    pub description: &'static str,
    /// Test PAN (Luhn-valid).
    pub pan: &'static str,
    /// Expiry YYMM.
    pub expiry: &'static str,
    /// Service code (2xx = chip card).
    pub service_code: &'static str,
    /// Cardholder name for track 1.
    pub holder: &'static str,
    /// Debit or credit.
    pub kind: AccountKind,
    /// Opening balance (debit) or credit limit (credit), in fen.
    pub funds: u64,
    /// Issuer status.
    pub status: CardStatus,
    /// The PIN the issuer expects.
    pub pin: &'static str,
    /// PIN tries already used at the issuer (3 means locked: `75`).
    pub pin_tries_used: u8,
    /// PINs the cardholder types on the PIN pad, in order (a wrong one first, then the right one).
    pub pin_entries: &'static [&'static str],
    /// How it is read.
    pub presentation: Presentation,
}

impl TestCard {
    /// How the software reader reads this card: its entry method, and a PIN for a chip
    /// card that asks for one online (the others read without a PIN).
    pub fn entry_mode(&self) -> crate::iso8583::EntryMode {
        use crate::iso8583::EntryMethod;
        let method = match self.presentation {
            Presentation::Swipe12 | Presentation::Swipe23 | Presentation::Swipe123 => EntryMethod::Swipe,
            Presentation::Chip | Presentation::ChipOffline => EntryMethod::Chip,
            Presentation::Contactless => EntryMethod::Contactless,
            Presentation::ChipFailFallback => EntryMethod::Fallback,
        };
        crate::iso8583::EntryMode { method, pin_entered: self.presentation == Presentation::Chip }
    }

    /// What the card is for, in Chinese (`description` is the English).
    pub fn description_zh(&self) -> &'static str {
        match self.id {
            "debit" => "银联借记卡，芯片，联机密码",
            "credit" => "银联贷记卡，芯片，额度 50,000.00",
            "swipe12" => "仅磁条，一二磁道",
            "swipe23" => "仅磁条，二三磁道",
            "swipe123" => "仅磁条，一二三磁道",
            "contactless" => "非接（qPBOC），免密",
            "offline" => "允许离线批准的芯片卡",
            "hotlisted" => "收单机构黑名单上的卡（62），芯片可离线",
            "expired" => "2024 年已过期（54）",
            "lost" => "已挂失（41）",
            "stolen" => "被盗卡（43）",
            "restricted" => "受限卡（62）",
            "lowbal" => "余额 10.00（超出则 51）",
            "pinlocked" => "密码错误次数超限（75）",
            "wrongpin" => "先输错密码（55），再输对",
            "visa" => "外卡（Visa）贷记卡，芯片",
            "fallback" => "芯片读取失败，降级刷卡",
            _ => self.description,
        }
    }

    /// Track 2 as the stripe carries it (without sentinels): PAN `=` YYMM service code discretionary.
    pub fn track2(&self) -> String {
        format!("{}={}{}{}", self.pan, self.expiry, self.service_code, "00000000")
    }

    /// Track 1, format B, without sentinels.
    pub fn track1(&self) -> String {
        format!("B{}^{}^{}{}{}", self.pan, self.holder, self.expiry, self.service_code, "0000000000")
    }

    /// Track 3 (China financial format: 99 + PAN + `=` + country/currency and discretionary data).
    pub fn track3(&self) -> String {
        format!("99{}=1561560000000000000000000{}0000000000000", self.pan, self.expiry)
    }

    /// Which tracks a swipe of this card yields.
    pub fn tracks_read(&self) -> (bool, bool, bool) {
        match self.presentation {
            Presentation::Swipe12 | Presentation::ChipFailFallback => (true, true, false),
            Presentation::Swipe23 => (false, true, true),
            Presentation::Swipe123 => (true, true, true),
            _ => (false, true, false),
        }
    }
}

/// The card number of test card `hotlisted`, on the demo acquirer's blacklist.
pub const HOTLISTED_PAN: &str = "6222029999888877770";

/// The PIN every well-behaved test card uses.
pub const TEST_PIN: &str = "123456";

const fn card(
    id: &'static str,
    description: &'static str,
    pan: &'static str,
    kind: AccountKind,
    funds: u64,
    presentation: Presentation,
) -> TestCard {
    TestCard {
        id,
        description,
        pan,
        expiry: "3012",
        service_code: "201",
        holder: "TEST/CARDHOLDER",
        kind,
        funds,
        status: CardStatus::Normal,
        pin: TEST_PIN,
        pin_tries_used: 0,
        pin_entries: &[TEST_PIN],
        presentation,
    }
}

use AccountKind::{Credit, Debit};
use Presentation as P;

/// Every test card.
pub const DECK: &[TestCard] = &[
    card("debit", "UnionPay debit, chip, online PIN", "6228480402564890018", Debit, 10_000_000, P::Chip),
    card("credit", "UnionPay credit, chip, limit 50,000.00", "6258070001234565", Credit, 5_000_000, P::Chip),
    TestCard {
        service_code: "101",
        ..card("swipe12", "magstripe only, tracks 1+2", "6217001234567890122", Debit, 10_000_000, P::Swipe12)
    },
    TestCard {
        service_code: "101",
        ..card("swipe23", "magstripe only, tracks 2+3", "6217002234567890121", Debit, 10_000_000, P::Swipe23)
    },
    TestCard {
        service_code: "101",
        ..card("swipe123", "magstripe only, tracks 1+2+3", "6217003234567890120", Debit, 10_000_000, P::Swipe123)
    },
    card("contactless", "contactless (qPBOC), no PIN", "6235010000123456786", Debit, 10_000_000, P::Contactless),
    card("offline", "chip allowing offline approval", "6222020000111122222", Debit, 10_000_000, P::ChipOffline),
    // On the demo acquirer's blacklist (pos-acquirer-sim's default TmsConfig): the terminal
    // never approves it offline and the host declines it (62).
    card(
        "hotlisted",
        "on the acquirer's blacklist (62), chip allowing offline",
        HOTLISTED_PAN,
        Debit,
        10_000_000,
        P::ChipOffline,
    ),
    TestCard {
        expiry: "2401",
        status: CardStatus::Expired,
        ..card("expired", "expired in 2024 (54)", "6228481111222233334", Debit, 10_000_000, P::Chip)
    },
    TestCard {
        status: CardStatus::Lost,
        ..card("lost", "reported lost (41)", "6228482222333344446", Debit, 10_000_000, P::Chip)
    },
    TestCard {
        status: CardStatus::Stolen,
        ..card("stolen", "reported stolen (43)", "6228483333444455556", Debit, 10_000_000, P::Chip)
    },
    TestCard {
        status: CardStatus::Restricted,
        ..card("restricted", "restricted (62)", "6228484444555566666", Debit, 10_000_000, P::Chip)
    },
    card("lowbal", "balance 10.00 (51 above it)", "6228485555666677776", Debit, 1_000, P::Chip),
    TestCard {
        pin_tries_used: 3,
        ..card("pinlocked", "PIN tries exhausted (75)", "6228486666777788888", Debit, 10_000_000, P::Chip)
    },
    TestCard {
        pin_entries: &["000000", TEST_PIN],
        ..card("wrongpin", "wrong PIN first (55), then right", "6228487777888899990", Debit, 10_000_000, P::Chip)
    },
    card("visa", "foreign (Visa) credit, chip", "4012345678901239", Credit, 5_000_000, P::Chip),
    card(
        "fallback",
        "chip failure, falls back to swipe",
        "6228488888999900004",
        Debit,
        10_000_000,
        P::ChipFailFallback,
    ),
];

/// Looks a card up by id.
pub fn find(id: &str) -> Option<&'static TestCard> {
    DECK.iter().find(|c| c.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::{luhn_valid, Track1, Track2, Track3, TrackSet};

    #[test]
    fn every_card_is_valid_and_unique() {
        let mut ids: Vec<_> = DECK.iter().map(|c| c.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), DECK.len());
        for c in DECK {
            assert!(luhn_valid(c.pan), "{}", c.id);
            let t2 = Track2::parse(&c.track2()).unwrap_or_else(|e| panic!("{}: {e}", c.id));
            assert_eq!(t2.pan().as_digits(), c.pan);
            Track1::parse(&format!("%{}?", c.track1())).unwrap_or_else(|e| panic!("{}: {e}", c.id));
            Track3::parse(&c.track3()).unwrap_or_else(|e| panic!("{}: {e}", c.id));
            let (t1, _, t3) = c.tracks_read();
            let t1s = format!("%{}?", c.track1());
            let t3s = c.track3();
            TrackSet::from_tracks(t1.then_some(t1s.as_str()), Some(&c.track2()), t3.then_some(t3s.as_str()))
                .unwrap_or_else(|e| panic!("{}: {e}", c.id));
        }
        assert!(find("debit").is_some() && find("nope").is_none());
    }
}

#[cfg(test)]
mod description_tests {
    /// Every card has its own Chinese description (no fallback to the English one).
    #[test]
    fn every_card_is_described_in_chinese() {
        for c in super::DECK {
            assert_ne!(c.description_zh(), c.description, "{}", c.id);
            assert!(c.description_zh().chars().any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)), "{}", c.id);
        }
    }
}
