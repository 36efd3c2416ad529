package cn.pos.shell

import cn.pos.core.OriginalRef
import cn.pos.core.PosException
import cn.pos.core.Terminal
import cn.pos.core.TxnKind
import cn.pos.core.demoSettings
import cn.pos.core.parseAmount
import cn.pos.shell.history.HistoryFilter
import cn.pos.shell.history.HistoryPresenter
import cn.pos.shell.money.AmountKeypad
import cn.pos.shell.money.formatMinor
import cn.pos.shell.reports.ReportsPresenter
import cn.pos.shell.settings.SettingField
import cn.pos.shell.settings.SettingsValidator
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.io.File
import kotlin.random.Random

/** History and reports over a real journal; settings validation; money formatting against the core's parser. */
class PresentersTest {
    @Test
    fun `history lists the journal newest first and reports net the batch`(): Unit = runBlocking {
        // Two sales on one card seconds apart fill the journal: no risk policy (the card-interval
        // rule would warn; this is about the history and reports).
        Rig(settings = ::noRiskSettings).use { rig ->
            rig.devices.presentCard("debit")
            val first = rig.terminal.sale(1234, null)
            val second = rig.terminal.sale(5000, null)
            rig.devices.presentCard("lowbal")
            val declined = rig.terminal.sale(2000, null)
            assertTrue(first.approved && second.approved && !declined.approved)
            rig.devices.presentCard("debit")
            val void = rig.terminal.void(OriginalRef.Voucher(first.voucher!!))
            assertTrue(void.approved, void.summaryEn)
            rig.terminal.complete(void.txnId)

            val history = HistoryPresenter(rig.terminal)
            val lines = history.page(50)
            assertEquals(listOf(void.txnId, declined.txnId, second.txnId, first.txnId), lines.map { it.txnId })
            assertEquals("消费撤销", lines[0].title.zh)
            assertEquals("Declined 51", lines[1].status.en)
            assertEquals("¥50.00", lines[2].amount)
            assertTrue(lines[2].voidable && !lines[3].voidable, "a voided sale cannot be voided again")
            assertEquals("已撤销", lines[3].status.zh)
            assertTrue(lines.all { it.card.isEmpty() || it.card.contains("******") }, "masked cards only")
            assertEquals(listOf(void.txnId, second.txnId), history.page(50, HistoryFilter.APPROVED).map { it.txnId })

            val summary = ReportsPresenter(rig.terminal).currentBatch()
            assertEquals(rig.terminal.batch(), summary.batch)
            val sale = summary.byKind.first { it.kind == TxnKind.SALE }
            assertEquals(1, sale.count, "the voided sale counts for nothing")
            assertEquals(5000L, sale.totalMinor)
            assertEquals(5000L, summary.netMinor)
            assertEquals("50.00", summary.net)
            assertEquals(1, summary.notApproved)

            // The core's daily report over the same journal.
            val day = ReportsPresenter(rig.terminal).day()
            assertEquals(4uL, day.transactions)
            assertEquals(1uL, day.declined.count)
            assertEquals(1uL, day.voided.count)
            assertTrue(day.byType.any { it.name == "sale" }, day.byType.toString())
            assertTrue(day.text.isNotBlank())
            val e = assertThrows<PosException.InvalidInput> { rig.terminal.dailyReport("2025-02-30") }
            assertTrue(e.en.contains("YYYY-MM-DD"), e.en)
        }
    }

    @Test
    fun `settings are validated field by field in both languages, as the core would`() {
        val good = demoSettings("127.0.0.1:8583")
        assertEquals(emptyList<Any>(), SettingsValidator.validate(good))
        val bad = good.copy(
            host = "acquirer",
            tid = "123",
            mid = "89831004899000X1",
            merchantName = "Shop 6228480402564890018",
            responseTimeoutMs = 500u,
            offline = good.offline.copy(totalMinor = good.offline.perPaymentMinor - 1),
        )
        val problems = SettingsValidator.validate(bad)
        val fields = problems.map { it.field }.toSet()
        assertEquals(
            setOf(SettingField.HOST, SettingField.TID, SettingField.MID, SettingField.MERCHANT_NAME, SettingField.RESPONSE_TIMEOUT, SettingField.OFFLINE_TOTAL),
            fields,
        )
        assertTrue(problems.all { it.message.zh.isNotBlank() && it.message.en.isNotBlank() })
        // The core refuses what the form refuses (here: the terminal ID), with its own text.
        val e = assertThrows<PosException.InvalidInput> {
            Terminal.open(tempDir("bad").path, good.copy(tid = "123"), SoftwareKeyVault(), Rig.Companion.noReader(), null)
        }
        assertTrue(e.zh.contains("终端号") && e.en.contains("terminal ID"), e.en)
        // The provisioned risk policy is checked too: something that is not a policy is refused.
        val policy = assertThrows<PosException.InvalidInput> {
            Terminal.open(tempDir("badpolicy").path, good.copy(riskPolicyJson = "{}"), SoftwareKeyVault(), Rig.Companion.noReader(), null)
        }
        assertTrue(policy.zh.contains("风控策略") && policy.en.contains("risk policy"), policy.en)
    }

    @Test
    fun `amounts format and parse exactly, agreeing with the core's parser`() {
        val r = Random(7)
        repeat(500) {
            val minor = r.nextLong(0, 999_999_999_999L)
            assertEquals(minor, parseAmount(formatMinor(minor)))
        }
        assertEquals("0.05", formatMinor(5))
        assertEquals("12.34", formatMinor(1234))
        val k = AmountKeypad()
        "1234".forEach { k.digit(it - '0') }
        assertEquals(1234L, k.amountMinor)
        assertFalse(runCatching { parseAmount("1.234") }.isSuccess, "three decimals refused by the core")
        val e = assertThrows<PosException.InvalidInput> { parseAmount("-1") }
        assertEquals("金额不能为负", e.zh)
    }
}
