//! The transaction types of the profile and how each is recognised on the wire.

use serde::{Deserialize, Serialize};

use super::error::CodecError;
use super::message::{Message, Mti};

/// Every transaction type of the UnionPay profile table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxnType {
    /// 余额查询
    BalanceInquiry,
    /// 预授权
    PreAuth,
    /// 预授权撤销
    PreAuthCancel,
    /// 预授权完成
    PreAuthCompletion,
    /// 完成撤销
    CompletionCancel,
    /// 消费
    Sale,
    /// 消费撤销 (same batch only)
    Void,
    /// 退货 (full or partial)
    Refund,
    /// 离线结算: an offline sale uploaded as an advice
    OfflineSale,
    /// 转账: card to account, online only, with PIN, reversible (docs/terminal-management.md)
    Transfer,
}

/// The side of the settlement totals a transaction type counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettlementSide {
    /// Money to the merchant (sales, completions, offline sales).
    Debit,
    /// Money back to the cardholder (refunds).
    Credit,
}

/// One row of the profile's transaction table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxnSpec {
    /// The type.
    pub txn: TxnType,
    /// Request MTI.
    pub mti: Mti,
    /// Field 3.
    pub proc_code: &'static str,
    /// Field 25.
    pub condition: &'static str,
    /// 60.1.
    pub code60: u8,
    /// Whether a lost response must be reversed.
    pub reversible: bool,
    /// Chinese name.
    /// The profile's name of the message in Chinese (0220 离线结算); operator words are
    /// [`crate::vocab::txn_type`]'s.
    pub zh: &'static str,
    /// English name.
    pub en: &'static str,
}

#[allow(clippy::too_many_arguments)] // one argument per column of the profile table
const fn row(
    txn: TxnType,
    mti: &[u8; 4],
    proc_code: &'static str,
    condition: &'static str,
    code60: u8,
    reversible: bool,
    zh: &'static str,
    en: &'static str,
) -> TxnSpec {
    TxnSpec { txn, mti: Mti::from_digits(*mti), proc_code, condition, code60, reversible, zh, en }
}

/// The table in vectors/unionpay-profile.md.
pub const TXN_TABLE: &[TxnSpec] = &[
    row(TxnType::BalanceInquiry, b"0200", "310000", "00", 1, false, "余额查询", "balance inquiry"),
    row(TxnType::PreAuth, b"0100", "030000", "06", 10, true, "预授权", "pre-auth"),
    row(TxnType::PreAuthCancel, b"0100", "200000", "06", 11, true, "预授权撤销", "pre-auth cancel"),
    row(TxnType::PreAuthCompletion, b"0200", "000000", "06", 20, true, "预授权完成", "pre-auth completion"),
    row(TxnType::CompletionCancel, b"0200", "200000", "06", 21, true, "完成撤销", "completion cancel"),
    row(TxnType::Sale, b"0200", "000000", "00", 22, true, "消费", "sale"),
    row(TxnType::Void, b"0200", "200000", "00", 23, true, "消费撤销", "void"),
    row(TxnType::Refund, b"0220", "200000", "00", 25, false, "退货", "refund"),
    row(TxnType::OfflineSale, b"0220", "000000", "00", 30, false, "离线结算", "offline sale upload"),
    // Not in the 2002 table: field 3 class 40 (cardholder accounts transfer, from and to
    // account unspecified) and 60.1 47 as the one terminal found sending one (S6); field 3 and
    // 25 keep it apart from the electronic-cash load that also uses 47 (620000, 25 `91`).
    row(TxnType::Transfer, b"0200", "400000", "00", 47, true, "转账", "transfer"),
];

impl TxnType {
    /// Every type, in table order.
    pub const ALL: [TxnType; 10] = [
        TxnType::BalanceInquiry,
        TxnType::PreAuth,
        TxnType::PreAuthCancel,
        TxnType::PreAuthCompletion,
        TxnType::CompletionCancel,
        TxnType::Sale,
        TxnType::Void,
        TxnType::Refund,
        TxnType::OfflineSale,
        // Last: the reader protocol sends a type as its index here.
        TxnType::Transfer,
    ];

