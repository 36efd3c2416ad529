package cn.pos.shell.reports

import cn.pos.core.DailyReport
import cn.pos.core.HistoryRow
import cn.pos.core.TerminalInterface
import cn.pos.core.TxnKind
import cn.pos.core.TxnStatus
import cn.pos.shell.history.label
import cn.pos.shell.i18n.Text
import cn.pos.shell.money.formatMinor

/** Count and total of one transaction type. */
data class KindTotal(val kind: TxnKind, val label: Text, val count: Int, val totalMinor: Long)

/** The operator's summary of a batch (交易汇总). */
data class BatchSummary(
    val batch: UInt,
    val byKind: List<KindTotal>,
    /** Sales + completions + offline sales in force, less refunds: what the merchant collects. */
    val netMinor: Long,
    /** Rows not approved (declined or failed). */
    val notApproved: Int,
) {
    /** The net amount as text. */
    val net: String get() = formatMinor(netMinor)
}

/**
 * Reports: the core's daily summary (交易汇总, from the journal), and the operator's view of
 * the open batch from the history rows: voided and reversed payments count for nothing,
 * refunds are subtracted (what settlement will send).
 */
class ReportsPresenter(private val terminal: TerminalInterface) {
    /** The core's summary of local day [date] (`YYYY-MM-DD`), today when null. */
    fun day(date: String? = null): DailyReport = terminal.dailyReport(date)

    /** The summary of the current batch over the latest [window] rows. */
    fun currentBatch(window: Int = 500): BatchSummary = summarize(terminal.batch(), terminal.history(window.toUInt()))

    /** The summary of [rows] of [batch]. */
    fun summarize(batch: UInt, rows: List<HistoryRow>): BatchSummary {
        val inBatch = rows.filter { it.batch == batch }
        val counted = inBatch.filter { it.status == TxnStatus.APPROVED && !it.reversed && !it.cancelled }
        val byKind = counted.groupBy { it.kind }.map { (kind, rs) ->
            KindTotal(kind, kind.label(), rs.size, rs.sumOf { it.amount?.minor ?: 0L })
        }.sortedBy { it.kind.ordinal }
        val debit = setOf(TxnKind.SALE, TxnKind.PRE_AUTH_COMPLETION, TxnKind.OFFLINE_SALE)
        val net = counted.sumOf {
            val m = it.amount?.minor ?: 0L
            when (it.kind) {
                in debit -> m
                TxnKind.REFUND -> -m
                else -> 0L
            }
        }
        val notApproved = inBatch.count { it.status == TxnStatus.DECLINED || it.status == TxnStatus.FAILED }
        return BatchSummary(batch, byKind, net, notApproved)
    }
}
