//! A hand-built [`DemoSummary`] of a small day, for tests of the report (unit tests, and
//! integration tests through the `fixture` feature). Its figures agree with each other, so
//! a report that adds them up differently shows it.

use std::collections::BTreeMap;

use pos_core::{CivilTime, Timestamp};
use pos_core::{DailySummary, Day, Figure};
use pos_core::{RiskReport, RuleCount};

use crate::summary::{
    DemoSummary, DemoTxn, Invariant, LedgerCheck, MerchantInfo, OfflineFate, ReceiptFile, ReversalEntry, RiskEvent,
    RiskSection, RunInfo, SettlementInfo,
};

/// The fixture's day, `2025-03-01`.
pub const DAY: &str = "2025-03-01";

/// A delivery merchant's small day: sales in five hours, a void, a refund, a decline, an
/// offline sale, a reversal, two risk events, settlement and receipts; every invariant holds.
pub fn fixture() -> DemoSummary {
    let transactions = vec![
        txn("09:12:05", "sale", Some(3850), Some("622848******0018"), "approved", "000001"),
        txn("09:40:31", "sale", Some(12600), Some("411111******1111"), "approved", "000002"),
        txn("11:05:12", "sale", Some(5880), Some("622202******3456"), "voided", "000003"),
        txn("11:20:44", "sale", Some(123456), Some("622848******0018"), "approved", "000004"),
        txn("11:21:09", "void", Some(5880), Some("622202******3456"), "approved", "000005"),
        txn("12:02:51", "sale", Some(4500), Some("550000******0004"), "approved", "000006"),
        DemoTxn {
            offline: true,
            ..txn("12:30:00", "offline_sale", Some(6660), Some("622848******0018"), "approved", "000007")
        },
        DemoTxn {
            response_code: Some("51".into()),
            rrn: None,
            voucher: None,
            ..txn("12:45:17", "sale", Some(8800), Some("622202******9876"), "declined", "000008")
        },
        txn("18:10:03", "sale", Some(9990), Some("622848******0018"), "approved", "000009"),
        txn("18:33:40", "refund", Some(2000), Some("622848******0018"), "approved", "000010"),
        DemoTxn {
            response_code: None,
            rrn: None,
            voucher: None,
            ..txn("18:50:00", "sale", Some(7770), Some("622202******3456"), "reversed", "000011")
        },
        txn("19:15:26", "sale", Some(25000), Some("356999******0005"), "approved", "000012"),
    ];
    DemoSummary {
        schema: 1,
        run: RunInfo {
            seed: 42,
            payments: 10,
            faults: "some".into(),
            lang: "both".into(),
            acquirer: "127.0.0.1:40123".into(),
        },
        merchant: MerchantInfo {
            name: "老王外卖 Lao Wang Delivery".into(),
            tid: "10000001".into(),
            mid: "898310048990001".into(),
            currency: "CNY".into(),
        },
        day: DAY.into(),
        transactions,
        daily: daily(),
        offline: vec![OfflineFate {
            voucher: "000007".into(),
            card: "622848******0018".into(),
            amount_minor: 6660,
            stored_at: "12:30:00".into(),
            fate: "accepted".into(),
            response_code: Some("00".into()),
        }],
        reversals: vec![ReversalEntry {
            stan: "000011".into(),
            kind: "sale".into(),
            amount_minor: Some(7770),
            reason: "no answer within 30 s".into(),
            state: "acknowledged".into(),
        }],
        risk: RiskSection {
            events: vec![
                RiskEvent {
                    time: "11:20:40".into(),
                    rules: vec!["large_amount".into()],
                    decision: "confirmed".into(),
                    reason_zh: "金额超过单笔限额".into(),
                    reason_en: "amount above the single-payment limit".into(),
                    amount_minor: 123456,
                },
                RiskEvent {
                    time: "18:49:58".into(),
                    rules: vec!["card_velocity".into(), "night_time".into()],
                    decision: "proceeded".into(),
                    reason_zh: "同卡短时多笔".into(),
                    reason_en: "same card several times in a short while".into(),
                    amount_minor: 7770,
                },
            ],
            report: RiskReport {
                day: DAY.into(),
                evaluations: 11,
                proceeded: 11,
                confirmed: 1,
                blocked: 0,
                awaiting_confirmation: 0,
                online_required: 0,
                rules: vec![
                    RuleCount { rule: "card_velocity".into(), fired: 1 },
                    RuleCount { rule: "large_amount".into(), fired: 1 },
                    RuleCount { rule: "night_time".into(), fired: 1 },
                ],
            },
        },
        settlement: Some(SettlementInfo {
            batch: "000001".into(),
            balanced: true,
            uploaded: 0,
            debit_count: 7,
            debit_minor: 186056,
            credit_count: 1,
            credit_minor: 2000,
            next_batch: "000002".into(),
            slip_png: "receipts/settlement-000001.png".into(),
            slip_txt: "receipts/settlement-000001.txt".into(),
        }),
        receipts: vec![
            receipt("000001", "merchant", "sale"),
            receipt("000001", "cardholder", "sale"),
            receipt("000004", "merchant", "sale"),
            receipt("000005", "merchant", "void"),
            receipt("000007", "merchant", "offline_sale"),
            receipt("000010", "merchant", "refund"),
            ReceiptFile {
                voucher: "settlement".into(),
                copy: "settlement".into(),
                kind: "settlement".into(),
                png: "receipts/settlement-000001.png".into(),
                txt: "receipts/settlement-000001.txt".into(),
            },
        ],
        ledger: LedgerCheck {
            terminal_net_minor: 184056,
            acquirer_net_minor: 184056,
            acquirer_rows: 9,
            acquirer_consistent: true,
        },
        invariants: vec![
            invariant(
                "ledger_matches",
                "终端与收单方净额一致",
                "terminal net equals the acquirer's",
                "184056 = 184056",
            ),
            invariant("no_pending_reversal", "无未完成冲正", "no reversal left pending", "0 pending"),
            invariant("offline_uploaded", "离线交易均已上送", "every offline payment uploaded", "1 of 1"),
            invariant("receipts_masked", "签购单无完整卡号", "no full card number on any slip", "7 slips scanned"),
            invariant("settled_balanced", "结算平账", "settlement balanced", "batch 000001"),
        ],
        ok: true,
    }
}

