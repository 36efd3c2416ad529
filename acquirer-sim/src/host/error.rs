//! Failures inside the host that end a request with `96` and no effect.

use pos_core::crypto::CryptoError;
use pos_core::iso8583::CodecError;
use thiserror::Error;

use crate::error::LedgerError;

/// A request could not be decided: the ledger transaction is rolled back.
#[derive(Debug, Error)]
pub(crate) enum HostError {
    /// Storage failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// An answer could not be encoded (a defect: answers are built from checked values).
    #[error("encoding the answer: {0}")]
    Codec(#[from] CodecError),
    /// Key generation or wrapping failed (texts never contain key material).
    #[error("key handling: {0}")]
    Crypto(#[from] CryptoError),
}

impl From<rusqlite::Error> for HostError {
    fn from(e: rusqlite::Error) -> Self {
        HostError::Ledger(LedgerError::Storage(e))
    }
}
