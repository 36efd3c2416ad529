package cn.pos.shell

import cn.pos.core.ForwardingObserver
import cn.pos.core.ForwardingResult
import cn.pos.core.SimFault
import cn.pos.core.SimRequestClass
import cn.pos.core.SyncEvent
import cn.pos.core.SyncObserver
import cn.pos.core.TxnKind
import cn.pos.core.UploadState
import cn.pos.shell.checkout.CheckoutState
import cn.pos.shell.checkout.FailureKind
import cn.pos.shell.sync.SyncStatusPresenter
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.util.concurrent.CopyOnWriteArrayList

/** Store-and-forward and automatic reversal, seen from the shell. */
class OfflineAndReversalTest {
    private suspend fun eventually(ms: Long = 20_000, what: String, check: () -> Boolean) {
        withTimeout(ms) {
            while (!check()) delay(50)
        }
    }

    @Test
    fun `an offline payment is stored, printed as offline, and forwarded when connectivity returns`(): Unit = runBlocking {
        Rig().use { rig ->
            val forwarded = CopyOnWriteArrayList<ForwardingResult>()
            val fwd = rig.terminal.subscribeForwarding(object : ForwardingObserver {
                override fun onForwarded(result: ForwardingResult) {
                    forwarded += result
                }
            })
            val status = SyncStatusPresenter(rig.terminal).also { it.attach() }
            val before = rig.sim.availableMinor("offline")

            rig.terminal.setConnectivity(false)
            assertFalse(rig.terminal.networkAvailable())
            rig.devices.presentCard("offline")
            val m = rig.checkout()
            m.type(4500)
            m.confirm()
            val r = m.state.await { it is CheckoutState.Result } as CheckoutState.Result
            assertTrue(r.outcome.approved && r.outcome.offline, r.outcome.summaryEn)
            assertEquals(TxnKind.OFFLINE_SALE, r.outcome.kind)
            assertEquals("Y1", r.outcome.responseCode)
            assertTrue(r.outcome.messageZh.contains("离线") && r.outcome.messageEn.contains("offline"))
            m.printReceipt()
            m.state.await { it is CheckoutState.Done }
            val paper = rig.devices.takePaperText()
            assertTrue(paper.contains("离线") || paper.contains("OFFLINE"), paper)

            status.refresh()
            assertEquals(1, status.state.value.waiting)
            assertEquals(4500L, status.state.value.waitingAmount.minor)
            assertTrue(status.state.value.line.zh.contains("待上送1笔"), status.state.value.line.zh)
            assertEquals(before, rig.sim.availableMinor("offline"), "not collected while offline")
            assertEquals(listOf(UploadState.STORED), rig.terminal.queue(true).map { it.state })

            val sync = rig.terminal.startBackgroundSync()
            rig.terminal.setConnectivity(true)
            eventually(what = "forwarded") { forwarded.any { it.state == UploadState.ACCEPTED } }
            val f = forwarded.first { it.state == UploadState.ACCEPTED }
            assertEquals(r.outcome.txnId, f.txnId)
            assertEquals(4500L, f.amount?.minor)
            assertEquals("00", f.responseCode)
            assertEquals(before - 4500, rig.sim.availableMinor("offline"), "collected exactly once")
            assertTrue(rig.terminal.queue(true).isEmpty())
            eventually(what = "status") { status.state.value.waiting == 0 && !status.state.value.syncing }
            rig.sim.checkInvariants()
            sync.cancel()
            fwd.cancel()
            status.close()
            m.close()
        }
    }

    @Test
    fun `a sale whose answer is lost is reported as not approved and reversed on sync`(): Unit = runBlocking {
        Rig().use { rig ->
            val events = CopyOnWriteArrayList<SyncEvent>()
            val sub = rig.terminal.subscribeSync(object : SyncObserver {
                override fun onSyncEvent(event: SyncEvent) {
                    events += event
                }
            })
            val before = rig.sim.availableMinor("debit")
            rig.devices.presentCard("debit")
            rig.sim.injectFault("10000001", SimFault.DropResponse, 1u, SimRequestClass.FINANCIAL)
            val m = rig.checkout()
            m.type(1500)
            m.confirm()
            val f = m.state.await { it is CheckoutState.Failed } as CheckoutState.Failed
            assertEquals(FailureKind.NETWORK, f.kind)
            assertTrue(f.reversalDue, "the host may have charged it: a reversal is due")
            assertTrue(f.error.zh.contains("冲正") && f.error.en.contains("reversed"), f.error.both())
            // The host did charge the card: exactly why the terminal reverses.
            assertEquals(before - 1500, rig.sim.availableMinor("debit"))
            assertEquals(1u, rig.terminal.queueSummary().reversalsDue)

            val report = rig.terminal.syncNow()
            assertEquals(1u, report.reversalsAcknowledged)
            assertEquals(0u, report.reversalsLeft)
            assertTrue(report.summaryZh.contains("冲正成功1笔"), report.summaryZh)
            assertEquals(before, rig.sim.availableMinor("debit"), "the reversal gave the money back")
            val host = rig.sim.hostTxns("10000001")
            assertTrue(host.any { it.kind == "sale" && it.status == "reversed" }, host.toString())
            assertTrue(host.any { it.isReversal })
            rig.sim.checkInvariants()
            val row = rig.terminal.history(10u).first { it.kind == TxnKind.SALE }
            assertTrue(row.reversed)
            eventually(what = "events") { events.any { it is SyncEvent.Finished } }
            assertTrue(events.any { it is SyncEvent.Started })
            assertTrue(events.any { it is SyncEvent.ReversalAcknowledged })
            sub.cancel()
            assertTrue(sub.isFinished() || true)
            m.close()
        }
    }
}
