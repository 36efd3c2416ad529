package cn.pos.shell

import cn.pos.core.ConnectivityObserver
import cn.pos.core.OriginalRef
import cn.pos.core.PosException
import cn.pos.core.TxnKind
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.util.concurrent.CopyOnWriteArrayList

/** Every transaction export through the bindings, checked against the simulated host's ledger. */
class TransactionsTest {
    @Test
    fun `balance, the pre-auth family, refund, void, echo and sign-off`(): Unit = runBlocking {
        // One credit card through every transaction within seconds: no risk policy, the
        // card-interval rule would warn about each payment after the first (not what this tests).
        Rig(settings = ::noRiskSettings).use { rig ->
            assertNull(rig.terminal.riskPolicy(), "no risk checks without a provisioned policy")
            rig.devices.presentCard("credit")
            val start = rig.sim.availableMinor("credit")

            val balance = rig.terminal.balance()
            assertTrue(balance.approved && balance.kind == TxnKind.BALANCE_INQUIRY)
            assertEquals(start, balance.balance?.minor, "the issuer's available balance")

            val hold = rig.terminal.preAuth(30_000)
            assertTrue(hold.approved && hold.authCode != null, hold.summaryEn)
            assertEquals(start - 30_000, rig.sim.availableMinor("credit"), "the hold reduces what is available")
            val completion = rig.terminal.preAuthComplete(28_000, OriginalRef.Voucher(hold.voucher!!))
            assertTrue(completion.approved, completion.summaryEn)
            assertEquals(start - 28_000, rig.sim.availableMinor("credit"), "captured 280.00, the rest released")
            val undo = rig.terminal.completionCancel(OriginalRef.Voucher(completion.voucher!!))
            assertTrue(undo.approved, undo.summaryEn)
            // The pre-auth is open again (预授权完成撤销后原预授权恢复): its whole hold is back.
            assertEquals(start - 30_000, rig.sim.availableMinor("credit"), "the hold is back")
            val reopened = rig.terminal.preAuthCancel(30_000, OriginalRef.Voucher(hold.voucher!!))
            assertTrue(reopened.approved, reopened.summaryEn)
            assertEquals(start, rig.sim.availableMinor("credit"))

            val second = rig.terminal.preAuth(1_000)
            val released = rig.terminal.preAuthCancel(1_000, OriginalRef.Voucher(second.voucher!!))
            assertTrue(released.approved, released.summaryEn)
            assertEquals(start, rig.sim.availableMinor("credit"))

            val sale = rig.terminal.sale(5_000, null)
            val refund = rig.terminal.refund(2_000, OriginalRef.Host(sale.rrn!!, sale.hostDate!!))
            assertTrue(refund.approved && refund.kind == TxnKind.REFUND, refund.summaryEn)
            assertEquals(start - 3_000, rig.sim.availableMinor("credit"))
            val tooMuch = assertThrows<PosException.InvalidInput> {
                runBlocking { rig.terminal.refund(6_000, OriginalRef.Voucher(sale.voucher!!)) }
            }
            assertTrue(tooMuch.zh.startsWith("退货金额超过可退金额") && tooMuch.en.contains("left to refund"), tooMuch.en)
            val unknown = assertThrows<PosException.InvalidInput> {
                runBlocking { rig.terminal.void(OriginalRef.Voucher(999_999u)) }
            }
            assertEquals("找不到原交易", unknown.zh)
            assertEquals("Original transaction not found", unknown.en)
            assertThrows<PosException.InvalidInput> { runBlocking { rig.terminal.void(OriginalRef.Voucher(0u)) } }
            assertThrows<PosException.InvalidInput> { runBlocking { rig.terminal.sale(0, null) } }
            assertThrows<PosException.InvalidInput> { runBlocking { rig.terminal.sale(-5, null) } }
            rig.sim.checkInvariants()

            assertTrue(rig.terminal.echo().approved)
            // Sign-off ends the day: refused with the batch unsettled, done once it is settled.
            assertThrows<PosException.DayEndRefused> { runBlocking { rig.terminal.signOff() } }
            assertTrue(rig.terminal.isSignedIn())
            rig.terminal.settle(null)
            assertTrue(rig.terminal.signOff().approved)
            assertFalse(rig.terminal.isSignedIn())
            assertThrows<PosException.NotSignedIn> { runBlocking { rig.terminal.sale(100, null) } }
        }
    }

    @Test
    fun `connectivity changes reach the observer and a cancelled handle stops them`(): Unit = runBlocking {
        Rig().use { rig ->
            val seen = CopyOnWriteArrayList<Boolean>()
            val handle = rig.terminal.subscribeConnectivity(object : ConnectivityObserver {
                override fun onConnectivityChanged(online: Boolean) {
                    seen += online
                }
            })
            rig.terminal.setConnectivity(false)
            withTimeout(5_000) { while (seen.isEmpty()) delay(20) }
            assertEquals(listOf(false), seen.toList())
            assertFalse(rig.terminal.isOnline())
            handle.cancel()
            withTimeout(5_000) { while (!handle.isFinished()) delay(20) }
            rig.terminal.setConnectivity(true)
            delay(200)
            assertEquals(listOf(false), seen.toList(), "no callbacks after cancel")
            assertTrue(rig.terminal.networkAvailable())
            assertNotNull(rig.terminal.settings().merchantName)
        }
    }
}
