package cn.pos.app

import cn.pos.app.ui.Words
import cn.pos.shell.checkout.CheckoutState
import cn.pos.shell.i18n.Text
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode

/** The history screen over the real journal: rows, filters, reprint and void from a row. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [35], manifest = Config.NONE)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
class HistoryTest {
    /** Pays [digits] with [card]; returns the approved or declined outcome's voucher (6 digits) or "". */
    private fun AppRig.pay(card: String, digits: String, print: Boolean): String {
        devices.present(card)
        digits.forEach { click("key_$it") }
        click("charge")
        waitFor("the result") { view("approved") != null || view("declined") != null }
        val o = (session.checkout.state.value as CheckoutState.Result).outcome
        if (o.approved) click(if (print) "print" else "no_slip")
        click("next")
        waitForTag("key_1")
        return o.voucher?.toString()?.padStart(6, '0') ?: ""
    }

    @Test
    fun `history lists the journal, reprints a slip marked REPRINT and voids a sale from its row`() {
        AppRig().use { rig ->
            rig.ready()
            val debit = rig.pay("debit", "1234", print = true)
            val credit = rig.pay("credit", "5678", print = false)
            rig.pay("lowbal", "2000", print = false)
            rig.devices.sim.takePaperText()

            rig.click("history")
            assertEquals(HistoryActivity::class.java, rig.openStarted()::class.java)
            assertEquals("第 1/1 页，共 3 笔", rig.text("page_title"))
            assertEquals("¥12.34", rig.text("row_amount_$debit"))
            assertEquals("¥56.78", rig.text("row_amount_$credit"))
            assertTrue(rig.text("row_detail_$debit"), rig.text("row_detail_$debit").startsWith("622848*********0018  $debit"))
            assertTrue(rig.view("reprint_$debit") != null && rig.view("void_$credit") != null)
            assertTrue("no full card number", rig.texts().none { it.contains("6228480402564890018") })
            rig.shoot("history", Words.history, Words.reprint, Words.void, Words.all)

            // Reprint: both copies again, marked REPRINT, the payment untouched.
            rig.click("reprint_$debit")
            rig.waitForTag("op_message")
            assertEquals("凭证号 $debit 已重打印", rig.text("op_message"))
            val paper = rig.devices.sim.takePaperText()
            assertTrue(paper, paper.contains("REPRINT") && paper.contains(debit))
            rig.click("op_ok")
            rig.waitFor("the message dismissed") { rig.view("op_message") == null }

            // Void the credit sale from its row: the card is read again, then its slip.
            rig.devices.present("credit")
            rig.click("void_$credit")
            rig.waitForTag("op_approved")
            rig.shoot("history-void-approved", Words.voidApproved, Words.print, Words.noSlip)
            rig.click("op_print")
            rig.waitForTag("op_message")
            val voidSlip = rig.devices.sim.takePaperText()
            assertTrue(rig.text("op_message") + voidSlip, voidSlip.replace(" ", "").contains("VOID") && voidSlip.contains("MERCHANT COPY"))
            rig.click("op_ok")
            rig.waitFor("the voided row") { rig.view("void_$credit") == null }
            assertEquals("第 1/1 页，共 4 笔", rig.text("page_title"))
            val voided = rig.session.terminal.history(10u).first { it.voucher?.toString()?.padStart(6, '0') == credit }
            assertTrue("the journal marks the sale voided", voided.cancelled)
            assertFalse(rig.text("row_status_$credit").contains("成功"))

            // The approved filter leaves the voided sale and the decline out.
            rig.click("filter_approved")
            rig.waitForTag("row_amount_$debit")
            assertNull(rig.view("row_amount_$credit"))
            rig.shoot("history-approved", Words.approvedOnly, Text("¥12.34", "¥12.34"))
            rig.click("back")
            rig.closeTop()
            rig.waitForTag("key_1")
        }
    }
}
