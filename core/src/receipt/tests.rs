//! Receipts rendered through the simulated printer and compared with the golden text and
//! PNG files in `core/tests/golden/receipts/` (`POS_UPDATE_GOLDEN=1` rewrites them), plus
//! the card-number scan of everything a slip prints.

use std::path::PathBuf;

use encoding_rs::GB18030;

use super::*;
use crate::card::{MaskedPan, Pan};
use crate::clock::{CivilTime, Timestamp, CHINA_UTC_OFFSET_SECS};
use crate::deck;
use crate::devices::printer::preview::{render, PaperLine};
use crate::devices::printer::sim::{glyph, missing_glyphs, to_png};
use crate::devices::printer::{str_columns, PaperWidth};
use crate::iso8583::{BatchNo, EntryMethod, EntryMode, MerchantId, Reconciliation, Stan, TerminalId, TxnType};
use crate::money::{Amount, Currency};
use crate::provision::{DEMO_MERCHANT_NAME, DEMO_MID, DEMO_TID};
use crate::response_code::ResponseCode;
use crate::store::{TxnId, VoucherNo};
use crate::terminal::TxnOutcome;

fn masked(card_id: &str) -> MaskedPan {
    let card = deck::find(card_id).expect("deck card");
    Pan::parse(card.pan).expect("deck PAN").masked()
}

fn outcome(txn: TxnType, card_id: &str, method: EntryMethod, pin_entered: bool, minor: u64) -> TxnOutcome {
    let rc = ResponseCode::parse("00").expect("00");
    TxnOutcome {
        txn,
        approved: true,
        response_code: rc,
        action: rc.action(),
        message_zh: "00 交易成功".into(),
        message_en: "00 approved".into(),
        stan: Stan::new(123).expect("stan"),
        batch: BatchNo::new(1).expect("batch"),
        voucher: VoucherNo::new(123),
        rrn: Some("503011234567".into()),
        auth_code: Some("654321".into()),
        amount: Some(Amount::cny(minor).expect("amount")),
        masked_pan: masked(card_id),
        entry_mode: EntryMode { method, pin_entered },
        balance: None,
        host_date: Some("0301".into()),
        host_time: Some("140509".into()),
        txn_id: TxnId(1),
    }
}

fn at(month: u8, day: u8, hour: u8) -> Timestamp {
    let t = CivilTime { year: 2025, month, day, hour, minute: 5, second: 30 };
    Timestamp::from_civil(t, CHINA_UTC_OFFSET_SECS)
}

fn merchant() -> MerchantInfo {
    MerchantInfo {
        name: DEMO_MERCHANT_NAME.into(),
        mid: MerchantId::new(DEMO_MID).expect("mid"),
        tid: TerminalId::new(DEMO_TID).expect("tid"),
        header_lines: Vec::new(),
    }
}

fn ctx() -> ReceiptContext {
    ReceiptContext {
        merchant: merchant(),
        operator: "01".into(),
        printed_at: at(3, 1, 14),
        offline: false,
        reprint: false,
        verification: None,
    }
}

fn slip(o: &TxnOutcome, c: &ReceiptContext, copy: CopyKind, width: PaperWidth) -> Vec<u8> {
    Receipt::from_outcome(o, c, copy).expect("slip").render(width)
}

fn settlement(width: PaperWidth, foreign: bool, result: Reconciliation) -> Vec<u8> {
    let cny = |m| Amount::cny(m).expect("amount");
    SettlementSlip {
        merchant: merchant(),
        operator: "01".into(),
        batch: BatchNo::new(1).expect("batch"),
        settled_at: at(3, 1, 23),
        domestic: CardTotals {
            debit_count: 12,
            debit_amount: cny(1_234_500),
            credit_count: 2,
            credit_amount: cny(20_000),
        },
        foreign: foreign.then(|| CardTotals {
            debit_count: 1,
            debit_amount: cny(9_900),
            credit_count: 1,
            credit_amount: cny(12_000),
        }),
        result: Some(result),
        reprint: false,
    }
    .render(width)
}

