package cn.pos.shell.checkout

import cn.pos.core.CardMethod
import cn.pos.core.SlipCopy
import cn.pos.core.TxnOutcome
import cn.pos.shell.i18n.Text

/** Why a checkout ended without an outcome: each has its own screen and next step. */
enum class FailureKind {
    /** The operator (or the reader) cancelled before the card was read: nothing charged. */
    CANCELLED,
    /** No usable answer from the host: not approved (reversed automatically if needed). */
    NETWORK,
    /** Earlier reversals not yet delivered: no new payment was sent. */
    REVERSAL_PENDING,
    /** Not approved offline (the rule is in the text). */
    OFFLINE_REFUSED,
    /** A risk rule blocks the payment (or wants it online). */
    RISK_BLOCKED,
    /** A risk rule warns: the operator confirms ([CheckoutMachine.confirmRisk]) and the sale runs again. */
    RISK_CONFIRM,
    /** Sign in first. */
    SIGN_IN_REQUIRED,
    /** Reader, card or Bluetooth problem (timeout, card removed, disconnected). */
    DEVICE,
    /** Anything else (storage, protocol, internal). */
    OTHER,
}

/** Where the checkout stands; every screen of the flow is one state. */
sealed class CheckoutState {
    /** Amount entry (the keypad); `error` after a refused confirmation. */
    data class AmountEntry(val amountMinor: Long, val error: Text? = null) : CheckoutState()

    /** Waiting for the card: "请刷卡/插卡/挥卡"; `method` once a card is detected. */
    data class WaitingForCard(val amountMinor: Long, val prompt: Text, val method: CardMethod? = null) :
        CheckoutState()

    /** The cardholder types the PIN on the reader: `digits` entered so far (never the PIN). */
    data class PinEntry(val amountMinor: Long, val digits: Int) : CheckoutState()

    /** Sent to the host (or being approved offline): cannot be cancelled any more. */
    data class Processing(val amountMinor: Long, val maskedPan: String?) : CheckoutState()

    /** The host (or the terminal, offline) answered: approved or declined, with its text. */
    data class Result(val outcome: TxnOutcome, val message: Text) : CheckoutState()

    /** The slip is printing. */
    data class Printing(val outcome: TxnOutcome) : CheckoutState()

    /** A slip copy did not print: print again, or cancel the payment (it is reversed). */
    data class ReceiptFailed(val outcome: TxnOutcome, val copy: SlipCopy?, val error: Text) : CheckoutState()

    /** The payment is finished: printed, slip declined, or cancelled and reversed. */
    data class Done(val outcome: TxnOutcome, val printed: Boolean, val reversed: Boolean, val note: Text?) :
        CheckoutState()

    /** No outcome: why, and whether trying again makes sense. */
    data class Failed(
        val kind: FailureKind,
        val error: Text,
        val amountMinor: Long,
        val reversalDue: Boolean,
        /** For [FailureKind.RISK_CONFIRM]: the evaluation the operator confirms. */
        val confirmToken: Long? = null,
    ) : CheckoutState()

    /**
     * The reader's security switch fired: no payment until the acquirer unlocks it. After
     * [CheckoutMachine.requestUnlock], `challenge` is what the merchant reads to the help
     * desk; `error` says why the last code was refused.
     */
    data class Locked(val reason: Text, val challenge: String? = null, val error: Text? = null) : CheckoutState()
}
