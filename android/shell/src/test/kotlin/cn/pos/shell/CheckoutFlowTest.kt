package cn.pos.shell

import cn.pos.core.CardEntry
import cn.pos.core.SimFault
import cn.pos.core.SimRequestClass
import cn.pos.core.PosException
import cn.pos.core.SlipCopy
import cn.pos.core.defaultRiskPolicy
import cn.pos.shell.checkout.CheckoutState
import cn.pos.shell.checkout.FailureKind
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** The checkout state machine driven end to end: simulated reader and printer, simulated acquirer. */
class CheckoutFlowTest {
    private val debitPan = "6228480402564890018"

    @Test
    fun `a sale with PIN goes through every screen, prints both copies and charges the card once`(): Unit = runBlocking {
        Rig().use { rig ->
            val before = rig.sim.availableMinor("debit")
            rig.devices.presentCard("debit")
            val m = rig.checkout()
            m.type(1234)
            assertEquals(CheckoutState.AmountEntry(1234), m.state.value)
            // The host takes half a second, as a real one does: the processing screen is on
            // meanwhile (an instant answer could overtake the stage event on a loaded machine).
            rig.sim.injectFault("10000001", SimFault.Delay(500uL), 1u, SimRequestClass.FINANCIAL)
            m.confirm()
            val result = m.state.await { it is CheckoutState.Result } as CheckoutState.Result
            val o = result.outcome
            assertTrue(o.approved, o.summaryEn)
            assertEquals("00", o.responseCode)
            assertEquals(1234L, o.amount?.minor)
            assertEquals(CardEntry.CHIP, o.entry)
            assertTrue(o.pinEntered, "the debit card asks for its PIN")
            assertEquals("622848*********0018", o.maskedPan, "first 6 and last 4, length kept")
            assertTrue(result.message.zh.isNotBlank() && result.message.en.isNotBlank())

            val trail = m.transitions.replayCache.names()
            val order = listOf("WaitingForCard", "PinEntry", "Processing", "Result")
            assertEquals(order, trail.filter { it in order }.distinct(), "screens in order: $trail")
            val pin = m.transitions.replayCache.filterIsInstance<CheckoutState.PinEntry>()
            assertEquals(6, pin.maxOf { it.digits }, "six PIN digits counted, never shown")

            m.printReceipt()
            val done = m.state.await { it is CheckoutState.Done } as CheckoutState.Done
            assertTrue(done.printed && !done.reversed)
            val paper = rig.devices.takePaperText()
            assertTrue(paper.contains("MERCHANT COPY") && paper.contains("CARDHOLDER COPY"), paper)
            assertTrue(paper.contains("622848*********0018"), paper)
            // The amount prints double width ("R M B   1 2 . 3 4").
            assertTrue(paper.replace(" ", "").contains("RMB12.34"), paper)
            assertFalse(paper.contains(debitPan), "no full card number on paper")
            assertEquals(before - 1234, rig.sim.availableMinor("debit"))
            assertEquals(1, rig.sim.hostTxns("10000001").count { it.kind == "sale" && it.status == "approved" })
            rig.sim.checkInvariants()

            m.next()
            assertEquals(CheckoutState.AmountEntry(0), m.state.value)
            m.close()
        }
    }

    @Test
    fun `a decline shows the host's reason in Chinese and English and prints nothing`(): Unit = runBlocking {
        Rig().use { rig ->
            rig.devices.presentCard("lowbal")
            val m = rig.checkout()
            m.type(2000)
            m.confirm()
            val r = m.state.await { it is CheckoutState.Result } as CheckoutState.Result
            assertFalse(r.outcome.approved)
            assertEquals("51", r.outcome.responseCode)
            assertTrue(r.outcome.messageZh.contains("余额不足"), r.outcome.messageZh)
            assertTrue(r.outcome.messageEn.contains("insufficient", ignoreCase = true), r.outcome.messageEn)
            assertTrue(r.message.zh.contains("余额不足") && r.message.en.contains("insufficient", ignoreCase = true))
            m.printReceipt() // no slip for a decline: ignored
            assertTrue(m.state.value is CheckoutState.Result)
            assertEquals("", rig.devices.paperText().trim())
            m.next()
            assertEquals(CheckoutState.AmountEntry(0), m.state.value)
            assertEquals(1000L, rig.sim.availableMinor("lowbal"), "nothing charged")
            m.close()
        }
    }

