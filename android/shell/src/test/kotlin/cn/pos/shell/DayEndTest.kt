package cn.pos.shell

import cn.pos.core.DayEndBlockerKind
import cn.pos.core.DayEndOperation
import cn.pos.core.PosException
import cn.pos.shell.dayend.DayEndFlow
import cn.pos.shell.dayend.DayEndState
import cn.pos.shell.dayend.label
import cn.pos.shell.history.HistoryPresenter
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** The day-end guard: no sign-off, device switch or reset with unsettled or unsent business. */
class DayEndTest {
    @Test
    fun `sign-off is refused with unsettled business, in both languages, and allowed after settling first`(): Unit = runBlocking {
        Rig().use { rig ->
            assertTrue(rig.terminal.dayEndBlockers().isEmpty(), "nothing to settle yet")
            rig.devices.presentCard("debit")
            val sale = rig.terminal.sale(1_234, null)
            assertTrue(sale.approved, sale.summaryEn)
            rig.terminal.complete(sale.txnId)
            // An offline payment waits for the connection too.
            rig.terminal.setConnectivity(false)
            rig.devices.presentCard("offline")
            val offline = rig.terminal.sale(4_500, null)
            assertTrue(offline.approved && offline.offline, offline.summaryEn)
            rig.terminal.complete(offline.txnId)

            val blockers = rig.terminal.dayEndBlockers()
            assertEquals(listOf(DayEndBlockerKind.PAYMENTS_STORED, DayEndBlockerKind.BATCH_UNSETTLED), blockers.map { it.kind })
            assertEquals(listOf("payments_stored", "batch_unsettled"), blockers.map { it.code })
            assertEquals(1u, blockers[0].count)
            assertFalse(blockers[0].settleFirst)
            assertTrue(blockers[1].settleFirst && blockers[1].count >= 1u, blockers[1].toString())
            assertTrue(blockers[0].zh.contains("离线交易未上送") && blockers[0].en.contains("offline payment(s) not uploaded"), blockers[0].toString())

            // Through the flow: refused, every reason named in Chinese and English.
            val flow = DayEndFlow(rig.terminal, rig.scope)
            flow.request(DayEndOperation.SIGN_OFF)
            val blocked = flow.state.await { it !is DayEndState.Running } as DayEndState.Blocked
            assertEquals(DayEndOperation.SIGN_OFF, blocked.operation)
            assertTrue(blocked.settleFirst && blocked.syncFirst)
            assertTrue(blocked.message.zh.startsWith("暂不能签退") && blocked.message.zh.contains("未结算，请先结算"), blocked.message.zh)
            assertTrue(blocked.message.en.contains("sign-off") && blocked.message.en.contains("settle first"), blocked.message.en)
            assertEquals(2, blocked.reasons.size)
            assertTrue(blocked.reasons[1].zh.contains("本批次有") && blocked.reasons[1].en.contains("not settled"), blocked.reasons[1].both())
            assertTrue(rig.terminal.isSignedIn(), "a refused sign-off changes nothing")
            assertEquals(Pair("签退", "Sign-off"), DayEndOperation.SIGN_OFF.label().let { it.zh to it.en })

            // Directly: the exception carries the operation and the reasons.
            val e = assertThrows<PosException.DayEndRefused> { runBlocking { rig.terminal.signOff() } }
            assertEquals(DayEndOperation.SIGN_OFF, e.operation)
            assertEquals(blockers, e.blockers)
            val sw = assertThrows<PosException.DayEndRefused> { runBlocking { rig.terminal.switchDevice() } }
            assertTrue(sw.zh.contains("更换设备") && sw.en.contains("switching device"), sw.en)

            // Settle first (the stored payment goes first), then the sign-off goes through.
            rig.terminal.setConnectivity(true)
            flow.settleFirst()
            val done = flow.state.await { it is DayEndState.Done || it is DayEndState.Failed }
            assertTrue(done is DayEndState.Done, done.toString())
            done as DayEndState.Done
            assertEquals(DayEndOperation.SIGN_OFF, done.operation)
            assertTrue(done.message.zh.startsWith("已签退") && done.message.en.startsWith("Signed off"), done.message.both())
            assertFalse(rig.terminal.isSignedIn())
            assertTrue(rig.terminal.dayEndBlockers().isEmpty())
            assertTrue(rig.terminal.queue(true).isEmpty(), "the offline payment was uploaded before settling")
            assertEquals(2L, HistoryPresenter(rig.terminal).show().total, "the journal is kept")
            flow.dismiss()
            assertEquals(DayEndState.Idle, flow.state.value)
            rig.sim.checkInvariants()
        }
    }