    /// Its row of the table.
    pub fn spec(&self) -> &'static TxnSpec {
        // The table has one row per variant (checked by a test).
        TXN_TABLE.iter().find(|r| r.txn == *self).unwrap_or(&TXN_TABLE[0])
    }

    /// True when the type moves money and so needs a pending reversal.
    pub fn is_reversible(&self) -> bool {
        self.spec().reversible
    }

    /// Which settlement total (field 48) an approval in force counts in, if any.
    ///
    /// The terminal and the acquirer simulator share this rule: sales, completions, offline
    /// sales and transfers (the card is debited through this terminal's batch) are debits,
    /// refunds credits; pre-auths, cancels, voids and inquiries move no settled money.
    pub fn settlement_side(&self) -> Option<SettlementSide> {
        match self {
            TxnType::Sale | TxnType::PreAuthCompletion | TxnType::OfflineSale | TxnType::Transfer => {
                Some(SettlementSide::Debit)
            }
            TxnType::Refund => Some(SettlementSide::Credit),
            _ => None,
        }
    }

    /// True when the request carries an amount (all but balance inquiry).
    pub fn has_amount(&self) -> bool {
        *self != TxnType::BalanceInquiry
    }

    /// True when the request refers to an original transaction (field 61).
    pub fn refers_to_original(&self) -> bool {
        matches!(
            self,
            TxnType::PreAuthCancel
                | TxnType::PreAuthCompletion
                | TxnType::CompletionCancel
                | TxnType::Void
                | TxnType::Refund
        )
    }

    /// Recognises a request (or its reversal, MTI 0400) from MTI, field 3, field 25 and 60.1.
    pub fn identify(msg: &Message) -> Result<TxnType, CodecError> {
        let proc_code = msg.require_str(3)?;
        let cond = msg.get_str(25).unwrap_or("00");
        let f60 = msg.require(60)?;
        let code60 = f60
            .get(..2)
            .filter(|d| d.iter().all(u8::is_ascii_digit))
            .map(|d| (d[0] - b'0') * 10 + (d[1] - b'0'))
            .ok_or_else(|| CodecError::bad_value(60, "60.1 missing"))?;
        let mti = msg.mti();
        let base = mti.digits();
        // Responses and reversals map back to the request row: 0210 -> 0200, 0400/0410 -> any.
        let request_mti = Mti::from_digits([base[0], base[1], base[2] & !1, b'0']);
        TXN_TABLE
            .iter()
            .find(|r| {
                r.proc_code == proc_code
                    && r.condition == cond
                    && r.code60 == code60
                    && (r.mti == request_mti || matches!(&base[..2], b"04"))
            })
            .map(|r| r.txn)
            .ok_or_else(|| CodecError::UnknownTransaction {
                mti: mti.to_string(),
                proc_code: proc_code.chars().take(6).collect(),
                code60: format!("{code60:02}"),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_type() {
        for t in TxnType::ALL {
            assert_eq!(TXN_TABLE.iter().filter(|r| r.txn == t).count(), 1, "{t:?}");
            assert_eq!(t.spec().txn, t);
        }
    }

    #[test]
    fn table_matches_profile_vectors() {
        let profile = include_str!("../../tests/vectors/unionpay-profile.md");
        let section = profile.split("## Transaction types").nth(1).expect("section");
        let mut seen = 0;
        for line in section.lines().filter(|l| l.starts_with("| ")) {
            let c: Vec<&str> = line.split('|').map(str::trim).collect();
            let Some(row) = TXN_TABLE.iter().find(|r| c[1].starts_with(&format!("{} {}", r.en, r.zh))) else {
                continue;
            };
            assert_eq!(&c[2][..4], row.mti.as_str(), "{}", row.en);
            assert_eq!(c[3], row.proc_code, "{}", row.en);
            assert_eq!(c[4], row.condition, "{}", row.en);
            assert_eq!(c[5], format!("{:02}", row.code60), "{}", row.en);
            assert_eq!(c[6] == "yes", row.reversible, "{}", row.en);
            seen += 1;
        }
        // Every row but the transfer, which the profile's table does not have (ours: see the
        // row's comment and docs/terminal-management.md).
        assert_eq!(seen, TXN_TABLE.len() - 1);
    }
}
