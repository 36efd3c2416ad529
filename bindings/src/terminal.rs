//! The `Terminal` object the shell drives: open, sign-in, the transactions, receipts,
//! offline queue and sync, history, connectivity and the observers. History pages, reprints
//! and the day-end operations are exported from their own modules (`history.rs`,
//! `reprint.rs`, `day_end.rs`).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use pos_core::devices::printer::preview::render;
use pos_core::devices::printer::PaperWidth as CoreWidth;
use pos_core::terminal::{OriginalRef as CoreRef, Terminal as CoreTerminal, TxnOutcome as CoreOutcome};
use pos_core::Day;
use pos_core::SettlementSlip;
use pos_core::TxnId;
use pos_core::{Clock as CoreClock, SystemClock};
use tokio::sync::broadcast;

use crate::clock::{Clock, ForeignClock};
use crate::error::PosError;
use crate::history::HistoryRow;
use crate::money::{amount, money_of};
use crate::observers::{pump, ConnectivityObserver, ForwardingObserver, PaymentProgressObserver, SyncObserver};
use crate::original::OriginalRef;
use crate::outcome::{AdminOutcome, TxnOutcome};
use crate::printer::{ReceiptPrinter, ReceiptResult};
use crate::progress::{PaymentStage, ProgressReader};
use crate::queue::{QueueItem, QueueSummary};
use crate::reader::CardReaderHandle;
use crate::report::DailyReport;
use crate::runtime::{run, runtime};
use crate::settings::{OfflinePreference, TerminalSettings};
use crate::settlement::{SettlementObserver, SettlementResult};
use crate::sync::{AttentionItem, SyncEvent, SyncReport};
use crate::task::TaskHandle;
use crate::vault::{ForeignVault, KeyVault};

/// Largest history page.
const MAX_PAGE: u32 = 500;

/// The payment terminal: one per device and data directory.
#[derive(uniffi::Object)]
pub struct Terminal {
    inner: Arc<CoreTerminal>,
    reader: Arc<CardReaderHandle>,
    settings: TerminalSettings,
    clock: Arc<dyn CoreClock>,
    stages: broadcast::Sender<PaymentStage>,
    last_settlement: Mutex<Option<SettlementSlip>>,
}

impl Terminal {
    /// Runs a transaction on the shared runtime.
    async fn txn<F, Fut>(&self, f: F) -> Result<TxnOutcome, PosError>
    where
        F: FnOnce(Arc<CoreTerminal>) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<CoreOutcome, pos_core::Error>> + Send + 'static,
    {
        let inner = self.inner.clone();
        let outcome = run(async move { Ok(f(inner).await?) }).await?;
        Ok(TxnOutcome::from(&outcome))
    }

    fn amount(&self, minor: i64) -> Result<pos_core::Amount, PosError> {
        amount(minor, self.inner.config().currency)
    }

    fn last_slip(&self) -> Result<SettlementSlip, PosError> {
        self.last_settlement
            .lock()
            .map_err(|_| PosError::internal("settlement lock"))?
            .clone()
            .ok_or_else(|| PosError::invalid("本次运行尚未结算", "nothing settled in this session yet"))
    }

    pub(crate) fn width(&self) -> CoreWidth {
        self.settings.paper_width.into()
    }

    /// The core terminal, for the exports of other modules (history pages, reprints, day end).
    pub(crate) fn core(&self) -> Arc<CoreTerminal> {
        self.inner.clone()
    }

