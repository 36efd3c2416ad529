//! What can go wrong at the card reader.

use thiserror::Error;

use crate::card::CardError;
use crate::crypto::{CryptoError, KeyKind};
use crate::i18n::Bilingual;
use crate::tamper::UnlockError;

/// A card reader failure; texts never contain card data.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReaderError {
    /// No working keys loaded yet: the terminal must sign in first.
    #[error("the reader has no working keys")]
    NoWorkingKeys,
    /// A working key decrypted under the TMK does not match its check value.
    #[error("{0} check value mismatch")]
    KeyCheckFailed(KeyKind),
    /// The key block does not fit the reader (lengths, missing TDK).
    #[error("unusable working key block: {0}")]
    BadKeyBlock(String),
    /// No card was presented in time.
    #[error("no card presented in time")]
    Timeout,
    /// The read was cancelled.
    #[error("card read cancelled")]
    Cancelled,
    /// The card's data is unusable.
    #[error("card data: {0}")]
    Card(#[source] CardError),
    /// A cryptographic step failed inside the reader.
    #[error("reader crypto: {0}")]
    Crypto(#[source] CryptoError),
    /// The reader is not connected (Bluetooth dropped).
    #[error("reader disconnected")]
    Disconnected,
    /// The card was pulled out before the read finished.
    #[error("card removed too early")]
    CardRemoved,
    /// The reader's security (tamper) switch has fired; it refuses transactions.
    #[error("reader security triggered")]
    Tampered,
    /// The reader is busy with another transaction.
    #[error("reader busy")]
    Busy,
    /// The reader answered something this protocol does not allow.
    #[error("reader protocol error: {0}")]
    Protocol(String),
    /// The remote unlock (or the help desk's reset) was refused: wrong code, back-off or lockout.
    #[error("unlock refused: {0}")]
    Unlock(#[source] UnlockError),
    /// This reader has no remote unlock (a software reader, say).
    #[error("the reader does not support this")]
    Unsupported,
    /// The Bluetooth link is not bonded and encrypted: no key or PIN command is sent over it.
    #[error("the reader link is not encrypted")]
    LinkNotEncrypted,
    /// The MAK the reader wrapped under the link key failed its authentication (changed in
    /// transit, another link key, or a replayed answer).
    #[error("the reader's wrapped key was refused")]
    WrappedKeyRefused,
    /// The reader has no link key (it restarted or the link dropped since the pairing handshake).
    #[error("the reader has no link key")]
    NoLinkKey,
}

impl From<UnlockError> for ReaderError {
    fn from(e: UnlockError) -> Self {
        ReaderError::Unlock(e)
    }
}

impl From<CardError> for ReaderError {
    fn from(e: CardError) -> Self {
        ReaderError::Card(e)
    }
}

impl From<CryptoError> for ReaderError {
    fn from(e: CryptoError) -> Self {
        match e {
            CryptoError::CheckValueMismatch { key } => ReaderError::KeyCheckFailed(key),
            other => ReaderError::Crypto(other),
        }
    }
}

impl Bilingual for ReaderError {
    fn zh(&self) -> String {
        match self {
            ReaderError::NoWorkingKeys => "读卡器未装载工作密钥，请重新签到".into(),
            ReaderError::KeyCheckFailed(k) => format!("{}校验值错误，请重新签到", k.zh()),
            ReaderError::BadKeyBlock(_) => "工作密钥格式错误，请重新签到".into(),
            ReaderError::Timeout => "读卡超时".into(),
            ReaderError::Cancelled => "读卡已取消".into(),
            ReaderError::Card(e) => format!("读卡失败：{}", e.zh()),
            ReaderError::Crypto(e) => format!("读卡器加密失败：{}", e.zh()),
            ReaderError::Disconnected => "读卡器连接已断开，本笔交易未扣款，请重连读卡器后重试".into(),
            ReaderError::CardRemoved => "卡片过早拔出，请重新插卡".into(),
            ReaderError::Tampered => "系统安全已触发，请联系收单机构".into(),
            ReaderError::Busy => "读卡器忙，请稍后".into(),
            ReaderError::Protocol(_) => "读卡器通讯错误，请重启读卡器".into(),
            ReaderError::Unlock(e) => e.zh(),
            ReaderError::Unsupported => "读卡器不支持此功能".into(),
            ReaderError::LinkNotEncrypted => {
                "读卡器蓝牙连接未加密，请先在系统蓝牙设置中配对（绑定）读卡器，再重新连接".into()
            }
            ReaderError::WrappedKeyRefused => {
                "读卡器返回的密钥未通过校验（可能被篡改），请重新连接读卡器后重新签到".into()
            }
            ReaderError::NoLinkKey => "读卡器连接密钥已失效，请重新连接读卡器".into(),
        }
    }

    fn en(&self) -> String {
        match self {
            ReaderError::NoWorkingKeys => "The reader has no working keys: sign in again".into(),
            ReaderError::KeyCheckFailed(k) => format!("{k} check value wrong: sign in again"),
            ReaderError::BadKeyBlock(why) => format!("Unusable working keys ({why}): sign in again"),
            ReaderError::Timeout => "Card read timed out".into(),
            ReaderError::Cancelled => "Card read cancelled".into(),
            ReaderError::Card(e) => format!("Card read failed: {}", e.en()),
            ReaderError::Crypto(e) => format!("Reader encryption failed: {}", e.en()),
            ReaderError::Disconnected => {
                "Card reader disconnected: nothing was charged; reconnect the reader and try again".into()
            }
            ReaderError::CardRemoved => "Card removed too early: insert it again".into(),
            ReaderError::Tampered => "Security triggered: call the acquirer".into(),
            ReaderError::Busy => "The reader is busy; wait a moment".into(),
            ReaderError::Protocol(why) => format!("Reader communication error ({why}): restart the reader"),
            ReaderError::Unlock(e) => e.en(),
            ReaderError::Unsupported => "The reader does not support this".into(),
            ReaderError::LinkNotEncrypted => {
                "The reader link is not encrypted: pair (bond) the reader in Bluetooth settings first, then reconnect"
                    .into()
            }
            ReaderError::WrappedKeyRefused => {
                "The key the reader returned failed its check (it may have been tampered with): reconnect the reader and sign in again".into()
            }
            ReaderError::NoLinkKey => "The reader's link key is gone: reconnect the reader".into(),
        }
    }
}
