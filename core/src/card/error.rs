//! The one error type of the card module, with operator text in both languages.

use thiserror::Error;

use crate::card::track::TrackId;
use crate::i18n::Bilingual;

/// What is wrong with a card number; shared by manual entry and track parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanProblem {
    /// Fewer than 12 or more than 19 digits.
    Length {
        /// The number of characters found.
        len: usize,
    },
    /// A character that is not a digit (position counts from 0).
    NotDigit {
        /// Where the first offending character is.
        position: usize,
    },
    /// The Luhn check digit does not match: usually a mistyped or misread number.
    Luhn,
}

impl std::fmt::Display for PanProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en())
    }
}

impl Bilingual for PanProblem {
    fn zh(&self) -> String {
        match self {
            PanProblem::Length { len } => format!("卡号应为12至19位数字，实际为{len}位"),
            PanProblem::NotDigit { position } => format!("卡号第{}位不是数字", position + 1),
            PanProblem::Luhn => "卡号校验位错误".to_owned(),
        }
    }

    fn en(&self) -> String {
        match self {
            PanProblem::Length { len } => {
                format!("card number must have 12 to 19 digits, got {len}")
            }
            PanProblem::NotDigit { position } => {
                format!("card number character {} is not a digit", position + 1)
            }
            PanProblem::Luhn => "card number check digit is wrong".to_owned(),
        }
    }
}