/// Every slip with a golden file: name, ESC/POS job, paper width.
fn cases() -> Vec<(&'static str, Vec<u8>, PaperWidth)> {
    use CopyKind::{Cardholder, Merchant};
    use PaperWidth::{Mm58, Mm80};
    let chip_pin = outcome(TxnType::Sale, "debit", EntryMethod::Chip, true, 1234);
    let swipe = outcome(TxnType::Sale, "swipe12", EntryMethod::Swipe, false, 88_800);
    let void = outcome(TxnType::Void, "credit", EntryMethod::Chip, false, 1234);
    let refund = outcome(TxnType::Refund, "visa", EntryMethod::Chip, false, 500);
    let offline = outcome(TxnType::Sale, "offline", EntryMethod::Chip, false, 5000);
    let tap = outcome(TxnType::Sale, "contactless", EntryMethod::Contactless, false, 9900);
    let reprint = ReceiptContext { reprint: true, ..ctx() };
    let stored = ReceiptContext { offline: true, ..ctx() };
    let no_cvm = ReceiptContext { verification: Some(Verification::NoCvm), ..ctx() };
    vec![
        ("sale-chip-pin-merchant-58", slip(&chip_pin, &ctx(), Merchant, Mm58), Mm58),
        ("sale-chip-pin-cardholder-58", slip(&chip_pin, &ctx(), Cardholder, Mm58), Mm58),
        ("sale-swipe-signature-merchant-58", slip(&swipe, &ctx(), Merchant, Mm58), Mm58),
        ("sale-swipe-signature-merchant-80", slip(&swipe, &ctx(), Merchant, Mm80), Mm80),
        ("sale-swipe-cardholder-80", slip(&swipe, &ctx(), Cardholder, Mm80), Mm80),
        ("void-reprint-merchant-58", slip(&void, &reprint, Merchant, Mm58), Mm58),
        ("refund-merchant-80", slip(&refund, &ctx(), Merchant, Mm80), Mm80),
        ("offline-sale-merchant-58", slip(&offline, &stored, Merchant, Mm58), Mm58),
        ("contactless-no-cvm-cardholder-58", slip(&tap, &no_cvm, Cardholder, Mm58), Mm58),
        ("settlement-58", settlement(Mm58, false, Reconciliation::Balanced), Mm58),
        ("settlement-foreign-unbalanced-80", settlement(Mm80, true, Reconciliation::Unbalanced), Mm80),
    ]
}

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/receipts")
}

fn updating() -> bool {
    std::env::var("POS_UPDATE_GOLDEN").is_ok_and(|v| v == "1")
}

/// Width, height and pixels of a PNG: compared instead of bytes, so an encoder update
/// that compresses differently does not break the goldens.
fn pixels(png_bytes: &[u8]) -> Option<(u32, u32, Vec<u8>)> {
    let mut reader = png::Decoder::new(std::io::Cursor::new(png_bytes)).read_info().ok()?;
    let mut buf = vec![0; reader.output_buffer_size()?];
    let info = reader.next_frame(&mut buf).ok()?;
    buf.truncate(info.buffer_size());
    Some((info.width, info.height, buf))
}

#[test]
fn receipts_match_golden_text_and_png() {
    let dir = golden_dir();
    let mut problems = Vec::new();
    for (name, job, width) in cases() {
        let paper = render(&job, width.columns());
        assert_eq!(paper.overflow(), 0, "{name}");
        let text = paper.to_text();
        let png = to_png(&paper).expect("png");
        let (txt_path, png_path) = (dir.join(format!("{name}.txt")), dir.join(format!("{name}.png")));
        if updating() {
            std::fs::create_dir_all(&dir).expect("golden dir");
            std::fs::write(&txt_path, &text).expect("write golden text");
            std::fs::write(&png_path, &png).expect("write golden png");
            continue;
        }
        match std::fs::read_to_string(&txt_path) {
            Ok(want) if want == text => {}
            Ok(want) => problems.push(format!("{name}.txt differs:\n--- golden\n{want}\n--- rendered\n{text}")),
            Err(e) => problems.push(format!("{name}.txt: {e}")),
        }
        let golden_png = std::fs::read(&png_path).ok();
        if golden_png.as_deref().and_then(pixels) != pixels(&png) {
            let actual = std::env::temp_dir().join(format!("{name}.actual.png"));
            let _ = std::fs::write(&actual, &png);
            problems.push(format!("{name}.png differs (rendered: {})", actual.display()));
        }
    }
    assert!(problems.is_empty(), "{}\nrun with POS_UPDATE_GOLDEN=1 to accept", problems.join("\n"));
}

