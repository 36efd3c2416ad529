package cn.pos.app

import android.view.View
import android.view.ViewGroup
import android.widget.EditText
import android.widget.TextView
import cn.pos.app.ui.Ui
import cn.pos.app.ui.Words
import cn.pos.core.CardEntry
import cn.pos.core.Reconciliation
import cn.pos.core.TxnKind
import cn.pos.core.TxnOutcome
import cn.pos.core.TxnStatus
import cn.pos.core.provisioningInfo
import cn.pos.core.UploadState
import cn.pos.shell.checkout.CheckoutState
import cn.pos.shell.checkout.FailureKind
import cn.pos.shell.i18n.Lang
import cn.pos.shell.settlement.SettlementState
import cn.pos.shell.sync.SyncStatus
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
 * A merchant's whole day as one test, through the screens against the real core (the emulator
 * flavor: in-process acquirer simulator, simulated reader and printer). It starts on a fresh install:
 * the first-run screen, then the pairing screen. Each step is checked in the journal and the host's
 * ledger and drawn to `target/screens/day-NN-<step>.png` (Chinese, phone), and in English and at
 * tablet size (`day-NN-<step>-<zh|en>-<phone|tablet>.png`, but zh-phone).
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [35], manifest = Config.NONE)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
class MerchantDayTest {
    private var n = 0

    /**
     * Screenshots of the step on screen: `day-NN-<step>` (Chinese, phone), then `-zh-tablet`,
     * `-en-tablet` and `-en-phone`. Each resize recreates the activity (a rotation test of every
     * step): it must come back as the same screen (every tagged view again, typed fields kept).
     */
    private fun AppRig.step(name: String) {
        n++
        val file = "day-${n.toString().padStart(2, '0')}-$name"
        save(activity.window.decorView, file)
        val tags = tags()
        // Views built in code have no ids, so Android keeps no typed text across a recreation:
        // typed again, as the operator would (the unlock code of the tamper step).
        val typed = tags.mapNotNull { t -> (view(t) as? EditText)?.let { t to it.text.toString() } }
        fun again(what: String) {
            waitFor("$file again as $what: tags ${tags - tags().toSet()} missing") { tags().containsAll(tags) }
            for ((t, v) in typed) (view(t) as EditText).let { if (it.text.toString() != v) it.setText(v) }
        }
        for ((lang, size, q) in listOf(Triple(Lang.ZH, "tablet", TABLET), Triple(Lang.EN, "tablet", TABLET), Triple(Lang.EN, "phone", PHONE))) {
            language(lang)
            resize(q)
            again("$lang $size")
            save(activity.window.decorView, "$file-${lang.name.lowercase()}-$size")
        }
        language(Lang.ZH)
        again("zh phone")
    }

    /** The tags of the views on screen (the same in either language and size). */
    private fun AppRig.tags(): List<String> {
        val out = mutableListOf<String>()
        fun walk(v: View) {
            (v.tag as? String)?.let { out += it }
            if (v is ViewGroup) for (i in 0 until v.childCount) walk(v.getChildAt(i))
        }
        walk(activity.window.decorView)
        return out
    }

    /** Presents [card], types [digits], charges; the result (approved, declined) on screen. */
    private fun AppRig.charge(card: String, digits: String): TxnOutcome {
        devices.present(card)
        type(digits)
        click("charge")
        return result()
    }

    /** After an approved result: no slip, next sale, back at the keypad. */
    private fun AppRig.nextSale(approved: Boolean = true) {
        if (approved) click("no_slip")
        click("next")
        waitForTag("key_1")
    }

    private fun AppRig.approvedCount() = session.terminal.history(50u).count { it.status == TxnStatus.APPROVED }

