package cn.pos.app

import cn.pos.app.ui.Words
import cn.pos.core.TxnKind
import cn.pos.core.TxnStatus
import cn.pos.shell.checkout.CheckoutState
import cn.pos.shell.history.label
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

/**
 * The other transactions through the checkout's screens against the real core and the
 * simulated host: refund (from a history row and by reference), the pre-auth family, balance
 * inquiry and transfer; each checked in the journal and in the host's ledger.
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [35], manifest = Config.NONE)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
class MoreTransactionsTest {
    @Test
    fun `a refund from a history row, part of the sale, gives the money back and prints a REFUND slip, previewed first`() {
        AppRig().use { rig ->
            rig.ready()
            val start = rig.acquirer.availableMinor("debit")
            val sale = rig.sale("debit", "5000")
            assertTrue(sale.approved)
            assertEquals(start - 5000, rig.acquirer.availableMinor("debit"))
            val v = sale.voucherText()

            rig.open("history")
            rig.waitForTag("refund_$v")
            rig.click("refund_$v")
            // The history screen closes; the keypad holds the original amount, the original named above it.
            rig.closeTop()
            rig.waitForTag("op_title")
            assertEquals("退货 · 原凭证号 $v", rig.text("op_title"))
            rig.expectText("amount", "¥50.00")
            rig.click("clear")
            rig.type("2000")
            rig.expectText("amount", "¥20.00")
            rig.shoot("refund-amount", Words.confirmAmount, Words.backToSale, Text("原凭证号 $v", "original voucher $v"))
            rig.click("charge")
            val o = rig.result()
            assertTrue(o.summaryEn, o.approved)
            assertEquals(TxnKind.REFUND, o.kind)
            assertEquals(2000L, o.amount?.minor)
            val row = rig.session.terminal.history(1u).single()
            assertEquals(o.txnId, row.txnId)
            assertEquals(TxnKind.REFUND, row.kind)
            assertEquals(TxnStatus.APPROVED, row.status)
            assertEquals("the host gave 20.00 back", start - 3000, rig.acquirer.availableMinor("debit"))
            rig.shoot("refund-approved", Words.approved, Words.print, TxnKind.REFUND.label())

            // The slip as the core prints it, on screen before printing.
            rig.click("slip_preview")
            rig.waitForTag("slip_text")
            val preview = rig.text("slip_text")
            assertEquals(rig.session.terminal.receiptPreview(o.txnId).trimEnd(), preview)
            assertTrue(preview, preview.replace(" ", "").contains("REFUND") && preview.contains(o.voucherText()) && preview.contains("622848"))
            assertFalse(preview.contains("6228480402564890018"))
            rig.shoot("slip-preview", Words.hidePreview, Text("CARDHOLDER COPY", "CARDHOLDER COPY"))
            rig.click("slip_preview")
            rig.waitFor("the preview closed") { rig.view("slip_text") == null }

            rig.devices.sim.takePaperText()
            rig.click("print")
            rig.waitForTag("done")
            val paper = rig.devices.sim.takePaperText()
            assertTrue(paper, paper.replace(" ", "").contains("REFUND") && paper.contains(o.voucherText()))
            rig.click("next")
            rig.waitForTag("key_1")
            assertNull("back to a sale", rig.view("op_title"))

            // More than what is left to refund: the core refuses before any card is read.
            rig.open("history")
            rig.click("refund_$v")
            rig.closeTop()
            rig.expectText("amount", "¥50.00")
            rig.click("charge")
            rig.waitForTag("failed")
            assertTrue(rig.text("failure_reason"), rig.text("failure_reason").startsWith("退货金额超过可退金额"))
            assertEquals(start - 3000, rig.acquirer.availableMinor("debit"))
            rig.click("next")
            rig.waitForTag("key_1")
        }
    }

    @Test
    fun `a refund by the host's reference and date from the transactions screen`() {
        AppRig().use { rig ->
            rig.ready()
            val start = rig.acquirer.availableMinor("credit")
            val sale = rig.sale("credit", "8800")
            rig.open("more")
            rig.waitForTag("op_refund")
            rig.shoot("transactions", Words.moreTxns, TxnKind.REFUND.label(), TxnKind.PRE_AUTH.label(), TxnKind.TRANSFER.label(), TxnKind.BALANCE_INQUIRY.label())
            rig.click("op_refund")
            // Nothing typed: the app asks for the original.
            rig.click("ref_continue")
            rig.expectText("ref_error", Words.enterReference.zh)
            rig.shoot("transactions-refund-form", Words.originalVoucher, Words.originalRrn, Words.originalDate, Words.continueOp)
            (rig.view("ref_rrn") as android.widget.EditText).setText(sale.rrn!!)
            (rig.view("ref_date") as android.widget.EditText).setText(sale.hostDate!!)
            rig.click("ref_continue")
            assertTrue(rig.activity.isFinishing)
            rig.closeTop()
            rig.expectText("op_title", "退货 · 原参考号 ${sale.rrn}（${sale.hostDate}）")
            rig.type("8800")
            rig.click("charge")
            val o = rig.result()
            assertTrue(o.summaryEn, o.approved)
            assertEquals(TxnKind.REFUND, o.kind)
            assertEquals(start, rig.acquirer.availableMinor("credit"))
            rig.click("no_slip")
            rig.click("next")
            rig.waitForTag("key_1")
        }
    }

    @Test
    fun `pre-auth, its completion from the history row, the completion's cancel and the pre-auth's cancel by auth code`() {
        AppRig().use { rig ->
            rig.ready()
            val start = rig.acquirer.availableMinor("credit")
            rig.devices.present("credit")
            rig.open("more")
            rig.click("op_pre_auth")
            rig.closeTop()
            rig.expectText("op_title", "预授权")
            rig.type("30000")
            rig.click("charge")
            val hold = rig.result()
            assertTrue(hold.summaryEn, hold.approved)
            assertEquals(TxnKind.PRE_AUTH, hold.kind)
            assertTrue(hold.authCode != null)
            assertEquals("the hold", start - 30000, rig.acquirer.availableMinor("credit"))
            rig.shoot("pre-auth-approved", Words.approved, TxnKind.PRE_AUTH.label(), Text("¥300.00", "¥300.00"))
            rig.click("no_slip")
            rig.click("next")

            rig.open("history")
            val hv = hold.voucherText()
            rig.waitForTag("complete_$hv")
            assertTrue(rig.view("cancel_$hv") != null)
            rig.click("complete_$hv")
            rig.closeTop()
            rig.expectText("op_title", "预授权完成 · 原凭证号 $hv")
            rig.click("clear")
            rig.type("28000")
            rig.click("charge")
            val completion = rig.result()
            assertTrue(completion.summaryEn, completion.approved)
            assertEquals(TxnKind.PRE_AUTH_COMPLETION, completion.kind)
            assertEquals("captured 280.00, the rest released", start - 28000, rig.acquirer.availableMinor("credit"))
            rig.shoot("completion-approved", Words.approved, TxnKind.PRE_AUTH_COMPLETION.label())
            rig.click("no_slip")
            rig.click("next")

            // The completion's cancel: no amount, the card at once.
            rig.open("more")
            rig.click("op_completion_cancel")
            (rig.waitForTag("ref_voucher") as android.widget.EditText).setText(completion.voucherText())
            rig.click("ref_continue")
            rig.closeTop()
            val undo = rig.result()
            assertTrue(undo.summaryEn, undo.approved)
            assertEquals(TxnKind.COMPLETION_CANCEL, undo.kind)
            assertEquals("the hold is back", start - 30000, rig.acquirer.availableMinor("credit"))
            rig.shoot("completion-cancel-approved", Words.approved, TxnKind.COMPLETION_CANCEL.label())
            rig.click("no_slip")
            rig.click("next")

            // The pre-auth's cancel, named by its auth code and date.
            rig.open("more")
            rig.click("op_pre_auth_cancel")
            (rig.waitForTag("ref_auth") as android.widget.EditText).setText(hold.authCode!!)
            (rig.view("ref_date") as android.widget.EditText).setText(hold.hostDate!!)
            rig.click("ref_continue")
            rig.closeTop()
            rig.expectText("op_title", "预授权撤销 · 原授权码 ${hold.authCode}（${hold.hostDate}）")
            rig.type("30000")
            rig.click("charge")
            val released = rig.result()
            assertTrue(released.summaryEn, released.approved)
            assertEquals(TxnKind.PRE_AUTH_CANCEL, released.kind)
            assertEquals("all released", start, rig.acquirer.availableMinor("credit"))
            rig.shoot("pre-auth-cancel-approved", Words.approved, TxnKind.PRE_AUTH_CANCEL.label())
            rig.click("no_slip")
            rig.click("next")
            val kinds = rig.session.terminal.history(10u).filter { it.status == TxnStatus.APPROVED }.map { it.kind }.toSet()
            assertEquals(setOf(TxnKind.PRE_AUTH, TxnKind.PRE_AUTH_COMPLETION, TxnKind.COMPLETION_CANCEL, TxnKind.PRE_AUTH_CANCEL), kinds)
        }
    }

    @Test
    fun `a balance inquiry shows the issuer's balance, and a transfer to an account moves the amount`() {
        AppRig().use { rig ->
            rig.ready()
            rig.devices.present("debit")
            val start = rig.acquirer.availableMinor("debit")
            rig.open("more")
            rig.click("op_balance")
            rig.closeTop()
            val b = rig.result()
            assertTrue(b.summaryEn, b.approved)
            assertEquals(TxnKind.BALANCE_INQUIRY, b.kind)
            assertEquals(start, b.balance?.minor)
            rig.expectText("balance", "¥" + cn.pos.shell.money.formatMinor(start))
            assertNull("no slip for a balance", rig.view("print"))
            rig.shoot("balance", Words.approved, Words.balance, Words.balanceDone)
            rig.click("balance_done")
            rig.waitForTag("done")
            rig.click("next")

            // A payee account the core refuses (5 digits): its words, nothing sent.
            rig.open("more")
            rig.click("op_transfer")
            (rig.waitForTag("payee") as android.widget.EditText).setText("12345")
            rig.click("ref_continue")
            rig.closeTop()
            rig.type("100")
            rig.click("charge")
            rig.waitForTag("failed")
            assertEquals("收款账号须为 6 至 28 位数字", rig.text("failure_reason"))
            rig.click("next")

            rig.open("more")
            rig.click("op_transfer")
            rig.shoot("transfer-form", Words.payeeAccount, Words.continueOp)
            (rig.view("payee") as android.widget.EditText).setText("123456789012")
            rig.click("ref_continue")
            rig.closeTop()
            rig.expectText("op_title", "转账 · 收款账号 123456789012")
            rig.type("10000")
            rig.shoot("transfer-amount", Words.payee("123456789012"), Words.confirmAmount)
            rig.click("charge")
            val t = rig.result()
            assertTrue(t.summaryEn, t.approved)
            assertEquals(TxnKind.TRANSFER, t.kind)
            assertTrue("with the PIN", t.pinEntered)
            assertEquals(start - 10000, rig.acquirer.availableMinor("debit"))
            assertEquals(TxnKind.TRANSFER, rig.session.terminal.history(1u).single().kind)
            rig.shoot("transfer-approved", Words.approved, TxnKind.TRANSFER.label(), Text("¥100.00", "¥100.00"))
            rig.click("no_slip")
            rig.click("next")
            rig.waitForTag("key_1")

            // Online only: in a dead spot the core refuses the transfer, nothing moves.
            rig.session.terminal.setConnectivity(false)
            rig.open("more")
            rig.click("op_transfer")
            (rig.waitForTag("payee") as android.widget.EditText).setText("123456789012")
            rig.click("ref_continue")
            rig.closeTop()
            rig.type("500")
            rig.click("charge")
            rig.waitForTag("failed")
            val refused = rig.session.checkout.state.value as CheckoutState.Failed
            assertEquals(refused.error.zh, rig.text("failure_reason"))
            assertEquals(start - 10000, rig.acquirer.availableMinor("debit"))
            assertEquals(1, rig.session.terminal.history(10u).count { it.kind == TxnKind.TRANSFER && it.status == TxnStatus.APPROVED })
            rig.click("next")
            rig.waitForTag("key_1")
        }
    }
}
