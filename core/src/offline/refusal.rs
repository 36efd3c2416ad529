//! Why a payment was not approved offline: one typed reason each.

use thiserror::Error;

use crate::i18n::Bilingual;
use crate::iso8583::TxnType;
use crate::money::Amount;

/// A payment the terminal would not approve offline.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OfflineRefusal {
    /// The merchant has offline approval switched off.
    #[error("offline approval is disabled")]
    Disabled,
    /// The payment required online approval and there is no connection.
    #[error("online approval required but the terminal is offline")]
    OnlineRequired,
    /// Voids, refunds, pre-authorisations and inquiries are online only.
    #[error("{txn:?} is online only")]
    OnlineOnly {
        /// The transaction asked for.
        txn: TxnType,
    },
    /// The card was swiped (or fell back to the stripe): offline needs chip or contactless.
    #[error("offline approval needs a chip or contactless read")]
    NotChip,
    /// The card asked for an online PIN, which only the host can verify.
    #[error("the card requires an online PIN")]
    OnlinePin,
    /// Above the per-payment limit.
    #[error("amount above the offline limit of {limit}")]
    AmountOverLimit {
        /// The limit.
        limit: Amount,
    },
    /// The stored total would pass the limit.
    #[error("stored offline total would exceed {limit}")]
    TotalOverLimit {
        /// The limit.
        limit: Amount,
    },
    /// The stored count would pass the limit.
    #[error("{limit} offline payments already stored")]
    CountOverLimit {
        /// The limit.
        limit: u32,
    },
    /// The oldest stored payment is older than the limit: upload first.
    #[error("stored payments older than {hours} h must be uploaded first")]
    QueueTooOld {
        /// The limit in hours.
        hours: u64,
    },
    /// This card already made its offline payments for today.
    #[error("this card reached {limit} offline payments today")]
    CardDailyLimit {
        /// The limit.
        limit: u32,
    },
    /// No sign-in yet: offline payments need the batch and keys of one.
    #[error("offline payments need a sign-in first")]
    NotSignedIn,
    /// The card is on the acquirer's blacklist: only the host may decide on it.
    #[error("the card is on the blacklist")]
    Blacklisted,
    /// The reader could not authenticate the chip's data offline (no CA public key for it, or
    /// a certificate or signature that does not verify): only the host may decide on it.
    #[error("the card's chip data did not authenticate offline")]
    NotAuthenticated,
}

impl OfflineRefusal {
    /// A stable code for the shell (`amount_over_limit`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            OfflineRefusal::Disabled => "disabled",
            OfflineRefusal::OnlineRequired => "online_required",
            OfflineRefusal::OnlineOnly { .. } => "online_only",
            OfflineRefusal::NotChip => "not_chip",
            OfflineRefusal::OnlinePin => "online_pin",
            OfflineRefusal::AmountOverLimit { .. } => "amount_over_limit",
            OfflineRefusal::TotalOverLimit { .. } => "total_over_limit",
            OfflineRefusal::CountOverLimit { .. } => "count_over_limit",
            OfflineRefusal::QueueTooOld { .. } => "queue_too_old",
            OfflineRefusal::CardDailyLimit { .. } => "card_daily_limit",
            OfflineRefusal::NotSignedIn => "not_signed_in",
            OfflineRefusal::Blacklisted => "blacklisted",
            OfflineRefusal::NotAuthenticated => "not_authenticated",
        }
    }
}

impl Bilingual for OfflineRefusal {
    fn zh(&self) -> String {
        match self {
            OfflineRefusal::Disabled => "商户未开通离线交易".into(),
            OfflineRefusal::OnlineRequired => "此交易须联机处理，当前无网络，请稍后重试".into(),
            OfflineRefusal::OnlineOnly { txn } => format!("{}只能联机处理，请恢复网络后重试", txn.zh()),
            OfflineRefusal::NotChip => "离线交易须插卡或挥卡，不能刷卡".into(),
            OfflineRefusal::OnlinePin => "此卡需联机验证密码，无法离线交易".into(),
            OfflineRefusal::AmountOverLimit { limit } => format!("超过离线单笔限额{limit}"),
            OfflineRefusal::TotalOverLimit { limit } => format!("离线交易累计金额将超过{limit}，请先联网上送"),
            OfflineRefusal::CountOverLimit { limit } => format!("离线交易已达{limit}笔，请先联网上送"),
            OfflineRefusal::QueueTooOld { hours } => format!("有超过{hours}小时未上送的离线交易，请先联网上送"),
            OfflineRefusal::CardDailyLimit { limit } => format!("此卡今日离线交易已达{limit}笔"),
            OfflineRefusal::NotSignedIn => "离线交易前须先签到".into(),
            OfflineRefusal::Blacklisted => "此卡在黑名单上，不能离线交易，须联机由发卡行决定".into(),
            OfflineRefusal::NotAuthenticated => "卡片数据未通过脱机认证，不能离线交易，须联机处理".into(),
        }
    }

    fn en(&self) -> String {
        match self {
            OfflineRefusal::Disabled => "Offline payments are not enabled for this merchant".into(),
            OfflineRefusal::OnlineRequired => {
                "This payment must be approved online and there is no connection: try again later".into()
            }
            OfflineRefusal::OnlineOnly { txn } => {
                format!("A {} can only be done online: try again when the connection is back", txn.en())
            }
            OfflineRefusal::NotChip => "Offline payments need the chip or contactless, not the stripe".into(),
            OfflineRefusal::OnlinePin => "This card needs its PIN checked online: it cannot pay offline".into(),
            OfflineRefusal::AmountOverLimit { limit } => format!("Above the offline limit of {limit} per payment"),
            OfflineRefusal::TotalOverLimit { limit } => {
                format!("Offline payments would exceed {limit} in total: connect and upload first")
            }
            OfflineRefusal::CountOverLimit { limit } => {
                format!("{limit} offline payments are waiting: connect and upload first")
            }
            OfflineRefusal::QueueTooOld { hours } => {
                format!("Offline payments older than {hours} h are waiting: connect and upload first")
            }
            OfflineRefusal::CardDailyLimit { limit } => {
                format!("This card reached its {limit} offline payments for today")
            }
            OfflineRefusal::NotSignedIn => "Sign in before taking offline payments".into(),
            OfflineRefusal::Blacklisted => {
                "This card is on the blacklist: it cannot pay offline, only the issuer may decide online".into()
            }
            OfflineRefusal::NotAuthenticated => {
                "The card's chip data did not authenticate offline: it cannot pay offline, only online".into()
            }
        }
    }
}
