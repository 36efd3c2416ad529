package cn.pos.app

import cn.pos.app.ui.Language
import cn.pos.app.ui.Ui
import cn.pos.app.ui.Words
import cn.pos.core.DayEndOperation
import cn.pos.core.PosException
import cn.pos.shell.dayend.DayEndState
import cn.pos.shell.dayend.label
import cn.pos.shell.dayend.text
import cn.pos.shell.i18n.text
import kotlinx.coroutines.flow.Flow

/**
 * Day end (签退): what stands in the way (the core's reasons, in the order to deal with them),
 * sign-off and switching device; a refusal lists every reason with "settle first, then
 * continue". Signed off, the main screen asks for a sign-in. The flow is the shell's
 * [cn.pos.shell.dayend.DayEndFlow], kept in the service's session.
 */
class DayEndActivity : ObservingActivity<DayEndState>() {
    override fun source(): Flow<DayEndState>? = PosHub.session?.dayEnd?.state

    override fun draw() {
        val ui = Ui(this, Language.get(this))
        val header = ui.subpageHeader(Words.dayEnd, "day_end_title", back = { finish() }, redraw = { draw() })
        val (session, st) = observedOrUnavailable(ui, header, "day_end_unavailable") ?: return
        val flow = session.dayEnd
        val body = when (st) {
            DayEndState.Idle -> {
                val blockers = try {
                    flow.blockers().map { ui.label(it.text, tag = "blocker_${it.code}", color = Ui.BAD) }
                } catch (e: PosException) {
                    listOf(ui.label(e.text, tag = "day_end_error", color = Ui.BAD))
                }
                ui.column(
                    ui.label(Words.dayEndHint, tag = "day_end_hint", color = Ui.MUTED),
                    if (blockers.isEmpty()) ui.label(Words.nothingBlocks, tag = "nothing_blocks", color = Ui.GOOD) else null,
                    *blockers.toTypedArray(),
                    ui.button(Words.signOff, "sign_off", primary = true) { flow.request(DayEndOperation.SIGN_OFF) },
                    ui.button(Words.switchDevice, "switch_device") { flow.request(DayEndOperation.SWITCH_DEVICE) },
                )
            }
            is DayEndState.Blocked -> ui.column(
                ui.title(st.operation.label(), tag = "blocked_title", color = Ui.BAD),
                // The core's refusal and every reason, in its words.
                ui.label(st.message, tag = "blocked_message"),
                *st.reasons.mapIndexed { i, r -> ui.label(r, tag = "blocked_reason_$i", color = Ui.BAD) }.toTypedArray(),
                if (st.settleFirst) ui.button(Words.settleFirst, "settle_first", primary = true) { flow.settleFirst() } else null,
                ui.button(Words.back, "dismiss") { flow.dismiss() },
            )
            is DayEndState.Settling -> ui.label(Words.settling, 20f, tag = "day_end_settling", bold = true)
            is DayEndState.Running -> ui.label(Words.working, 20f, tag = "day_end_running", bold = true)
            is DayEndState.Done -> ui.column(
                ui.title(st.operation.label(), tag = "day_end_done", color = Ui.GOOD),
                ui.label(st.message, tag = "day_end_message"),
                ui.button(Words.ok, "day_end_ok", primary = true) { flow.dismiss(); finish() },
            )
            is DayEndState.Failed -> ui.column(
                ui.title(st.operation.label(), tag = "day_end_failed", color = Ui.BAD),
                ui.label(st.error, tag = "day_end_error"),
                ui.button(Words.back, "dismiss") { flow.dismiss() },
            )
        }
        setContentView(ui.page(header, body))
    }
}
