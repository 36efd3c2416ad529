package cn.pos.shell.history

import cn.pos.core.CardScheme
import cn.pos.core.HistoryEntry
import cn.pos.core.HistoryQuery
import cn.pos.core.HistoryRow
import cn.pos.core.HistoryStatus
import cn.pos.core.PosException
import cn.pos.core.cardSchemeLabel
import cn.pos.core.historyStatusLabel
import cn.pos.core.txnKindLabel
import cn.pos.core.ReceiptPrinter
import cn.pos.core.TerminalInterface
import cn.pos.core.TxnKind
import cn.pos.core.TxnStatus
import cn.pos.core.parseAmount
import cn.pos.shell.i18n.Text
import cn.pos.shell.i18n.text
import cn.pos.shell.money.display

/** The bilingual name of a transaction type: the core's word (one vocabulary). */
fun TxnKind.label(): Text = txnKindLabel(this).let { Text(it.zh, it.en.capitalised()) }

/** The bilingual name of a history status (the filter's choices): the core's word. */
fun HistoryStatus.label(): Text = historyStatusLabel(this).let { Text(it.zh, it.en.capitalised()) }

/** The bilingual name of a card scheme (the filter's choices): the core's word. */
fun CardScheme.label(): Text = cardSchemeLabel(this).let { Text(it.zh, it.en.capitalised()) }

/** A label starts with a capital in English ("Pre-auth completion"). */
private fun String.capitalised(): String = replaceFirstChar { it.uppercaseChar() }

/** What a refund (退货) may name as its original. */
private val REFUNDABLE = setOf(TxnKind.SALE, TxnKind.PRE_AUTH_COMPLETION, TxnKind.OFFLINE_SALE)

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
    /** Its slip may be printed again (an approved or voided payment with a slip number). */
    val reprintable: Boolean = false,
    /** The slip number, for a reprint. */
    val voucherNo: UInt? = null,
    /** The transaction type. */
    val kind: TxnKind? = null,
    /** The amount in minor units, if it has one. */
    val amountMinor: Long? = null,
    /** May be refunded (退货): an approved sale, completion or offline sale, not voided or reversed. */
    val refundable: Boolean = false,
    /** An approved pre-auth, not cancelled or reversed: it may be completed or cancelled. */
    val openPreAuth: Boolean = false,
)

/** Which rows the history screen shows (the quick choices; [HistoryFilters] has them all). */
enum class HistoryFilter {
    ALL,
    APPROVED,
    PROBLEMS,
    ;

    /** The same choice as full filters. */
    fun filters(): HistoryFilters = when (this) {
        ALL -> HistoryFilters()
        APPROVED -> HistoryFilters(statuses = setOf(HistoryStatus.APPROVED))
        PROBLEMS -> HistoryFilters(statuses = setOf(HistoryStatus.FAILED, HistoryStatus.PENDING))
    }
}

/**
 * The history screen's filters as the operator sets them: days `YYYY-MM-DD`, types, statuses,
 * card schemes, and amounts as typed ("10.00", "1,000"). Empty sets and nulls do not filter.
 */
data class HistoryFilters(
    val fromDay: String? = null,
    val toDay: String? = null,
    val kinds: Set<TxnKind> = emptySet(),
    val statuses: Set<HistoryStatus> = emptySet(),
    val schemes: Set<CardScheme> = emptySet(),
    val minAmount: String? = null,
    val maxAmount: String? = null,
) {
    /** The core's query; amounts go through the core's parser (`PosException.InvalidInput` otherwise). */
    fun query(): HistoryQuery = HistoryQuery(
        fromDay = fromDay?.takeIf { it.isNotBlank() },
        toDay = toDay?.takeIf { it.isNotBlank() },
        kinds = kinds.sortedBy { it.ordinal },
        statuses = statuses.sortedBy { it.ordinal },
        schemes = schemes.sortedBy { it.ordinal },
        minMinor = minAmount?.takeIf { it.isNotBlank() }?.let(::parseAmount),
        maxMinor = maxAmount?.takeIf { it.isNotBlank() }?.let(::parseAmount),
    )

    /** One day only. */
    fun onDay(day: String): HistoryFilters = copy(fromDay = day, toDay = day)
}

