//! History, reprints, the daily summary and retention against the simulator: a scripted day
//! with every transaction type, its figures checked against the host's ledger; filters and
//! paging checked against the journal; retention never removing anything unsettled or unsynced,
//! and run by the settlement itself once business is more than two years old.

use std::collections::BTreeMap;

use crate::support::Lane;
use pos_acquirer_sim::{FaultMode, RequestClass};
use pos_core::card::CardScheme;
use pos_core::devices::printer::preview::render;
use pos_core::devices::printer::PaperWidth;
use pos_core::iso8583::TxnType;
use pos_core::store::{scheme_key, HistoryFilter, HistoryStatus, RetentionPolicy, TxnRecord, TxnStatus, UploadState};
use pos_core::terminal::{OriginalRef, ReprintTarget, Timestamp, TxnOutcome, CHINA_UTC_OFFSET_SECS};
use pos_core::CivilTime;
use pos_core::OfflinePreference;
use pos_core::{DailySummary, Day, Figure, ReportFormat};
use pos_e2e::ExchangeFailureOf;
use pos_e2e::{cny, pan, TempDir};

const DAY: &str = "2025-03-03";

fn at(hour: u8) -> Timestamp {
    Timestamp::from_civil(CivilTime { year: 2025, month: 3, day: 3, hour, minute: 5, second: 0 }, CHINA_UTC_OFFSET_SECS)
}

async fn lane_on_the_day() -> Lane {
    let lane = Lane::start(|c| c.offline.per_card_per_day = 100).await;
    lane.clock.set(at(8));
    lane
}

/// Every transaction type, a decline and an offline sale forwarded, half an hour apart.
async fn scripted_day(lane: &Lane) -> Vec<TxnOutcome> {
    let t = &lane.terminal;
    let mut out = Vec::new();
    let step = |o: TxnOutcome, out: &mut Vec<TxnOutcome>| {
        lane.clock.advance(1_800);
        out.push(o);
    };
    lane.present("debit");
    step(t.balance().await.unwrap(), &mut out);
    for (card, fen) in [("debit", 1_000), ("contactless", 2_050), ("swipe12", 3_000), ("visa", 4_500)] {
        lane.present(card);
        step(t.sale(cny(fen)).await.unwrap(), &mut out);
    }
    lane.present("swipe123");
    let voided = t.sale(cny(777)).await.unwrap();
    step(voided.clone(), &mut out);
    lane.present("swipe123");
    step(t.void(OriginalRef::Voucher(voided.voucher.unwrap())).await.unwrap(), &mut out);
    lane.present("swipe12");
    step(t.refund(cny(500), OriginalRef::Voucher(out[3].voucher.unwrap())).await.unwrap(), &mut out);
    lane.present("credit");
    let pa = t.pre_auth(cny(9_000)).await.unwrap();
    step(pa.clone(), &mut out);
    lane.present("credit");
    let done = t.pre_auth_complete(cny(8_000), OriginalRef::Voucher(pa.voucher.unwrap())).await.unwrap();
    step(done.clone(), &mut out);
    lane.present("credit");
    step(t.completion_cancel(OriginalRef::Voucher(done.voucher.unwrap())).await.unwrap(), &mut out);
    lane.present("credit");
    let pa2 = t.pre_auth(cny(5_000)).await.unwrap();
    step(pa2.clone(), &mut out);
    lane.present("credit");
    step(t.pre_auth_cancel(cny(5_000), OriginalRef::Voucher(pa2.voucher.unwrap())).await.unwrap(), &mut out);
    lane.present("debit");
    step(t.transfer(cny(3_300), "6217000012345678901").await.unwrap(), &mut out);
    lane.present("lowbal");
    let declined = t.sale(cny(5_000)).await.unwrap();
    assert!(!declined.approved && declined.response_code.as_str() == "51", "{declined:?}");
    step(declined, &mut out);
    lane.present("offline");
    step(t.sale_with(cny(2_000), OfflinePreference::ForceOffline).await.unwrap(), &mut out);
    assert_eq!(t.sync().await.unwrap().accepted, 1, "the offline sale reached the host");
    for o in &out[..out.len() - 2] {
        assert!(o.approved, "{o:?}");
    }
    out
}

fn all_rows(lane: &Lane) -> Vec<TxnRecord> {
    lane.terminal.recent_txns(10_000).unwrap()
}

