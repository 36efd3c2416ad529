package cn.pos.app

import android.os.Bundle
import android.view.View
import cn.pos.app.ui.Language
import cn.pos.app.ui.Ui
import cn.pos.app.ui.Words
import cn.pos.core.OriginalRef
import cn.pos.shell.checkout.Operation
import cn.pos.shell.history.HistoryFilter
import cn.pos.shell.history.HistoryLine
import cn.pos.shell.history.HistoryPresenter
import cn.pos.shell.history.HistoryScreen
import cn.pos.shell.i18n.Text
import kotlinx.coroutines.flow.Flow

/**
 * History (交易查询): the journal a page at a time, newest first, with quick filters (all,
 * approved, problems), and from a row the reprint of its slip (重打印) and the void of a sale of
 * the current batch (消费撤销). The void and reprint run in the service's session ([OpState]),
 * so they survive the activity; the rows come from the shell's [HistoryPresenter] (masked cards only).
 */
class HistoryActivity : ObservingActivity<OpState>() {
    private var presenter: HistoryPresenter? = null
    private var screen: HistoryScreen? = null
    private var filter = HistoryFilter.ALL
    private var notice: Text? = null

    /** The session's void or reprint (none until the first is observed). */
    private val op: OpState get() = state ?: OpState.Idle

    override fun onCreate(savedInstanceState: Bundle?) {
        // Before the first draw (the base's onCreate draws).
        filter = savedInstanceState?.getString(STATE_FILTER)?.let { HistoryFilter.valueOf(it) } ?: HistoryFilter.ALL
        super.onCreate(savedInstanceState)
    }

    override fun onSaveInstanceState(outState: Bundle) {
        super.onSaveInstanceState(outState)
        outState.putString(STATE_FILTER, filter.name)
    }

    override fun source(): Flow<OpState>? = PosHub.session?.op

    override fun onState(value: OpState) {
        if (op !is OpState.Finished && value is OpState.Finished) screen = presenter?.refresh() // a void changes the rows
        super.onState(value)
    }

    private fun load(f: HistoryFilter) {
        filter = f
        screen = presenter?.show(f.filters())
        draw()
    }

    override fun draw() {
        val ui = Ui(this, Language.get(this))
        val session = PosHub.session
        val header = ui.subpageHeader(Words.history, "history_title", back = { finish() }, redraw = { draw() })
        if (session == null) {
            setContentView(ui.page(header, ui.label(Words.devicesUnavailable, tag = "history_unavailable")))
            return
        }
        val p = presenter ?: HistoryPresenter(session.terminal, PAGE_SIZE).also { presenter = it }
        val s = screen ?: p.show(filter.filters()).also { screen = it }
        val filters = ui.row(
            ui.button(Words.all, "filter_all", primary = filter == HistoryFilter.ALL) { load(HistoryFilter.ALL) },
            ui.button(Words.approvedOnly, "filter_approved", primary = filter == HistoryFilter.APPROVED) { load(HistoryFilter.APPROVED) },
            ui.button(Words.problems, "filter_problems", primary = filter == HistoryFilter.PROBLEMS) { load(HistoryFilter.PROBLEMS) },
        )
        val rows = s.lines.map { line(ui, session, it) }
        setContentView(
            ui.page(
                header,
                filters,
                opBanner(ui, session),
                notice?.let { ui.label(it, tag = "history_notice", color = Ui.BAD) },
                s.error?.let { ui.label(it, tag = "history_error", color = Ui.BAD) },
                ui.label(if (s.total == 0L) Words.noTransactions else s.title, 14f, tag = "page_title", color = Ui.MUTED),
                *rows.toTypedArray(),
                ui.row(
                    if (s.hasPrevious) ui.button(Words.previous, "previous") { screen = p.previous(); draw() } else null,
                    if (s.hasNext) ui.button(Words.next, "next_page") { screen = p.next(); draw() } else null,
                ),
            ),
        )
    }

    private fun opBanner(ui: Ui, session: Session): View? = when (val o = op) {
        OpState.Idle -> null
        is OpState.Running -> ui.label(o.what, 18f, tag = "op_running", bold = true)
        is OpState.Approved -> ui.column(
            ui.label(Words.voidApproved, 18f, tag = "op_approved", bold = true, color = Ui.GOOD),
            ui.label(Text(o.outcome.summaryZh, o.outcome.summaryEn), tag = "op_summary"),
            o.error?.let { ui.label(it, tag = "op_error", color = Ui.BAD) },
            ui.row(
                ui.button(Words.print, "op_print", primary = true) { session.printOpSlip() },
                ui.button(Words.noSlip, "op_no_slip") { session.skipOpSlip() },
            ),
        )
        is OpState.Finished -> ui.column(
            ui.label(o.message, 18f, tag = "op_message", bold = true, color = if (o.ok) Ui.GOOD else Ui.BAD),
            ui.button(Words.ok, "op_ok") { session.clearOp() },
        )
    }

    /**
     * A follow-up of row [l] (refund, pre-auth completion or cancel): the checkout runs it on
     * the main screen, the keypad holding the original's amount (a partial refund is typed over it).
     */
    private fun follow(op: Operation, l: HistoryLine) {
        val session = PosHub.session ?: return
        if (session.checkout.begin(op, l.amountMinor ?: 0)) {
            finish()
        } else {
            notice = Words.finishCurrent
            draw()
        }
    }

    private fun line(ui: Ui, session: Session, l: HistoryLine): View {
        val busy = op !is OpState.Idle
        return ui.column(
            ui.row(
                ui.label(l.title, 16f, tag = "row_title_${l.voucher}", bold = true),
                ui.raw(l.amount, 16f, tag = "row_amount_${l.voucher}", bold = true),
                ui.label(l.status, 14f, tag = "row_status_${l.voucher}"),
            ),
            ui.raw(listOf(l.card, l.voucher, l.time.take(19).replace('T', ' ')).filter { it.isNotEmpty() }.joinToString("  "), 13f, tag = "row_detail_${l.voucher}", color = Ui.MUTED),
            ui.row(
                if (l.reprintable && l.voucherNo != null && !busy) ui.button(Words.reprint, "reprint_${l.voucher}") { session.reprint(l.voucherNo!!) } else null,
                if (l.voidable && l.voucherNo != null && !busy) ui.button(Words.void, "void_${l.voucher}") { session.void(l.voucherNo!!) } else null,
                if (l.refundable && l.voucherNo != null && !busy) ui.button(Words.refund, "refund_${l.voucher}") { follow(Operation.Refund(OriginalRef.Voucher(l.voucherNo!!)), l) } else null,
            ),
            if (l.openPreAuth && l.voucherNo != null && !busy) {
                ui.row(
                    ui.button(Words.complete, "complete_${l.voucher}") { follow(Operation.PreAuthComplete(OriginalRef.Voucher(l.voucherNo!!)), l) },
                    ui.button(Words.cancelPreAuth, "cancel_${l.voucher}") { follow(Operation.PreAuthCancel(OriginalRef.Voucher(l.voucherNo!!)), l) },
                )
            } else {
                null
            },
        ).apply { setBackgroundColor(Ui.BAR); setPadding(ui.dp(8), ui.dp(6), ui.dp(8), ui.dp(6)) }
    }

    private companion object {
        const val PAGE_SIZE = 10
        const val STATE_FILTER = "filter"
    }
}