/// The daily figures of [`fixture`]'s transactions, added up by hand.
fn daily() -> DailySummary {
    let fig = |count, amount_minor| Figure { count, amount_minor };
    let day = Day::of(Timestamp::from_civil(
        CivilTime { year: 2025, month: 3, day: 1, hour: 12, minute: 0, second: 0 },
        8 * 3600,
    ));
    DailySummary {
        day,
        currency: "CNY".into(),
        transactions: 12,
        approved: fig(10, 199_816),
        by_type: BTreeMap::from([
            ("sale".into(), fig(7, 185_276)),
            ("void".into(), fig(1, 5880)),
            ("offline_sale".into(), fig(1, 6660)),
            ("refund".into(), fig(1, 2000)),
        ]),
        by_scheme: BTreeMap::from([
            ("unionpay".into(), fig(7, 157_716)),
            ("visa".into(), fig(1, 12600)),
            ("mastercard".into(), fig(1, 4500)),
            ("jcb".into(), fig(1, 25000)),
        ]),
        by_hour: BTreeMap::from([
            (9, fig(2, 16450)),
            (11, fig(3, 135_216)),
            (12, fig(2, 11160)),
            (18, fig(2, 11990)),
            (19, fig(1, 25000)),
        ]),
        online: fig(9, 193_156),
        offline: fig(1, 6660),
        voided: fig(1, 5880),
        reversed: fig(1, 7770),
        declined: fig(1, 8800),
        // The settlement's view: the six sales that stand and the offline sale; the refund.
        debit: fig(7, 186_056),
        credit: fig(1, 2000),
        net_minor: 184_056,
        declines_by_code: BTreeMap::from([("51".into(), 1)]),
        failed: 0,
        pending: 0,
    }
}

/// One journal row; the STAN doubles as voucher and the RRN is made from it.
fn txn(time: &str, kind: &str, amount: Option<u64>, card: Option<&str>, status: &str, stan: &str) -> DemoTxn {
    let (zh, en) = match pos_core::type_of(kind).map(pos_core::vocab::txn_type) {
        Some(t) => (t.zh.to_string(), t.en_label()),
        None => (kind.to_string(), kind.to_string()),
    };
    let scheme = card.map(|c| match c.as_bytes().first() {
        Some(b'4') => "visa",
        Some(b'5') => "mastercard",
        Some(b'3') => "jcb",
        _ => "unionpay",
    });
    DemoTxn {
        time: time.into(),
        hour: time.get(0..2).and_then(|h| h.parse().ok()).unwrap_or(0),
        kind: kind.into(),
        kind_zh: zh,
        kind_en: en,
        amount_minor: amount,
        card: card.map(Into::into),
        scheme: scheme.map(Into::into),
        status: status.into(),
        response_code: Some("00".into()),
        stan: stan.into(),
        voucher: Some(stan.into()),
        rrn: Some(format!("250301{stan}")),
        offline: false,
    }
}

/// A slip under `receipts/`.
fn receipt(voucher: &str, copy: &str, kind: &str) -> ReceiptFile {
    ReceiptFile {
        voucher: voucher.into(),
        copy: copy.into(),
        kind: kind.into(),
        png: format!("receipts/{voucher}-{copy}.png"),
        txt: format!("receipts/{voucher}-{copy}.txt"),
    }
}

/// A guarantee that holds.
fn invariant(id: &str, zh: &str, en: &str, detail: &str) -> Invariant {
    Invariant { id: id.into(), zh: zh.into(), en: en.into(), ok: true, detail: detail.into() }
}
