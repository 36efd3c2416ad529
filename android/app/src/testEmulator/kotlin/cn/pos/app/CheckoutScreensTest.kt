package cn.pos.app

import android.widget.TextView
import cn.pos.app.ui.Ui
import cn.pos.app.ui.Words
import cn.pos.core.TxnStatus
import cn.pos.shell.checkout.CheckoutState
import cn.pos.shell.checkout.FailureKind
import cn.pos.shell.i18n.Lang
import cn.pos.shell.i18n.Text
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotSame
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode

/**
 * The checkout screens driven by taps against the real core: the emulator flavor's in-process
 * acquirer simulator, simulated reader and printer. The terminal signs in by itself.
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [35], manifest = Config.NONE)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
class CheckoutScreensTest {
    private val debitPan = "6228480402564890018"

    private fun AppRig.type(digits: String) = digits.forEach { click("key_$it") }

    @Test
    fun `an approved sale shows the masked card, the voucher and auth code the core journaled, prints, and survives rotation`() {
        AppRig().use { rig ->
            rig.ready()
            // Signed in automatically: no sign-in tap before the first sale.
            assertTrue(rig.text("signed_in"), rig.text("signed_in").startsWith("已签到"))
            rig.type("1234")
            rig.expectText("amount", "¥12.34")
            rig.shoot("checkout-amount", Words.charge, Words.enterAmount, Text("¥12.34", "¥12.34"))

            rig.click("charge")
            rig.waitForTag("card_prompt")
            assertEquals("请刷卡、插卡或挥卡", rig.text("card_prompt"))
            rig.shoot("checkout-card", Text("请刷卡、插卡或挥卡", "Swipe, insert or tap the card"), Words.cancel)

            rig.devices.present("debit")
            rig.waitForTag("approved")
            val result = rig.session.checkout.state.value as CheckoutState.Result
            val o = result.outcome
            assertTrue(o.summaryEn, o.approved)
            // What the screen shows is what the core journaled for this payment.
            val row = rig.session.terminal.history(1u).single()
            assertEquals(o.txnId, row.txnId)
            val voucher = row.voucher!!.toString().padStart(6, '0')
            assertEquals("凭证号：$voucher", rig.text("voucher"))
            assertEquals("授权码：${row.authCode}", rig.text("auth_code"))
            assertEquals("卡号：622848*********0018", rig.text("masked_pan"))
            assertEquals("¥12.34", rig.text("amount"))
            assertTrue(rig.session.terminal.receiptPreview(o.txnId).contains(row.authCode!!))
            assertTrue("no full card number on screen", rig.texts().none { it.contains(debitPan) })

            // Rotation: the activity is recreated, the sale is the service's.
            val before = rig.activity
            rig.resize("w640dp-h360dp-land-xhdpi")
            assertNotSame(before, rig.activity)
            rig.waitForTag("approved")
            assertEquals("凭证号：$voucher", rig.text("voucher"))
            rig.resize(PHONE)
            rig.shoot("checkout-approved", Words.approved, Words.print, Words.noSlip, Text("622848*********0018", "622848*********0018"))

            rig.click("print")
            rig.waitForTag("done")
            assertEquals("签购单已打印", rig.text("printed"))
            val paper = rig.devices.sim.takePaperText()
            assertTrue(paper, paper.contains("MERCHANT COPY") && paper.contains("CARDHOLDER COPY"))
            assertTrue(paper, paper.contains(voucher))
            assertFalse(paper.contains(debitPan))
            rig.shoot("checkout-done", Words.done, Words.printed, Words.nextSale)

            rig.devices.remove()
            rig.click("next")
            rig.expectText("amount", "¥0.00")
        }
    }

    @Test
    fun `a decline shows the core's reason and what to do, in both languages, and charges nothing`() {
        AppRig().use { rig ->
            rig.ready()
            rig.devices.present("lowbal")
            rig.type("2000")
            rig.click("charge")
            rig.waitForTag("declined")
            val o = (rig.session.checkout.state.value as CheckoutState.Result).outcome
            assertFalse(o.approved)
            assertEquals("51", o.responseCode)
            // The core's words, not the app's: reason and next step.
            assertEquals(o.summaryZh, rig.text("decline_reason"))
            assertTrue(o.summaryZh, o.summaryZh.contains("余额不足"))
            assertTrue(rig.view("print") == null)
            rig.shoot("checkout-declined", Words.declined, Words.notCharged, Text(o.summaryZh, o.summaryEn))
            rig.language(Lang.EN)
            assertTrue(rig.text("decline_reason"), rig.text("decline_reason").contains("insufficient", ignoreCase = true))
            rig.click("next")
            rig.expectText("amount", "¥0.00")
        }
    }

    @Test
    fun `a slip that cannot print offers print again, no slip, or cancel and reverse, which reverses the payment`() {
        AppRig().use { rig ->
            rig.ready()
            rig.devices.present("credit")
            rig.type("5000")
            rig.click("charge")
            rig.waitForTag("approved")
            rig.devices.setPaperOut(true)
            rig.click("print")
            rig.waitForTag("slip_failed")
            assertTrue(rig.view("no_slip") != null && rig.view("print") != null)
            rig.shoot("checkout-slip-failed", Words.slipFailed, Words.printAgain, Words.noSlip, Words.cancelAndReverse)
            rig.click("cancel_payment")
            rig.waitForTag("done")
            val done = rig.session.checkout.state.value as CheckoutState.Done
            assertTrue(done.reversed && !done.printed)
            assertTrue(rig.text("done_note"), rig.text("done_note").contains("冲正"))
            val row = rig.session.terminal.history(1u).single()
            assertEquals(done.outcome.txnId, row.txnId)
            // The journal: reversed, unless the host has not acknowledged yet (then it is resent).
            assertTrue(row.reversed || rig.text("done_note").contains("重发"))
            rig.shoot("checkout-reversed", Words.done, Words.notPrinted)
        }
    }

    @Test
    fun `cancel while the reader waits for the card charges nothing and says so`() {
        AppRig().use { rig ->
            rig.ready()
            rig.type("500")
            rig.click("charge")
            rig.waitForTag("card_prompt")
            Thread.sleep(200) // the reader has the request
            rig.click("cancel")
            rig.waitForTag("failed")
            assertEquals("未扣款", rig.text("not_charged"))
            assertTrue(rig.text("failure_reason"), rig.text("failure_reason").contains("取消"))
            rig.shoot("checkout-cancelled", Words.notCharged, Words.nextSale)
            rig.click("next")
            rig.waitForTag("key_1")
        }
    }

    @Test
    fun `the same card again within minutes is a risk warning the operator confirms, and the sale then goes through`() {
        AppRig().use { rig ->
            rig.ready()
            rig.devices.present("credit")
            "1000".forEach { rig.click("key_$it") }
            rig.click("charge")
            rig.waitForTag("approved")
            rig.click("no_slip")
            rig.click("next")
            "2000".forEach { rig.click("key_$it") }
            rig.expectText("amount", "¥20.00")
            rig.click("charge")
            rig.waitForTag("confirm_risk")
            val warned = rig.session.checkout.state.value as CheckoutState.Failed
            assertEquals(FailureKind.RISK_CONFIRM, warned.kind)
            // The core's words for the rule that fired.
            assertEquals(warned.error.zh, rig.text("failure_reason"))
            assertEquals(1, rig.session.terminal.history(10u).count { it.status == TxnStatus.APPROVED })
            // Headed as a warning (amber), not as a failure: nothing has happened yet.
            assertEquals(Words.riskWarning.zh, rig.text("risk_warning"))
            assertEquals(Ui.WARN, (rig.view("risk_warning") as TextView).currentTextColor)
            assertNull(rig.view("failed"))
            rig.shoot("checkout-risk-warning", Words.riskWarning, Words.riskWhatToDo, Words.confirmRisk, Words.nextSale, warned.error)
            rig.click("confirm_risk")
            rig.waitForTag("approved")
            assertEquals(2000L, (rig.session.checkout.state.value as CheckoutState.Result).outcome.amount?.minor)
            assertEquals(2, rig.session.terminal.history(10u).count { it.status == TxnStatus.APPROVED })
        }
    }

    @Test
    fun `a wrong PIN is declined with the core's words and the same sale runs again for another try`() {
        AppRig().use { rig ->
            rig.ready()
            rig.devices.present("wrongpin")
            "1500".forEach { rig.click("key_$it") }
            rig.click("charge")
            rig.waitForTag("retry_pin")
            val o = (rig.session.checkout.state.value as CheckoutState.Result).outcome
            assertEquals("55", o.responseCode)
            assertTrue(o.canRetryPin)
            assertEquals(o.summaryZh, rig.text("decline_reason"))
            rig.shoot("checkout-wrong-pin", Words.retryPin, Words.declined, Text(o.summaryZh, o.summaryEn))
            rig.click("retry_pin")
            rig.waitForTag("approved")
            val again = (rig.session.checkout.state.value as CheckoutState.Result).outcome
            assertEquals(1500L, again.amount?.minor)
            assertTrue(again.pinEntered)
        }
    }
}