    /// Forgets this session's slip data (after the records were erased).
    pub(crate) fn forget_session(&self) {
        if let Ok(mut last) = self.last_settlement.lock() {
            *last = None;
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Terminal {
    /// Opens the terminal whose data lives in `data_dir` (created if absent), as the one owner
    /// of that directory: a second open, in this process or another, is `InUse` until this
    /// terminal is closed. Touches no
    /// network; call `recover` (or start the background sync) afterwards. `clock` defaults
    /// to the system clock at UTC+8.
    #[uniffi::constructor]
    pub fn open(
        data_dir: String,
        settings: TerminalSettings,
        vault: Arc<dyn KeyVault>,
        reader: Arc<CardReaderHandle>,
        clock: Option<Arc<dyn Clock>>,
    ) -> Result<Arc<Terminal>, PosError> {
        let config = settings.to_config()?;
        let dir = PathBuf::from(&data_dir);
        std::fs::create_dir_all(&dir).map_err(|e| PosError::Storage {
            zh: "无法创建数据目录".into(),
            en: format!("cannot create the data directory: {}", e.kind()),
        })?;
        let clock: Arc<dyn CoreClock> = match clock {
            Some(c) => Arc::new(ForeignClock(c)),
            None => Arc::new(SystemClock::default()),
        };
        let (stages, _) = broadcast::channel(64);
        let progress = Arc::new(ProgressReader::new(reader.card_reader(), stages.clone()));
        let _in_runtime = runtime().enter();
        // Opening takes the data directory's lock: a refused second open must not touch the
        // reader the first one uses, so the stage sink moves only once this open succeeded.
        let inner = CoreTerminal::open(&dir, config, Arc::new(ForeignVault(vault)), progress, clock.clone())?;
        reader.set_stage_sink(stages.clone());
        Ok(Arc::new(Terminal {
            inner: Arc::new(inner),
            reader,
            settings,
            clock,
            stages,
            last_settlement: Mutex::new(None),
        }))
    }

    /// The settings it was opened with.
    pub fn settings(&self) -> TerminalSettings {
        self.settings.clone()
    }

    /// False when the acquirer link is plain TCP (provisioned so): the app shows
    /// `link_label()` ("未加密链路 / unencrypted link") wherever it shows the host.
    pub fn link_encrypted(&self) -> bool {
        self.inner.link_encrypted()
    }

    /// What the app shows about the acquirer link, both languages ("中文 / English").
    pub fn link_label(&self) -> String {
        use pos_core::Bilingual;
        self.inner.transport().both()
    }

    /// The card reader it uses.
    pub fn reader(&self) -> Arc<CardReaderHandle> {
        self.reader.clone()
    }

    /// True while a tamper report keeps the terminal locked (across restarts), until the
    /// acquirer's unlock code or a service reset.
    pub fn is_tamper_locked(&self) -> Result<bool, PosError> {
        Ok(self.inner.is_tamper_locked()?)
    }

    /// 系统安全已触发: the reader's challenge (16 hex digits) to read to the acquirer's help desk.
    pub async fn unlock_challenge(&self) -> Result<String, PosError> {
        let t = self.inner.clone();
        run(async move { Ok(t.unlock_challenge().await?) }).await
    }

    /// The help desk's 12-digit code for the last challenge (one attempt per challenge).
    /// Unlocked, the reader has no keys: sign in again before the next payment. Wrong codes
    /// are counted across challenges and restarts: after 3 a wait that doubles, after 10 a
    /// lockout (`Device` error `unlock_locked_out`) that only [`Self::help_desk_reset`] clears.
    pub async fn unlock(&self, code: String) -> Result<(), PosError> {
        let t = self.inner.clone();
        run(async move { Ok(t.unlock(&code).await?) }).await
    }

    /// After a lockout: the help desk's reset code for the last challenge clears the wrong-code
    /// counts (the terminal stays locked: a new challenge and an unlock code follow).
    pub async fn help_desk_reset(&self, code: String) -> Result<(), PosError> {
        let t = self.inner.clone();
        run(async move { Ok(t.help_desk_reset(&code).await?) }).await
    }

    /// Installs a risk policy pushed by the acquirer (JSON; never older than the one in force).
    pub fn set_risk_policy(&self, json: String) -> Result<(), PosError> {
        self.inner.set_risk_policy(&json)?;
        Ok(())
    }

    /// The risk policy in force as JSON, if any.
    pub fn risk_policy(&self) -> Option<String> {
        self.inner.risk_policy().map(|p| p.to_json())
    }

    /// The operator confirms a risk warning (`PosException.RiskRefused.confirmToken`); then
    /// the same payment is run again.
    pub fn confirm_risk(&self, token: i64, operator: String) -> Result<(), PosError> {
        Ok(self.inner.confirm_risk(pos_core::AuditId(token), &operator)?)
    }

    /// 结算: delivers what is owed, compares totals with the host, uploads the batch when they
    /// differ (resuming an interrupted upload exactly where it stopped) and opens the next batch.
    pub async fn settle(&self, observer: Option<Arc<dyn SettlementObserver>>) -> Result<SettlementResult, PosError> {
        let t = self.inner.clone();
        let outcome = run(async move {
            let progress = move |p: pos_core::UploadProgress| {
                if let Some(o) = &observer {
                    o.on_upload_progress(p.acked, p.total, p.resumed);
                }
            };
            Ok(t.settle_with(progress).await?)
        })
        .await?;
        let result = SettlementResult::from(&outcome);
        if let Ok(mut last) = self.last_settlement.lock() {
            *last = Some(outcome.slip);
        }
        Ok(result)
    }

    /// Whether a batch upload was interrupted (the next `settle` continues it).
    pub fn upload_unfinished(&self) -> Result<bool, PosError> {
        Ok(self.inner.upload_unfinished()?)
    }

    /// The last settlement's slip as it prints, as text.
    pub fn settlement_slip_preview(&self) -> Result<String, PosError> {
        let slip = self.last_slip()?;
        let width = self.width();
        Ok(render(&slip.render(width), width.columns()).to_text())
    }

    /// Prints the last settlement's slip.
    pub async fn print_settlement_slip(&self, printer: Arc<ReceiptPrinter>) -> Result<(), PosError> {
        let slip = self.last_slip()?;
        let (bytes, p) = (slip.render(self.width()), printer.printer());
        run(async move {
            p.print(&bytes).await.map_err(pos_core::Error::from)?;
            Ok(())
        })
        .await
    }

    /// Whether a sign-in is in force.
    pub fn is_signed_in(&self) -> Result<bool, PosError> {
        Ok(self.inner.is_signed_in()?)
    }

    /// The current batch number.
    pub fn batch(&self) -> Result<u32, PosError> {
        Ok(self.inner.batch()?.value())
    }

    /// 签到: loads new working keys into the reader and stores the sealed MAC key.
    pub async fn sign_in(&self) -> Result<AdminOutcome, PosError> {
        let t = self.inner.clone();
        run(async move { Ok(AdminOutcome::from(&t.sign_in().await?)) }).await
    }

    /// 签退: refused (`DayEndRefused`) while anything is unsettled or owed; once allowed, the
    /// session is dropped whatever the host says.
    pub async fn sign_off(&self) -> Result<AdminOutcome, PosError> {
        let t = self.inner.clone();
        run(async move { Ok(AdminOutcome::from(&t.sign_off().await?)) }).await
    }

    /// 回响测试: checks the link to the host.
    pub async fn echo(&self) -> Result<AdminOutcome, PosError> {
        let t = self.inner.clone();
        run(async move { Ok(AdminOutcome::from(&t.echo().await?)) }).await
    }

    /// 消费 of `amount_minor`; `preference` overrides the configured offline preference.
    pub async fn sale(&self, amount_minor: i64, preference: Option<OfflinePreference>) -> Result<TxnOutcome, PosError> {
        let a = self.amount(amount_minor)?;
        match preference {
            Some(p) => self.txn(move |t| async move { t.sale_with(a, p.into()).await }).await,
            None => self.txn(move |t| async move { t.sale(a).await }).await,
        }
    }

    /// 消费撤销 of a sale of the current batch, for its full amount.
    pub async fn void(&self, original: OriginalRef) -> Result<TxnOutcome, PosError> {
        let o = CoreRef::try_from(original)?;
        self.txn(move |t| async move { t.void(o).await }).await
    }

    /// 退货 of `amount_minor` (all or part) of a sale.
    pub async fn refund(&self, amount_minor: i64, original: OriginalRef) -> Result<TxnOutcome, PosError> {
        let (a, o) = (self.amount(amount_minor)?, CoreRef::try_from(original)?);
        self.txn(move |t| async move { t.refund(a, o).await }).await
    }

    /// 预授权 of `amount_minor`.
    pub async fn pre_auth(&self, amount_minor: i64) -> Result<TxnOutcome, PosError> {
        let a = self.amount(amount_minor)?;
        self.txn(move |t| async move { t.pre_auth(a).await }).await
    }

    /// 预授权撤销 of a pre-auth of `amount_minor`.
    pub async fn pre_auth_cancel(&self, amount_minor: i64, original: OriginalRef) -> Result<TxnOutcome, PosError> {
        let (a, o) = (self.amount(amount_minor)?, CoreRef::try_from(original)?);
        self.txn(move |t| async move { t.pre_auth_cancel(a, o).await }).await
    }

    /// 预授权完成 for `amount_minor` (up to the hold).
    pub async fn pre_auth_complete(&self, amount_minor: i64, original: OriginalRef) -> Result<TxnOutcome, PosError> {
        let (a, o) = (self.amount(amount_minor)?, CoreRef::try_from(original)?);
        self.txn(move |t| async move { t.pre_auth_complete(a, o).await }).await
    }

    /// 完成撤销 of a completion of the current batch.
    pub async fn completion_cancel(&self, original: OriginalRef) -> Result<TxnOutcome, PosError> {
        let o = CoreRef::try_from(original)?;
        self.txn(move |t| async move { t.completion_cancel(o).await }).await
    }

    /// 转账 of `amount_minor` from the card presented to the account `payee` (6 to 28 digits),
    /// online only, with the PIN; reversed automatically when its answer is lost.
    pub async fn transfer(&self, amount_minor: i64, payee: String) -> Result<TxnOutcome, PosError> {
        let a = self.amount(amount_minor)?;
        self.txn(move |t| async move { t.transfer(a, &payee).await }).await
    }

    /// 余额查询.
    pub async fn balance(&self) -> Result<TxnOutcome, PosError> {
        self.txn(|t| async move { t.balance().await }).await
    }

    /// Abandons the card read in progress: the waiting transaction fails with `Cancelled`.
    pub async fn cancel_card_read(&self) -> Result<(), PosError> {
        let r = self.reader.card_reader();
        run(async move { Ok(r.cancel().await.map_err(pos_core::Error::from)?) }).await
    }

    /// Prints both copies of a transaction's slip (merchant first). On success the payment is
    /// complete. A copy that fails gives `NotPrinted`: print again, or `cancel_unprinted`.
    pub async fn print_receipt(&self, printer: Arc<ReceiptPrinter>, txn_id: i64) -> Result<ReceiptResult, PosError> {
        let (width, p, t) = (self.width(), printer.printer(), self.inner.clone());
        run(async move {
            let reports = t.print_receipt(TxnId(txn_id), p.as_ref(), width).await.map_err(|e| no_slip(e, txn_id))?;
            Ok(ReceiptResult {
                copies: u32::try_from(reports.len()).unwrap_or(u32::MAX),
                paper_near_end: reports.iter().any(|r| r.status_after.paper_near_end),
            })
        })
        .await
    }

    /// The slip as it prints (cardholder copy), as text for the receipt screen.
    pub fn receipt_preview(&self, txn_id: i64) -> Result<String, PosError> {
        let [_, cardholder] = self.inner.slips(TxnId(txn_id), false).map_err(|e| no_slip(e, txn_id))?;
        let width = self.width();
        Ok(render(&cardholder.render(width), width.columns()).to_text())
    }

    /// The customer declined a slip (or it printed elsewhere): the payment is complete.
    pub fn complete(&self, txn_id: i64) -> Result<(), PosError> {
        Ok(self.inner.complete(TxnId(txn_id))?)
    }

    /// Cancels an approval whose slip could not be printed: it is reversed (now, or kept
    /// until the host acknowledges). True when the host has already acknowledged it.
    pub async fn cancel_unprinted(&self, txn_id: i64) -> Result<bool, PosError> {
        let t = self.inner.clone();
        run(async move { Ok(t.cancel_unprinted(TxnId(txn_id)).await?) }).await
    }

    /// Sync now: due reversals, then the stored offline payments; waits for the report.
    pub async fn sync_now(&self) -> Result<SyncReport, PosError> {
        let t = self.inner.clone();
        run(async move { Ok(SyncReport::from(&t.sync().await?)) }).await
    }

    /// What the last run left unfinished, sent now (call once after `open`).
    pub async fn recover(&self) -> Result<SyncReport, PosError> {
        let t = self.inner.clone();
        run(async move { Ok(SyncReport::from(&t.recover().await?)) }).await
    }

    /// Wakes the background sync without waiting for it.
    pub fn request_sync(&self) {
        self.inner.request_sync();
    }

    /// Starts the background sync (on connectivity return, "sync now" and a timer); it
    /// runs until the handle is cancelled or dropped.
    pub fn start_background_sync(&self) -> Arc<TaskHandle> {
        let _in_runtime = runtime().enter();
        let task = self.inner.spawn_sync();
        // The core's task stops when its SyncTask is dropped: keep it in a task of our own.
        TaskHandle::new(runtime().spawn(async move {
            let _task = task;
            std::future::pending::<()>().await
        }))
    }

    /// The platform's network state changed (Android `ConnectivityManager`).
    pub fn set_connectivity(&self, online: bool) {
        self.inner.set_connectivity(online);
    }

    /// Whether the terminal would try the host now (network up and the host answering).
    pub fn is_online(&self) -> bool {
        self.inner.is_online()
    }

    /// Whether the platform reports a network at all.
    pub fn network_available(&self) -> bool {
        self.inner.network_available()
    }

    /// The offline queue, oldest first (`waiting_only`: stored and uploading).
    pub fn queue(&self, waiting_only: bool) -> Result<Vec<QueueItem>, PosError> {
        Ok(self.inner.offline_queue(waiting_only)?.iter().map(QueueItem::from).collect())
    }

    /// What is waiting: offline payments and reversals.
    pub fn queue_summary(&self) -> Result<QueueSummary, PosError> {
        let stats = self.inner.queue_stats()?;
        Ok(QueueSummary {
            waiting: stats.count,
            waiting_amount: money_of(stats.total_minor, self.inner.config().currency),
            oldest_stored_unix: stats.oldest_unix,
            reversals_due: self.inner.due_reversal_count()?,
        })
    }

    /// The latest `limit` journal rows, newest first (at most 500).
    pub fn history(&self, limit: u32) -> Result<Vec<HistoryRow>, PosError> {
        Ok(self.inner.recent_txns(limit.min(MAX_PAGE))?.iter().map(HistoryRow::from).collect())
    }

    /// The summary of local day `day` (`YYYY-MM-DD`; today when absent), from the journal.
    pub fn daily_report(&self, day: Option<String>) -> Result<DailyReport, PosError> {
        let day = match day {
            Some(d) => Day::parse(&d).map_err(pos_core::Error::from)?,
            None => Day::of(self.clock.now()),
        };
        Ok(DailyReport::from(&self.inner.daily_summary(day)?))
    }

    /// What needs the operator (stuck reversals, declined or expired uploads).
    pub fn attention(&self) -> Result<Vec<AttentionItem>, PosError> {
        Ok(self.inner.attention()?.iter().map(AttentionItem::from).collect())
    }

    /// The operator told the customer about transaction `txn_id`: its attention items leave
    /// [`Terminal::attention`] (a stuck reversal keeps being retried). Returns them.
    pub fn acknowledge_attention(&self, txn_id: i64) -> Result<Vec<AttentionItem>, PosError> {
        Ok(self.inner.acknowledge_attention(TxnId(txn_id))?.iter().map(AttentionItem::from).collect())
    }

    /// Payment stages until the handle is cancelled: waiting for the card, card detected, PIN
    /// digits, processing (in the order they happened).
    pub fn subscribe_payment_progress(&self, observer: Arc<dyn PaymentProgressObserver>) -> Arc<TaskHandle> {
        pump(self.stages.subscribe(), move |s| observer.on_payment_stage(s))
    }

    /// Every sync event until the handle is cancelled.
    pub fn subscribe_sync(&self, observer: Arc<dyn SyncObserver>) -> Arc<TaskHandle> {
        pump(self.inner.subscribe(), move |e| observer.on_sync_event(SyncEvent::from(&e)))
    }

    /// Forwarding results of offline payments until the handle is cancelled.
    pub fn subscribe_forwarding(&self, observer: Arc<dyn ForwardingObserver>) -> Arc<TaskHandle> {
        pump(self.inner.subscribe(), move |e| {
            if let SyncEvent::Forwarded { result } = SyncEvent::from(&e) {
                observer.on_forwarded(result);
            }
        })
    }

    /// Connectivity changes until the handle is cancelled.
    pub fn subscribe_connectivity(&self, observer: Arc<dyn ConnectivityObserver>) -> Arc<TaskHandle> {
        pump(self.inner.subscribe(), move |e| {
            if let pos_core::terminal::SyncEvent::Connectivity { online } = e {
                observer.on_connectivity_changed(online);
            }
        })
    }
}

/// Why transaction `txn_id` has no slip: an unknown (or erased) one is named as such.
fn no_slip(e: pos_core::Error, txn_id: i64) -> PosError {
    match e {
        pos_core::Error::NoReceipt { code: pos_core::ErrorCode::NothingToReprint, .. } => PosError::NoReceipt {
            code: "no_such_txn".into(),
            voucher: None,
            zh: format!("找不到这笔交易（{txn_id}）"),
            en: format!("No such transaction ({txn_id})"),
        },
        other => other.into(),
    }
}
