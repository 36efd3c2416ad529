//! The merchant's day: a delivery rider's shifts from sign-in to settlement, in local time.
//!
//! The ordinary sales come from the seed; the incidents are scripted at fixed times so every
//! run tells the same story: a decline, a wrong PIN, a void, a partial refund, a pre-auth
//! and its completion, a lost answer that is reversed, a dead spot where payments are stored
//! offline and then uploaded, a risk warning, and settlement with a batch upload.

use std::collections::HashMap;

use pos_acquirer_sim::{FaultMode, FaultPlan, RequestClass};
use pos_core::iso8583::TxnType;
use pos_core::terminal::{OriginalRef, TxnOutcome};
use pos_core::terminal::{SyncEvent, SyncReport};
use pos_core::Amount;
use pos_core::Bilingual;
use pos_core::OfflinePreference;
use pos_core::SettlementOutcome;
use pos_core::UploadState;

use crate::error::DemoError;
use crate::options::{DemoOptions, FaultLevel};
use crate::rng::DayRng;
use crate::slips::print_settlement;
use crate::station::{Dirs, Station};
use crate::summary::ReceiptFile;
use crate::till::{Op, Till, Warning};
use crate::view::{DemoView, Tone, Work};

/// Cards customers pay with on an ordinary sale (all approve; some need an online PIN).
const WALLET: &[&str] =
    &["debit", "credit", "contactless", "swipe12", "swipe23", "swipe123", "offline", "visa", "fallback"];
/// Cards that can pay without signal (no online PIN).
const OFFLINE_CARDS: &[&str] = &["contactless", "offline"];

/// What the day left behind besides the journal.
pub struct DayLog {
    /// Slips printed (settlement slip included).
    pub receipts: Vec<ReceiptFile>,
    /// Risk warnings the operator confirmed.
    pub warnings: Vec<Warning>,
    /// Approvals cancelled for want of a slip.
    pub cancelled: Vec<TxnOutcome>,
    /// Uploads of the offline queue.
    pub syncs: Vec<SyncReport>,
    /// The day-end settlement.
    pub settlement: Option<SettlementOutcome>,
}

/// Something scheduled at a local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    /// An ordinary sale of this amount (minor units); the card is picked when it happens.
    Sale(u64),
    Decline,
    WrongPin,
    Void,
    PaperOut,
    PreAuth,
    LostAnswer,
    SignalLost,
    OfflineSale(u64),
    PinCardWithoutSignal,
    HotlistedWithoutSignal,
    Transfer,
    SignalBack,
    Refund,
    Completion,
    RiskWarning,
    BrokenPrinter,
}

/// Plays the day on `st`.
pub async fn play(st: &Station, dirs: &Dirs, opts: &DemoOptions, view: &dyn DemoView) -> Result<DayLog, DemoError> {
    let mut day = Day::new(st, dirs, opts, view);
    day.open().await?;
    let schedule = day.schedule();
    view.progress_start(Work::Day, schedule.len() as u64);
    for (i, (minute, event)) in schedule.iter().enumerate() {
        st.at((minute / 60) as u8, (minute % 60) as u8);
        day.event(*event).await?;
        view.progress(Work::Day, i as u64 + 1);
    }
    view.progress_end(Work::Day);
    day.close().await?;
    let till = day.till;
    Ok(DayLog {
        receipts: till.receipts.into_iter().chain(day.settlement_slip).collect(),
        warnings: till.warnings,
        cancelled: till.cancelled,
        syncs: day.syncs,
        settlement: day.settlement,
    })
}

struct Day<'a> {
    st: &'a Station,
    dirs: &'a Dirs,
    opts: &'a DemoOptions,
    view: &'a dyn DemoView,
    till: Till<'a>,
    rng: DayRng,
    /// Approved sales that can still be voided or refunded, with their card.
    approved: Vec<(&'static str, TxnOutcome)>,
    uses: HashMap<&'static str, u32>,
    hold: Option<TxnOutcome>,
    syncs: Vec<SyncReport>,
    settlement: Option<SettlementOutcome>,
    settlement_slip: Option<ReceiptFile>,
}

fn cny(minor: u64) -> Result<Amount, DemoError> {
    Amount::cny(minor).map_err(|e| DemoError::at("amount", &e))
}

