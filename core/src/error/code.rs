//! The stable codes of [`super::Error`]: snake_case strings the shell, the CLI's `--json` and
//! scripts match on. A code is never renamed or reused; new ones are added.

macro_rules! codes {
    ($( $(#[$doc:meta])* $name:ident = $s:literal, )*) => {
        /// What went wrong, as a stable code ([`ErrorCode::as_str`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$doc])* $name, )*
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$name,)*];

            /// The stable snake_case string.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( ErrorCode::$name => $s, )*
                }
            }
        }
    };
}

codes! {
    // Input.
    /// An empty amount.
    AmountEmpty = "amount_empty",
    /// A negative amount.
    AmountNegative = "amount_negative",
    /// More decimals than the currency has.
    AmountDecimals = "amount_decimals",
    /// An amount too large.
    AmountOverflow = "amount_overflow",
    /// Not an amount.
    AmountGarbage = "amount_garbage",
    /// Amounts in different currencies.
    CurrencyMismatch = "currency_mismatch",
    /// Not a date (YYYY-MM-DD).
    BadDay = "bad_day",
    /// A history filter that cannot match.
    BadFilter = "bad_filter",
    /// A risk policy that does not parse.
    RiskPolicyParse = "risk_policy_parse",
    /// A risk policy setting out of range.
    RiskPolicyInvalid = "risk_policy_invalid",
    /// A risk policy older than the installed one.
    RiskPolicyStale = "risk_policy_stale",
    /// A provisioning field the profile cannot use.
    ProvisioningInvalid = "provisioning_invalid",
    /// Other operator input that is not acceptable.
    Input = "input",
    /// The original transaction is not known.
    OriginalNotFound = "original_not_found",
    /// The original cannot be voided, refunded, completed or cancelled.
    OriginalNotEligible = "original_not_eligible",
    /// A refund above what is left to refund.
    RefundAboveRemainder = "refund_above_remainder",
    /// A completion above its pre-auth.
    CompletionAboveHold = "completion_above_hold",
    // State.
    /// The terminal (or its reader) must sign in.
    NotSignedIn = "sign_in_required",
    /// The host's batch is below the terminal's.
    HostBatchBehind = "host_batch_behind",
    /// Reversals still owed to the host.
    ReversalPending = "reversal_pending",
    /// Payments or reversals owed under the current keys before a sign-in.
    OwedBeforeSignIn = "owed_before_sign_in",
    /// An earlier refund of the original is not confirmed.
    RefundInDoubt = "refund_in_doubt",
    /// Another process owns the data directory.
    InUse = "in_use",
    /// A read-only view was asked to write or send.
    ReadOnly = "read_only",
    /// A day-end operation refused (see its blockers).
    DayEndRefused = "day_end_refused",
    // Offline refusals (the strings of `OfflineRefusal::code`).
    /// Offline approval is switched off.
    OfflineDisabled = "disabled",
    /// The payment must go online.
    OfflineOnlineRequired = "online_required",
    /// This transaction type is online only.
    OfflineOnlineOnly = "online_only",
    /// Not a chip or contactless read.
    OfflineNotChip = "not_chip",
    /// The card asked for an online PIN.
    OfflineOnlinePin = "online_pin",
    /// Above the offline amount limit.
    OfflineAmountOverLimit = "amount_over_limit",
    /// Above the total waiting offline.
    OfflineTotalOverLimit = "total_over_limit",
    /// Too many payments waiting offline.
    OfflineCountOverLimit = "count_over_limit",
    /// The oldest waiting payment is too old.
    OfflineQueueTooOld = "queue_too_old",
    /// The card's offline payments for the day are used up.
    OfflineCardDailyLimit = "card_daily_limit",
    /// Offline payments need a sign-in first.
    OfflineNotSignedIn = "not_signed_in",
    /// The card is on the blacklist: online only.
    OfflineBlacklisted = "blacklisted",
    /// The chip's data did not authenticate offline: online only.
    OfflineNotAuthenticated = "not_authenticated",
    // Risk.
    /// A risk rule blocks the payment.
    RiskBlocked = "risk_blocked",
    /// Risk rules warn: the operator must confirm.
    RiskConfirm = "risk_confirm",
    /// A risk rule requires online approval.
    RiskOnlineRequired = "risk_online_required",
    /// The confirmation names no waiting warning.
    RiskUnknownConfirmation = "risk_unknown_confirmation",
    // Host.
    /// The host name does not resolve.
    ConnectDns = "connect_dns",
    /// The host refused the connection.
    ConnectRefused = "connect_refused",
    /// The host is unreachable.
    ConnectUnreachable = "connect_unreachable",
    /// Connecting took too long.
    ConnectTimedOut = "connect_timed_out",
    /// No TLS trust anchor provisioned.
    TlsNotProvisioned = "tls_not_provisioned",
    /// The host's certificate names another host.
    TlsWrongName = "tls_wrong_name",
    /// The host's certificate expired.
    TlsExpired = "tls_expired",
    /// The host does not speak TLS.
    TlsNotTls = "tls_not_tls",
    /// No CA pin configured.
    TlsNoPin = "tls_no_pin",
    /// The host's certificate does not match the pin.
    TlsBadPin = "tls_bad_pin",
    /// The configured server name is not valid.
    TlsBadServerName = "tls_bad_server_name",
    /// The TLS handshake failed.
    TlsHandshake = "tls_handshake",
    /// No answer within the response timeout.
    ResponseTimeout = "response_timeout",
    /// The connection broke.
    ConnectionLost = "connection_lost",
    /// A frame above the size limit.
    FrameTooLarge = "frame_too_large",
    /// The answer could not be decoded.
    Malformed = "malformed",
    /// The answer's MAC did not verify.
    MacFailed = "mac_failed",
    /// The answer does not match the request.
    Unmatched = "unmatched",
    /// The same STAN is already in flight.
    DuplicateInFlight = "duplicate_in_flight",
    /// A message from or for the host is malformed.
    Protocol = "protocol",
    // Settlement (the strings the bindings emit).
    /// Offline payments still stored before settlement.
    SettlementPaymentsStored = "payments_stored",
    /// The host declined the settlement.
    SettlementDeclined = "declined",
    /// The batch number is out of step with the host.
    SettlementOutOfStep = "out_of_step",
    /// The host could not reconcile.
    SettlementHostError = "host_error",
    /// The batch upload stopped part way.
    SettlementUploadInterrupted = "upload_interrupted",
    // Devices.
    /// The card read was cancelled.
    Cancelled = "cancelled",
    /// The reader's security switch fired.
    Tampered = "tampered",
    /// A wrong unlock code.
    UnlockRefused = "unlock_refused",
    /// Wait before the next unlock try.
    UnlockWait = "unlock_wait",
    /// Locked out: only the help desk's reset clears it.
    UnlockLockedOut = "unlock_locked_out",
    /// A wrong reset code.
    UnlockResetRefused = "unlock_reset_refused",
    /// No challenge to answer.
    UnlockNoChallenge = "unlock_no_challenge",
    /// The reader holds no unlock key.
    UnlockNotProvisioned = "unlock_not_provisioned",
    /// The reader did not answer in time.
    ReaderTimeout = "reader_timeout",
    /// The reader is not connected.
    ReaderDisconnected = "reader_disconnected",
    /// The card was removed too early.
    CardRemoved = "card_removed",
    /// The reader is busy.
    ReaderBusy = "reader_busy",
    /// The reader's keys failed a check.
    ReaderKeys = "reader_keys",
    /// The reader's protocol failed.
    ReaderProtocol = "reader_protocol",
    /// The reader does not support the operation.
    Unsupported = "unsupported",
    /// The reader's Bluetooth link is not encrypted.
    LinkNotEncrypted = "link_not_encrypted",
    /// The reader refused the wrapped key.
    ReaderKeyWrap = "reader_key_wrap",
    /// No link key agreed with the reader.
    ReaderLinkKey = "reader_link_key",
    /// No such test card (simulated reader).
    UnknownCard = "unknown_card",
    /// Card data from the reader is unusable.
    CardData = "card_data",
    /// The printer is out of paper.
    PrinterPaperOut = "printer_paper_out",
    /// The printer's cover is open.
    PrinterCoverOpen = "printer_cover_open",
    /// The printer reports a fault.
    PrinterFault = "printer_fault",
    /// The printer does not answer.
    PrinterNoAnswer = "printer_no_answer",
    /// The printer is not connected.
    PrinterDisconnected = "printer_disconnected",
    /// The printer's link failed.
    PrinterLink = "printer_link",
    /// The print job is too large.
    PrinterJobTooLarge = "printer_job_too_large",
    /// A slip copy did not print.
    NotPrinted = "not_printed",
    /// The Bluetooth link is disconnected.
    LinkDisconnected = "link_disconnected",
    /// A Bluetooth write failed.
    LinkWriteFailed = "link_write_failed",
    /// No Bluetooth adapter.
    BleNoAdapter = "ble_no_adapter",
    /// The Bluetooth device was not found.
    BleNotFound = "ble_not_found",
    /// The Bluetooth device is not of the kind asked for.
    BleWrongDevice = "ble_wrong_device",
    /// The platform's Bluetooth stack failed.
    BlePlatform = "ble_platform",
    /// No slip with that voucher number.
    NoSuchVoucher = "no_such_voucher",
    /// Nothing to print again.
    NothingToReprint = "nothing_to_reprint",
    /// Not approved: no slip.
    NotApproved = "not_approved",
    /// No amount (an inquiry): no slip.
    NoAmount = "no_amount",
    // Security.
    /// A key check value or key block failed.
    KeyCheck = "key_check",
    /// A downloaded CA public key's check sum does not match it: damaged or forged.
    CapkChecksum = "capk_checksum",
    /// A key is not hex or has the wrong length.
    KeyFormat = "key_format",
    /// A key or data of the wrong length or mode for the operation.
    KeyUsage = "key_usage",
    /// A MAC could not be computed or checked.
    Mac = "mac",
    /// A PIN, PAN or PIN block is not usable.
    PinBlock = "pin_block",
    /// Track data or DUKPT failed.
    TrackData = "track_data",
    /// Sealed data could not be sealed or opened.
    Seal = "seal",
    /// The key vault failed.
    Vault = "vault",
    /// No randomness available.
    Random = "random",
    // Storage.
    /// The database cannot be opened.
    StoreOpen = "store_open",
    /// The database is corrupt.
    StoreCorrupt = "store_corrupt",
    /// The database is newer than this build.
    StoreTooNew = "store_too_new",
    /// The disk is full.
    DiskFull = "disk_full",
    /// Any other SQLite failure.
    Sqlite = "sqlite",
    /// A stored value does not parse.
    StoreBadValue = "store_bad_value",
    /// A sealed key at rest failed.
    StoreSealing = "store_sealing",
    /// Every STAN of the batch is used.
    BatchFull = "batch_full",
    /// No terminal database where one was expected.
    StoreMissing = "store_missing",
    /// A read-only view found an older schema.
    NeedsUpgrade = "needs_upgrade",
    /// The database is open read-only.
    StoreReadOnly = "store_read_only",
    /// A transaction row that should exist does not.
    StoreMissingTxn = "store_missing_txn",
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_unique_and_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            let s = c.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert!(!s.is_empty() && !s.starts_with('_') && !s.ends_with('_') && !s.contains("__"), "{s}");
            assert!(s.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_'), "{s}");
        }
        assert!(ErrorCode::ALL.len() > 100, "{}", ErrorCode::ALL.len());
    }
}