    @Test
    fun `a merchant's day - devices, sign-in, every card kind, decline, wrong PIN, risk, void, refund, pre-auth, dead spot, tamper, settlement, sign-off`() {
        AppRig(provisioned = false).use { rig ->
            rig.grantPermissions()
            rig.launch()
            rig.runStartedService()

            // A fresh install: the first-run screen provisions the terminal (the emulator's
            // prefilled demo terminal on the in-process simulator), sealed by the core.
            rig.waitForTag("first_run_title")
            rig.save(rig.activity.window.decorView, "day-00a-first-run")
            rig.click("provision")
            rig.waitForTag("need_devices_title")
            assertEquals("10000001", provisioningInfo(rig.dataDir.path, rig.vault)?.tid)

            // Then the reader and printer, scanned and paired on the pairing screen.
            rig.click("pair_devices")
            rig.openStarted()
            rig.pairOnScreen("reader", SimulatedBluetoothGateway.READER.name)
            rig.pairOnScreen("printer", SimulatedBluetoothGateway.PRINTER.name)
            assertTrue(PosHub.pairing!!.readerHandle != null && PosHub.pairing!!.printerHandle != null)
            rig.save(rig.activity.window.decorView, "day-00b-paired")
            rig.click("pairing_done")
            rig.closeTop()
            rig.waitFor("the terminal open") { PosHub.session != null }

            // Morning: the reader (the emulator flavor's simulated reader, on the test panel).
            rig.waitForTag("test_panel")
            rig.open("test_panel")
            rig.waitForTag("card_debit")
            rig.step("devices")
            rig.click("back")
            rig.closeTop()

            // Sign-in: the terminal signs in by itself once open; the keypad says so.
            rig.waitForTag("key_1")
            assertTrue(rig.session.terminal.isSignedIn())
            assertTrue(rig.text("signed_in"), rig.text("signed_in").startsWith("已签到"))
            val batch = rig.session.terminal.batch()
            rig.step("signed-in")

            // Sales with each card kind: chip debit, chip credit, contactless, magstripe.
            val ledger = { card: String -> rig.acquirer.availableMinor(card) }
            val start = listOf("debit", "credit", "contactless", "swipe12", "lowbal", "wrongpin", "offline").associateWith(ledger)
            val debit = rig.charge("debit", "1234")
            assertTrue(debit.summaryEn, debit.approved)
            assertEquals(CardEntry.CHIP, debit.entry)
            assertEquals("卡号：622848*********0018", rig.text("masked_pan"))
            assertEquals("凭证号：${debit.voucherText()}", rig.text("voucher"))
            assertEquals(start.getValue("debit") - 1234, ledger("debit"))
            rig.step("sale-chip-debit")
            rig.nextSale()

            val credit = rig.charge("credit", "5678")
            assertTrue(credit.summaryEn, credit.approved)
            assertEquals(start.getValue("credit") - 5678, ledger("credit"))
            rig.step("sale-chip-credit")
            rig.nextSale()

            val tap = rig.charge("contactless", "800")
            assertTrue(tap.summaryEn, tap.approved)
            assertEquals(CardEntry.CONTACTLESS, tap.entry)
            assertEquals(start.getValue("contactless") - 800, ledger("contactless"))
            rig.step("sale-contactless")
            rig.nextSale()

            val swipe = rig.charge("swipe12", "2500")
            assertTrue(swipe.summaryEn, swipe.approved)
            assertEquals(CardEntry.SWIPE, swipe.entry)
            assertEquals(start.getValue("swipe12") - 2500, ledger("swipe12"))
            rig.step("sale-swipe")
            rig.nextSale()

            // A decline: the core's reason, nothing charged.
            val low = rig.charge("lowbal", "2000")
            assertFalse(low.approved)
            assertEquals("51", low.responseCode)
            assertEquals(low.summaryZh, rig.text("decline_reason"))
            assertEquals(start.getValue("lowbal"), ledger("lowbal"))
            rig.step("declined")
            rig.nextSale(approved = false)

            // A wrong PIN, then the right one: the same sale again.
            rig.devices.present("wrongpin")
            rig.type("1500")
            rig.click("charge")
            rig.waitForTag("retry_pin")
            assertEquals("55", (rig.session.checkout.state.value as CheckoutState.Result).outcome.responseCode)
            rig.step("wrong-pin")
            rig.click("retry_pin")
            rig.waitForTag("approved")
            val pin = (rig.session.checkout.state.value as CheckoutState.Result).outcome
            assertTrue(pin.pinEntered)
            assertEquals(start.getValue("wrongpin") - 1500, ledger("wrongpin"))
            rig.step("wrong-pin-then-approved")
            rig.nextSale()

            // The credit card again within minutes: a risk warning the operator confirms.
            val before = rig.approvedCount()
            rig.devices.present("credit")
            rig.type("2000")
            rig.click("charge")
            rig.waitForTag("confirm_risk")
            val warned = rig.session.checkout.state.value as CheckoutState.Failed
            assertEquals(FailureKind.RISK_CONFIRM, warned.kind)
            assertEquals(warned.error.zh, rig.text("failure_reason"))
            assertEquals(before, rig.approvedCount())
            // A warning awaiting the operator, headed so in amber: not a failure.
            assertEquals(Words.riskWarning.zh, rig.text("risk_warning"))
            assertEquals(Ui.WARN, (rig.view("risk_warning") as TextView).currentTextColor)
            assertNull(rig.view("failed"))
            rig.step("risk-warning")
            rig.click("confirm_risk")
            rig.waitForTag("approved")
            assertEquals(start.getValue("credit") - 5678 - 2000, ledger("credit"))
            rig.step("risk-confirmed-approved")
            rig.nextSale()

            // Void the first credit sale from its history row (the card read again).
            val cv = credit.voucherText()
            rig.open("history")
            rig.waitForTag("void_$cv")
            rig.step("history")
            rig.devices.present("credit")
            rig.click("void_$cv")
            rig.waitForTag("op_approved")
            rig.step("void-approved")
            rig.click("op_no_slip")
            rig.click("op_ok")
            rig.waitFor("the voided row") { rig.view("void_$cv") == null }
            assertTrue(rig.session.terminal.history(50u).first { it.txnId == credit.txnId }.cancelled)
            assertEquals("the void gave 56.78 back", start.getValue("credit") - 2000, ledger("credit"))

            // Refund part of the debit sale from its row.
            val dv = debit.voucherText()
            rig.waitForTag("refund_$dv")
            rig.click("refund_$dv")
            rig.closeTop()
            rig.expectText("op_title", "退货 · 原凭证号 $dv")
            rig.click("clear")
            val refund = rig.charge("debit", "500")
            assertTrue(refund.summaryEn, refund.approved)
            assertEquals(TxnKind.REFUND, refund.kind)
            assertEquals(start.getValue("debit") - 1234 + 500, ledger("debit"))
            rig.step("refund-approved")
            rig.nextSale()

            // A pre-auth (a hold on the visa card), then its completion from the history row.
            val visa = ledger("visa")
            rig.devices.present("visa")
            rig.open("more")
            rig.click("op_pre_auth")
            rig.closeTop()
            rig.expectText("op_title", "预授权")
            rig.type("30000")
            rig.click("charge")
            val hold = rig.result()
            assertTrue(hold.summaryEn, hold.approved)
            assertEquals(TxnKind.PRE_AUTH, hold.kind)
            assertEquals("the hold", visa - 30000, ledger("visa"))
            rig.step("pre-auth-approved")
            rig.nextSale()
            val hv = hold.voucherText()
            rig.open("history")
            rig.click("complete_$hv")
            rig.closeTop()
            rig.expectText("op_title", "预授权完成 · 原凭证号 $hv")
            rig.click("clear")
            rig.type("28000")
            rig.click("charge")
            val completion = rig.result()
            assertTrue(completion.summaryEn, completion.approved)
            assertEquals(TxnKind.PRE_AUTH_COMPLETION, completion.kind)
            assertEquals("captured 280.00, the rest released", visa - 28000, ledger("visa"))
            rig.step("completion-approved")
            rig.nextSale()

            // A dead spot: payments approved offline wait in the queue.
            rig.session.terminal.setConnectivity(false)
            val off = rig.charge("offline", "3000")
            assertTrue("approved offline: ${off.summaryEn}", off.approved && off.offline)
            assertEquals(Words.approvedOffline.zh, rig.text("approved"))
            // The status line follows the queue at once: offline, 1 waiting (the shell's words).
            val oneWaiting = SyncStatus(false, 1, off.amount!!, 0, false, 0, null, emptyList()).line
            rig.expectText("sync_line", oneWaiting.zh)
            rig.step("offline-approved")
            rig.nextSale()
            assertEquals("the host has not seen it", start.getValue("offline"), ledger("offline"))
            rig.open("queue")
            rig.expectText("queue_waiting", Words.waiting(1, "¥30.00").zh)
            assertTrue(rig.text("queue_line"), rig.text("queue_line").startsWith("离线"))
            rig.step("queue-waiting")
            // The signal is back: the service forwards it; the host accepts it.
            rig.session.terminal.setConnectivity(true)
            rig.expectText("queue_waiting", Words.nothingWaiting.zh)
            assertEquals(UploadState.ACCEPTED, rig.session.terminal.queue(false).single { it.txnId == off.txnId }.state)
            assertEquals(start.getValue("offline") - 3000, ledger("offline"))
            rig.step("queue-uploaded")
            rig.click("back")
            rig.closeTop()

            // A tamper lock (the test panel's switch), the help desk's code, a sign-in.
            rig.open("test_panel")
            rig.click("tamper")
            rig.click("back")
            rig.closeTop()
            rig.devices.present("debit")
            rig.type("100")
            rig.click("charge")
            rig.waitForTag("locked")
            assertTrue(rig.session.terminal.isTamperLocked())
            rig.step("tamper-locked")
            rig.click("request_challenge")
            rig.waitForTag("challenge")
            val challenge = (rig.session.checkout.state.value as CheckoutState.Locked).challenge!!
            (rig.view("unlock_code") as EditText).setText(rig.acquirer.unlockCode(rig.session.terminal.settings().tid, challenge)!!)
            rig.step("tamper-challenge")
            rig.click("unlock")
            rig.waitForTag("sign_in")
            assertFalse(rig.session.terminal.isTamperLocked())
            rig.step("unlocked")
            rig.click("sign_in")
            rig.waitForTag("key_1")
            assertTrue(rig.session.terminal.isSignedIn())
            rig.devices.remove()

            // Settlement: the day's batch, balanced with the host, its slip.
            rig.open("settlement")
            rig.click("settle")
            rig.waitForTag("settled", 60_000)
            val r = (rig.session.settlement.state.value as SettlementState.Settled).result
            assertEquals(batch, r.batch)
            assertEquals(Reconciliation.BALANCED, r.reconciliation)
            assertEquals(batch + 1u, rig.session.terminal.batch())
            assertEquals(r.summaryZh, rig.text("settled_summary"))
            rig.step("settled")
            rig.devices.sim.takePaperText()
            rig.click("print_settlement")
            rig.waitForTag("settlement_printed")
            assertTrue(rig.devices.sim.takePaperText().contains("SETTLEMENT SLIP"))
            rig.click("back")
            rig.closeTop()

            // Sign-off: nothing stands in the way.
            rig.open("day_end")
            rig.waitForTag("nothing_blocks")
            rig.click("sign_off")
            rig.waitForTag("day_end_done")
            assertFalse(rig.session.terminal.isSignedIn())
            rig.step("signed-off")
            rig.click("day_end_ok")
            rig.closeTop()
            rig.waitForTag("signed_off")
            rig.step("closed")
        }
    }
}
