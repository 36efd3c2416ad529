//! The rows the ledger exposes to tests and the admin port: never a full PAN.

use pos_core::iso8583::TxnType;
use serde::Serialize;

/// What a ledger row records: a transaction of the profile table, or the reversal of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    /// A request of the given type.
    Txn(TxnType),
    /// A 0400 reversal of a request of the given type.
    Reversal(TxnType),
}

impl RowKind {
    /// The type of the request (or of the reversed request).
    pub fn txn_type(&self) -> TxnType {
        match *self {
            RowKind::Txn(t) | RowKind::Reversal(t) => t,
        }
    }

    /// True for reversals.
    pub fn is_reversal(&self) -> bool {
        matches!(self, RowKind::Reversal(_))
    }

    /// The stored text: `sale`, `reversal:sale`.
    pub fn as_db(&self) -> String {
        match *self {
            RowKind::Txn(t) => txn_name(t).to_owned(),
            RowKind::Reversal(t) => format!("reversal:{}", txn_name(t)),
        }
    }

    /// Reads the stored text back.
    pub fn from_db(s: &str) -> Option<RowKind> {
        match s.strip_prefix("reversal:") {
            Some(t) => txn_from_name(t).map(RowKind::Reversal),
            None => txn_from_name(s).map(RowKind::Txn),
        }
    }
}

/// The snake_case name of a transaction type, as stored and shown.
pub fn txn_name(t: TxnType) -> &'static str {
    // The terminal's journal names: the ledger and the terminal agree on every type's name.
    pos_core::type_name(t)
}

fn txn_from_name(s: &str) -> Option<TxnType> {
    TxnType::ALL.into_iter().find(|t| txn_name(*t) == s)
}

/// Where a transaction stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TxnStatus {
    /// Approved and in force (a sale may be partly refunded: see `refunded`).
    Approved,
    /// Answered with a code other than `00`; no effect.
    Declined,
    /// A sale voided, or a completion cancelled.
    Voided,
    /// Undone by a reversal.
    Reversed,
    /// A pre-auth cancelled: its hold released.
    Cancelled,
    /// A pre-auth completed: captured (see `captured`) and the rest released.
    Completed,
    /// A reversal that found nothing to undo.
    Recorded,
}

impl TxnStatus {
    /// The stored text.
    pub fn as_db(&self) -> &'static str {
        match self {
            TxnStatus::Approved => "approved",
            TxnStatus::Declined => "declined",
            TxnStatus::Voided => "voided",
            TxnStatus::Reversed => "reversed",
            TxnStatus::Cancelled => "cancelled",
            TxnStatus::Completed => "completed",
            TxnStatus::Recorded => "recorded",
        }
    }

    /// Reads the stored text back.
    pub fn from_db(s: &str) -> Option<TxnStatus> {
        [
            TxnStatus::Approved,
            TxnStatus::Declined,
            TxnStatus::Voided,
            TxnStatus::Reversed,
            TxnStatus::Cancelled,
            TxnStatus::Completed,
            TxnStatus::Recorded,
        ]
        .into_iter()
        .find(|st| st.as_db() == s)
    }
}

/// One transaction as the host recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TxnRow {
    /// Ledger id.
    pub id: i64,
    /// Type, or reversal of a type.
    pub kind: RowKind,
    /// Terminal.
    pub tid: String,
    /// Merchant.
    pub mid: String,
    /// Batch (60.2 of the request).
    pub batch: u32,
    /// STAN (field 11 of the request).
    pub stan: u32,
    /// Amount in fen (0 for balance inquiries).
    pub amount: u64,
    /// Field 39 of the answer.
    pub response_code: String,
    /// Where it stands now.
    pub status: TxnStatus,
    /// Refunded so far (sales, completions, offline sales).
    pub refunded: u64,
    /// Captured by a completion (pre-auths).
    pub captured: u64,
    /// Retrieval reference number of the answer.
    pub rrn: Option<String>,
    /// Authorization code of the answer.
    pub auth_code: Option<String>,
    /// First 6 and last 4 digits of the card.
    pub pan_masked: Option<String>,
    /// The row this one refers to (void -> sale, reversal -> original, ...).
    pub original_id: Option<i64>,
    /// Host time, Unix milliseconds.
    pub created_ms: i64,
}

/// A pre-auth hold in force on a card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hold {
    /// The pre-auth's ledger id.
    pub preauth_id: i64,
    /// Terminal that placed it.
    pub tid: String,
    /// Its batch.
    pub batch: u32,
    /// Its STAN.
    pub stan: u32,
    /// Its authorization code.
    pub auth_code: Option<String>,
    /// Amount held in fen.
    pub amount: u64,
}

/// A monitoring flag raised by a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// Ledger id.
    pub id: i64,
    /// Rule: `volume_spike` or `round_amounts`.
    pub rule: String,
    /// Merchant.
    pub mid: String,
    /// Terminal whose transaction raised it.
    pub tid: String,
    /// Card (masked) for card rules.
    pub pan_masked: Option<String>,
    /// What the rule saw.
    pub detail: String,
    /// Host time, Unix milliseconds.
    pub created_ms: i64,
}

/// One settlement request and what the host found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettlementRecord {
    /// Terminal.
    pub tid: String,
    /// Batch settled.
    pub batch: u32,
    /// Field 48 as the terminal sent it.
    pub terminal_totals: String,
    /// The host's totals in the same layout.
    pub host_totals: String,
    /// True when both sections agreed.
    pub balanced: bool,
    /// Host time, Unix milliseconds.
    pub created_ms: i64,
}

/// One batch upload item (a magstripe record, an IC item, or the end message).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UploadRecord {
    /// Terminal.
    pub tid: String,
    /// Batch uploaded.
    pub batch: u32,
    /// `record`, `ic` or `end`.
    pub item: String,
    /// STAN of the uploaded transaction (the count for `end`).
    pub stan: u32,
    /// Amount in fen (0 for `end`).
    pub amount: u64,
    /// Card as uploaded (already masked by the terminal) or IC data length.
    pub detail: String,
}

/// A terminal's batch at the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BatchState {
    /// The batch the host expects now.
    pub current: u32,
    /// True after an unbalanced settlement, until the upload ends.
    pub uploading: bool,
    /// The batch closed last, if any.
    pub last_closed: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_statuses_round_trip() {
        for t in TxnType::ALL {
            for k in [RowKind::Txn(t), RowKind::Reversal(t)] {
                assert_eq!(RowKind::from_db(&k.as_db()), Some(k));
            }
        }
        assert_eq!(RowKind::from_db("reversal:nope"), None);
        for s in ["approved", "declined", "voided", "reversed", "cancelled", "completed", "recorded"] {
            assert_eq!(TxnStatus::from_db(s).map(|s| s.as_db()), Some(s));
        }
    }
}