/** One page of the history screen. */
data class HistoryScreen(
    val lines: List<HistoryLine>,
    /** This page, from 1. */
    val page: Int,
    /** Pages in all (0 when nothing matches). */
    val pages: Int,
    /** Transactions matching the filters. */
    val total: Long,
    /** The filters in force. */
    val filters: HistoryFilters,
    /** Why the last change was not applied (bad filter, storage), if it was not. */
    val error: Text? = null,
) {
    /** A page before this one. */
    val hasPrevious: Boolean get() = page > 1

    /** A page after this one. */
    val hasNext: Boolean get() = page < pages

    /** "第 2/5 页，共 93 笔" / "Page 2 of 5, 93 transactions". */
    val title: Text
        get() = Text("第 $page/${pages.coerceAtLeast(1)} 页，共 $total 笔", "Page $page of ${pages.coerceAtLeast(1)}, $total transactions")
}

/** What a reprint (重打印) did, as the operator reads it. */
sealed class ReprintOutcome {
    /** Both copies printed again, marked 重打印 REPRINT. */
    data class Printed(val txnId: Long, val voucher: String, val copies: Int, val paperNearEnd: Boolean, val message: Text) : ReprintOutcome()

    /** Both copies as text, before printing. */
    data class Preview(val txnId: Long, val voucher: String, val merchantCopy: String, val cardholderCopy: String) : ReprintOutcome()

    /**
     * Nothing printed: why (`code`: `no_such_voucher`, `not_approved` for a declined or failed
     * transaction, `nothing_to_reprint`, `no_amount`, `not_printed` when a copy failed on the
     * printer: print again, or a `Device` code).
     */
    data class Refused(val error: Text, val code: String?) : ReprintOutcome()
}

/**
 * The history screen: the journal filtered by day, type, status, card scheme and amount, a page
 * at a time ([show], [next], [previous]), and the reprint of an earlier slip ([reprint]).
 */
class HistoryPresenter(private val terminal: TerminalInterface, private val pageSize: Int = 20) {
    init {
        require(pageSize in 1..500) { "page size 1-500: $pageSize" }
    }

    private var current: HistoryScreen? = null

    /** The page on screen, if one was shown. */
    val screen: HistoryScreen? get() = current

    /** A page of [limit] lines, newest first (the latest rows only). */
    fun page(limit: Int = 50, filter: HistoryFilter = HistoryFilter.ALL): List<HistoryLine> {
        val batch = terminal.batch()
        return terminal.history(limit.toUInt()).filter { keep(it, filter) }.map { line(it, batch) }
    }

    /** The first page matching [filters]; when they are refused, the page on screen with the reason. */
    fun show(filters: HistoryFilters = HistoryFilters()): HistoryScreen = load(filters, 1)

    /** The next page (the last page stays). */
    fun next(): HistoryScreen {
        val s = current ?: return show()
        return load(s.filters, if (s.hasNext) s.page + 1 else s.page)
    }

    /** The previous page (the first page stays). */
    fun previous(): HistoryScreen {
        val s = current ?: return show()
        return load(s.filters, if (s.hasPrevious) s.page - 1 else s.page)
    }

    /** The page on screen read again (after a payment, a void, a settlement). */
    fun refresh(): HistoryScreen {
        val s = current ?: return show()
        return load(s.filters, s.page)
    }

    private fun load(filters: HistoryFilters, page: Int): HistoryScreen {
        val screen = try {
            val batch = terminal.batch()
            var p = terminal.historyPage(filters.query(), page.toUInt(), pageSize.toUInt())
            // Fewer rows than before (a reset, a narrower filter): the last page that has some.
            if (p.entries.isEmpty() && p.pages > 0uL && page.toULong() > p.pages) {
                p = terminal.historyPage(filters.query(), p.pages.toUInt(), pageSize.toUInt())
            }
            HistoryScreen(p.entries.map { line(it, batch) }, p.page.toInt(), p.pages.toInt(), p.total.toLong(), filters)
        } catch (e: PosException) {
            (current ?: HistoryScreen(emptyList(), 1, 0, 0, HistoryFilters())).copy(error = e.text)
        }
        current = screen
        return screen
    }

