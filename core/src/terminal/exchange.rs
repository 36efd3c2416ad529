//! One request/response exchange with the acquirer: frame, MAC, send, match.
//!
//! A failure becomes an [`ExchangeFailure`] that says whether the request may have
//! reached the host and carries the reversal to send if so. Every exchange also tells
//! the connectivity tracker whether the host answered.

use crate::acquirer::{AcquirerError, MatchKey, Outbound, Reply, ResponseMac};
use crate::crypto::{MacAlgorithm, SecretKey};
use crate::iso8583::{encode_signed, unionpay, Frame, Message, Stan, TxnType};
use crate::response_code::ResponseCode;
use crate::reversal::{reversal_message, ReversalCause};

use super::Terminal;
use crate::error::{ExchangeFailure, TerminalError};

/// How to sign the request and check the response.
#[derive(Clone, Copy)]
pub(crate) enum Signing<'a> {
    /// Admin messages the profile leaves unMACed.
    None,
    /// Financial messages: request MACed, response MAC required on approvals.
    Mak(&'a SecretKey, MacAlgorithm),
}

impl Terminal {
    /// Frames, signs and sends `message` (whose field 11 is `stan`), returning the matched,
    /// MAC-checked reply. Encoding problems are [`TerminalError::Codec`] (nothing sent);
    /// link problems are [`TerminalError::Exchange`].
    pub(crate) async fn exchange(
        &self,
        message: &Message,
        stan: Stan,
        signing: Signing<'_>,
        txn: Option<TxnType>,
    ) -> Result<Reply, TerminalError> {
        self.owner("send to the acquirer")?;
        let key = MatchKey { tid: self.config.tid.clone(), stan };
        let response_mti = message.mti().response();
        let frame = Frame::new(self.config.tpdu, self.config.header, message.clone());
        let (bytes, mac) = match signing {
            Signing::None => (frame.encode(unionpay())?, ResponseMac::NotExpected),
            Signing::Mak(mak, algo) => {
                (encode_signed(&frame, unionpay(), algo, mak)?, ResponseMac::RequiredIfApproved(mak, algo))
            }
        };
        let out = Outbound { frame: &bytes, key, response_mti, mac };
        let result = self.acquirer.exchange(out).await;
        self.host_answered(match &result {
            Ok(_) => Some(true),
            Err(e) => reachability(e),
        });
        if let Ok(reply) = &result {
            self.note_requirement(reply.frame.header.processing_requirement());
        }
        result.map_err(|e| failure(txn, message, e).into())
    }
}

/// What a failure says about the host: unreachable, reachable, or nothing.
fn reachability(e: &AcquirerError) -> Option<bool> {
    match e {
        AcquirerError::ConnectFailed { .. } | AcquirerError::Timeout { .. } | AcquirerError::ConnectionLost { .. } => {
            Some(false)
        }
        // It answered, badly: it is there.
        AcquirerError::Malformed(_)
        | AcquirerError::MacFailed
        | AcquirerError::Unmatched { .. }
        | AcquirerError::FrameTooLarge { outgoing: false, .. } => Some(true),
        AcquirerError::FrameTooLarge { outgoing: true, .. } | AcquirerError::DuplicateInFlight { .. } => None,
    }
}

/// Describes a failed exchange; reversible types that may have reached the host get their 0400.
pub(crate) fn failure(txn: Option<TxnType>, request: &Message, error: AcquirerError) -> ExchangeFailure {
    let reason: ResponseCode = ReversalCause::of(&error).reason();
    let reversal = txn
        .filter(|t| t.is_reversible() && error.may_have_reached_host())
        .and_then(|_| reversal_message(request, reason).ok());
    ExchangeFailure {
        txn,
        may_have_reached_host: error.may_have_reached_host(),
        reversal_reason: error.reversal_reason(),
        error,
        txn_id: None,
        reversal,
    }
}

impl From<ExchangeFailure> for TerminalError {
    fn from(f: ExchangeFailure) -> Self {
        TerminalError::Exchange(Box::new(f))
    }
}