    @Test
    fun `cancel while waiting for the card charges nothing and says so in both languages`(): Unit = runBlocking {
        Rig().use { rig ->
            val m = rig.checkout()
            m.type(500)
            m.confirm()
            m.state.await { it is CheckoutState.WaitingForCard }
            // Give the reader the request before cancelling it.
            m.transitions.await { it is CheckoutState.WaitingForCard }
            Thread.sleep(200)
            m.cancel()
            val f = m.state.await { it is CheckoutState.Failed } as CheckoutState.Failed
            assertEquals(FailureKind.CANCELLED, f.kind)
            assertTrue(f.error.zh.contains("取消") && f.error.en.contains("cancel", ignoreCase = true), f.error.both())
            assertTrue(rig.sim.hostTxns("10000001").none { it.kind == "sale" }, "nothing reached the host")
            m.next()
            assertEquals(CheckoutState.AmountEntry(0), m.state.value)
            m.close()
        }
    }

    @Test
    fun `keypad edits, clear and an empty amount are handled before any card is asked for`() = runBlocking {
        Rig(signIn = false).use { rig ->
            val m = rig.checkout()
            m.confirm()
            val empty = m.state.value as CheckoutState.AmountEntry
            assertEquals("请输入金额", empty.error?.zh)
            m.type(12)
            m.doubleZero()
            assertEquals(1200L, (m.state.value as CheckoutState.AmountEntry).amountMinor)
            m.backspace()
            assertEquals(120L, (m.state.value as CheckoutState.AmountEntry).amountMinor)
            m.cancel()
            assertEquals(CheckoutState.AmountEntry(0), m.state.value)
            repeat(12) { m.digit(9) }
            m.digit(9)
            val over = m.state.value as CheckoutState.AmountEntry
            assertEquals(999_999_999_999L, over.amountMinor)
            assertTrue(over.error != null, "a 13th digit is refused")
            m.close()
        }
    }

    @Test
    fun `without a sign-in the sale is refused with the sign-in message`(): Unit = runBlocking {
        Rig(signIn = false).use { rig ->
            rig.devices.presentCard("debit")
            val m = rig.checkout()
            m.type(100)
            m.confirm()
            val f = m.state.await { it is CheckoutState.Failed } as CheckoutState.Failed
            assertEquals(FailureKind.SIGN_IN_REQUIRED, f.kind)
            assertEquals("请重新签到", f.error.zh)
            assertEquals("Please sign in again", f.error.en)
            m.close()
        }
    }

    @Test
    fun `a slip that cannot print is cancelled and reversed, so the customer is not charged`(): Unit = runBlocking {
        Rig().use { rig ->
            val before = rig.sim.availableMinor("credit")
            rig.devices.presentCard("credit")
            rig.devices.setPaperOut(true)
            val m = rig.checkout()
            m.type(8800)
            m.confirm()
            val r = m.state.await { it is CheckoutState.Result } as CheckoutState.Result
            assertTrue(r.outcome.approved)
            assertEquals(before - 8800, rig.sim.availableMinor("credit"))
            m.printReceipt()
            val failed = m.state.await { it is CheckoutState.ReceiptFailed } as CheckoutState.ReceiptFailed
            assertEquals(SlipCopy.MERCHANT, failed.copy)
            assertTrue(failed.error.zh.contains("缺纸") && failed.error.en.contains("paper", ignoreCase = true), failed.error.both())
            m.cancelPayment()
            val done = m.state.await { it is CheckoutState.Done } as CheckoutState.Done
            assertTrue(done.reversed && !done.printed)
            assertEquals(before, rig.sim.availableMinor("credit"), "the reversal gave the money back")
            val stan = r.outcome.stan
            assertTrue(rig.sim.hostTxns("10000001").any { it.stan == stan && !it.isReversal && it.status == "reversed" })
            rig.sim.checkInvariants()
            m.close()
        }
    }

