package cn.pos.shell

import cn.pos.core.CardScheme
import cn.pos.core.HistoryQuery
import cn.pos.core.HistoryStatus
import cn.pos.core.OriginalRef
import cn.pos.core.PosException
import cn.pos.core.TxnKind
import cn.pos.shell.history.HistoryFilter
import cn.pos.shell.history.HistoryFilters
import cn.pos.shell.history.HistoryPresenter
import cn.pos.shell.history.ReprintOutcome
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** [this] without spaces (double-width text prints spaced out). */
private fun String.squeezed(): String = replace(" ", "")

/** The core's history filters and paging, and reprints by voucher, over a real journal. */
class HistoryAndReprintTest {
    @Test
    fun `history is filtered by type, status, scheme and amount, and paged forwards and back`(): Unit = runBlocking {
        // Several payments on one debit card seconds apart: no risk policy (the card rules would
        // warn; this is about the history).
        Rig(settings = ::noRiskSettings).use { rig ->
            rig.devices.presentCard("debit")
            val sales = listOf(1_000L, 2_500L, 4_000L, 12_000L, 30_000L).map { amount ->
                rig.terminal.sale(amount, null).also {
                    assertTrue(it.approved, it.summaryEn)
                    rig.terminal.complete(it.txnId)
                }
            }
            val void = rig.terminal.void(OriginalRef.Voucher(sales[1].voucher!!))
            assertTrue(void.approved, void.summaryEn)
            rig.terminal.complete(void.txnId)
            rig.devices.presentCard("lowbal")
            val declined = rig.terminal.sale(2_000, null)
            assertFalse(declined.approved)
            rig.devices.presentCard("visa")
            val visa = rig.terminal.sale(5_000, null)
            assertTrue(visa.approved, visa.summaryEn)
            rig.terminal.complete(visa.txnId)
            val newestFirst = listOf(visa.txnId, declined.txnId, void.txnId) + sales.reversed().map { it.txnId }

            // Everything, three a page: 8 rows on 3 pages, newest first.
            val history = HistoryPresenter(rig.terminal, pageSize = 3)
            val first = history.show()
            assertEquals(8L, first.total)
            assertEquals(3, first.pages)
            assertEquals(1, first.page)
            assertFalse(first.hasPrevious)
            assertTrue(first.hasNext)
            assertEquals("第 1/3 页，共 8 笔", first.title.zh)
            assertEquals("Page 1 of 3, 8 transactions", first.title.en)
            assertEquals(newestFirst.take(3), first.lines.map { it.txnId })
            assertEquals("Declined 51", first.lines[1].status.en)
            val second = history.next()
            assertEquals(2, second.page)
            assertEquals(newestFirst.subList(3, 6), second.lines.map { it.txnId })
            val third = history.next()
            assertEquals(3, third.page)
            assertFalse(third.hasNext)
            assertEquals(newestFirst.subList(6, 8), third.lines.map { it.txnId })
            assertEquals(3, history.next().page, "the last page stays")
            assertEquals(newestFirst.subList(3, 6), history.previous().lines.map { it.txnId })
            assertEquals(1, history.previous().page)
            assertEquals(1, history.previous().page, "the first page stays")
            assertTrue(first.lines.all { it.card.isEmpty() || it.card.contains("****") }, "masked cards only")

            // Approved sales from 40.00 to 200.00: 40.00, 120.00 and the Visa 50.00, newest first.
            val approvedSales = HistoryFilters(
                kinds = setOf(TxnKind.SALE),
                statuses = setOf(HistoryStatus.APPROVED),
                minAmount = "40.00",
                maxAmount = "200.00",
            )
            val range = history.show(approvedSales)
            assertEquals(listOf(visa.txnId, sales[3].txnId, sales[2].txnId), range.lines.map { it.txnId })
            assertEquals(listOf("¥50.00", "¥120.00", "¥40.00"), range.lines.map { it.amount })
            assertTrue(range.lines.all { it.voidable && it.reprintable && it.status.zh == "成功" })
            assertNull(range.error)
            assertEquals(1, range.pages)

            // By status: the declined one with its code, the voided sale; by scheme: the Visa card.
            val declinedOnly = history.show(HistoryFilters(statuses = setOf(HistoryStatus.DECLINED)))
            assertEquals(listOf(declined.txnId), declinedOnly.lines.map { it.txnId })
            assertEquals("拒绝 51", declinedOnly.lines[0].status.zh)
            assertFalse(declinedOnly.lines[0].reprintable, "a declined payment has no slip")
            val voided = history.show(HistoryFilters(statuses = setOf(HistoryStatus.VOIDED)))
            assertEquals(listOf(sales[1].txnId), voided.lines.map { it.txnId })
            assertEquals("Voided", voided.lines[0].status.en)
            assertFalse(voided.lines[0].voidable)
            val visaOnly = history.show(HistoryFilters(schemes = setOf(CardScheme.VISA)))
            assertEquals(listOf(visa.txnId), visaOnly.lines.map { it.txnId })
            val unionPay = rig.terminal.historyPage(HistoryQuery(schemes = listOf(CardScheme.UNION_PAY)), 1u, null)
            assertEquals(7uL, unionPay.total)
            assertTrue(unionPay.entries.all { it.scheme == CardScheme.UNION_PAY && it.maskedPan!!.contains("****") })
            assertEquals(listOf(void.txnId), history.show(HistoryFilters(kinds = setOf(TxnKind.VOID))).lines.map { it.txnId })
            assertEquals(HistoryFilter.APPROVED.filters().statuses, setOf(HistoryStatus.APPROVED))
            assertEquals(2L, history.show(HistoryFilters(statuses = setOf(HistoryStatus.VOIDED, HistoryStatus.DECLINED))).total)

            // Today only: everything; another day: nothing (0 pages).
            val today = rig.terminal.dailyReport(null).day
            assertEquals(8L, history.show(HistoryFilters().onDay(today)).total)
            val empty = history.show(HistoryFilters().onDay("2020-01-01"))
            assertEquals(0L, empty.total)
            assertEquals(0, empty.pages)
            assertTrue(empty.lines.isEmpty() && !empty.hasNext && !empty.hasPrevious)

            // Refused filters keep the page on screen and say why, in both languages.
            val before = history.show(approvedSales)
            val badAmount = history.show(approvedSales.copy(minAmount = "1.234"))
            assertEquals(before.lines, badAmount.lines)
            assertEquals(approvedSales, badAmount.filters, "the refused filters are not applied")
            assertTrue(badAmount.error!!.zh.isNotBlank() && badAmount.error!!.en.isNotBlank(), badAmount.error.toString())
            val inverted = history.show(approvedSales.copy(minAmount = "300.00", maxAmount = "10.00"))
            assertEquals("最小金额大于最大金额", inverted.error?.zh)
            assertEquals("The minimum amount is above the maximum", inverted.error?.en)
            val badDay = history.show(HistoryFilters(fromDay = "2025-02-30"))
            assertTrue(badDay.error!!.en.contains("YYYY-MM-DD"), badDay.error!!.en)
            assertNull(history.next().error, "paging again clears the error")
            val e = assertThrows<PosException.InvalidInput> { rig.terminal.historyPage(HistoryQuery(), 1u, 0u) }
            assertTrue(e.zh.contains("每页") && e.en.contains("rows each"), e.en)
            assertThrows<PosException.InvalidInput> { rig.terminal.historyPage(HistoryQuery(minMinor = -1), 1u, null) }
        }
    }

