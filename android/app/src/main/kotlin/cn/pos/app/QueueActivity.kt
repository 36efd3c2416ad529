package cn.pos.app

import android.app.Activity
import android.os.Bundle
import android.os.Handler
import android.os.Looper
import android.view.View
import android.view.Window
import cn.pos.app.ui.Language
import cn.pos.app.ui.Switches
import cn.pos.app.ui.Ui
import cn.pos.app.ui.Words
import cn.pos.core.PosException
import cn.pos.shell.i18n.Text
import cn.pos.shell.i18n.text
import cn.pos.shell.money.display
import cn.pos.shell.sync.SyncStatus
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.combine
import kotlinx.coroutines.launch

/**
 * The offline queue (离线队列): payments approved offline waiting for upload, reversals due,
 * the items that need the operator (with the core's words for the customer) and their
 * acknowledgement, and "sync now" with the core's report. Status from the shell's
 * [cn.pos.shell.sync.SyncStatusPresenter], kept in the service's session.
 */
class QueueActivity : Activity() {
    private val watch = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    private val main = Handler(Looper.getMainLooper())
    private var observing: Job? = null
    private var status: SyncStatus? = null
    private var op: OpState = OpState.Idle

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        requestWindowFeature(Window.FEATURE_NO_TITLE)
        draw()
    }

    override fun onStart() {
        super.onStart()
        val s = PosHub.session ?: return
        s.syncStatus.refresh()
        observing = watch.launch {
            combine(s.syncStatus.state, s.op) { st, o -> st to o }.collect { (st, o) ->
                main.post {
                    if (!isDestroyed) {
                        status = st
                        op = o
                        draw()
                    }
                }
            }
        }
    }

    override fun onStop() {
        observing?.cancel()
        super.onStop()
    }

    override fun onDestroy() {
        watch.cancel()
        super.onDestroy()
    }

    private fun draw() {
        val ui = Ui(this, Language.get(this))
        val session = PosHub.session
        val header = ui.subpageHeader(Words.queue, "queue_title", back = { finish() }, redraw = { draw() })
        val st = status
        if (session == null || st == null) {
            setContentView(ui.page(header, ui.label(if (session == null) Words.devicesUnavailable else Words.starting, tag = "queue_unavailable")))
            return
        }
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
                opBanner(ui, session),
                if (!busy) ui.button(Words.syncNow, "sync_now", primary = true) { session.syncNow() } else null,
                *rows.toTypedArray(),
                if (attention.isNotEmpty()) ui.title(Words.attention, tag = "attention_title", color = Ui.BAD) else null,
                *attention.toTypedArray(),
                st.lastReport?.let { r -> ui.label(Text(Words.lastSync.zh + "：" + r.zh, Words.lastSync.en + ": " + r.en), 13f, tag = "last_report", color = Ui.MUTED) },
            ),
        )
    }

    private fun opBanner(ui: Ui, session: Session): View? = when (val o = op) {
        is OpState.Running -> ui.label(o.what, 18f, tag = "op_running", bold = true)
        is OpState.Finished -> ui.column(
            ui.label(o.message, 16f, tag = "op_message", color = if (o.ok) Ui.GOOD else Ui.BAD),
            ui.button(Words.ok, "op_ok") { session.clearOp() },
        )
        else -> null
    }
}
