//! The operator at the till: presents the customer's card, runs the payment, lets the
//! cardholder re-enter a wrong PIN, confirms a risk warning when the merchant accepts the
//! risk, and prints the slips. Failures are part of the day: shown, never fatal.

use pos_core::terminal::{OriginalRef, TxnOutcome};
use pos_core::Amount;
use pos_core::AuditId;
use pos_core::Bilingual;
use pos_core::OfflinePreference;
use pos_core::{Error, ErrorCode};

use crate::error::DemoError;
use crate::slips::{print_txn, Printed};
use crate::station::{Dirs, Station};
use crate::summary::ReceiptFile;
use crate::view::{DemoView, Tone};

/// One operation at the till.
#[derive(Debug, Clone)]
pub enum Op {
    /// A sale and how it may use offline approval.
    Sale(Amount, OfflinePreference),
    /// A pre-authorization (hold).
    PreAuth(Amount),
    /// Capturing a hold.
    Complete(Amount, OriginalRef),
    /// Voiding a sale of this batch.
    Void(OriginalRef),
    /// Refunding part or all of a sale.
    Refund(Amount, OriginalRef),
    /// A transfer from the card to an account.
    Transfer(Amount, &'static str),
}

/// A risk warning the operator saw.
#[derive(Debug, Clone)]
pub struct Warning {
    /// The evaluation confirmed.
    pub token: AuditId,
    /// Why, in Chinese.
    pub zh: String,
    /// Why, in English.
    pub en: String,
}

/// The till and what it has produced so far.
pub struct Till<'a> {
    /// The equipment.
    pub st: &'a Station,
    /// Where files go.
    pub dirs: &'a Dirs,
    /// The operator's screen.
    pub view: &'a dyn DemoView,
    /// Slips printed.
    pub receipts: Vec<ReceiptFile>,
    /// Risk warnings confirmed.
    pub warnings: Vec<Warning>,
    /// Approvals cancelled because no slip could be printed.
    pub cancelled: Vec<TxnOutcome>,
    /// The next slip fails and cannot be fixed (the operator cancels the payment).
    pub printer_broken: bool,
}

impl<'a> Till<'a> {
    /// A till with nothing done yet.
    pub fn new(st: &'a Station, dirs: &'a Dirs, view: &'a dyn DemoView) -> Till<'a> {
        Till {
            st,
            dirs,
            view,
            receipts: Vec::new(),
            warnings: Vec::new(),
            cancelled: Vec::new(),
            printer_broken: false,
        }
    }

    /// Runs `op` with `card` presented; `Ok(None)` when it failed (shown to the operator).
    pub async fn run(&mut self, card: &str, op: Op) -> Result<Option<TxnOutcome>, DemoError> {
        self.st.reader.present(card).map_err(|e| DemoError::at("present card", &e))?;
        let mut confirmed = false;
        let result = loop {
            match self.pin_retries(&op).await {
                Err(Error::RiskRefused {
                    code: ErrorCode::RiskConfirm,
                    confirm_token: Some(token),
                    reason_zh: zh,
                    reason_en: en,
                    ..
                }) if !confirmed => {
                    self.view.screen(Tone::Warn, &format!("风控提示：{zh}"), &format!("Risk warning: {en}"));
                    // The merchant knows this customer: the operator confirms, and it is journaled.
                    let operator = self.st.terminal.config().operator.clone();
                    if let Err(e) = self.st.terminal.confirm_risk(token, &operator) {
                        break Err(e);
                    }
                    self.view.screen(
                        Tone::Info,
                        &format!("操作员 {operator} 确认继续（{token}，已记录）"),
                        &format!("operator {operator} confirms and goes ahead ({token}, journaled)"),
                    );
                    self.warnings.push(Warning { token, zh, en });
                    confirmed = true;
                }
                other => break other,
            }
        };
        self.st.reader.remove();
        let outcome = match result {
            Ok(o) => o,
            Err(e) => {
                self.view.screen(Tone::Warn, &e.zh(), &e.en());
                return Ok(None);
            }
        };
        self.show(&outcome);
        if outcome.approved && self.print(&outcome).await? == Printed::Cancelled {
            self.cancel_unprinted(&outcome).await?;
        }
        Ok(Some(outcome))
    }

    /// Runs `op`, letting the cardholder re-enter a wrong PIN (`55`) up to twice more.
    async fn pin_retries(&self, op: &Op) -> Result<TxnOutcome, Error> {
        let mut outcome = self.once(op).await?;
        for _ in 0..2 {
            if !outcome.can_retry_pin() {
                break;
            }
            self.view.screen(Tone::Warn, &outcome.zh(), &outcome.en());
            self.view.screen(Tone::Info, "请持卡人重新输入密码", "the cardholder enters the PIN again");
            outcome = self.once(op).await?;
        }
        Ok(outcome)
    }

    async fn once(&self, op: &Op) -> Result<TxnOutcome, Error> {
        let t = &self.st.terminal;
        match op {
            Op::Sale(a, p) => t.sale_with(*a, *p).await,
            Op::PreAuth(a) => t.pre_auth(*a).await,
            Op::Complete(a, o) => t.pre_auth_complete(*a, o.clone()).await,
            Op::Void(o) => t.void(o.clone()).await,
            Op::Refund(a, o) => t.refund(*a, o.clone()).await,
            Op::Transfer(a, payee) => t.transfer(*a, payee).await,
        }
    }

    fn show(&self, o: &TxnOutcome) {
        let amount = o.amount.map(|a| a.to_string()).unwrap_or_default();
        let voucher = o.voucher.map(|v| format!(" #{v}")).unwrap_or_default();
        let tone = if o.approved { Tone::Good } else { Tone::Warn };
        self.view.screen(
            tone,
            &format!("{} {amount} {}{voucher}：{}", o.txn.zh(), o.masked_pan, o.message_zh),
            &format!("{} {amount} {}{voucher}: {}", o.txn.en(), o.masked_pan, o.message_en),
        );
    }

    async fn print(&mut self, o: &TxnOutcome) -> Result<Printed, DemoError> {
        if self.printer_broken {
            // The cover latch broke: nothing prints until a new printer is paired.
            self.st.paper.set_cover_open(true);
        }
        let fixable = !self.printer_broken;
        let printed = print_txn(self.st, self.dirs, self.view, o, &mut self.receipts, fixable).await?;
        if self.printer_broken {
            self.st.paper.set_cover_open(false);
            self.printer_broken = false;
        }
        Ok(printed)
    }

    async fn cancel_unprinted(&mut self, o: &TxnOutcome) -> Result<(), DemoError> {
        self.view.screen(
            Tone::Warn,
            "无法打印签购单：操作员取消交易，系统自动冲正，持卡人不被扣款",
            "no slip can be printed: the operator cancels the payment; it is reversed, the cardholder is not charged",
        );
        match self.st.terminal.cancel_unprinted(o.txn_id).await {
            Ok(true) => self.view.screen(Tone::Good, "冲正已确认", "reversal acknowledged by the acquirer"),
            Ok(false) => {
                self.view.screen(Tone::Info, "冲正已记录，稍后发送", "reversal stored; it goes with the next request")
            }
            Err(e) => self.view.screen(Tone::Warn, &e.zh(), &e.en()),
        }
        self.cancelled.push(o.clone());
        Ok(())
    }
}