#[tokio::test(start_paused = true)]
async fn daily_summary_matches_the_hosts_ledger() {
    let lane = lane_on_the_day().await;
    scripted_day(&lane).await;
    let day = Day::parse(DAY).unwrap();
    let s = lane.terminal.daily_summary(day).unwrap();

    let host = lane.host_rows();
    assert!(host.iter().all(|r| !r.kind.is_reversal()), "no reversal in the scripted day");
    let mut by_type: BTreeMap<String, Figure> = BTreeMap::new();
    let mut by_scheme: BTreeMap<String, Figure> = BTreeMap::new();
    let mut declines: BTreeMap<String, u64> = BTreeMap::new();
    let (mut approved, mut offline) = (Figure::default(), Figure::default());
    for r in &host {
        if r.response_code != "00" {
            *declines.entry(r.response_code.clone()).or_default() += 1;
            continue;
        }
        let t = r.kind.txn_type();
        let name = TxnType::ALL.into_iter().find(|x| *x == t).map(type_key).unwrap();
        for f in [
            Some(by_type.entry(name.into()).or_default()),
            r.pan_masked.as_deref().map(|p| by_scheme.entry(scheme_key(CardScheme::from_bin(p)).into()).or_default()),
            Some(&mut approved),
            (t == TxnType::OfflineSale).then_some(&mut offline),
        ]
        .into_iter()
        .flatten()
        {
            f.count += 1;
            f.amount_minor += r.amount;
        }
    }
    assert_eq!(s.by_type, by_type, "by type");
    assert_eq!(s.by_scheme, by_scheme, "by scheme");
    assert_eq!(s.declines_by_code, declines, "declines");
    assert_eq!(s.approved, approved);
    assert_eq!(s.offline, offline);
    assert_eq!(s.online.count + s.offline.count, s.approved.count);
    assert_eq!(s.by_type.len(), TxnType::ALL.len(), "every type: {:?}", s.by_type.keys());
    assert_eq!(s.voided.count, 3, "the voided sale, the cancelled completion and the cancelled pre-auth");
    assert_eq!(s.by_hour.values().map(|f| f.count).sum::<u64>(), s.approved.count);
    assert_eq!(s.by_hour.keys().next(), Some(&8));
    assert!(s.by_hour.len() >= 6, "half an hour apart: {:?}", s.by_hour.keys());

    // The debit and credit lines are the settlement's totals of the same rows.
    let rows = lane.terminal.day_txns(Day::parse(DAY).unwrap()).unwrap();
    let t = pos_core::batch_totals(&rows);
    let debit = t.domestic.debit_amount + t.foreign.debit_amount;
    let credit = t.domestic.credit_amount + t.foreign.credit_amount;
    assert_eq!((s.debit.amount_minor, s.credit.amount_minor), (debit, credit));
    assert_eq!(s.net_minor, i64::try_from(debit).unwrap() - i64::try_from(credit).unwrap());

    let text = s.render(ReportFormat::Text);
    assert!(text.contains("日结汇总 / Daily summary  2025-03-03") && text.contains("消费 / Sale"), "{text}");
    assert!(text.contains("51"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&s.render(ReportFormat::Json)).unwrap();
    assert_eq!(json["by_type"]["sale"]["count"], by_type["sale"].count);
    assert_eq!(json["day"], DAY);
    let csv = s.render(ReportFormat::Csv);
    assert!(csv.starts_with("section,key,count,amount_minor\n"));
    assert!(csv.contains(&format!("type,sale,{},{}\n", by_type["sale"].count, by_type["sale"].amount_minor)), "{csv}");
    assert!(csv.contains("decline,51,1,0\n"), "{csv}");
    // Another day is empty.
    let empty = lane.terminal.daily_summary(Day::parse("2025-03-04").unwrap()).unwrap();
    assert_eq!(empty, DailySummary::from_records(Day::parse("2025-03-04").unwrap(), &[]));
}

fn type_key(t: TxnType) -> &'static str {
    match t {
        TxnType::BalanceInquiry => "balance_inquiry",
        TxnType::PreAuth => "pre_auth",
        TxnType::PreAuthCancel => "pre_auth_cancel",
        TxnType::PreAuthCompletion => "pre_auth_completion",
        TxnType::CompletionCancel => "completion_cancel",
        TxnType::Sale => "sale",
        TxnType::Void => "void",
        TxnType::Refund => "refund",
        TxnType::OfflineSale => "offline_sale",
        TxnType::Transfer => "transfer",
    }
}