#[test]
fn no_receipt_shows_a_full_card_number() {
    for (name, job, width) in cases() {
        let text = render(&job, width.columns()).to_text();
        assert_eq!(unmasked_pans(&text), Vec::<String>::new(), "{name}: paper");
        // The bytes sent to the printer, decoded whole (commands and all), also hold none.
        let (decoded, _, _) = GB18030.decode(&job);
        assert_eq!(unmasked_pans(&decoded), Vec::<String>::new(), "{name}: ESC/POS stream");
        let latin: String = job.iter().map(|&b| char::from(b)).collect();
        assert_eq!(unmasked_pans(&latin), Vec::<String>::new(), "{name}: raw bytes");
    }
    // And no deck PAN appears anywhere, Luhn or not.
    for (name, job, width) in cases() {
        let text = render(&job, width.columns()).to_text();
        for card in deck::DECK {
            assert!(!text.contains(card.pan), "{name} shows {}", card.id);
        }
    }
}

#[test]
fn card_numbers_in_free_text_are_masked_before_printing() {
    let c = ReceiptContext {
        merchant: MerchantInfo { name: "店 6228480402564890018 铺".into(), ..merchant() },
        operator: "4111111111111111".into(),
        ..ctx()
    };
    let o = outcome(TxnType::Sale, "debit", EntryMethod::Chip, true, 100);
    for width in [PaperWidth::Mm58, PaperWidth::Mm80] {
        let text = render(&slip(&o, &c, CopyKind::Merchant, width), width.columns()).to_text();
        assert!(unmasked_pans(&text).is_empty(), "{text}");
        assert!(text.contains("店 622848*********0018 铺"));
    }
}

#[test]
fn every_line_fits_the_paper_so_the_printer_never_wraps() {
    for (name, job, width) in cases() {
        let paper = render(&job, width.columns());
        for line in paper.lines() {
            assert!(line.span() <= width.columns(), "{name}: {line:?}");
        }
        // Rendering wraps over-long lines itself: so no text line may be exactly a
        // continuation the layout did not ask for. The layout's own lines are checked here.
        let lines: Vec<String> = paper
            .lines()
            .iter()
            .filter_map(|l| match l {
                PaperLine::Text { cells, .. } => Some(cells.iter().map(|c| c.ch).collect()),
                PaperLine::Cut => None,
            })
            .collect();
        assert!(lines.iter().all(|l| str_columns(l) <= width.columns()), "{name}");
    }
}

#[test]
fn slips_carry_the_facts_of_the_transaction() {
    let o = outcome(TxnType::Sale, "debit", EntryMethod::Chip, true, 1234);
    let text = render(&slip(&o, &ctx(), CopyKind::Merchant, PaperWidth::Mm80), 48).to_text();
    for fact in [
        "演示商户 DEMO MERCHANT",
        DEMO_MID,
        DEMO_TID,
        "622848*********0018",
        "插卡 CHIP",
        "000001",
        "000123",
        "654321",
        "503011234567",
        "2025/03/01 14:05:09",
        "商户存根",
        "密码验证 免签",
    ] {
        assert!(text.contains(fact), "{fact} missing from\n{text}");
    }
    assert!(text.contains("R M B   1 2 . 3 4"), "amount printed double width:\n{text}");
    assert!(!text.contains("持卡人签名"), "no signature line after a PIN");
}

