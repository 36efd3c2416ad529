package cn.pos.app

import android.app.Activity
import android.os.Bundle
import android.view.View
import android.view.Window
import android.widget.EditText
import cn.pos.app.ui.Language
import cn.pos.app.ui.Ui
import cn.pos.app.ui.Words
import cn.pos.core.OriginalRef
import cn.pos.core.TxnKind
import cn.pos.shell.checkout.CheckoutState
import cn.pos.shell.checkout.Operation
import cn.pos.shell.history.label
import cn.pos.shell.i18n.Text

/**
 * Other transactions (更多交易): pre-auth, balance inquiry, refund, pre-auth completion and
 * cancel, completion cancel, transfer. Those that refer to an earlier transaction ask for it
 * here (its voucher, or its reference or auth code and date), a transfer for the payee account;
 * then the checkout runs it on the main screen (keypad, card, PIN, result, slip) through the
 * shell's [cn.pos.shell.checkout.CheckoutMachine]. The types are named in the core's words.
 */
class TransactionsActivity : Activity() {
    private var selected: TxnKind? = null
    private var error: Text? = null

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        requestWindowFeature(Window.FEATURE_NO_TITLE)
        selected = savedInstanceState?.getString(STATE_SELECTED)?.let { TxnKind.valueOf(it) }
        draw()
    }

    override fun onSaveInstanceState(outState: Bundle) {
        super.onSaveInstanceState(outState)
        selected?.let { outState.putString(STATE_SELECTED, it.name) }
    }

    private fun draw() {
        val ui = Ui(this, Language.get(this))
        val header = ui.subpageHeader(Words.moreTxns, "txns_title", back = { finish() }, redraw = { draw() })
        val session = PosHub.session
        if (session == null) {
            setContentView(ui.page(header, ui.label(Words.devicesUnavailable, tag = "txns_unavailable")))
            return
        }
        if (session.checkout.state.value !is CheckoutState.AmountEntry) {
            setContentView(ui.page(header, ui.label(Words.finishCurrent, tag = "finish_current", color = Ui.BAD)))
            return
        }
        fun choice(kind: TxnKind, tag: String) = ui.button(kind.label(), tag, primary = selected == kind) {
            when (kind) {
                TxnKind.PRE_AUTH -> start(Operation.PreAuth)
                TxnKind.BALANCE_INQUIRY -> start(Operation.Balance)
                else -> {
                    selected = kind
                    error = null
                    draw()
                }
            }
        }
        setContentView(
            ui.page(
                header,
                ui.label(Words.moreTxnsHint, 14f, tag = "txns_hint", color = Ui.MUTED),
                ui.row(choice(TxnKind.PRE_AUTH, "op_pre_auth"), choice(TxnKind.BALANCE_INQUIRY, "op_balance")),
                ui.row(choice(TxnKind.REFUND, "op_refund"), choice(TxnKind.TRANSFER, "op_transfer")),
                ui.row(choice(TxnKind.PRE_AUTH_COMPLETION, "op_pre_auth_complete"), choice(TxnKind.PRE_AUTH_CANCEL, "op_pre_auth_cancel")),
                choice(TxnKind.COMPLETION_CANCEL, "op_completion_cancel"),
                selected?.let { form(ui, it) },
            ),
        )
    }

    /** What the selected transaction needs: its original, or the payee. */
    private fun form(ui: Ui, kind: TxnKind): View {
        val voucher = ui.digitsInput(Words.originalVoucher, "ref_voucher")
        val other = when (kind) {
            TxnKind.REFUND -> ui.digitsInput(Words.originalRrn, "ref_rrn")
            TxnKind.PRE_AUTH_COMPLETION, TxnKind.PRE_AUTH_CANCEL -> ui.textInput(Words.originalAuth, "ref_auth")
            else -> null
        }
        val date = other?.let { ui.digitsInput(Words.originalDate, "ref_date") }
        val payee = ui.digitsInput(Words.payeeAccount, "payee")
        val fields = if (kind == TxnKind.TRANSFER) {
            listOf(ui.label(Words.payeeAccount, 14f, color = Ui.MUTED), payee)
        } else {
            listOfNotNull(
                ui.label(Words.originalVoucher, 14f, color = Ui.MUTED),
                voucher,
                other?.let { ui.label(if (kind == TxnKind.REFUND) Words.originalRrn else Words.originalAuth, 14f, color = Ui.MUTED) },
                other,
                date?.let { ui.label(Words.originalDate, 14f, color = Ui.MUTED) },
                date,
            )
        }
        return ui.column(
            ui.title(kind.label(), tag = "form_title"),
            *fields.toTypedArray(),
            error?.let { ui.label(it, tag = "ref_error", color = Ui.BAD) },
            ui.button(Words.continueOp, "ref_continue", primary = true) { submit(kind, voucher, other, date, payee) },
        )
    }

    private fun submit(kind: TxnKind, voucher: EditText, other: EditText?, date: EditText?, payee: EditText) {
        val op: Operation? = if (kind == TxnKind.TRANSFER) {
            payee.text.toString().trim().takeIf { it.isNotEmpty() }?.let { Operation.Transfer(it) }
        } else {
            original(kind, voucher.text.toString().trim(), other?.text?.toString()?.trim().orEmpty(), date?.text?.toString()?.trim().orEmpty())?.let { ref ->
                when (kind) {
                    TxnKind.REFUND -> Operation.Refund(ref)
                    TxnKind.PRE_AUTH_COMPLETION -> Operation.PreAuthComplete(ref)
                    TxnKind.PRE_AUTH_CANCEL -> Operation.PreAuthCancel(ref)
                    else -> Operation.CompletionCancel(ref)
                }
            }
        }
        if (op == null) {
            error = if (kind == TxnKind.TRANSFER) Words.enterPayee else Words.enterReference
            draw()
            return
        }
        start(op)
    }

    /** The original as typed: a voucher of this terminal, or a reference (refund) or auth code (pre-auth) and its date. */
    private fun original(kind: TxnKind, voucher: String, other: String, date: String): OriginalRef? {
        voucher.toUIntOrNull()?.let { return OriginalRef.Voucher(it) }
        if (other.isEmpty() || date.isEmpty()) return null
        return if (kind == TxnKind.REFUND) OriginalRef.Host(other, date) else OriginalRef.Auth(other.uppercase(), date)
    }

    /** Hands [op] to the checkout (the main screen runs it) and closes. */
    private fun start(op: Operation) {
        val session = PosHub.session ?: return
        if (!session.checkout.begin(op)) {
            draw()
            return
        }
        finish()
    }

    private companion object {
        const val STATE_SELECTED = "selected"
    }
}
