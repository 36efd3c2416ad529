//! What can be wrong with a terminal-management download.

use thiserror::Error;

use crate::i18n::Bilingual;

/// A download the terminal refuses: nothing of it is applied.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TmsError {
    /// Field 62 is not the TLV or the list the profile defines.
    #[error("malformed {what}: {detail}")]
    Malformed {
        /// Which download (English).
        what: &'static str,
        /// What is wrong (English, no card data).
        detail: String,
    },
    /// A data element required by the profile is missing.
    #[error("{what}: tag {tag:X} missing")]
    Missing {
        /// Which download.
        what: &'static str,
        /// The missing tag.
        tag: u32,
    },
    /// A value is outside what the profile (or our limits) allow.
    #[error("{what}: {detail}")]
    OutOfRange {
        /// Which download.
        what: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// A CA public key whose check sum does not match its content: damaged or forged.
    #[error("CA public key {rid} index {index:02X}: check sum mismatch")]
    ChecksumMismatch {
        /// The key's RID, hex.
        rid: String,
        /// The key's index.
        index: u8,
    },
    /// A key or hash algorithm this terminal does not implement (e.g. SM2/SM3 keys).
    #[error("{what}: algorithm {algorithm:02X} not supported")]
    Unsupported {
        /// Which element.
        what: &'static str,
        /// Its algorithm indicator.
        algorithm: u8,
    },
}

impl Bilingual for TmsError {
    fn zh(&self) -> String {
        match self {
            TmsError::Malformed { what, .. } => format!("下载数据格式错误（{}），未应用", zh_what(what)),
            TmsError::Missing { what, tag } => format!("下载数据缺少必需项 {tag:X}（{}），未应用", zh_what(what)),
            TmsError::OutOfRange { what, detail } => {
                format!("下载数据超出允许范围（{}：{detail}），未应用", zh_what(what))
            }
            TmsError::ChecksumMismatch { rid, index } => {
                format!("IC卡公钥 {rid} 索引 {index:02X} 校验值不符（数据损坏或被篡改），未应用，请联系收单机构")
            }
            TmsError::Unsupported { what, algorithm } => {
                format!("不支持的算法 {algorithm:02X}（{}），未应用", zh_what(what))
            }
        }
    }

    fn en(&self) -> String {
        match self {
            TmsError::ChecksumMismatch { .. } => {
                format!("{self}: damaged or forged, not applied; call the acquirer")
            }
            _ => format!("{self}; not applied"),
        }
    }
}

fn zh_what(what: &str) -> &'static str {
    match what {
        "CA public key" => "IC卡公钥",
        "IC parameters" => "IC卡参数",
        "blacklist" => "黑名单",
        _ => "终端参数",
    }
}
