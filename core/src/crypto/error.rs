//! The one error type of the crypto module, with operator text in both languages.
//!
//! No variant carries key bytes, PIN digits, PANs or track data, and none carries a
//! file path: a path may name the user or the app's private directory, and the
//! operator cannot act on it anyway.

use std::io;

use thiserror::Error;

use super::key::KeyKind;
use crate::i18n::Bilingual;

/// Which file operation of the key vault failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VaultOp {
    /// Creating the master key file.
    Create,
    /// Reading the master key file.
    Read,
    /// Writing or syncing the master key file.
    Write,
}

impl VaultOp {
    fn zh(self) -> &'static str {
        match self {
            VaultOp::Create => "创建",
            VaultOp::Read => "读取",
            VaultOp::Write => "写入",
        }
    }
}

/// Every failure of the payment cryptography.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CryptoError {
    /// A DES/TDES key is not 8, 16 or 24 bytes long.
    #[error("key length {len} bytes is invalid: a DES key is 8, 16 or 24 bytes")]
    BadKeyLength {
        /// The length that was given.
        len: usize,
    },
    /// A key given as text is not valid hex.
    #[error("key is not valid hexadecimal")]
    BadKeyHex,
    /// A key of the right DES size but the wrong size for this use (e.g. a BDK that is not double length).
    #[error("{kind} must be {expected} bytes long, got {len}")]
    WrongKeyLength {
        /// Which key.
        kind: KeyKind,
        /// The length that was given.
        len: usize,
        /// The length this use needs.
        expected: usize,
    },
    /// Data for ECB encryption is not a multiple of the 8-byte DES block.
    #[error("data length {len} bytes is not a multiple of 8")]
    BadDataLength {
        /// The length that was given.
        len: usize,
    },
    /// A working key from sign-in does not match its check value.
    #[error("{key} check value does not match: sign in again")]
    CheckValueMismatch {
        /// Which working key failed.
        key: KeyKind,
    },
    /// Field 62 of the sign-in response has a length that does not fit the key mode.
    #[error("working keys (field 62) are {len} bytes, which does not fit key mode {mode}: sign in again")]
    BadField62Length {
        /// The 60.3 key mode code.
        mode: &'static str,
        /// The length received.
        len: usize,
    },
    /// A 60.3 network management code that is not a key mode.
    #[error("unknown key mode {code:?}: expected 001, 003 or 004")]
    UnknownKeyMode {
        /// The code received (at most a few characters are kept).
        code: String,
    },
    /// A working key whose length the key mode cannot carry.
    #[error("{key} of {len} bytes cannot be sent in key mode {mode}")]
    KeyLengthForMode {
        /// Which working key.
        key: KeyKind,
        /// Its length.
        len: usize,
        /// The 60.3 key mode code.
        mode: &'static str,
    },
    /// Key mode 004 needs a track data key and none was given.
    #[error("key mode 004 needs a track data key (TDK)")]
    MissingTdk,
    /// A PIN that is not 4 to 12 decimal digits.
    #[error("PIN must be 4 to 12 digits")]
    BadPin,
    /// A PAN that cannot be used for a PIN block.
    #[error("card number is not valid for a PIN block: it must be 8 to 19 digits")]
    BadPan,
    /// A PIN block whose format code is not ISO 9564 format 0.
    #[error("PIN block format {format} is not supported: only ISO 9564 format 0")]
    BadPinBlockFormat {
        /// The format nibble found.
        format: u8,
    },
    /// A format 0 PIN block whose content is invalid (wrong PAN or corrupt data).
    #[error("PIN block is invalid (wrong card number or corrupt data)")]
    BadPinBlock,
    /// A key serial number that is not 10 bytes (20 hex digits).
    #[error("KSN must be 10 bytes (20 hex digits)")]
    BadKsn,
    /// A KSN whose transaction counter is 0 or has more than 10 bits set.
    #[error("KSN transaction counter is invalid (zero or more than 10 bits set)")]
    BadKsnCounter,
    /// Track digits that are not hex digits.
    #[error("track data must contain only hex digits (0-9, A-F)")]
    BadTrack,
    /// A MAC algorithm name that is not known.
    #[error("unknown MAC algorithm {name:?}: expected ecb or x919")]
    UnknownMacAlgorithm {
        /// The name given (at most a few characters are kept).
        name: String,
    },
    /// The system random number generator failed.
    #[error("the system random number generator failed")]
    RandomFailed,
    /// Sealing data failed.
    #[error("sealing data failed")]
    SealFailed,
    /// Sealed data did not authenticate: tampered, truncated, wrong key or wrong context.
    #[error("sealed data failed authentication (tampered, truncated, wrong key or wrong context)")]
    OpenFailed,
    /// Sealed data is shorter than its header and tag.
    #[error("sealed data is too short ({len} bytes)")]
    SealedTooShort {
        /// The length received.
        len: usize,
    },
    /// Sealed data with a format version this build does not know.
    #[error("sealed data has unknown format version {version}")]
    UnknownSealVersion {
        /// The version byte found.
        version: u8,
    },
    /// The key vault could not wrap a data key.
    #[error("the key vault could not wrap the data key")]
    WrapFailed,
    /// The key vault could not unwrap a data key (tampered, or the vault key changed).
    #[error("the key vault could not unwrap the data key (tampered, or the vault key changed)")]
    UnwrapFailed,
    /// An unwrapped data key of the wrong length.
    #[error("the unwrapped data key is {len} bytes, expected 32")]
    BadDataKeyLength {
        /// The length found.
        len: usize,
    },
    /// A file operation of the key vault failed.
    #[error("key vault file could not be {}: {kind}", past_participle(*op))]
    VaultIo {
        /// What was being done.
        op: VaultOp,
        /// The operating system's reason.
        kind: io::ErrorKind,
    },
    /// The vault's master key file exists with the wrong size; it is left untouched.
    #[error("key vault master key file is {len} bytes, expected 32; the file was left untouched")]
    BadVaultFile {
        /// The size found.
        len: u64,
    },
}

