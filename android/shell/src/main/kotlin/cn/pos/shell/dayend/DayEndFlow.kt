package cn.pos.shell.dayend

import cn.pos.core.DayEndBlocker
import cn.pos.core.DayEndOperation
import cn.pos.core.dayEndOperationLabel
import cn.pos.core.PosException
import cn.pos.core.TerminalInterface
import cn.pos.shell.i18n.Text
import cn.pos.shell.i18n.text
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch

/** The bilingual name of a day-end operation: the core's words. */
fun DayEndOperation.label(): Text = dayEndOperationLabel(this).let { Text(it.zh, it.en.replaceFirstChar { c -> c.uppercaseChar() }) }

/** One reason as the operator reads it. */
val DayEndBlocker.text: Text get() = Text(zh, en)

/** Where a day-end operation (sign-off, switching device, factory reset, decommission) stands. */
sealed class DayEndState {
    /** Nothing asked. */
    data object Idle : DayEndState()

    /**
     * Refused: unsettled or unsent business, every reason in both languages, in the order to
     * deal with them. [settleFirst]: settling clears them (it also sends owed reversals and
     * stored payments first); [syncFirst]: something waits for the connection.
     */
    data class Blocked(val operation: DayEndOperation, val blockers: List<DayEndBlocker>, val message: Text) : DayEndState() {
        /** Settling is what to do next. */
        val settleFirst: Boolean get() = blockers.any { it.settleFirst }

        /** Reversals or offline payments wait for the connection. */
        val syncFirst: Boolean get() = blockers.any { !it.settleFirst }

        /** The reasons, one per line. */
        val reasons: List<Text> get() = blockers.map { it.text }
    }

    /** Settling before trying the operation again. */
    data class Settling(val operation: DayEndOperation) : DayEndState()

    /** The operation is running (signing off, erasing). */
    data class Running(val operation: DayEndOperation) : DayEndState()

    /** Done. */
    data class Done(val operation: DayEndOperation, val message: Text) : DayEndState()

    /** Allowed, but it failed (or settling first failed): why. */
    data class Failed(val operation: DayEndOperation, val error: Text) : DayEndState()
}

/**
 * The day-end flow with its settle-first guard: the core refuses sign-off, switching device,
 * factory reset and decommission while the batch is unsettled or anything is owed to the host;
 * the refusal names every reason in Chinese and English, and [settleFirst] settles, then asks again.
 */
class DayEndFlow(private val terminal: TerminalInterface, private val scope: CoroutineScope) {
    private val _state = MutableStateFlow<DayEndState>(DayEndState.Idle)
    private var job: Job? = null

    /** The current screen. */
    val state: StateFlow<DayEndState> = _state.asStateFlow()

    /** What would stop a day-end operation now (empty: nothing), for the screen before asking. */
    fun blockers(): List<DayEndBlocker> = terminal.dayEndBlockers()

    /** Asks for [operation]; refused with the reasons while business is unsettled or unsent. */
    fun request(operation: DayEndOperation) {
        if (busy()) return
        _state.value = DayEndState.Running(operation)
        job = scope.launch { _state.value = attempt(operation) }
    }

    /** From a refusal: settles (owed reversals and stored payments go first), then asks again. */
    fun settleFirst() {
        val s = _state.value
        if (s !is DayEndState.Blocked) return
        _state.value = DayEndState.Settling(s.operation)
        job = scope.launch {
            _state.value = try {
                terminal.settle(null)
                _state.value = DayEndState.Running(s.operation)
                attempt(s.operation)
            } catch (e: PosException) {
                DayEndState.Failed(s.operation, e.text)
            }
        }
    }

    /** Back to the start (the operator gave up). */
    fun dismiss() {
        if (!busy()) _state.value = DayEndState.Idle
    }

    /** Suspends until the running step has finished (tests, shutdown). */
    suspend fun join() {
        job?.join()
    }

    private fun busy() = _state.value is DayEndState.Running || _state.value is DayEndState.Settling

    private suspend fun attempt(operation: DayEndOperation): DayEndState = try {
        when (operation) {
            DayEndOperation.SIGN_OFF -> {
                val o = terminal.signOff()
                DayEndState.Done(operation, Text("已签退：${o.messageZh}", "Signed off: ${o.messageEn}"))
            }
            DayEndOperation.SWITCH_DEVICE -> {
                terminal.switchDevice()
                DayEndState.Done(operation, Text("已签退，可在新手机上签到使用", "Signed off: sign in on the new phone"))
            }
            DayEndOperation.FACTORY_RESET -> {
                terminal.factoryReset()
                DayEndState.Done(operation, Text("已恢复出厂设置，交易记录已清除", "Factory reset done: the records are erased"))
            }
            DayEndOperation.DECOMMISSION -> {
                terminal.decommission()
                DayEndState.Done(operation, Text("终端已停用", "The terminal is out of service"))
            }
            // Not an operation on an open terminal: the app imports a new file before opening.
            DayEndOperation.REPROVISION -> DayEndState.Failed(
                operation,
                Text("新的开通文件在下次启动终端时导入", "a new provisioning file is imported when the terminal next starts"),
            )
        }
    } catch (e: PosException.DayEndRefused) {
        DayEndState.Blocked(e.operation, e.blockers, Text(e.zh, e.en))
    } catch (e: PosException) {
        DayEndState.Failed(operation, e.text)
    }
}
