//! Why the demo could not run, in the operator's two languages.

use std::path::PathBuf;

use pos_core::Bilingual;
use thiserror::Error;

/// A demo that could not run to its end (a broken invariant is not an error: it is reported
/// in the summary and turns the exit code non-zero).
#[derive(Debug, Error)]
pub enum DemoError {
    /// The acquirer simulator did not start.
    #[error("the acquirer simulator did not start: {0}")]
    Acquirer(String),
    /// The output directory holds something that is not a demo's output.
    #[error("output directory {0} is not empty")]
    OutputNotEmpty(PathBuf),
    /// Writing the output failed.
    #[error("cannot write {path}: {reason}")]
    Output {
        /// Where.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The terminal, a device or the store failed where the script cannot go on.
    #[error("{step}: {en}")]
    Core {
        /// What the day was doing.
        step: String,
        /// Why, in Chinese.
        zh: String,
        /// Why, in English.
        en: String,
    },
}

impl DemoError {
    /// A core error met while doing `step`.
    pub fn at(step: &str, e: &dyn Bilingual) -> DemoError {
        DemoError::Core { step: step.to_string(), zh: e.zh(), en: e.en() }
    }
}

impl From<pos_core::Error> for DemoError {
    fn from(e: pos_core::Error) -> Self {
        DemoError::at("setup", &e)
    }
}

impl Bilingual for DemoError {
    fn zh(&self) -> String {
        match self {
            DemoError::Acquirer(e) => format!("收单模拟器未能启动：{e}"),
            DemoError::OutputNotEmpty(p) => {
                format!("输出目录 {} 非空且不是演示输出；请换一个目录（--out）或清空它", p.display())
            }
            DemoError::Output { path, reason } => {
                format!("无法写入 {}：{reason}。请检查磁盘空间和权限", path.display())
            }
            DemoError::Core { step, zh, .. } => format!("演示在“{step}”中止：{zh}"),
        }
    }
    fn en(&self) -> String {
        match self {
            DemoError::Acquirer(e) => format!("the acquirer simulator did not start: {e}"),
            DemoError::OutputNotEmpty(p) => format!(
                "the output directory {} is not empty and is not a demo's output; choose another (--out) or empty it",
                p.display()
            ),
            DemoError::Output { path, reason } => {
                format!("cannot write {}: {reason}. Check the disk space and permissions", path.display())
            }
            DemoError::Core { step, en, .. } => format!("the demo stopped at \"{step}\": {en}"),
        }
    }
}