fn past_participle(op: VaultOp) -> &'static str {
    match op {
        VaultOp::Create => "created",
        VaultOp::Read => "read",
        VaultOp::Write => "written",
    }
}

/// Chinese for the I/O reasons an operator can do something about; the rest keep the English.
fn io_kind_zh(kind: io::ErrorKind) -> String {
    match kind {
        io::ErrorKind::NotFound => "文件或目录不存在".to_owned(),
        io::ErrorKind::PermissionDenied => "没有访问权限".to_owned(),
        io::ErrorKind::AlreadyExists => "文件已存在".to_owned(),
        io::ErrorKind::UnexpectedEof => "文件不完整".to_owned(),
        io::ErrorKind::Interrupted => "操作被中断".to_owned(),
        other => format!("输入输出错误（{other}）"),
    }
}

impl Bilingual for CryptoError {
    fn zh(&self) -> String {
        match self {
            CryptoError::BadKeyLength { len } => {
                format!("密钥长度 {len} 字节无效：DES 密钥应为 8、16 或 24 字节")
            }
            CryptoError::BadKeyHex => "密钥不是有效的十六进制数".to_owned(),
            CryptoError::WrongKeyLength { kind, len, expected } => {
                format!("{}长度应为 {expected} 字节，实际为 {len} 字节", kind.zh())
            }
            CryptoError::BadDataLength { len } => {
                format!("数据长度 {len} 字节不是 8 的整数倍")
            }
            CryptoError::CheckValueMismatch { key } => {
                format!("{}校验值不符，请重新签到", key.zh())
            }
            CryptoError::BadField62Length { mode, len } => {
                format!("签到返回的工作密钥（62域）长度 {len} 字节，与密钥模式 {mode} 不符，请重新签到")
            }
            CryptoError::UnknownKeyMode { code } => {
                format!("未知的密钥模式 {code:?}，应为 001、003 或 004")
            }
            CryptoError::KeyLengthForMode { key, len, mode } => {
                format!("{} 长度 {len} 字节，无法在密钥模式 {mode} 下下发", key.zh())
            }
            CryptoError::MissingTdk => "密钥模式 004 需要磁道密钥（TDK）".to_owned(),
            CryptoError::BadPin => "密码应为 4 至 12 位数字".to_owned(),
            CryptoError::BadPan => "卡号无效，无法计算密码块：卡号应为 8 至 19 位数字".to_owned(),
            CryptoError::BadPinBlockFormat { format } => {
                format!("不支持密码块格式 {format}，仅支持 ISO 9564 格式 0")
            }
            CryptoError::BadPinBlock => "密码块无效（卡号不符或数据损坏）".to_owned(),
            CryptoError::BadKsn => "KSN 应为 10 字节（20 位十六进制数）".to_owned(),
            CryptoError::BadKsnCounter => "KSN 交易计数器无效（为 0 或超过 10 个置位）".to_owned(),
            CryptoError::BadTrack => "磁道数据只能包含十六进制数字（0-9、A-F）".to_owned(),
            CryptoError::UnknownMacAlgorithm { name } => {
                format!("未知的 MAC 算法 {name:?}，应为 ecb 或 x919")
            }
            CryptoError::RandomFailed => "系统随机数生成失败".to_owned(),
            CryptoError::SealFailed => "数据加密保存失败".to_owned(),
            CryptoError::OpenFailed => "加密数据校验失败（被篡改、不完整、密钥或用途不符）".to_owned(),
            CryptoError::SealedTooShort { len } => {
                format!("加密数据过短（{len} 字节）")
            }
            CryptoError::UnknownSealVersion { version } => {
                format!("加密数据的格式版本 {version} 无法识别")
            }
            CryptoError::WrapFailed => "密钥库无法封装数据密钥".to_owned(),
            CryptoError::UnwrapFailed => "密钥库无法解封数据密钥（数据被篡改或密钥库密钥已变更）".to_owned(),
            CryptoError::BadDataKeyLength { len } => {
                format!("解封得到的数据密钥长度为 {len} 字节，应为 32 字节")
            }
            CryptoError::VaultIo { op, kind } => {
                format!("密钥库文件{}失败：{}", op.zh(), io_kind_zh(*kind))
            }
            CryptoError::BadVaultFile { len } => {
                format!("密钥库主密钥文件长度为 {len} 字节，应为 32 字节；文件未被改动")
            }
        }
    }