/// What a filter should select, computed in Rust from the journal.
fn expected(rows: &[TxnRecord], f: &HistoryFilter) -> Vec<i64> {
    let mut out: Vec<&TxnRecord> = rows
        .iter()
        .filter(|r| f.types.is_empty() || f.types.contains(&r.txn_type))
        .filter(|r| f.statuses.is_empty() || f.statuses.contains(&HistoryStatus::of(r)))
        .filter(|r| f.schemes.is_empty() || r.masked_pan.as_ref().is_some_and(|p| f.schemes.contains(&p.scheme())))
        .filter(|r| f.min_amount.is_none_or(|m| r.amount.is_some_and(|a| a.minor() >= m)))
        .filter(|r| f.max_amount.is_none_or(|m| r.amount.is_some_and(|a| a.minor() <= m)))
        .filter(|r| f.from.is_none_or(|d| r.created_at.as_str() >= d.to_string().as_str()))
        .filter(|r| f.to.is_none_or(|d| r.created_at.as_str() < d.next().to_string().as_str()))
        .collect();
    out.sort_by(|a, b| (b.created_at.as_str(), b.id).cmp(&(a.created_at.as_str(), a.id)));
    out.iter().map(|r| r.id.0).collect()
}

#[tokio::test(start_paused = true)]
async fn history_filters_and_pages_without_full_card_numbers() {
    let lane = lane_on_the_day().await;
    scripted_day(&lane).await;
    // A second day, so date ranges select.
    lane.clock.set(at(8).plus_secs(86_400));
    lane.present("visa");
    assert!(lane.terminal.sale(cny(3_300)).await.unwrap().approved);
    let rows = all_rows(&lane);
    let day = Day::parse(DAY).unwrap();
    let filters = [
        HistoryFilter::default(),
        HistoryFilter::day(day),
        HistoryFilter { from: Some(day.next()), ..Default::default() },
        HistoryFilter { types: vec![TxnType::Sale], ..Default::default() },
        HistoryFilter { types: vec![TxnType::PreAuth, TxnType::Void], ..HistoryFilter::day(day) },
        HistoryFilter { statuses: vec![HistoryStatus::Voided], ..Default::default() },
        HistoryFilter { statuses: vec![HistoryStatus::Declined, HistoryStatus::Approved], ..Default::default() },
        HistoryFilter { schemes: vec![CardScheme::Visa], ..Default::default() },
        HistoryFilter {
            schemes: vec![CardScheme::UnionPay],
            statuses: vec![HistoryStatus::Approved],
            ..Default::default()
        },
        HistoryFilter { min_amount: Some(2_000), max_amount: Some(3_000), ..Default::default() },
        HistoryFilter { max_amount: Some(999), ..Default::default() },
    ];
    for f in &filters {
        let want = expected(&rows, f);
        let page = lane.terminal.history(f, 1, Some(100)).unwrap();
        let got: Vec<i64> = page.items.iter().map(|i| i.id).collect();
        assert_eq!(got, want, "{f:?}");
        assert_eq!(page.total, want.len() as u64, "{f:?}");
        assert!(!want.is_empty(), "each filter selects something: {f:?}");
    }
    assert_eq!(expected(&rows, &filters[5]).len(), 3);
    assert_eq!(expected(&rows, &filters[7]).len(), 2);

    // Pages of 4 cover the whole history once, newest first.
    let all = expected(&rows, &HistoryFilter::default());
    let mut seen = Vec::new();
    let first = lane.terminal.history(&HistoryFilter::default(), 1, Some(4)).unwrap();
    assert_eq!(first.pages, all.len().div_ceil(4) as u64);
    for p in 1..=first.pages as u32 + 1 {
        let page = lane.terminal.history(&HistoryFilter::default(), p, Some(4)).unwrap();
        assert!(page.items.len() <= 4);
        seen.extend(page.items.iter().map(|i| i.id));
    }
    assert_eq!(seen, all);
    assert!(lane.terminal.history(&HistoryFilter::default(), 0, None).is_err());
    let inverted = HistoryFilter { min_amount: Some(10), max_amount: Some(1), ..Default::default() };
    assert!(lane.terminal.history(&inverted, 1, None).is_err());

    let json = serde_json::to_string(&lane.terminal.history(&HistoryFilter::default(), 1, Some(100)).unwrap()).unwrap();
    for card in ["debit", "contactless", "swipe12", "visa", "credit", "lowbal"] {
        assert!(!json.contains(pan(card)), "full PAN of {card} in the history");
    }
    assert!(json.contains("\"scheme\":\"Visa\""), "{json}");
}

