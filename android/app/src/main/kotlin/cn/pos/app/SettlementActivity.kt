package cn.pos.app

import cn.pos.app.ui.Language
import cn.pos.app.ui.Ui
import cn.pos.app.ui.Words
import cn.pos.core.PosException
import cn.pos.shell.i18n.Text
import cn.pos.shell.i18n.text
import cn.pos.shell.money.formatMinor
import cn.pos.shell.settlement.SettlementState
import kotlinx.coroutines.flow.Flow

/**
 * Settlement (结算): what settling does, "settle now" (or "continue the batch upload" after an
 * interruption), the upload's progress, the result (batches, totals, the host's verdict in the
 * core's words), the settlement slip on screen and "print the settlement slip". The flow is the
 * shell's [cn.pos.shell.settlement.SettlementFlow], kept in the service's session.
 */
class SettlementActivity : ObservingActivity<SettlementState>() {
    override fun source(): Flow<SettlementState>? = PosHub.session?.settlement?.state

    override fun draw() {
        val ui = Ui(this, Language.get(this))
        val header = ui.subpageHeader(Words.settlement, "settlement_title", back = { finish() }, redraw = { draw() })
        val (session, st) = observedOrUnavailable(ui, header, "settlement_unavailable") ?: return
        val flow = session.settlement
        val body = when (st) {
            is SettlementState.Idle -> ui.column(
                ui.label(Words.settleHint, tag = "settle_hint", color = Ui.MUTED),
                ui.button(if (st.resumable) Words.settleResume else Words.settleNow, "settle", primary = true) { flow.settle() },
            )
            is SettlementState.Settling -> ui.column(
                ui.label(Words.settling, 20f, tag = "settling", bold = true),
                if (st.total > 0) ui.label(Words.uploading(st.acked, st.total), tag = "settle_progress") else null,
            )
            is SettlementState.Settled -> ui.column(
                ui.title(Words.settled, tag = "settled", color = Ui.GOOD),
                ui.label(Words.batches(st.result.batch.toLong(), st.result.nextBatch.toLong()), tag = "settled_batches"),
                ui.label(Words.debits(st.result.domestic.debitCount.toInt(), "¥" + formatMinor(st.result.domestic.debitMinor)), tag = "settled_debits"),
                ui.label(Words.credits(st.result.domestic.creditCount.toInt(), "¥" + formatMinor(st.result.domestic.creditMinor)), tag = "settled_credits"),
                // The core's words: the host's verdict and what was uploaded.
                ui.label(Text(st.result.summaryZh, st.result.summaryEn), tag = "settled_summary"),
                if (st.message.zh != st.result.summaryZh) ui.label(st.message, tag = "settled_message", color = Ui.BAD) else null,
                if (st.slipPrinted) {
                    ui.label(Words.settlementSlipPrinted, tag = "settlement_printed", color = Ui.GOOD)
                } else {
                    ui.button(Words.printSettlementSlip, "print_settlement", primary = true) { flow.printSlip() }
                },
                slip(ui, session),
            )
            is SettlementState.Failed -> ui.column(
                ui.title(Words.settleFailed, tag = "settle_failed", color = Ui.BAD),
                ui.label(st.error, tag = "settle_error"),
                ui.button(if (st.resumable) Words.settleResume else Words.settleAgain, "settle", primary = true) { flow.settle() },
            )
        }
        setContentView(ui.page(header, body))
    }

    /** The settlement slip as it prints (the core's text). */
    private fun slip(ui: Ui, session: Session) = try {
        ui.slip(session.terminal.settlementSlipPreview(), "settlement_slip")
    } catch (e: PosException) {
        ui.label(e.text, tag = "settlement_slip_error", color = Ui.MUTED)
    }
}