    fn en(&self) -> String {
        self.to_string()
    }
}

impl CryptoError {
    /// Wraps an I/O failure of the vault, keeping only its kind (never the path).
    pub(crate) fn vault_io(op: VaultOp, err: &io::Error) -> Self {
        CryptoError::VaultIo { op, kind: err.kind() }
    }
}

/// Keeps at most a few characters of untrusted text echoed in an error.
pub(crate) fn clip(text: &str) -> String {
    text.chars().take(16).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_both_texts() {
        let all = [
            CryptoError::BadKeyLength { len: 7 },
            CryptoError::CheckValueMismatch { key: KeyKind::Mak },
            CryptoError::BadField62Length { mode: "003", len: 41 },
            CryptoError::VaultIo { op: VaultOp::Create, kind: io::ErrorKind::PermissionDenied },
            CryptoError::BadVaultFile { len: 31 },
        ];
        for e in all {
            assert!(!e.zh().is_empty());
            assert!(!e.en().is_empty());
            assert_ne!(e.zh(), e.en());
        }
    }

    #[test]
    fn check_value_error_names_the_key() {
        let e = CryptoError::CheckValueMismatch { key: KeyKind::Pik };
        assert!(e.en().contains("PIK"));
        assert!(e.zh().contains("PIK"));
    }

    #[test]
    fn vault_io_text_names_no_path() {
        let err = io::Error::new(io::ErrorKind::NotFound, "/home/someone/.pos/vault.key");
        let e = CryptoError::vault_io(VaultOp::Read, &err);
        assert!(!e.en().contains("/home"));
        assert!(!e.zh().contains("/home"));
        assert_eq!(e.en(), "key vault file could not be read: entity not found");
    }

    #[test]
    fn clip_bounds_echoed_text() {
        assert_eq!(clip(&"x".repeat(100)).len(), 16);
    }
}