    @Test
    fun `factory reset is refused with unsettled business, then erases the records once settled`(): Unit = runBlocking {
        // With the default risk policy: its audit trail refers to the journal rows the reset erases.
        Rig().use { rig ->
            rig.devices.presentCard("debit")
            val sale = rig.terminal.sale(2_000, null)
            assertTrue(sale.approved, sale.summaryEn)
            rig.terminal.complete(sale.txnId)

            val e = assertThrows<PosException.DayEndRefused> { runBlocking { rig.terminal.factoryReset() } }
            assertEquals(DayEndOperation.FACTORY_RESET, e.operation)
            assertEquals(listOf(DayEndBlockerKind.BATCH_UNSETTLED), e.blockers.map { it.kind })
            assertEquals("暂不能恢复出厂设置：本批次有1笔交易未结算，请先结算", e.zh)
            assertEquals("Cannot do factory reset now: 1 transaction(s) in the open batch are not settled: settle first", e.en)
            val flow = DayEndFlow(rig.terminal, rig.scope)
            flow.request(DayEndOperation.FACTORY_RESET)
            val blocked = flow.state.await { it !is DayEndState.Running } as DayEndState.Blocked
            assertEquals(e.zh, blocked.message.zh)
            assertTrue(blocked.settleFirst && !blocked.syncFirst)
            assertEquals(1L, HistoryPresenter(rig.terminal).show().total, "nothing erased")
            assertFalse(rig.terminal.isDecommissioned())

            // Settled (the shell's settlement screen), the reset goes through and erases the journal.
            rig.terminal.settle(null)
            assertTrue(flow.blockers().isEmpty())
            flow.request(DayEndOperation.FACTORY_RESET)
            val done = flow.state.await { it is DayEndState.Done || it is DayEndState.Failed || it is DayEndState.Blocked }
            assertTrue(done is DayEndState.Done, done.toString())
            assertTrue((done as DayEndState.Done).message.zh.contains("恢复出厂设置"), done.message.zh)
            assertFalse(rig.terminal.isSignedIn())
            assertEquals(0L, HistoryPresenter(rig.terminal).show().total, "the records are erased")
            val gone = assertThrows<PosException.NoReceipt> { rig.terminal.receiptPreview(sale.txnId) }
            assertEquals("no_such_txn", gone.code)

            // Decommission on an empty terminal: allowed, and remembered.
            flow.request(DayEndOperation.DECOMMISSION)
            val out = flow.state.await { it is DayEndState.Done && it.operation == DayEndOperation.DECOMMISSION || it is DayEndState.Failed }
            assertTrue(out is DayEndState.Done, out.toString())
            assertTrue(rig.terminal.isDecommissioned())
        }
    }

    @Test
    fun `a second open of the same data directory is refused while the first is open, and allowed once it is closed`(): Unit = runBlocking {
        Rig().use { rig ->
            val dir = java.io.File(rig.dir, "terminal").path
            val second = assertThrows<PosException.InUse> {
                cn.pos.core.Terminal.open(dir, testSettings(rig.sim.address()).copy(acquirerCaPem = rig.sim.caPem()), SoftwareKeyVault(), rig.devices.reader(), null)
            }
            assertEquals(ProcessHandle.current().pid().toUInt(), second.pid)
            assertTrue(second.zh.contains("正由进程") && second.en.contains("in use by process"), second.en)
            // The refused open changed nothing: the first is still signed in and can take a payment.
            assertTrue(rig.terminal.isSignedIn())
            rig.devices.presentCard("debit")
            assertTrue(rig.terminal.sale(100, null).approved)
        }
    }
}