/// Every way card data can be rejected. Messages never quote card data, only
/// positions and lengths, so they are safe to log and show.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CardError {
    /// A card number (manual entry or field 2) is malformed.
    #[error("{0}")]
    InvalidPan(PanProblem),
    /// A stored masked card number is not "first 6, stars, last 4".
    #[error("invalid masked card number")]
    InvalidMaskedPan,
    /// An expiry date is not YYMM with a month from 01 to 12.
    #[error("invalid expiry date: expected YYMM with month 01-12")]
    InvalidExpiry,
    /// A service code is not three digits.
    #[error("invalid service code: expected 3 digits")]
    InvalidServiceCode,
    /// A track has no data at all (e.g. ";?"): the reader could not read it.
    #[error("{track}: no data")]
    EmptyTrack {
        /// The track concerned.
        track: TrackId,
    },
    /// A track does not begin with its start sentinel.
    #[error("{track}: start sentinel missing")]
    MissingStartSentinel {
        /// The track concerned.
        track: TrackId,
    },
    /// A track does not end with its end sentinel.
    #[error("{track}: end sentinel missing")]
    MissingEndSentinel {
        /// The track concerned.
        track: TrackId,
    },
    /// More than one character (the LRC) follows the end sentinel.
    #[error("{track}: unexpected data after the end sentinel")]
    TrailingData {
        /// The track concerned.
        track: TrackId,
    },
    /// A track lacks a field separator it must have.
    #[error("{track}: field separator missing")]
    MissingSeparator {
        /// The track concerned.
        track: TrackId,
    },
    /// A field separator where none may be, or of the wrong kind for the form.
    #[error("{track}: unexpected field separator at character {}", .position + 1)]
    BadSeparator {
        /// The track concerned.
        track: TrackId,
        /// Position in the input, counting from 0 (messages count from 1).
        position: usize,
    },
    /// A character outside the track's character set.
    #[error("{track}: character {} not allowed", .position + 1)]
    BadCharacter {
        /// The track concerned.
        track: TrackId,
        /// Position in the input, counting from 0 (messages count from 1).
        position: usize,
    },
    /// More data than the track can hold.
    #[error("{track}: {len} data characters, at most {max} allowed")]
    TrackTooLong {
        /// The track concerned.
        track: TrackId,
        /// Data characters found (sentinels and LRC excluded).
        len: usize,
        /// The track's capacity.
        max: usize,
    },
    /// Track 1 is not format B (the only format financial cards use).
    #[error("{track}: format code is not B")]
    UnsupportedFormatCode {
        /// The track concerned.
        track: TrackId,
    },
    /// The card number on a track is malformed.
    #[error("{track}: {problem}")]
    TrackPanInvalid {
        /// The track concerned.
        track: TrackId,
        /// What is wrong with it.
        problem: PanProblem,
    },
    /// The expiry date on a track is missing or not a valid YYMM.
    #[error("{track}: invalid expiry date")]
    BadExpiry {
        /// The track concerned.
        track: TrackId,
    },
    /// The service code on a track is missing or not three digits.
    #[error("{track}: invalid service code")]
    BadServiceCode {
        /// The track concerned.
        track: TrackId,
    },
    /// The track's LRC character does not match its data: a misread.
    #[error("{track}: LRC check failed")]
    LrcMismatch {
        /// The track concerned.
        track: TrackId,
    },
    /// The reader delivered no track data at all.
    #[error("no track data was read")]
    NoTracks,
    /// Track 2 is missing; track 1 or track 3 alone is not enough to pay.
    #[error("track 2 is missing")]
    MissingTrack2,
    /// Tracks 1 and 2 carry different card numbers: a damaged or forged card.
    #[error("card numbers on track 1 and track 2 differ")]
    TrackPanMismatch,
    /// A concatenated swipe is not tracks in the order 1, 2, 3.
    #[error("swipe data not in a recognised layout at character {}", .position + 1)]
    UnrecognisedSwipe {
        /// Position in the input, counting from 0 (messages count from 1).
        position: usize,
    },
    /// BER-TLV data ends inside a tag, length or value.
    #[error("IC card data truncated at offset {offset}")]
    TlvTruncated {
        /// Byte offset of the object that is cut short.
        offset: usize,
    },
    /// A BER-TLV tag longer than the 3 bytes EMV uses.
    #[error("IC card data tag longer than 3 bytes at offset {offset}")]
    TlvTagTooLong {
        /// Byte offset of the tag.
        offset: usize,
    },
    /// The indefinite length form (0x80), which EMV forbids.
    #[error("IC card data uses an indefinite length at offset {offset}")]
    TlvIndefiniteLength {
        /// Byte offset of the length.
        offset: usize,
    },
    /// A length of more than two bytes (0x83 and up), which EMV never needs.
    #[error("IC card data length form not supported at offset {offset}")]
    TlvLengthTooLong {
        /// Byte offset of the length.
        offset: usize,
    },
    /// Constructed objects nested deeper than any EMV template.
    #[error("IC card data nested too deeply at offset {offset}")]
    TlvTooDeep {
        /// Byte offset of the object that is one level too deep.
        offset: usize,
    },
    /// The system random number generator failed.
    #[error("system random number generator unavailable")]
    RandomUnavailable,
    /// A stored device secret has the wrong size.
    #[error("device secret must be 32 bytes, got {len}")]
    DeviceSecretLength {
        /// The size found.
        len: usize,
    },
    /// A stored card fingerprint is not 64 hex digits.
    #[error("invalid card fingerprint: expected 64 hex digits")]
    InvalidFingerprint,
}

