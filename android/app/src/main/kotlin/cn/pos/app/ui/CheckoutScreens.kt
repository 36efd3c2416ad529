package cn.pos.app.ui

import android.view.View
import android.widget.GridLayout
import cn.pos.app.Session
import cn.pos.core.OriginalRef
import cn.pos.core.PosException
import cn.pos.core.TxnKind
import cn.pos.core.TxnOutcome
import cn.pos.shell.checkout.Operation
import cn.pos.shell.history.label
import cn.pos.shell.i18n.text
import cn.pos.shell.checkout.CheckoutState
import cn.pos.shell.checkout.FailureKind
import cn.pos.shell.i18n.Text
import cn.pos.shell.money.display
import cn.pos.shell.money.formatMinor

/**
 * The checkout's screens, one per [CheckoutState]: keypad, card prompt (following the reader's
 * events through the payment stages), PIN on the reader, processing, the result (approved:
 * masked card, voucher, auth code; declined: the core's reason and next step), the slip
 * (print, no slip, cancel and reverse), done, failures and the lock. Taps go to the session's
 * [cn.pos.shell.checkout.CheckoutMachine].
 */
class CheckoutScreens(
    private val ui: Ui,
    private val session: Session,
    /** The transaction whose slip preview is open, if any. */
    private val previewTxn: Long? = null,
    /** Opens (a transaction id) or closes (null) the slip preview. */
    private val onPreview: (Long?) -> Unit = {},
) {
    private val m = session.checkout

    fun view(s: CheckoutState, batch: Long, op: Operation = Operation.Sale): View {
        val body = screen(s, batch, op)
        // Another transaction than a sale: its type (the core's word) and original above every step.
        val banner = opBanner(op, s)
        return if (banner == null) body else ui.column(banner, body)
    }

    private fun opBanner(op: Operation, s: CheckoutState): View? {
        val kind = when (s) {
            is CheckoutState.Result -> s.outcome.kind
            is CheckoutState.Printing -> s.outcome.kind
            is CheckoutState.ReceiptFailed -> s.outcome.kind
            is CheckoutState.Done -> s.outcome.kind
            is CheckoutState.Locked -> return null
            else -> op.kind
        }
        if (kind == TxnKind.SALE) return null
        val detail = describe(op)
        val name = kind.label()
        return ui.label(if (detail == null) name else Text("${name.zh} · ${detail.zh}", "${name.en} · ${detail.en}"), 18f, tag = "op_title", bold = true, color = Ui.BRAND)
    }

    private fun screen(s: CheckoutState, batch: Long, op: Operation): View = when (s) {
        is CheckoutState.AmountEntry -> amountEntry(s, batch, op)
        is CheckoutState.WaitingForCard -> ui.column(
            if (op.needsAmount) amount(s.amountMinor) else null,
            ui.label(s.prompt, 20f, tag = "card_prompt", bold = true, center = true),
            ui.button(Words.cancel, "cancel") { m.cancel() },
        )
        is CheckoutState.PinEntry -> ui.column(
            if (op.needsAmount) amount(s.amountMinor) else null,
            ui.label(Words.pinEntry, 20f, tag = "pin_prompt", bold = true, center = true),
            ui.raw("●".repeat(s.digits).ifEmpty { " " }, 28f, tag = "pin_dots", center = true),
            ui.button(Words.cancel, "cancel") { m.cancel() },
        )
        is CheckoutState.Processing -> ui.column(
            if (op.needsAmount) amount(s.amountMinor) else null,
            s.maskedPan?.let { ui.field(Words.card, it, "masked_pan") },
            ui.label(Words.processing, 20f, tag = "processing", center = true),
        )
        is CheckoutState.Result -> if (s.outcome.approved) approved(s.outcome) else declined(s.outcome)
        is CheckoutState.Printing -> ui.column(
            outcomeAmount(s.outcome),
            ui.label(Words.printing, 20f, tag = "printing", center = true),
        )
        is CheckoutState.ReceiptFailed -> ui.column(
            ui.title(Words.slipFailed, tag = "slip_failed", color = Ui.BAD),
            outcomeAmount(s.outcome),
            ui.label(s.error, tag = "slip_error"),
            ui.label(Words.slipFailedWhatToDo, tag = "slip_what_to_do", color = Ui.MUTED),
            ui.button(Words.printAgain, "print", primary = true) { m.printReceipt() },
            ui.button(Words.noSlip, "no_slip") { m.skipReceipt() },
            ui.button(Words.cancelAndReverse, "cancel_payment") { m.cancelPayment() },
        )
        is CheckoutState.Done -> ui.column(
            ui.title(Words.done, tag = "done", color = if (s.reversed) Ui.BAD else Ui.GOOD),
            if (s.outcome.kind == TxnKind.BALANCE_INQUIRY) {
                ui.raw(s.outcome.balance?.display() ?: "", 36f, tag = "balance", bold = true, center = true)
            } else {
                outcomeAmount(s.outcome)
            },
            s.outcome.voucher?.let { ui.field(Words.voucher, voucher(it), "voucher") },
            if (s.outcome.kind != TxnKind.BALANCE_INQUIRY) ui.label(if (s.printed) Words.printed else Words.notPrinted, tag = "printed") else null,
            s.note?.let { ui.label(it, tag = "done_note") },
            ui.button(Words.nextSale, "next", primary = true) { m.next() },
            if (s.outcome.kind != TxnKind.BALANCE_INQUIRY && !s.reversed) preview(s.outcome) else null,
        )
        is CheckoutState.Failed -> failed(s)
        is CheckoutState.Locked -> locked(s)
    }

    private fun amountEntry(s: CheckoutState.AmountEntry, batch: Long, op: Operation): View {
        val keys = GridLayout(ui.context).apply { columnCount = 3 }
        for (k in listOf("1", "2", "3", "4", "5", "6", "7", "8", "9", "00", "0", "⌫")) {
            val b = ui.rawButton(k, "key_$k") {
                when (k) {
                    "00" -> m.doubleZero()
                    "⌫" -> m.backspace()
                    else -> m.digit(k.toInt())
                }
            }
            keys.addView(b, GridLayout.LayoutParams(GridLayout.spec(GridLayout.UNDEFINED, 1f), GridLayout.spec(GridLayout.UNDEFINED, 1f)).apply {
                width = 0
                setMargins(ui.dp(3), ui.dp(3), ui.dp(3), ui.dp(3))
            })
        }
        return ui.column(
            ui.label(Words.signedIn(batch), 13f, tag = "signed_in", color = Ui.MUTED),
            amount(s.amountMinor),
            ui.label(s.error ?: Words.enterAmount, tag = "amount_hint", color = if (s.error != null) Ui.BAD else Ui.MUTED, center = true),
            keys,
            ui.row(
                ui.button(Words.clear, "clear") { m.cancel() },
                ui.button(if (op == Operation.Sale) Words.charge else Words.confirmAmount, "charge", primary = true) { m.confirm() },
            ),
            if (op != Operation.Sale) ui.button(Words.backToSale, "back_to_sale") { m.endOperation() } else null,
        )
    }

    /** The original (or payee) an operation names, in the app's words. */
    private fun describe(op: Operation): Text? {
        if (op is Operation.Transfer) return Words.payee(op.payee)
        return when (val o = op.original) {
            null -> null
            is OriginalRef.Voucher -> Words.original(o.voucher.toString().padStart(6, '0'))
            is OriginalRef.Stan -> Words.original(o.stan.toString().padStart(6, '0'))
            is OriginalRef.Host -> Words.originalHost(o.rrn, o.date)
            is OriginalRef.Auth -> Words.originalAuthOf(o.authCode, o.date)
        }
    }

    /** The slip as the core prints it (cardholder copy), on screen: "preview the slip" opens it. */
    private fun preview(o: TxnOutcome): View {
        val open = previewTxn == o.txnId
        val slip: View? = if (!open) {
            null
        } else {
            try {
                ui.slip(session.terminal.receiptPreview(o.txnId), "slip_text")
            } catch (e: PosException) {
                ui.label(e.text, tag = "slip_error", color = Ui.MUTED)
            }
        }
        return ui.column(
            ui.button(if (open) Words.hidePreview else Words.slipPreview, "slip_preview") { onPreview(if (open) null else o.txnId) },
            slip,
        )
    }

    /** The tamper lock: the core's reason, then the remote unlock (challenge, the help desk's code). */
    private fun locked(s: CheckoutState.Locked): View {
        val challenge = s.challenge
        val code = ui.digitsInput(Words.unlockCode, "unlock_code")
        return ui.column(
            ui.title(Words.locked, tag = "locked", color = Ui.BAD),
            ui.label(s.reason, tag = "locked_reason"),
            ui.label(Words.lockedWhatToDo, tag = "locked_what_to_do", color = Ui.MUTED),
            s.error?.let { ui.label(it, tag = "locked_error", color = Ui.BAD) },
            if (challenge == null) {
                ui.button(Words.requestChallenge, "request_challenge", primary = true) { m.requestUnlock() }
            } else {
                ui.column(
                    ui.label(Words.challenge(challenge), 20f, tag = "challenge", bold = true),
                    ui.label(Words.unlockHint, tag = "unlock_hint"),
                    code,
                    ui.button(Words.unlock, "unlock", primary = true) { m.unlock(code.text.toString()) },
                )
            },
        )
    }

    private fun approved(o: TxnOutcome): View = if (o.kind == TxnKind.BALANCE_INQUIRY) {
        ui.column(
            ui.title(Words.approved, tag = "approved", color = Ui.GOOD),
            ui.raw(o.balance?.display() ?: "", 36f, tag = "balance", bold = true, center = true),
            ui.label(Words.balance, tag = "balance_label", color = Ui.MUTED, center = true),
            ui.field(Words.card, o.maskedPan, "masked_pan"),
            o.rrn?.let { ui.field(Words.reference, it, "rrn") },
            ui.label(Text(o.summaryZh, o.summaryEn), 13f, tag = "summary", color = Ui.MUTED),
            ui.button(Words.balanceDone, "balance_done", primary = true) { m.skipReceipt() },
        )
    } else ui.column(
        ui.title(if (o.offline) Words.approvedOffline else Words.approved, tag = "approved", color = Ui.GOOD),
        outcomeAmount(o),
        ui.field(Words.card, o.maskedPan, "masked_pan"),
        o.voucher?.let { ui.field(Words.voucher, voucher(it), "voucher") },
        o.authCode?.let { ui.field(Words.authCode, it, "auth_code") },
        o.rrn?.let { ui.field(Words.reference, it, "rrn") },
        ui.label(Text(o.summaryZh, o.summaryEn), 13f, tag = "summary", color = Ui.MUTED),
        ui.button(Words.print, "print", primary = true) { m.printReceipt() },
        ui.button(Words.noSlip, "no_slip") { m.skipReceipt() },
        preview(o),
    )

    private fun declined(o: TxnOutcome): View = ui.column(
        ui.title(Words.declined, tag = "declined", color = Ui.BAD),
        outcomeAmount(o),
        // The core's words: the reason and what to do next ("消费：51 可用余额不足，…").
        ui.label(Text(o.summaryZh, o.summaryEn), 18f, tag = "decline_reason"),
        o.maskedPan.takeIf { it.isNotEmpty() }?.let { ui.field(Words.card, it, "masked_pan") },
        ui.label(Words.notCharged, tag = "not_charged", color = Ui.MUTED),
        if (o.canRetryPin) ui.button(Words.retryPin, "retry_pin", primary = true) { m.retryPin() } else null,
        ui.button(Words.nextSale, "next", primary = !o.canRetryPin) { m.next() },
    )

    private fun failed(s: CheckoutState.Failed): View = ui.column(
        // A risk warning is not a failure: nothing happened yet, the operator decides.
        if (s.kind == FailureKind.RISK_CONFIRM) {
            ui.title(Words.riskWarning, tag = "risk_warning", color = Ui.WARN)
        } else {
            ui.title(Words.declined, tag = "failed", color = Ui.BAD)
        },
        amount(s.amountMinor),
        ui.label(s.error, 18f, tag = "failure_reason"),
        if (s.kind == FailureKind.RISK_CONFIRM) ui.label(Words.riskWhatToDo, tag = "risk_what_to_do", color = Ui.MUTED) else null,
        if (s.kind == FailureKind.CANCELLED) ui.label(Words.notCharged, tag = "not_charged", color = Ui.MUTED) else null,
        if (s.reversalDue) ui.label(Words.reversalDue, tag = "reversal_due", color = Ui.MUTED) else null,
        when (s.kind) {
            FailureKind.SIGN_IN_REQUIRED -> ui.button(Words.signIn, "sign_in", primary = true) { session.signInNow() }
            FailureKind.RISK_CONFIRM -> ui.button(Words.confirmRisk, "confirm_risk", primary = true) { m.confirmRisk(OPERATOR) }
            else -> null
        },
        ui.button(Words.nextSale, "next") { m.next() },
    )

    private fun amount(minor: Long): View = ui.raw("¥" + formatMinor(minor), 40f, tag = "amount", bold = true, center = true)

    private fun outcomeAmount(o: TxnOutcome): View =
        ui.raw(o.amount?.display() ?: "", 36f, tag = "amount", bold = true, center = true)

    private fun voucher(v: UInt): String = v.toString().padStart(6, '0')

    private companion object {
        /** The operator journaled with a confirmed risk warning (operator sign-on is a later screen). */
        const val OPERATOR = "01"
    }
}
