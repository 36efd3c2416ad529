//! Why a receipt did not print, in words the operator can act on.

use thiserror::Error;

use crate::devices::ble::LinkError;
use crate::i18n::Bilingual;

/// A print job failed: the slip must be treated as not printed (reprint it after the fix).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PrinterError {
    /// The printer reports no paper (before, during or after the job).
    #[error("printer out of paper")]
    PaperOut,
    /// The paper cover is open.
    #[error("printer cover open")]
    CoverOpen,
    /// The printer reports an error other than paper or cover (cutter jam, overheating).
    #[error("printer fault")]
    Fault,
    /// A status query went unanswered after every retry.
    #[error("printer does not answer")]
    NoAnswer,
    /// The link dropped before the whole job was written.
    #[error("printer disconnected after {sent} of {total} bytes")]
    Disconnected {
        /// Bytes the printer accepted before the drop.
        sent: usize,
        /// Bytes of the job.
        total: usize,
    },
    /// The platform refused a write.
    #[error("{0}")]
    Link(#[source] LinkError),
    /// The job is larger than the configured limit.
    #[error("print job of {0} bytes too large")]
    JobTooLarge(usize),
}

impl PrinterError {
    /// Maps a link failure during a job that had written `sent` of `total` bytes.
    pub(crate) fn from_link(e: LinkError, sent: usize, total: usize) -> PrinterError {
        match e {
            LinkError::Disconnected => PrinterError::Disconnected { sent, total },
            other => PrinterError::Link(other),
        }
    }
}

impl Bilingual for PrinterError {
    fn zh(&self) -> String {
        match self {
            PrinterError::PaperOut => "打印机缺纸，请装纸后重打印".into(),
            PrinterError::CoverOpen => "打印机纸仓盖未合上，请合上后重打印".into(),
            PrinterError::Fault => "打印机故障，请检查打印机后重打印".into(),
            PrinterError::NoAnswer => "打印机无响应，请检查打印机电源和蓝牙连接".into(),
            PrinterError::Disconnected { sent: 0, .. } => "打印机未连接，请连接打印机后重打印".into(),
            PrinterError::Disconnected { .. } => "打印中蓝牙连接断开，签购单未打印完整，请重新连接后重打印".into(),
            PrinterError::Link(_) => "打印数据发送失败，请重打印".into(),
            PrinterError::JobTooLarge(_) => "打印内容过长".into(),
        }
    }
    fn en(&self) -> String {
        match self {
            PrinterError::PaperOut => "The printer is out of paper; load paper and reprint".into(),
            PrinterError::CoverOpen => "The printer cover is open; close it and reprint".into(),
            PrinterError::Fault => "The printer reports a fault; check it and reprint".into(),
            PrinterError::NoAnswer => "The printer does not answer; check its power and Bluetooth".into(),
            PrinterError::Disconnected { sent: 0, .. } => "The printer is not connected; connect it and reprint".into(),
            PrinterError::Disconnected { .. } => {
                "The printer disconnected while printing; the slip is incomplete. Reconnect and reprint".into()
            }
            PrinterError::Link(_) => "Could not send the slip to the printer; reprint".into(),
            PrinterError::JobTooLarge(_) => "The print job is too large".into(),
        }
    }
}