impl Bilingual for CardError {
    fn zh(&self) -> String {
        match self {
            CardError::InvalidPan(p) => format!("{}，请核对卡号", p.zh()),
            CardError::InvalidMaskedPan => "屏蔽卡号格式错误".to_owned(),
            CardError::InvalidExpiry => "有效期格式错误，应为年年月月（月份01至12）".to_owned(),
            CardError::InvalidServiceCode => "服务代码格式错误，应为3位数字".to_owned(),
            CardError::EmptyTrack { track } => format!("{}无数据，请重新刷卡", track.zh()),
            CardError::MissingStartSentinel { track } => {
                format!("{}缺少起始符，请重新刷卡", track.zh())
            }
            CardError::MissingEndSentinel { track } => {
                format!("{}缺少结束符，请重新刷卡", track.zh())
            }
            CardError::TrailingData { track } => {
                format!("{}结束符后有多余数据，请重新刷卡", track.zh())
            }
            CardError::MissingSeparator { track } => {
                format!("{}缺少分隔符，请重新刷卡", track.zh())
            }
            CardError::BadSeparator { track, position } => {
                format!("{}第{}位分隔符有误，请重新刷卡", track.zh(), position + 1)
            }
            CardError::BadCharacter { track, position } => {
                format!("{}第{}位字符无效，请重新刷卡", track.zh(), position + 1)
            }
            CardError::TrackTooLong { track, len, max } => {
                format!("{}数据过长（{len}位，最多{max}位），请重新刷卡", track.zh())
            }
            CardError::UnsupportedFormatCode { track } => {
                format!("{}格式代码不是B，不支持此卡", track.zh())
            }
            CardError::TrackPanInvalid { track, problem } => {
                format!("{}：{}，请重新刷卡", track.zh(), problem.zh())
            }
            CardError::BadExpiry { track } => format!("{}有效期无效，请重新刷卡", track.zh()),
            CardError::BadServiceCode { track } => {
                format!("{}服务代码无效，请重新刷卡", track.zh())
            }
            CardError::LrcMismatch { track } => {
                format!("{}校验（LRC）错误，请重新刷卡", track.zh())
            }
            CardError::NoTracks => "未读到磁道数据，请重新刷卡".to_owned(),
            CardError::MissingTrack2 => "缺少第二磁道数据，请重新刷卡".to_owned(),
            CardError::TrackPanMismatch => "第一、第二磁道卡号不一致，请勿受理此卡".to_owned(),
            CardError::UnrecognisedSwipe { position } => {
                format!("刷卡数据格式无法识别（第{}位），请重新刷卡", position + 1)
            }
            CardError::TlvTruncated { offset } => {
                format!("IC卡数据在偏移量{offset}处不完整")
            }
            CardError::TlvTagTooLong { offset } => {
                format!("IC卡数据偏移量{offset}处标签超过3字节")
            }
            CardError::TlvIndefiniteLength { offset } => {
                format!("IC卡数据偏移量{offset}处使用了不定长度")
            }
            CardError::TlvLengthTooLong { offset } => {
                format!("IC卡数据偏移量{offset}处长度格式不支持")
            }
            CardError::TlvTooDeep { offset } => {
                format!("IC卡数据偏移量{offset}处嵌套层数过多")
            }
            CardError::RandomUnavailable => "系统随机数发生器不可用".to_owned(),
            CardError::DeviceSecretLength { len } => {
                format!("设备密钥长度应为32字节，实际为{len}字节")
            }
            CardError::InvalidFingerprint => "卡指纹格式错误，应为64位十六进制".to_owned(),
        }
    }

    fn en(&self) -> String {
        match self {
            CardError::InvalidPan(_) => format!("{self}; check the number"),
            CardError::EmptyTrack { .. }
            | CardError::MissingStartSentinel { .. }
            | CardError::MissingEndSentinel { .. }
            | CardError::TrailingData { .. }
            | CardError::MissingSeparator { .. }
            | CardError::BadSeparator { .. }
            | CardError::BadCharacter { .. }
            | CardError::LrcMismatch { .. }
            | CardError::TrackPanInvalid { .. }
            | CardError::BadExpiry { .. }
            | CardError::BadServiceCode { .. }
            | CardError::TrackTooLong { .. }
            | CardError::NoTracks
            | CardError::MissingTrack2
            | CardError::UnrecognisedSwipe { .. } => format!("{self}; swipe the card again"),
            CardError::TrackPanMismatch => format!("{self}; do not accept this card"),
            CardError::UnsupportedFormatCode { .. } => format!("{self}; card not supported"),
            _ => self.to_string(),
        }
    }
}