#[tokio::test(start_paused = true)]
async fn reprints_are_marked_and_carry_the_masked_card() {
    let lane = lane_on_the_day().await;
    let out = scripted_day(&lane).await;
    let (last, copies) = lane.terminal.reprint(ReprintTarget::Last).unwrap();
    assert_eq!(last.txn_type, TxnType::OfflineSale, "the newest slip is the offline sale");
    let text = render(&copies[0].render(PaperWidth::Mm58), PaperWidth::Mm58.columns()).to_text();
    assert!(text.contains("重打印") && text.contains("REPRINT"), "{text}");
    assert!(text.contains("离线") || text.contains("OFFLINE"), "{text}");

    let first_sale = &out[1];
    let (r, copies) = lane.terminal.reprint(ReprintTarget::Voucher(first_sale.voucher.unwrap())).unwrap();
    assert_eq!(r.id, first_sale.txn_id);
    for c in &copies {
        let text = render(&c.render(PaperWidth::Mm80), PaperWidth::Mm80.columns()).to_text();
        assert!(text.contains("REPRINT"), "{text}");
        assert!(text.contains(&first_sale.masked_pan.as_str()[..6]), "{text}");
        assert!(!text.contains(pan("debit")), "full PAN printed: {text}");
        assert!(text.contains("1 0 . 0 0"), "{text}");
    }
    // A declined payment has no slip to reprint.
    let declined = out.iter().find(|o| !o.approved && o.voucher.is_some()).unwrap();
    assert!(lane.terminal.reprint(ReprintTarget::Voucher(declined.voucher.unwrap())).is_err());
}

#[tokio::test(start_paused = true)]
async fn retention_never_removes_anything_unsettled_or_unsynced() {
    let lane = lane_on_the_day().await;
    let t = &lane.terminal;
    let out = scripted_day(&lane).await;
    let settled = t.settle().await.unwrap();
    assert!(t.day_end_blockers().unwrap().is_empty());

    // The next batch: a refund of a settled sale, a sale, a decline, an offline payment not
    // forwarded, and a sale whose answer was lost with its reversal not acknowledged.
    lane.present("swipe12");
    let refund = t.refund(cny(100), OriginalRef::Voucher(out[3].voucher.unwrap())).await.unwrap();
    lane.present("debit");
    let sale = t.sale(cny(1_234)).await.unwrap();
    lane.present("lowbal");
    let declined = t.sale(cny(5_000)).await.unwrap();
    lane.present("offline");
    let stored = t.sale_with(cny(600), OfflinePreference::ForceOffline).await.unwrap();
    // The sale's answer and every answer to its reversal are lost.
    lane.fault(FaultMode::DropResponse, 100, RequestClass::Any);
    lane.present("debit");
    let lost = t.sale(cny(4_321)).await.unwrap_err().exchange_failure().unwrap().txn_id.unwrap();
    assert!(refund.approved && sale.approved && !declined.approved && stored.approved);
    let before = all_rows(&lane).len();

    // One day short of two years: nothing goes.
    lane.clock.set(at(8).plus_secs(729 * 86_400));
    assert_eq!(t.apply_retention(&RetentionPolicy::default()).unwrap().txns, 0);
    assert_eq!(all_rows(&lane).len(), before);

    lane.clock.set(at(8).plus_secs(732 * 86_400));
    let purged = t.apply_retention(&RetentionPolicy::default()).unwrap();
    let kept: Vec<i64> = all_rows(&lane).iter().map(|r| r.id.0).collect();
    for o in [&refund, &sale, &stored] {
        assert!(kept.contains(&o.txn_id.0), "unsettled {:?} removed", o.txn);
    }
    assert!(kept.contains(&lost.0), "a row with its reversal unacknowledged removed");
    assert!(kept.contains(&out[3].txn_id.0), "the sale an unsettled refund refers to removed");
    assert!(!kept.contains(&declined.txn_id.0), "a decline needs no settlement");
    assert!(!kept.contains(&out[1].txn_id.0), "a settled sale two years old is kept");
    assert_eq!(kept.len(), 5, "{kept:?}");
    assert_eq!(purged.txns as usize, before - 5);
    assert_eq!(purged.kept_unfinished, 5);
    assert!(t.txn(lost).unwrap().is_some_and(|r| r.status == TxnStatus::Failed));
    assert!(t.reversal(lost).unwrap().is_some());
    assert_eq!(t.queue_stats().unwrap().count, 1, "the stored payment is still queued");
    assert!(t.check_integrity().is_ok());
    assert!(settled.batch.value() > 0);
}

