//! The layout of a transaction slip (签购单), for both copies and both paper widths.

use super::labels::{self, Label};
use super::layout::Doc;
use super::model::{CopyKind, MerchantInfo, Receipt, Verification};
use crate::clock::CivilTime;
use crate::devices::printer::{Align, PaperWidth};
use crate::iso8583::TxnType;
use crate::money::Amount;

/// "RMB 12.34" (CNY prints as RMB, as on every mainland slip), with a minus for money given back.
pub(crate) fn money(a: &Amount, negative: bool) -> String {
    let c = a.currency();
    let code = if c.numeric == 156 { "RMB" } else { c.alpha() };
    let scale = 10u64.pow(u32::from(c.exponent));
    let sign = if negative { "-" } else { "" };
    if c.exponent == 0 {
        format!("{code} {sign}{}", a.minor())
    } else {
        format!("{code} {sign}{}.{:0w$}", a.minor() / scale, a.minor() % scale, w = usize::from(c.exponent))
    }
}

/// "2025/03/01 14:05:09".
pub(crate) fn date_time(t: &CivilTime) -> String {
    format!("{:04}/{:02}/{:02} {:02}:{:02}:{:02}", t.year, t.month, t.day, t.hour, t.minute, t.second)
}

/// True for types that give money back or release it: their amount prints negative.
fn gives_back(t: TxnType) -> bool {
    matches!(t, TxnType::Void | TxnType::Refund | TxnType::CompletionCancel | TxnType::PreAuthCancel)
}

/// The header every slip shares: title, optional reprint mark, merchant, terminal, operator.
pub(crate) fn header(d: &mut Doc, title: Label, merchant: &MerchantInfo, operator: &str, reprint: bool) {
    d.styled(title.zh, Align::Center, true, (2, 2));
    d.center(title.en, false);
    for line in &merchant.header_lines {
        d.center(line, false);
    }
    if reprint {
        mark(d, labels::REPRINT);
    }
    d.rule('-');
    d.text(&labels::MERCHANT_NAME.both());
    d.text(&merchant.name);
    d.pair(&labels::MERCHANT_NO.both(), merchant.mid.as_str(), false);
    d.pair(&labels::TERMINAL_NO.both(), merchant.tid.as_str(), false);
    d.pair(&labels::OPERATOR_NO.both(), operator, false);
}

/// A centred, emphasised "*** 中文 ENGLISH ***".
pub(crate) fn mark(d: &mut Doc, l: Label) {
    d.center(&format!("*** {} ***", l.both()), true);
}

impl Receipt {
    /// The slip as ESC/POS for a paper width.
    pub fn render(&self, width: PaperWidth) -> Vec<u8> {
        self.doc(width).to_escpos()
    }

    pub(crate) fn doc(&self, width: PaperWidth) -> Doc {
        let mut d = Doc::new(width);
        header(&mut d, labels::TITLE, &self.merchant, &self.operator, self.reprint);
        d.rule('-');
        let copy = match self.copy {
            CopyKind::Merchant => labels::MERCHANT_COPY,
            CopyKind::Cardholder => labels::CARDHOLDER_COPY,
        };
        d.pair(copy.zh, copy.en, false);
        d.rule('-');

        d.text(&labels::CARD_NO.both());
        d.styled(self.card.as_str(), Align::Left, true, (1, 2));
        d.pair(&labels::ENTRY_MODE.both(), &labels::entry_method(self.entry).both(), false);
        d.text(&labels::TRANS_TYPE.both());
        d.styled(&labels::txn_type(self.txn).both(), Align::Left, true, (2, 2));
        d.pair(&labels::BATCH_NO.both(), &self.batch.to_string(), false);
        if let Some(v) = self.voucher {
            d.pair(&labels::VOUCHER_NO.both(), &v.to_string(), false);
        }
        if let Some(a) = self.auth_code.as_deref().filter(|a| !a.is_empty()) {
            d.pair(&labels::AUTH_NO.both(), a, false);
        }
        if let Some(r) = self.rrn.as_deref().filter(|r| !r.is_empty()) {
            d.pair(&labels::REF_NO.both(), r, false);
        }
        if let Some(p) = self.payee.as_deref() {
            d.pair(&labels::PAYEE.both(), p, false);
        }
        d.pair(&labels::DATE_TIME.both(), &date_time(&self.when), false);
        d.big_value(&labels::AMOUNT.both(), &money(&self.amount, gives_back(self.txn)), Align::Right);
        d.rule('-');

        if self.offline {
            mark(&mut d, labels::OFFLINE);
        }
        if self.reprint {
            mark(&mut d, labels::REPRINT);
        }
        self.verification_block(&mut d);
        if self.copy == CopyKind::Cardholder {
            d.center(&labels::KEEP_SLIP.both(), false);
        }
        d
    }

    /// The signature line on the merchant copy, or the note why none is needed.
    fn verification_block(&self, d: &mut Doc) {
        match (self.verification, self.copy) {
            (Verification::Signature, CopyKind::Merchant) => {
                d.text(&format!("{}:", labels::SIGNATURE.both()));
                d.feed(3);
                d.rule('_');
                d.text(labels::ACKNOWLEDGE.zh);
                d.text(labels::ACKNOWLEDGE.en);
            }
            (Verification::Signature, CopyKind::Cardholder) => {}
            (Verification::PinVerified, _) => d.center(&labels::PIN_VERIFIED.both(), false),
            (Verification::NoCvm, _) => d.center(&labels::NO_CVM.both(), false),
        }
    }
}