    /**
     * Prints both copies of an earlier slip again (重打印 REPRINT): slip number [voucher], or the
     * newest slip when null. Unknown vouchers and declined transactions are refused, in both languages.
     */
    suspend fun reprint(printer: ReceiptPrinter, voucher: UInt? = null): ReprintOutcome = try {
        val r = terminal.reprintReceipt(printer, voucher)
        val no = voucherText(r.row.voucher)
        val paper = if (r.paperNearEnd) Text("，纸将用完", ", paper nearly out") else Text("", "")
        ReprintOutcome.Printed(
            r.row.txnId, no, r.copies.toInt(), r.paperNearEnd,
            Text("凭证号 $no 已重打印${paper.zh}", "Voucher $no reprinted${paper.en}"),
        )
    } catch (e: PosException) {
        refused(e)
    }

    /** The slip [reprint] would print, both copies as text. */
    fun reprintPreview(voucher: UInt? = null): ReprintOutcome = try {
        val p = terminal.reprintPreview(voucher)
        ReprintOutcome.Preview(p.row.txnId, voucherText(p.row.voucher), p.merchantCopy, p.cardholderCopy)
    } catch (e: PosException) {
        refused(e)
    }

    private fun refused(e: PosException) = ReprintOutcome.Refused(
        e.text,
        when (e) {
            is PosException.NoReceipt -> e.code
            is PosException.Device -> e.code
            is PosException.NotPrinted -> "not_printed"
            else -> null
        },
    )

    private fun voucherText(v: UInt?) = v?.toString()?.padStart(6, '0') ?: ""

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
        voucher = voucherText(r.voucher),
        time = r.createdAt,
        voidable = r.kind == TxnKind.SALE && r.status == TxnStatus.APPROVED && !r.reversed && !r.cancelled && r.batch == batch,
        reprintable = r.voucher != null && r.amount != null && r.status == TxnStatus.APPROVED && !r.reversed,
        voucherNo = r.voucher,
        kind = r.kind,
        amountMinor = r.amount?.minor,
        refundable = r.kind in REFUNDABLE && r.status == TxnStatus.APPROVED && !r.reversed && !r.cancelled,
        openPreAuth = r.kind == TxnKind.PRE_AUTH && r.status == TxnStatus.APPROVED && !r.reversed && !r.cancelled,
    )

    private fun line(e: HistoryEntry, batch: UInt) = HistoryLine(
        txnId = e.txnId,
        title = e.kind.label(),
        amount = e.amount?.display() ?: "",
        status = status(e),
        card = e.maskedPan ?: "",
        voucher = voucherText(e.voucher),
        time = e.createdAt,
        voidable = e.kind == TxnKind.SALE && e.status == HistoryStatus.APPROVED && e.batch == batch,
        reprintable = e.voucher != null && e.amount != null && (e.status == HistoryStatus.APPROVED || e.status == HistoryStatus.VOIDED),
        voucherNo = e.voucher,
        kind = e.kind,
        amountMinor = e.amount?.minor,
        refundable = e.kind in REFUNDABLE && e.status == HistoryStatus.APPROVED,
        openPreAuth = e.kind == TxnKind.PRE_AUTH && e.status == HistoryStatus.APPROVED,
    )

    private fun status(e: HistoryEntry): Text = when (e.status) {
        HistoryStatus.DECLINED -> declined(e.responseCode)
        else -> e.status.label()
    }

    private fun status(r: HistoryRow): Text = when {
        r.reversed -> HistoryStatus.REVERSED.label()
        r.cancelled -> HistoryStatus.VOIDED.label()
        r.status == TxnStatus.APPROVED -> HistoryStatus.APPROVED.label()
        r.status == TxnStatus.DECLINED -> declined(r.responseCode)
        r.status == TxnStatus.FAILED -> HistoryStatus.FAILED.label()
        else -> HistoryStatus.PENDING.label()
    }

    private fun declined(code: String?) = Text("拒绝 ${code ?: ""}".trim(), "Declined ${code ?: ""}".trim())
}