    @Test
    fun `a tampered reader locks the checkout until the help desk's unlock code, then a sign-in`(): Unit = runBlocking {
        Rig().use { rig ->
            val m = rig.checkout()
            rig.devices.presentCard("debit")
            rig.devices.triggerTamper()
            // The reader reports its switch on the next command: the sale attempt.
            m.type(100)
            m.confirm()
            val locked = m.state.await { it is CheckoutState.Locked } as CheckoutState.Locked
            assertTrue(locked.reason.zh.contains("系统安全已触发"), locked.reason.zh)
            assertTrue(locked.reason.en.contains("Security triggered"), locked.reason.en)
            m.cancel()
            m.next()
            assertTrue(m.state.value is CheckoutState.Locked, "no way out of the lock screen")
            val e = assertThrows<PosException.Tampered> { runBlocking { rig.terminal.sale(100, null) } }
            assertTrue(e.zh.contains("系统安全已触发") && e.en.contains("Security triggered"), e.message)
            assertTrue(rig.terminal.reader().isTampered())
            assertTrue(rig.terminal.isTamperLocked(), "the lock is kept in the store, across restarts")
            assertTrue(rig.checkout().state.value is CheckoutState.Locked, "a new checkout screen starts locked")
            assertTrue(rig.sim.hostTxns("10000001").none { it.kind == "sale" }, "nothing reached the host")

            // Remote unlock: challenge read to the help desk, its code typed in. A wrong code
            // is refused and costs the challenge.
            m.requestUnlock()
            val asked = m.state.await { it is CheckoutState.Locked && it.challenge != null } as CheckoutState.Locked
            assertTrue(asked.challenge!!.matches(Regex("[0-9A-F]{16}")), asked.challenge)
            m.unlock("00000000")
            val refused = m.state.await { it is CheckoutState.Locked && it.error != null } as CheckoutState.Locked
            assertTrue(refused.error!!.zh.contains("解锁码错误"), refused.error!!.zh)
            m.requestUnlock()
            val again = m.state.await { it is CheckoutState.Locked && it.challenge != null } as CheckoutState.Locked
            val code = rig.sim.unlockCode("10000001", again.challenge!!)!!
            m.unlock(code)
            val unlocked = m.state.await { it is CheckoutState.Failed } as CheckoutState.Failed
            assertEquals(FailureKind.SIGN_IN_REQUIRED, unlocked.kind)
            assertTrue(unlocked.error.zh.contains("已解锁") && unlocked.error.en.contains("unlocked"))
            assertFalse(rig.terminal.reader().isTampered())
            assertFalse(rig.terminal.isTamperLocked())
            // The unlock erased the reader's keys: sign in, then pay.
            assertThrows<PosException.NotSignedIn> { runBlocking { rig.terminal.sale(100, null) } }
            assertTrue(rig.terminal.signIn().approved)
            m.next()
            m.type(100)
            m.confirm()
            val paid = m.state.await { it is CheckoutState.Result } as CheckoutState.Result
            assertTrue(paid.outcome.approved, paid.outcome.summaryEn)
            m.close()
        }
    }

    @Test
    fun `a risk warning waits for the operator's confirmation, then the sale goes through`(): Unit = runBlocking {
        Rig().use { rig ->
            // The default policy comes with the settings (provisioned), nothing pushed afterwards.
            assertEquals(defaultRiskPolicy(), rig.terminal.settings().riskPolicyJson)
            assertEquals(defaultRiskPolicy(), rig.terminal.riskPolicy())
            assertTrue(rig.terminal.riskPolicy()!!.contains("card_interval"))
            rig.devices.presentCard("debit")
            val m = rig.checkout()
            m.type(12_345)
            m.confirm()
            assertTrue((m.state.await { it is CheckoutState.Result } as CheckoutState.Result).outcome.approved)
            m.skipReceipt()
            m.next()
            val before = rig.sim.availableMinor("debit")
            // The same card again within minutes: the card-interval rule warns.
            m.type(12_345)
            m.confirm()
            val warned = m.state.await { it is CheckoutState.Failed } as CheckoutState.Failed
            assertEquals(FailureKind.RISK_CONFIRM, warned.kind, warned.toString())
            assertTrue(warned.confirmToken != null && warned.error.zh.contains("确认"), warned.error.both())
            assertEquals(before, rig.sim.availableMinor("debit"), "not charged before the confirmation")
            m.confirmRisk("01")
            val r = m.state.await { it is CheckoutState.Result } as CheckoutState.Result
            assertTrue(r.outcome.approved, r.outcome.summaryEn)
            assertEquals(before - 12_345, rig.sim.availableMinor("debit"))
            m.close()
        }
    }
}
