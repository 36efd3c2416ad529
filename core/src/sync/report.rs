//! What a sync achieved and why it stopped early.

use serde::Serialize;

use crate::i18n::Bilingual;
use crate::money::Amount;
use crate::response_code::ResponseCode;

/// Why a sync stopped before everything was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncStop {
    /// The platform reports no network.
    Offline,
    /// The host could not be reached (no connection).
    HostUnreachable,
    /// Requests were sent but no usable answer came.
    NoAnswer,
    /// The host asked for a new sign-in (or none is in force).
    NeedsSignIn,
    /// The host answered with a code that means "not now" (system trouble, not provisioned).
    HostTrouble {
        /// Field 39.
        code: ResponseCode,
    },
}

impl SyncStop {
    /// Whether trying again later, unchanged, may succeed (so the task backs off and retries).
    pub fn is_transient(&self) -> bool {
        !matches!(self, SyncStop::NeedsSignIn)
    }
}

// Neutral about who retries: the app's background sync does, a one-shot `pos sync` does not
// (front ends add their own next step).
impl Bilingual for SyncStop {
    fn zh(&self) -> String {
        match self {
            SyncStop::Offline => "当前无网络：联网后上送".into(),
            SyncStop::HostUnreachable => "无法连接收单主机：稍后重试".into(),
            SyncStop::NoAnswer => "收单主机未应答：稍后重试".into(),
            SyncStop::NeedsSignIn => "请重新签到后再上送".into(),
            SyncStop::HostTrouble { code } => format!("收单主机暂时无法处理（{}）：稍后重试", code.zh()),
        }
    }
    fn en(&self) -> String {
        match self {
            SyncStop::Offline => "No network: the uploads wait for the connection".into(),
            SyncStop::HostUnreachable => "Cannot reach the acquirer: try again later".into(),
            SyncStop::NoAnswer => "The acquirer did not answer: try again later".into(),
            SyncStop::NeedsSignIn => "Sign in again to continue uploading".into(),
            SyncStop::HostTrouble { code } => {
                format!("The acquirer cannot take uploads now ({}): try again later", code.en())
            }
        }
    }
}

/// The result of one sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// Reversals the host acknowledged.
    pub reversals_acknowledged: u32,
    /// Reversals still due.
    pub reversals_left: u32,
    /// Stored payments the host accepted.
    pub accepted: u32,
    /// Stored payments the host declined (reported; the merchant carries them).
    pub declined: u32,
    /// Stored payments past the upload deadline (not sent).
    pub expired: u32,
    /// Payments still waiting.
    pub left: u32,
    /// Their total.
    pub left_amount: Amount,
    /// Why it stopped early, if it did.
    pub stop: Option<SyncStop>,
}

impl SyncReport {
    /// An empty report in the terminal's currency.
    pub fn empty(zero: Amount) -> SyncReport {
        SyncReport {
            reversals_acknowledged: 0,
            reversals_left: 0,
            accepted: 0,
            declined: 0,
            expired: 0,
            left: 0,
            left_amount: zero,
            stop: None,
        }
    }

    /// Nothing left to send.
    pub fn is_clean(&self) -> bool {
        self.stop.is_none() && self.left == 0 && self.reversals_left == 0
    }
}

impl Bilingual for SyncReport {
    fn zh(&self) -> String {
        let mut s = format!(
            "冲正成功{}笔，离线交易上送成功{}笔，被拒{}笔，过期{}笔，待上送{}笔（{}）",
            self.reversals_acknowledged, self.accepted, self.declined, self.expired, self.left, self.left_amount
        );
        if self.reversals_left > 0 {
            s.push_str(&format!("，待冲正{}笔", self.reversals_left));
        }
        if let Some(stop) = &self.stop {
            s.push_str(&format!("。{}", stop.zh()));
        }
        s
    }
    fn en(&self) -> String {
        let mut s = format!(
            "{} reversal(s) acknowledged; offline payments: {} accepted, {} declined, {} expired, {} waiting ({})",
            self.reversals_acknowledged, self.accepted, self.declined, self.expired, self.left, self.left_amount
        );
        if self.reversals_left > 0 {
            s.push_str(&format!("; {} reversal(s) still due", self.reversals_left));
        }
        if let Some(stop) = &self.stop {
            s.push_str(&format!(". {}", stop.en()));
        }
        s
    }
}
