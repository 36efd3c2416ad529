//! Why a frame or a field could not be encoded or decoded.

use thiserror::Error;

use crate::i18n::Bilingual;

/// A codec failure; decoding hostile input always ends in one of these.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CodecError {
    /// Input ended before the named part was complete.
    #[error("truncated in {part}: need {need} bytes, have {have}")]
    Truncated {
        /// Which part: "frame length", "tpdu", "field 35", ...
        part: String,
        /// Bytes needed.
        need: usize,
        /// Bytes left.
        have: usize,
    },
    /// A variable length above the field's maximum.
    #[error("field {field}: length {len} out of range (max {max})")]
    LengthOutOfRange {
        /// Field number.
        field: u8,
        /// Length found or given.
        len: usize,
        /// The spec's maximum.
        max: usize,
    },
    /// A fixed or variable field shorter than its spec allows.
    #[error("field {field}: length {len} below minimum {min}")]
    TooShort {
        /// Field number.
        field: u8,
        /// Length found or given.
        len: usize,
        /// The minimum.
        min: usize,
    },
    /// A nibble above 9 where a decimal digit belongs.
    #[error("{part}: non-BCD digit")]
    NonBcdDigit {
        /// Which part: "MTI", "field 4 length", ...
        part: String,
    },
    /// A bitmap bit for which the profile has no field spec.
    #[error("field {0}: bit set but the profile has no spec for it")]
    NoSpec(u8),
    /// Bytes left over after the last field.
    #[error("{0} trailing bytes after the last field")]
    TrailingBytes(usize),
    /// The 2-byte frame length disagrees with what follows it.
    #[error("frame length prefix says {declared} bytes but {actual} follow")]
    LengthPrefixMismatch {
        /// The prefix's value.
        declared: usize,
        /// What was received.
        actual: usize,
    },
    /// A frame larger than the profile accepts.
    #[error("frame of {len} bytes exceeds the limit of {max}")]
    FrameTooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A value with a character its field's encoding cannot carry.
    #[error("field {field}: invalid character for its encoding")]
    BadCharacter {
        /// Field number.
        field: u8,
    },
    /// A field the message type requires is absent.
    #[error("field {0} missing")]
    MissingField(u8),
    /// A field present but its content is wrong for its use.
    #[error("field {field}: {reason}")]
    BadValue {
        /// Field number.
        field: u8,
        /// What is wrong (never the value itself: it may be card data).
        reason: String,
    },
    /// The MTI is not one the profile knows.
    #[error("unknown message type {0}")]
    UnknownMti(String),
    /// MTI, processing code, condition code and 60.1 match no transaction type.
    #[error("no transaction type matches MTI {mti}, processing code {proc_code}, 60.1 {code60}")]
    UnknownTransaction {
        /// MTI.
        mti: String,
        /// Field 3.
        proc_code: String,
        /// 60.1.
        code60: String,
    },
    /// A field number outside 2..=128.
    #[error("field number {0} out of range")]
    BadFieldNumber(u16),
}

impl CodecError {
    pub(crate) fn truncated(part: impl Into<String>, need: usize, have: usize) -> Self {
        CodecError::Truncated { part: part.into(), need, have }
    }
    pub(crate) fn bad_value(field: u8, reason: impl Into<String>) -> Self {
        CodecError::BadValue { field, reason: reason.into() }
    }
}

impl Bilingual for CodecError {
    fn zh(&self) -> String {
        let what = match self {
            CodecError::Truncated { part, .. } => format!("报文不完整（{part}）"),
            CodecError::LengthOutOfRange { field, .. } => format!("域{field}长度超出范围"),
            CodecError::TooShort { field, .. } => format!("域{field}长度不足"),
            CodecError::NonBcdDigit { part } => format!("{part}含非法数字"),
            CodecError::NoSpec(f) => format!("域{f}未定义"),
            CodecError::TrailingBytes(n) => format!("报文末尾多出{n}字节"),
            CodecError::LengthPrefixMismatch { .. } => "报文长度不符".into(),
            CodecError::FrameTooLarge { .. } => "报文过长".into(),
            CodecError::BadCharacter { field } => format!("域{field}含非法字符"),
            CodecError::MissingField(f) => format!("缺少域{f}"),
            CodecError::BadValue { field, .. } => format!("域{field}内容错误"),
            CodecError::UnknownMti(m) => format!("未知消息类型{m}"),
            CodecError::UnknownTransaction { .. } => "未知交易类型".into(),
            CodecError::BadFieldNumber(n) => format!("域号{n}非法"),
        };
        format!("报文格式错误：{what}")
    }
    fn en(&self) -> String {
        format!("Malformed message: {self}")
    }
}