/// The host closes its open batch behind the terminal (a cut-over; here another device with the
/// same identity settles it), then the terminal signs in and takes the host's next batch: the
/// rows it made in the old one are never settled on the terminal.
async fn host_closes_the_batch(lane: &Lane) {
    let dir = TempDir::new("reports-other");
    let other = crate::support::open(&dir, lane.config.clone(), lane.reader.clone(), lane.clock.clone()).unwrap();
    // Past the first terminal's STANs, so the host does not take its messages for repeats.
    let last = lane.terminal.last_stan().unwrap().map_or(0, |s| s.value());
    for _ in 0..last + 10 {
        other.store().next_stan().unwrap();
    }
    assert!(other.sign_in().await.unwrap().approved);
    let before = lane.terminal.batch().unwrap();
    assert_eq!(other.settle().await.unwrap().batch, before);
    drop(other);
    assert!(lane.terminal.sign_in().await.unwrap().approved);
    assert_eq!(lane.terminal.batch().unwrap(), before.next(), "the host's next batch");
}

#[tokio::test(start_paused = true)]
async fn a_settlement_two_years_on_purges_old_settled_business_and_nothing_else() {
    let lane = lane_on_the_day().await;
    let t = &lane.terminal;
    let out = scripted_day(&lane).await;
    t.settle().await.unwrap();
    let settled: Vec<i64> = all_rows(&lane).iter().map(|r| r.id.0).collect();

    // The same day, in the next batch: a refund of a settled sale, a sale and a decline the
    // host closes behind the terminal (never settled here), and an offline payment never
    // forwarded (it expires unsent: the host never gets it).
    lane.present("swipe12");
    let refund = t.refund(cny(100), OriginalRef::Voucher(out[3].voucher.unwrap())).await.unwrap();
    lane.present("debit");
    let unsettled = t.sale(cny(1_234)).await.unwrap();
    lane.present("lowbal");
    let declined = t.sale(cny(5_000)).await.unwrap();
    lane.present("offline");
    let unsynced = t.sale_with(cny(600), OfflinePreference::ForceOffline).await.unwrap();
    assert!(refund.approved && unsettled.approved && !declined.approved && unsynced.approved);
    host_closes_the_batch(&lane).await;
    let day_zero = all_rows(&lane).len();

    // One day short of two years: a sale and its settlement (which expires the stored
    // payment on the way) remove nothing.
    lane.clock.set(at(8).plus_secs(729 * 86_400));
    lane.present("visa");
    let recent = t.sale(cny(2_222)).await.unwrap();
    t.settle().await.unwrap();
    assert_eq!(all_rows(&lane).len(), day_zero + 1, "nothing is two years old yet");
    let entry = t.queue_entry(unsynced.txn_id).unwrap().unwrap();
    assert_eq!(entry.state, UploadState::Expired, "the stored payment never reached the host");

    // Two years and a day: the settlement itself purges the old settled business.
    lane.clock.set(at(8).plus_secs(732 * 86_400));
    lane.present("debit");
    let today = t.sale(cny(3_333)).await.unwrap();
    assert!(recent.approved && today.approved);
    t.settle().await.unwrap();
    let kept: Vec<i64> = all_rows(&lane).iter().map(|r| r.id.0).rev().collect();
    let want: Vec<i64> =
        [&out[3], &refund, &unsettled, &unsynced, &recent, &today].iter().map(|o| o.txn_id.0).collect();
    assert_eq!(kept, want, "kept: the refunded sale, the unsettled, the unsynced and the recent rows");
    for o in &out {
        assert!(o.txn_id == out[3].txn_id || !kept.contains(&o.txn_id.0), "settled {:?} kept", o.txn);
    }
    assert!(!kept.contains(&declined.txn_id.0), "a decline needs no settlement");
    assert!(settled.iter().all(|id| *id == out[3].txn_id.0 || !kept.contains(id)));
    assert_eq!(t.queue_entry(unsynced.txn_id).unwrap().map(|e| e.state), Some(UploadState::Expired));
    assert!(t.check_integrity().is_ok());

    // Nothing left for a manual run: the settlement did it; four old rows are kept.
    let again = t.apply_retention(&RetentionPolicy::default()).unwrap();
    assert_eq!((again.txns, again.kept_unfinished), (0, 4), "{again:?}");
    assert_eq!(again.cutoff.map(|d| d.to_string()), Some("2025-03-05".into()));
}
