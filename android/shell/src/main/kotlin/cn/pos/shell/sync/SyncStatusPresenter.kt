package cn.pos.shell.sync

import cn.pos.core.AttentionItem
import cn.pos.core.ConnectivityObserver
import cn.pos.core.Money
import cn.pos.core.PosException
import cn.pos.core.SyncEvent
import cn.pos.core.SyncObserver
import cn.pos.core.SyncReport
import cn.pos.core.TaskHandle
import cn.pos.core.TerminalInterface
import cn.pos.shell.i18n.Text
import cn.pos.shell.i18n.text
import cn.pos.shell.money.display
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update

/** What the sync status bar and screen show. */
data class SyncStatus(
    /** Worth trying the host now. */
    val online: Boolean,
    /** Offline payments waiting for upload. */
    val waiting: Int,
    /** Their total. */
    val waitingAmount: Money,
    /** Reversals still to be acknowledged. */
    val reversalsDue: Int,
    /** A sync is running. */
    val syncing: Boolean,
    /** Payments answered in the running sync. */
    val done: Int,
    /** The last sync's report. */
    val lastReport: Text?,
    /** Items needing the operator, with what to tell the customer. */
    val attention: List<AttentionItem>,
) {
    /** One line for the status bar. */
    val line: Text
        get() = when {
            syncing -> Text("正在上送…已完成${done}笔，剩余${waiting}笔", "Uploading… $done done, $waiting left")
            waiting == 0 && reversalsDue == 0 ->
                if (online) Text("联机，无待上送交易", "Online, nothing waiting") else Text("离线，无待上送交易", "Offline, nothing waiting")
            else -> {
                val net = if (online) Text("联机", "Online") else Text("离线", "Offline")
                val rev = if (reversalsDue > 0) Text("，待冲正${reversalsDue}笔", ", $reversalsDue reversal(s) due") else Text("", "")
                Text(
                    "${net.zh}，离线交易待上送${waiting}笔（${waitingAmount.display()}）${rev.zh}",
                    "${net.en}, $waiting offline payment(s) waiting (${waitingAmount.display()})${rev.en}",
                )
            }
        }
}

/**
 * Sync status: connectivity, what is waiting, progress of the running sync, the last
 * report and the items needing attention. Fed by the terminal's observers; [refresh]
 * re-reads the counts from the journal.
 */
class SyncStatusPresenter(private val terminal: TerminalInterface) {
    private val _state = MutableStateFlow(read(syncing = false, done = 0, report = null))
    private val handles = mutableListOf<TaskHandle>()

    /** The current status. */
    val state: StateFlow<SyncStatus> = _state.asStateFlow()

    /** Subscribes to sync events and connectivity changes. */
    fun attach() {
        handles += terminal.subscribeSync(object : SyncObserver {
            override fun onSyncEvent(event: SyncEvent) = on(event)
        })
        handles += terminal.subscribeConnectivity(object : ConnectivityObserver {
            override fun onConnectivityChanged(online: Boolean) = _state.update { it.copy(online = online) }
        })
    }

    /** Stops the subscriptions. */
    fun close() {
        handles.forEach { it.cancel(); it.close() }
        handles.clear()
    }

    /** Re-reads the counts and the attention list. */
    fun refresh() {
        val s = _state.value
        _state.value = read(s.syncing, s.done, s.lastReport)
    }

    /** "Sync now" from the sync screen: waits for the report (also delivered to the observers). */
    suspend fun syncNow(): Text = try {
        val r = terminal.syncNow()
        finished(r)
        Text(r.summaryZh, r.summaryEn)
    } catch (e: PosException) {
        e.text
    }

    private fun on(event: SyncEvent) {
        when (event) {
            is SyncEvent.Started -> _state.update { it.copy(syncing = true, done = 0) }
            is SyncEvent.Progress -> _state.update {
                it.copy(done = event.done.toInt(), waiting = event.left.toInt(), waitingAmount = event.leftAmount)
            }
            is SyncEvent.Connectivity -> _state.update { it.copy(online = event.online) }
            is SyncEvent.Finished -> finished(event.report)
            is SyncEvent.Attention, is SyncEvent.Forwarded, is SyncEvent.ReversalAcknowledged,
            is SyncEvent.ReversalFailed -> refresh()
        }
    }

    private fun finished(r: SyncReport) {
        _state.value = read(syncing = false, done = 0, report = Text(r.summaryZh, r.summaryEn))
    }

    private fun read(syncing: Boolean, done: Int, report: Text?): SyncStatus {
        val q = terminal.queueSummary()
        return SyncStatus(
            online = terminal.isOnline(),
            waiting = q.waiting.toInt(),
            waitingAmount = q.waitingAmount,
            reversalsDue = q.reversalsDue.toInt(),
            syncing = syncing,
            done = done,
            lastReport = report,
            attention = terminal.attention(),
        )
    }
}
