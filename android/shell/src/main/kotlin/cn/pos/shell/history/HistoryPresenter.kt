package cn.pos.shell.history

import cn.pos.core.HistoryRow
import cn.pos.core.TerminalInterface
import cn.pos.core.TxnKind
import cn.pos.core.TxnStatus
import cn.pos.shell.i18n.Text
import cn.pos.shell.money.display

/** The bilingual name of a transaction type. */
fun TxnKind.label(): Text = when (this) {
    TxnKind.SALE -> Text("消费", "Sale")
    TxnKind.VOID -> Text("消费撤销", "Void")
    TxnKind.REFUND -> Text("退货", "Refund")
    TxnKind.PRE_AUTH -> Text("预授权", "Pre-auth")
    TxnKind.PRE_AUTH_CANCEL -> Text("预授权撤销", "Pre-auth cancel")
    TxnKind.PRE_AUTH_COMPLETION -> Text("预授权完成", "Pre-auth completion")
    TxnKind.COMPLETION_CANCEL -> Text("完成撤销", "Completion cancel")
    TxnKind.BALANCE_INQUIRY -> Text("余额查询", "Balance inquiry")
    TxnKind.OFFLINE_SALE -> Text("离线消费", "Offline sale")
}

/** One line of the history list; only masked card data. */
data class HistoryLine(
    val txnId: Long,
    val title: Text,
    val amount: String,
    val status: Text,
    val card: String,
    val voucher: String,
    val time: String,
    /** May be voided (an approved sale of the current batch, not voided or reversed). */
    val voidable: Boolean,
)

/** Which rows the history screen shows. */
enum class HistoryFilter { ALL, APPROVED, PROBLEMS }

/** The history screen: the latest journal rows as display lines. */
class HistoryPresenter(private val terminal: TerminalInterface) {
    /** A page of [limit] lines, newest first. */
    fun page(limit: Int = 50, filter: HistoryFilter = HistoryFilter.ALL): List<HistoryLine> {
        val batch = terminal.batch()
        return terminal.history(limit.toUInt()).filter { keep(it, filter) }.map { line(it, batch) }
    }

    private fun keep(r: HistoryRow, f: HistoryFilter) = when (f) {
        HistoryFilter.ALL -> true
        HistoryFilter.APPROVED -> r.status == TxnStatus.APPROVED && !r.reversed && !r.cancelled
        HistoryFilter.PROBLEMS -> r.status == TxnStatus.FAILED || r.status == TxnStatus.PENDING
    }

    private fun line(r: HistoryRow, batch: UInt) = HistoryLine(
        txnId = r.txnId,
        title = r.kind.label(),
        amount = r.amount?.display() ?: "",
        status = status(r),
        card = r.maskedPan ?: "",
        voucher = r.voucher?.toString()?.padStart(6, '0') ?: "",
        time = r.createdAt,
        voidable = r.kind == TxnKind.SALE && r.status == TxnStatus.APPROVED && !r.reversed && !r.cancelled && r.batch == batch,
    )

    private fun status(r: HistoryRow): Text = when {
        r.reversed -> Text("已冲正", "Reversed")
        r.cancelled -> Text("已撤销", "Voided")
        r.status == TxnStatus.APPROVED -> Text("成功", "Approved")
        r.status == TxnStatus.DECLINED -> Text("拒绝 ${r.responseCode ?: ""}".trim(), "Declined ${r.responseCode ?: ""}".trim())
        r.status == TxnStatus.FAILED -> Text("失败", "Failed")
        else -> Text("处理中", "Pending")
    }
}