impl<'a> Day<'a> {
    fn new(st: &'a Station, dirs: &'a Dirs, opts: &'a DemoOptions, view: &'a dyn DemoView) -> Day<'a> {
        Day {
            st,
            dirs,
            opts,
            view,
            till: Till::new(st, dirs, view),
            rng: DayRng::new(opts.seed),
            approved: Vec::new(),
            uses: HashMap::new(),
            hold: None,
            syncs: Vec::new(),
            settlement: None,
            settlement_slip: None,
        }
    }

    fn faults(&self) -> bool {
        self.opts.faults != FaultLevel::None
    }

    fn chapter(&self, zh: &str, en: &str) {
        self.view.chapter(&self.st.hhmm(), zh, en);
    }

    /// The times of the day's events, minutes after midnight, in order.
    fn schedule(&mut self) -> Vec<(u32, Event)> {
        let n = self.opts.payments.min(DemoOptions::MAX_PAYMENTS) as usize;
        let mut plan: Vec<(u32, Event)> = Vec::new();
        // Ordinary sales between 09:00 and 20:30, busiest around lunch and dinner deliveries.
        for _ in 0..n {
            let peak = if self.rng.chance(50) { 11 * 60 + 30 } else { 18 * 60 };
            let minute = if self.rng.chance(60) {
                peak + self.rng.between(0, 150) as u32 - 75
            } else {
                9 * 60 + self.rng.between(0, 11 * 60 + 30) as u32
            };
            let amount = self.amount();
            plan.push((minute.clamp(9 * 60, 20 * 60 + 30), Event::Sale(amount)));
        }
        let scripted: &[(u32, Event)] = &[
            (10 * 60 + 5, Event::Decline),
            (10 * 60 + 40, Event::WrongPin),
            (11 * 60 + 20, Event::Void),
            (12 * 60, Event::PreAuth),
            (16 * 60 + 10, Event::Refund),
            (16 * 60 + 45, Event::Transfer),
            (17 * 60 + 30, Event::Completion),
            (18 * 60 + 20, Event::RiskWarning),
        ];
        plan.extend_from_slice(scripted);
        if self.faults() {
            plan.extend_from_slice(&[
                (12 * 60 + 40, Event::PaperOut),
                (13 * 60 + 10, Event::LostAnswer),
                (14 * 60, Event::SignalLost),
                (14 * 60 + 5, Event::OfflineSale(3_800)),
                (14 * 60 + 20, Event::PinCardWithoutSignal),
                (14 * 60 + 22, Event::HotlistedWithoutSignal),
                (14 * 60 + 25, Event::OfflineSale(12_650)),
                (14 * 60 + 40, Event::OfflineSale(29_900)),
                (15 * 60, Event::SignalBack),
            ]);
        }
        if self.opts.faults == FaultLevel::Many {
            plan.extend_from_slice(&[
                (19 * 60, Event::SignalLost),
                (19 * 60 + 8, Event::OfflineSale(5_500)),
                (19 * 60 + 15, Event::OfflineSale(18_800)),
                (19 * 60 + 25, Event::SignalBack),
                (19 * 60 + 40, Event::BrokenPrinter),
            ]);
        }
        // Stable: scripted events keep their order against sales at the same minute.
        plan.sort_by_key(|(m, _)| *m);
        plan
    }

    /// A delivery's amount in fen: mostly small, a few larger orders, whole yuan above 1,000.
    fn amount(&mut self) -> u64 {
        let r = self.rng.between(0, 99);
        if r < 70 {
            self.rng.between(16, 336) * 50
        } else if r < 95 {
            self.rng.between(16_800, 88_000)
        } else {
            self.rng.between(10, 30) * 10_000
        }
    }

    /// The card for an ordinary sale: the least used today (customers differ), seeded ties.
    fn pick_card(&mut self, from: &[&'static str]) -> &'static str {
        let least = from.iter().map(|c| self.uses.get(c).copied().unwrap_or(0)).min().unwrap_or(0);
        let candidates: Vec<&'static str> =
            from.iter().copied().filter(|c| self.uses.get(c).copied().unwrap_or(0) == least).collect();
        let i = self.rng.between(0, candidates.len().saturating_sub(1) as u64) as usize;
        let card = candidates.get(i).copied().unwrap_or("debit");
        *self.uses.entry(card).or_default() += 1;
        card
    }

    async fn open(&mut self) -> Result<(), DemoError> {
        self.chapter("开工：读卡器、打印机已配对，签到", "Start of day: reader and printer paired, sign-in");
        self.view.screen(Tone::Info, "蓝牙读卡器已连接（密码键盘）", "Bluetooth card reader connected (PIN pad)");
        let status = self.st.printer_status().await;
        self.view.screen(
            Tone::Info,
            &format!("蓝牙打印机已连接：{}", status.0),
            &format!("Bluetooth printer connected: {}", status.1),
        );
        self.host_normal();
        let o = self.st.terminal.sign_in().await.map_err(|e| DemoError::at("sign-in", &e))?;
        let tone = if o.approved { Tone::Good } else { Tone::Warn };
        self.view.screen(tone, &format!("{}，批次号 {}", o.zh(), o.batch), &format!("{}, batch {}", o.en(), o.batch));
        if !o.approved {
            return Err(DemoError::at("sign-in", &o));
        }
        self.chapter(
            "下载终端参数：终端参数、IC卡公钥、IC卡参数、黑名单",
            "Terminal management: terminal parameters, CA public keys, IC parameters, blacklist",
        );
        let t = &self.st.terminal;
        let p = t.download_parameters().await.map_err(|e| DemoError::at("parameter download", &e))?;
        self.view.screen(
            Tone::Good,
            &format!("状态已上送，终端参数版本 {}（{} 页）", p.version, p.pages),
            &format!("status uploaded; terminal parameters version {} ({} pages)", p.version, p.pages),
        );
        for report in
            [t.download_public_keys().await, t.download_ic_parameters().await, t.download_blacklist(false).await]
        {
            let r = report.map_err(|e| DemoError::at("parameter download", &e))?;
            let (zh, en) = match r.kind {
                pos_core::terminal::TmsKind::Capk => ("IC卡公钥", "CA public keys"),
                pos_core::terminal::TmsKind::Aid => ("IC卡参数", "IC parameters"),
                pos_core::terminal::TmsKind::Blacklist => ("黑名单", "blacklist"),
            };
            self.view.screen(
                Tone::Good,
                &format!("{zh}已更新：{} 项", r.entries),
                &format!("{en} updated: {} {}", r.entries, if r.entries == 1 { "entry" } else { "entries" }),
            );
        }
        Ok(())
    }

    /// Arms a fault at the acquirer for this terminal (replacing the plan in force).
    fn host_fault(&self, plan: FaultPlan) {
        self.st.sim.faults().set(self.st.terminal.config().tid.as_str(), plan);
    }

    /// The day's normal host: slow now and then under `--faults many` (some answers take their
    /// time), else clean.
    fn host_normal(&self) {
        if self.opts.faults == FaultLevel::Many {
            self.host_fault(FaultPlan::sometimes(FaultMode::Delay { ms: 300 }, 20).on(RequestClass::Financial));
        } else {
            self.st.sim.faults().clear(self.st.terminal.config().tid.as_str());
        }
    }

    async fn event(&mut self, event: Event) -> Result<(), DemoError> {
        match event {
            Event::Sale(minor) => {
                let card = self.pick_card(WALLET);
                self.ordinary_with(card, minor).await
            }
            Event::Decline => {
                self.chapter("余额不足的卡", "A card without enough funds");
                self.till.run("lowbal", Op::Sale(cny(12_000)?, OfflinePreference::RequireOnline)).await?;
                self.view.screen(Tone::Info, "顾客改用另一张卡", "the customer pays with another card");
                self.ordinary_with("debit", 12_000).await
            }
            Event::WrongPin => {
                self.chapter("密码输错一次", "A wrong PIN, then the right one");
                if let Some(o) =
                    self.till.run("wrongpin", Op::Sale(cny(6_600)?, OfflinePreference::PreferOnline)).await?
                {
                    if o.approved {
                        self.approved.push(("wrongpin", o));
                    }
                }
                Ok(())
            }
            Event::Void => {
                self.chapter("顾客取消订单：撤销上一笔消费", "The customer cancels the order: void the last sale");
                let Some(pos) = self.approved.iter().rposition(|(_, o)| o.txn == TxnType::Sale) else {
                    self.view.screen(Tone::Info, "今天还没有可撤销的消费", "no sale to void yet today");
                    return Ok(());
                };
                let (card, sale) = self.approved.remove(pos);
                let Some(v) = sale.voucher else { return Ok(()) };
                self.till.run(card, Op::Void(OriginalRef::Voucher(v))).await?;
                Ok(())
            }
            Event::PaperOut => {
                self.chapter("打印纸即将用完", "The paper roll is running out");
                self.st.paper.load_short_roll(14);
                Ok(())
            }
            Event::PreAuth => {
                self.chapter("预授权：保温箱押金", "Pre-authorization: a deposit on a cool box");
                self.hold = self.till.run("credit", Op::PreAuth(cny(30_000)?)).await?.filter(|o| o.approved);
                Ok(())
            }
            Event::Completion => {
                self.chapter("预授权完成：按实际金额扣款", "Pre-auth completion for the amount actually due");
                let Some(v) = self.hold.as_ref().and_then(|h| h.voucher) else {
                    self.view.screen(Tone::Info, "没有可完成的预授权", "no hold to complete");
                    return Ok(());
                };
                self.till.run("credit", Op::Complete(cny(26_800)?, OriginalRef::Voucher(v))).await?;
                Ok(())
            }
            Event::LostAnswer => self.lost_answer().await,
            Event::SignalLost => {
                self.chapter("进入地下车库：无信号", "Into an underground car park: no signal");
                self.st.terminal.set_connectivity(false);
                self.view.screen(
                    Tone::Warn,
                    "网络不可用：可用非接卡离线收款",
                    "no network: contactless cards can pay offline",
                );
                Ok(())
            }
            Event::OfflineSale(minor) => {
                let card = self.pick_card(OFFLINE_CARDS);
                if let Some(o) = self.till.run(card, Op::Sale(cny(minor)?, OfflinePreference::PreferOnline)).await? {
                    if o.approved {
                        self.approved.push((card, o));
                    }
                }
                Ok(())
            }
            Event::PinCardWithoutSignal => {
                self.till.run("debit", Op::Sale(cny(8_800)?, OfflinePreference::PreferOnline)).await?;
                self.view.screen(Tone::Info, "顾客改用非接卡", "the customer taps a contactless card instead");
                let card = self.pick_card(OFFLINE_CARDS);
                self.till.run(card, Op::Sale(cny(8_800)?, OfflinePreference::PreferOnline)).await?;
                Ok(())
            }
            Event::HotlistedWithoutSignal => {
                self.chapter("黑名单上的卡：不能离线收款", "A card on the blacklist: never approved offline");
                self.till.run("hotlisted", Op::Sale(cny(6_600)?, OfflinePreference::PreferOnline)).await?;
                self.view.screen(Tone::Info, "顾客改用非接卡", "the customer taps a contactless card instead");
                let card = self.pick_card(OFFLINE_CARDS);
                self.till.run(card, Op::Sale(cny(6_600)?, OfflinePreference::PreferOnline)).await?;
                Ok(())
            }
            Event::Transfer => {
                self.chapter(
                    "转账：顾客把货款转到供货商账户",
                    "A transfer: the customer pays a supplier's account from the card",
                );
                self.till.run("debit", Op::Transfer(cny(50_000)?, "6217000012345678901")).await?;
                Ok(())
            }
            Event::SignalBack => self.signal_back().await,
            Event::Refund => {
                self.chapter("部分退货：少送了一件", "Partial refund: one item was missing");
                let Some((card, sale)) = self
                    .approved
                    .iter()
                    .find(|(_, o)| o.txn == TxnType::Sale && o.amount.is_some_and(|a| a.minor() >= 4_000))
                    .cloned()
                else {
                    self.view.screen(Tone::Info, "没有可退货的消费", "no sale to refund");
                    return Ok(());
                };
                let (Some(v), Some(a)) = (sale.voucher, sale.amount) else { return Ok(()) };
                let part = (a.minor() / 4 / 50).max(1) * 50;
                self.till.run(card, Op::Refund(cny(part)?, OriginalRef::Voucher(v))).await?;
                Ok(())
            }
            Event::RiskWarning => {
                self.chapter("大额整数订单：风控提示", "A large round order: a risk warning");
                self.till.run("credit", Op::Sale(cny(800_000)?, OfflinePreference::RequireOnline)).await?;
                Ok(())
            }
            Event::BrokenPrinter => {
                self.chapter("打印机故障", "The printer breaks");
                self.till.printer_broken = true;
                let amount = self.amount();
                self.ordinary_with("contactless", amount).await
            }
        }
    }

    /// A sale; when the answer is lost (the acquirer's fault plan) the customer pays again
    /// once the terminal has reversed the first attempt.
    async fn ordinary_with(&mut self, card: &'static str, minor: u64) -> Result<(), DemoError> {
        self.view.chapter(&self.st.hhmm(), "收款", "Payment");
        for _ in 0..2 {
            let o = self.till.run(card, Op::Sale(cny(minor)?, OfflinePreference::PreferOnline)).await?;
            match o {
                Some(o) if o.approved => {
                    self.approved.push((card, o));
                    return Ok(());
                }
                Some(_) => return Ok(()),
                None => {
                    self.view.screen(Tone::Info, "重新收款", "taking the payment again");
                    self.st.advance(60);
                }
            }
        }
        Ok(())
    }

    async fn lost_answer(&mut self) -> Result<(), DemoError> {
        self.chapter("信号不稳：收单应答丢失", "A weak signal: the acquirer's answer is lost");
        self.host_fault(FaultPlan::once(FaultMode::DropResponse).on(RequestClass::Financial));
        let failed = self.till.run("debit", Op::Sale(cny(4_500)?, OfflinePreference::PreferOnline)).await?;
        self.host_normal();
        if failed.is_none() {
            self.view.screen(
                Tone::Info,
                "交易结果未知：已记录冲正，下一笔交易前先发送",
                "outcome unknown: a reversal is stored and goes before the next request",
            );
        }
        self.st.advance(90);
        self.ordinary_with("debit", 4_500).await?;
        let open = self.st.terminal.open_reversals().map_err(|e| DemoError::at("reversal", &e))?;
        if open.is_empty() {
            self.view.screen(
                Tone::Good,
                "冲正已确认：持卡人只扣款一次",
                "reversal acknowledged: the cardholder paid once",
            );
        }
        Ok(())
    }

    async fn signal_back(&mut self) -> Result<(), DemoError> {
        self.chapter("回到地面：信号恢复，上送离线交易", "Back above ground: signal returns, stored payments upload");
        self.st.terminal.set_connectivity(true);
        let waiting = self.st.terminal.queue_stats().map(|q| q.count).unwrap_or(0);
        let mut events = self.st.terminal.subscribe();
        self.view.progress_start(Work::Sync, u64::from(waiting));
        let view = self.view;
        let watch = async {
            let mut done = 0u64;
            while let Ok(event) = events.recv().await {
                match event {
                    SyncEvent::Payment { state, .. } if state != UploadState::Stored => {
                        done += 1;
                        view.progress(Work::Sync, done);
                    }
                    SyncEvent::Finished(_) => break,
                    _ => {}
                }
            }
        };
        let (report, ()) = tokio::join!(self.st.terminal.sync(), watch);
        self.view.progress_end(Work::Sync);
        match report {
            Ok(r) => {
                let tone = if r.is_clean() { Tone::Good } else { Tone::Warn };
                self.view.screen(tone, &r.zh(), &r.en());
                self.syncs.push(r);
            }
            Err(e) => self.view.screen(Tone::Warn, &e.zh(), &e.en()),
        }
        Ok(())
    }

    async fn close(&mut self) -> Result<(), DemoError> {
        self.st.at(20, 45);
        self.chapter("收工：结算", "End of day: settlement");
        if self.faults() {
            // The acquirer booked a payment across its cut-over: it asks for the batch.
            self.host_fault(FaultPlan::once(FaultMode::Unbalanced).on(RequestClass::Settlement));
        }
        let view = self.view;
        let mut started = false;
        let result = self
            .st
            .terminal
            .settle_with(|p| {
                if !started {
                    view.progress_start(Work::BatchUpload, u64::from(p.total));
                    started = true;
                }
                view.progress(Work::BatchUpload, u64::from(p.acked));
            })
            .await;
        if started {
            view.progress_end(Work::BatchUpload);
        }
        self.host_normal();
        let outcome = result.map_err(|e| DemoError::at("settlement", &e))?;
        self.view.screen(Tone::Good, &outcome.zh(), &outcome.en());
        self.settlement_slip = Some(print_settlement(self.st, self.dirs, self.view, &outcome.slip).await?);
        self.settlement = Some(outcome);
        self.st.at(20, 55);
        match self.st.terminal.sign_off().await {
            Ok(o) => self.view.screen(Tone::Good, &o.zh(), &o.en()),
            Err(e) => self.view.screen(Tone::Warn, &e.zh(), &e.en()),
        }
        Ok(())
    }
}