#[test]
fn signature_only_on_the_merchant_copy_and_marks_where_asked() {
    let o = outcome(TxnType::Sale, "swipe12", EntryMethod::Swipe, false, 100);
    let merchant_copy = render(&slip(&o, &ctx(), CopyKind::Merchant, PaperWidth::Mm58), 32).to_text();
    let holder_copy = render(&slip(&o, &ctx(), CopyKind::Cardholder, PaperWidth::Mm58), 32).to_text();
    assert!(merchant_copy.contains("持卡人签名") && !holder_copy.contains("持卡人签名"));
    assert!(holder_copy.contains("持卡人存根") && holder_copy.contains("请妥善保管"));
    assert!(!merchant_copy.contains("离线") && !merchant_copy.contains("重打印"));
    let r = Receipt::from_outcome(&o, &ctx(), CopyKind::Merchant).expect("slip").as_reprint();
    assert!(render(&r.render(PaperWidth::Mm58), 32).to_text().contains("*** 重打印 REPRINT ***"));
    let stored = outcome(TxnType::OfflineSale, "offline", EntryMethod::Chip, false, 100);
    let text = render(&slip(&stored, &ctx(), CopyKind::Merchant, PaperWidth::Mm58), 32).to_text();
    assert!(text.contains("*** 离线 OFFLINE ***"), "an offline sale is marked without the flag");
}

#[test]
fn declined_and_inquiry_outcomes_have_no_slip() {
    let mut o = outcome(TxnType::Sale, "debit", EntryMethod::Chip, true, 100);
    o.approved = false;
    assert_eq!(Receipt::from_outcome(&o, &ctx(), CopyKind::Merchant), Err(ReceiptError::NotApproved));
    let mut q = outcome(TxnType::BalanceInquiry, "debit", EntryMethod::Chip, true, 100);
    q.amount = None;
    assert_eq!(Receipt::copies(&q, &ctx()).err(), Some(ReceiptError::NoAmount));
}

#[test]
fn amounts_and_dates_print_as_on_paper_slips() {
    assert_eq!(slip::money(&Amount::cny(1).expect("a"), false), "RMB 0.01");
    assert_eq!(slip::money(&Amount::cny(123_456).expect("a"), true), "RMB -1234.56");
    assert_eq!(slip::money(&Amount::from_minor(500, Currency::USD).expect("a"), false), "USD 5.00");
    // A December answer printed on 2 January belongs to the year before.
    let c = model::when(Some("1231"), Some("235959"), at(1, 2, 0));
    assert_eq!((c.year, c.month, c.day), (2024, 12, 31));
    // A host date that is not a date falls back to the print time.
    assert_eq!(model::when(Some("1340"), Some("99xx99"), at(3, 1, 14)), at(3, 1, 14).civil());
}

#[test]
fn font_covers_every_label() {
    // Regenerate core/assets/receipt-font.hex with scripts/gen-receipt-font.py if this fails.
    let sources = [include_str!("labels.rs"), include_str!("../provision.rs"), include_str!("../vocab.rs")];
    let code = sources.iter().flat_map(|s| s.lines()).filter(|l| !l.trim_start().starts_with("//"));
    let missing: String = code
        .flat_map(|l| l.split('"').skip(1).step_by(2))
        .flat_map(str::chars)
        .filter(|&c| glyph(c).is_none())
        .collect();
    assert_eq!(missing, "");
    for (name, job, width) in cases() {
        assert_eq!(missing_glyphs(&render(&job, width.columns())), Vec::<char>::new(), "{name}");
    }
}

mod printing {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::devices::ble::{memory_pair, MemoryFaults};
    use crate::devices::printer::sim::{SimPrinter, SimPrinterConfig};
    use crate::devices::printer::{BlePrinter, PrinterConfig, PrinterError};
    use crate::i18n::Bilingual;

    fn rig(faults: MemoryFaults) -> (BlePrinter, SimPrinter) {
        let ((phone, phone_rx), (dev, dev_rx)) = memory_pair(185, faults);
        let sim = SimPrinter::start(Arc::new(dev), dev_rx, SimPrinterConfig::default());
        let config = PrinterConfig {
            status_timeout: Duration::from_millis(60),
            print_timeout: Duration::from_millis(150),
            ..PrinterConfig::default()
        };
        (BlePrinter::new(Arc::new(phone), phone_rx, config), sim)
    }

    fn copies() -> [Receipt; 2] {
        let o = outcome(TxnType::Sale, "debit", EntryMethod::Chip, true, 1234);
        Receipt::copies(&o, &ctx()).expect("copies")
    }