    @Test
    fun `an earlier voucher reprints marked REPRINT, and a declined or unknown voucher is refused in both languages`(): Unit = runBlocking {
        Rig().use { rig ->
            val printer = rig.devices.printer()
            rig.devices.presentCard("debit")
            val earlier = rig.terminal.sale(1_234, null)
            assertTrue(earlier.approved, earlier.summaryEn)
            rig.terminal.printReceipt(printer, earlier.txnId)
            val original = rig.devices.takePaperText()
            assertFalse(original.contains("重打印") || original.contains("REPRINT"), original)
            rig.devices.presentCard("credit")
            val later = rig.terminal.sale(2_345, null)
            assertTrue(later.approved, later.summaryEn)
            rig.terminal.complete(later.txnId)
            rig.devices.presentCard("lowbal")
            val declined = rig.terminal.sale(2_000, null)
            assertFalse(declined.approved)

            val history = HistoryPresenter(rig.terminal)
            val earlierLine = history.show().lines.first { it.txnId == earlier.txnId }
            assertTrue(earlierLine.reprintable)
            val voucher = earlierLine.voucherNo!!
            assertEquals(earlier.voucher, voucher)

            // The preview: both copies of the earlier slip, marked.
            val preview = history.reprintPreview(voucher) as ReprintOutcome.Preview
            assertEquals(earlier.txnId, preview.txnId)
            assertEquals(earlierLine.voucher, preview.voucher)
            for (copy in listOf(preview.merchantCopy, preview.cardholderCopy)) {
                // The amount prints double width ("R M B   1 2 . 3 4").
                assertTrue(copy.contains("重打印") && copy.contains("REPRINT") && copy.squeezed().contains("RMB12.34"), copy)
            }
            assertTrue(rig.devices.paperText().isEmpty(), "a preview prints nothing")

            // Printed: both copies, each marked 重打印 REPRINT, with the earlier slip's numbers.
            val printed = history.reprint(printer, voucher)
            assertTrue(printed is ReprintOutcome.Printed, printed.toString())
            printed as ReprintOutcome.Printed
            assertEquals(earlier.txnId, printed.txnId)
            assertEquals(2, printed.copies)
            assertTrue(printed.message.zh.contains("已重打印") && printed.message.en.contains("reprinted"), printed.message.both())
            val paper = rig.devices.takePaperText()
            val copies = paper.split("8<").filter { it.contains("SALES SLIP") }
            assertEquals(2, copies.size, paper)
            assertTrue(copies[0].contains("MERCHANT COPY") && copies[1].contains("CARDHOLDER COPY"), paper)
            assertTrue(copies.all { it.contains("*** 重打印 REPRINT ***") }, paper)
            assertTrue(paper.squeezed().contains("RMB12.34") && paper.contains(earlierLine.voucher), paper)
            assertFalse(paper.squeezed().contains("RMB23.45"), "the earlier voucher, not the latest")

            // Without a voucher: the newest slip.
            val last = history.reprint(printer) as ReprintOutcome.Printed
            assertEquals(later.txnId, last.txnId)
            assertTrue(rig.devices.takePaperText().squeezed().contains("RMB23.45"))

            // A declined payment has no slip; an unknown voucher is named.
            val declinedVoucher = declined.voucher ?: history.show().lines.first { it.txnId == declined.txnId }.voucherNo
            assertNotNull(declinedVoucher, "the declined payment has a voucher")
            val refused = history.reprint(printer, declinedVoucher) as ReprintOutcome.Refused
            assertEquals("not_approved", refused.code)
            assertEquals("交易未成功，不打印签购单", refused.error.zh)
            assertEquals("The transaction was not approved: no slip", refused.error.en)
            val e = assertThrows<PosException.NoReceipt> { rig.terminal.reprintPreview(declinedVoucher) }
            assertEquals(declinedVoucher, e.voucher)
            val unknown = history.reprint(printer, 999_999u) as ReprintOutcome.Refused
            assertEquals("no_such_voucher", unknown.code)
            assertTrue(unknown.error.zh.contains("999999") && unknown.error.en.contains("No transaction with voucher 999999"), unknown.error.both())
            val zero = history.reprint(printer, 0u) as ReprintOutcome.Refused
            assertTrue(zero.error.zh.contains("凭证号") && zero.error.en.contains("1 to 999999"), zero.error.both())
            assertTrue(rig.devices.paperText().isEmpty(), "nothing printed for a refusal")

            // Paper out: the reprint says so and can be tried again.
            rig.devices.setPaperOut(true)
            val noPaper = history.reprint(printer, voucher) as ReprintOutcome.Refused
            assertEquals("not_printed", noPaper.code, noPaper.toString())
            assertTrue(noPaper.error.zh.isNotBlank() && noPaper.error.en.isNotBlank())
            rig.devices.setPaperOut(false)
            rig.devices.takePaperText()
            assertTrue(history.reprint(printer, voucher) is ReprintOutcome.Printed)
        }
    }
}
