//! Things the operator must act on, with what to tell the customer, in both languages.

use serde::Serialize;

use crate::card::MaskedPan;
use crate::i18n::Bilingual;
use crate::ids::{TxnId, VoucherNo};
use crate::money::Amount;
use crate::response_code::ResponseCode;

/// What needs the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttentionKind {
    /// A reversal the host has not acknowledged after repeated attempts.
    ReversalStuck,
    /// A payment approved offline that the host declined on upload (the merchant carries it).
    UploadDeclined,
    /// A payment approved offline that was not uploaded in time.
    UploadExpired,
}

/// One item needing the operator: what happened and what to tell the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attention {
    /// What it is.
    pub kind: AttentionKind,
    /// The transaction concerned.
    pub txn_id: TxnId,
    /// Its slip number.
    pub voucher: Option<VoucherNo>,
    /// Its amount.
    pub amount: Option<Amount>,
    /// The card, masked.
    pub masked_pan: Option<MaskedPan>,
    /// The host's code, for declined uploads.
    pub response_code: Option<ResponseCode>,
    /// Failed attempts so far (reversals).
    pub attempts: u32,
}

impl Attention {
    fn slip(&self) -> (String, String) {
        let voucher = self.voucher.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
        let amount = self.amount.map(|a| a.to_string()).unwrap_or_else(|| "-".into());
        let card = self.masked_pan.as_ref().map(|p| p.as_str().to_string()).unwrap_or_else(|| "-".into());
        (
            format!("凭证号{voucher}，金额{amount}，卡号{card}"),
            format!("voucher {voucher}, amount {amount}, card {card}"),
        )
    }

    /// What to tell the customer, in Chinese.
    pub fn tell_customer_zh(&self) -> String {
        match self.kind {
            AttentionKind::ReversalStuck => {
                "本笔交易未成功。如您的账户已被扣款，银行将自动退回，一般在1至3个工作日内到账；请保留此凭证，如有疑问请联系发卡银行。".into()
            }
            AttentionKind::UploadDeclined | AttentionKind::UploadExpired => {
                "这笔离线付款未能入账，您没有被扣款。请改用其他卡或方式重新付款。".into()
            }
        }
    }

    /// What to tell the customer, in English.
    pub fn tell_customer_en(&self) -> String {
        match self.kind {
            AttentionKind::ReversalStuck => "This payment did not go through. If your account was debited, the bank \
                 returns the money automatically, usually within 1 to 3 working days; keep this slip and call \
                 your bank if you have questions."
                .into(),
            AttentionKind::UploadDeclined | AttentionKind::UploadExpired => {
                "This offline payment could not be collected and you were not charged. Please pay again with \
                 another card or method."
                    .into()
            }
        }
    }
}

impl Bilingual for Attention {
    fn zh(&self) -> String {
        let (slip, _) = self.slip();
        match self.kind {
            AttentionKind::ReversalStuck => {
                format!(
                    "冲正{}次未成功（{slip}），将继续自动重试。请告知顾客：{}",
                    self.attempts,
                    self.tell_customer_zh()
                )
            }
            AttentionKind::UploadDeclined => format!(
                "离线交易上送被拒（{slip}，应答码{}），款项未入账，由商户承担。请告知顾客：{}",
                self.response_code.map(|c| c.zh()).unwrap_or_default(),
                self.tell_customer_zh()
            ),
            AttentionKind::UploadExpired => {
                format!(
                    "离线交易超过上送期限（{slip}），未上送，请联系收单机构。请告知顾客：{}",
                    self.tell_customer_zh()
                )
            }
        }
    }

    fn en(&self) -> String {
        let (_, slip) = self.slip();
        match self.kind {
            AttentionKind::ReversalStuck => format!(
                "Reversal not acknowledged after {} attempts ({slip}); it keeps being retried. Tell the customer: {}",
                self.attempts,
                self.tell_customer_en()
            ),
            AttentionKind::UploadDeclined => format!(
                "Offline payment declined on upload ({slip}, {}): not collected, the merchant carries it. Tell the \
                 customer: {}",
                self.response_code.map(|c| c.en()).unwrap_or_default(),
                self.tell_customer_en()
            ),
            AttentionKind::UploadExpired => format!(
                "Offline payment past its upload deadline ({slip}), not uploaded: call the acquirer. Tell the \
                 customer: {}",
                self.tell_customer_en()
            ),
        }
    }
}