    #[tokio::test]
    async fn both_copies_print_over_ble_exactly_as_rendered() {
        let (printer, sim) = rig(MemoryFaults::default());
        let slips = copies();
        let reports = print_slips(&printer, &slips, PaperWidth::Mm58).await.expect("printed");
        assert_eq!(reports.len(), 2);
        let expected: String = slips.iter().map(|s| render(&s.render(PaperWidth::Mm58), 32).to_text()).collect();
        assert_eq!(sim.text(), expected);
        assert!(unmasked_pans(&sim.text()).is_empty());
    }

    #[tokio::test]
    async fn a_printer_dropping_mid_slip_reports_that_copy_not_printed() {
        let slips = copies();
        // Writes counted on both ends: two status queries and their answers, then job data,
        // so the link drops at the fourth chunk of the merchant copy.
        let first_copy_writes = 8;
        let faults = MemoryFaults { disconnect_after_writes: first_copy_writes, ..MemoryFaults::default() };
        let (printer, _sim) = rig(faults);
        let e = print_slips(&printer, &slips, PaperWidth::Mm58).await.expect_err("dropped");
        assert_eq!(e.copy, CopyKind::Merchant);
        assert!(e.printed.is_empty());
        assert!(matches!(e.error, PrinterError::Disconnected { sent, total } if sent > 0 && sent < total), "{e:?}");
        assert!(e.zh().contains("冲正") && e.en().contains("reversed"));
    }

    #[tokio::test]
    async fn paper_running_out_on_the_second_copy_names_it() {
        let (printer, sim) = rig(MemoryFaults::default());
        let slips = copies();
        let first = render(&slips[0].render(PaperWidth::Mm58), 32).lines().len();
        sim.load_short_roll(first + 5);
        let e = print_slips(&printer, &slips, PaperWidth::Mm58).await.expect_err("paper out");
        assert_eq!(
            (e.copy, e.printed, e.error),
            (CopyKind::Cardholder, vec![CopyKind::Merchant], PrinterError::PaperOut)
        );
    }
}

/// A stored offline sale reprints with the time of the sale, not the host's time of its
/// upload (issue 20, item 13); an online sale keeps the host's date and time.
#[test]
fn an_offline_sale_reprints_with_the_time_of_the_sale() {
    use crate::journal::{OriginalRefs, TxnNumbers, TxnRecord, TxnStatus};
    let record = |txn_type| TxnRecord {
        id: TxnId(7),
        txn_type,
        numbers: TxnNumbers {
            stan: Stan::new(7).expect("stan"),
            batch: BatchNo::new(1).expect("batch"),
            voucher: VoucherNo::new(7),
        },
        amount: Some(Amount::cny(4_500).expect("amount")),
        masked_pan: Some(Pan::parse(deck::find("offline").expect("card").pan).expect("pan").masked()),
        fingerprint: None,
        entry_mode: Some(EntryMode { method: EntryMethod::Chip, pin_entered: false }),
        status: TxnStatus::Approved,
        response_code: None,
        rrn: Some("000000000007".into()),
        auth_code: Some("123456".into()),
        // Uploaded at 18:30:00 on 03-01; the sale was made at 09:15:42.
        host_date: Some("0301".into()),
        host_time: Some("183000".into()),
        failure: None,
        may_have_reached_host: true,
        original: OriginalRefs::default(),
        cancelled_by: None,
        local_date: "0301".into(),
        created_at: "2025-03-01T09:15:42+08:00".into(),
        updated_at: "2025-03-01T18:30:00+08:00".into(),
        reversed_at: None,
        payee: None,
    };
    let reprint = ReceiptContext { reprint: true, ..ctx() };
    let text = |r: &TxnRecord| {
        let slip = Receipt::from_record(r, &reprint, CopyKind::Cardholder).expect("slip");
        render(&slip.render(PaperWidth::Mm58), 32).to_text()
    };
    let offline = text(&record(TxnType::OfflineSale));
    assert!(offline.contains("2025/03/01 09:15:42") && !offline.contains("18:30:00"), "{offline}");
    let online = text(&record(TxnType::Sale));
    assert!(online.contains("2025/03/01 18:30:00"), "{online}");
}
