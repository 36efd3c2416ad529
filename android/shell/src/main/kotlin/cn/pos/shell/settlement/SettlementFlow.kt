package cn.pos.shell.settlement

import cn.pos.core.PosException
import cn.pos.core.ReceiptPrinter
import cn.pos.core.SettlementObserver
import cn.pos.core.SettlementResult
import cn.pos.core.TerminalInterface
import cn.pos.shell.i18n.Text
import cn.pos.shell.i18n.text
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch

/** Where the day-end settlement (结算) stands. */
sealed class SettlementState {
    /** Nothing running; `resumable` when an interrupted batch upload waits to be finished. */
    data class Idle(val resumable: Boolean) : SettlementState()

    /** Settling; during a batch upload, `acked` of `total` messages are acknowledged. */
    data class Settling(val acked: Int, val total: Int, val resumed: Boolean) : SettlementState()

    /** Settled: the totals, the host's verdict and the new batch; the slip may be printed. */
    data class Settled(val result: SettlementResult, val message: Text, val slipPrinted: Boolean) : SettlementState()

    /** Not settled: why, and whether settling again continues an interrupted upload. */
    data class Failed(val error: Text, val code: String?, val resumable: Boolean) : SettlementState()
}

/**
 * The settlement flow: settle (owed reversals and stored payments go first, totals compared,
 * the batch uploaded when they differ), show the upload's progress, print the slip. An
 * interrupted upload is resumed by settling again, exactly where it stopped.
 */
class SettlementFlow(
    private val terminal: TerminalInterface,
    private val scope: CoroutineScope,
    private val printer: () -> ReceiptPrinter?,
) {
    private val _state = MutableStateFlow<SettlementState>(SettlementState.Idle(resumable()))
    private var job: Job? = null

    /** The current screen. */
    val state: StateFlow<SettlementState> = _state.asStateFlow()

    private fun resumable(): Boolean = try {
        terminal.uploadUnfinished()
    } catch (e: PosException) {
        false
    }

    /** Starts settling (or resumes the interrupted upload). */
    fun settle() {
        if (_state.value is SettlementState.Settling) return
        _state.value = SettlementState.Settling(0, 0, false)
        val progress = object : SettlementObserver {
            override fun onUploadProgress(acked: UInt, total: UInt, resumed: Boolean) {
                _state.value = SettlementState.Settling(acked.toInt(), total.toInt(), resumed)
            }
        }
        job = scope.launch {
            _state.value = try {
                val r = terminal.settle(progress)
                SettlementState.Settled(r, Text(r.summaryZh, r.summaryEn), slipPrinted = false)
            } catch (e: PosException) {
                SettlementState.Failed(e.text, (e as? PosException.Settlement)?.code, resumable())
            }
        }
    }

    /** Prints the settlement slip of a settled batch. */
    fun printSlip() {
        val s = _state.value
        if (s !is SettlementState.Settled) return
        val p = printer() ?: return
        job = scope.launch {
            _state.value = try {
                terminal.printSettlementSlip(p)
                s.copy(slipPrinted = true)
            } catch (e: PosException) {
                s.copy(message = e.text)
            }
        }
    }

    /** Suspends until the running step has finished (tests, shutdown). */
    suspend fun join() {
        job?.join()
    }
}
