package cn.pos.app

import android.view.View
import cn.pos.app.ui.Language
import cn.pos.app.ui.Switches
import cn.pos.app.ui.Ui
import cn.pos.app.ui.Words
import cn.pos.core.PosException
import cn.pos.shell.i18n.Text
import cn.pos.shell.i18n.text
import cn.pos.shell.money.display
import cn.pos.shell.sync.SyncStatus
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.combine

/**
 * The offline queue (离线队列): payments approved offline waiting for upload, reversals due,
 * the items that need the operator (with the core's words for the customer) and their
 * acknowledgement, and "sync now" with the core's report. Status from the shell's
 * [cn.pos.shell.sync.SyncStatusPresenter], kept in the service's session.
 */
class QueueActivity : ObservingActivity<Pair<SyncStatus, OpState>>() {
    override fun source(): Flow<Pair<SyncStatus, OpState>>? {
        val session = PosHub.session ?: return null
        session.syncStatus.refresh() // the counts as they are now, not as the last event left them
        return combine(session.syncStatus.state, session.op) { st, o -> st to o }
    }

    override fun draw() {
        val ui = Ui(this, Language.get(this))
        val header = ui.subpageHeader(Words.queue, "queue_title", back = { finish() }, redraw = { draw() })
        val (session, observed) = observedOrUnavailable(ui, header, "queue_unavailable") ?: return
        val (st, op) = observed
        val items = try {
            session.terminal.queue(true)
        } catch (e: PosException) {
            setContentView(ui.page(header, ui.label(e.text, tag = "queue_error", color = Ui.BAD)))
            return
        }
        val rows = items.map { q ->
            val voucher = q.voucher?.toString()?.padStart(6, '0') ?: ""
            ui.column(
                ui.row(
                    ui.raw(q.amount?.display() ?: "", 16f, tag = "queue_amount_$voucher", bold = true),
                    ui.raw(voucher, 14f),
                    ui.label(Words.attempts(q.attempts.toLong()), 13f, color = Ui.MUTED),
                ),
                ui.raw(q.maskedPan ?: "", 13f, tag = "queue_card_$voucher", color = Ui.MUTED),
            ).apply { setBackgroundColor(Ui.BAR); setPadding(ui.dp(8), ui.dp(6), ui.dp(8), ui.dp(6)) }
        }
        val attention = st.attention.map { a ->
            ui.column(
                // The core's words: what happened and what to tell the customer.
                ui.label(Text(a.zh, a.en), 15f, tag = "attention_${a.txnId}"),
                ui.button(Words.acknowledge, "ack_${a.txnId}") { session.acknowledge(a.txnId) },
            )
        }
        val busy = op is OpState.Running
        val forced = Switches.forceOffline(this)
        setContentView(
            ui.page(
                header,
                ui.label(st.line, 15f, tag = "queue_line", bold = true),
                ui.button(if (forced) Words.forceOfflineOn else Words.forceOfflineOff, "force_offline", primary = forced) {
                    Switches.setForceOffline(this, !forced)
                    draw()
                },
                ui.label(Words.forceOfflineHint, 13f, tag = "force_offline_hint", color = Ui.MUTED),
                ui.label(if (st.waiting == 0) Words.nothingWaiting else Words.waiting(st.waiting, st.waitingAmount.display()), tag = "queue_waiting"),
                if (st.reversalsDue > 0) ui.label(Words.reversalsDue(st.reversalsDue), tag = "queue_reversals") else null,
                opBanner(ui, session, op),
                if (!busy) ui.button(Words.syncNow, "sync_now", primary = true) { session.syncNow() } else null,
                *rows.toTypedArray(),
                if (attention.isNotEmpty()) ui.title(Words.attention, tag = "attention_title", color = Ui.BAD) else null,
                *attention.toTypedArray(),
                st.lastReport?.let { r -> ui.label(Text(Words.lastSync.zh + "：" + r.zh, Words.lastSync.en + ": " + r.en), 13f, tag = "last_report", color = Ui.MUTED) },
            ),
        )
    }

    private fun opBanner(ui: Ui, session: Session, o: OpState): View? = when (o) {
        is OpState.Running -> ui.label(o.what, 18f, tag = "op_running", bold = true)
        is OpState.Finished -> ui.column(
            ui.label(o.message, 16f, tag = "op_message", color = if (o.ok) Ui.GOOD else Ui.BAD),
            ui.button(Words.ok, "op_ok") { session.clearOp() },
        )
        else -> null
    }
}
