package cn.pos.shell

import cn.pos.core.Reconciliation
import cn.pos.core.Terminal
import cn.pos.shell.settlement.SettlementFlow
import cn.pos.shell.settlement.SettlementState
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.io.File

/** Day-end settlement through the shell's flow, checked against the simulated host. */
class SettlementTest {
    @Test
    fun `unequal totals upload the batch then close it, and the next batch settles balanced`(): Unit = runBlocking {
        // This terminal pays twice with one card seconds apart (one sale per batch): no risk
        // policy, the card-interval rule would warn (this is about settlement, not risk).
        Rig(settings = ::noRiskSettings).use { rig ->
            // Another terminal with the same identity approves a sale this one never records, so
            // the host's totals differ. This one's STANs first move past what the other uses.
            repeat(3) { assertTrue(rig.terminal.echo().approved) }
            val other = Terminal.open(File(rig.dir, "other").path, testSettings(rig.sim.address()).copy(acquirerCaPem = rig.sim.caPem()), SoftwareKeyVault(), rig.devices.reader(), null)
            assertTrue(other.signIn().approved)
            rig.devices.presentCard("debit")
            assertTrue(other.sale(12_345, null).approved)
            other.close()
            assertTrue(rig.terminal.signIn().approved, "this terminal's keys again")
            val sale = rig.terminal.sale(2_000, null)
            assertTrue(sale.approved)
            rig.terminal.complete(sale.txnId)
            val batch = rig.terminal.batch()

            val flow = SettlementFlow(rig.terminal, rig.scope, printer = { rig.devices.printer() })
            assertEquals(SettlementState.Idle(resumable = false), flow.state.value)
            flow.settle()
            val settled = flow.state.await { it is SettlementState.Settled || it is SettlementState.Failed }
            assertTrue(settled is SettlementState.Settled, settled.toString())
            val r = (settled as SettlementState.Settled).result
            assertEquals(Reconciliation.UNBALANCED, r.reconciliation)
            assertEquals(batch, r.batch)
            assertEquals(batch + 1u, r.nextBatch)
            assertEquals(batch + 1u, rig.terminal.batch())
            assertEquals(1u, r.domestic.debitCount)
            assertEquals(2_000L, r.domestic.debitMinor)
            assertEquals(1u, r.uploadCount, "the batch upload carried this terminal's sale")
            assertTrue(r.uploaded >= 2u, "records and the end message: ${r.uploaded}")
            assertFalse(r.resumed)
            assertTrue(settled.message.zh.contains("对账不平") && settled.message.en.contains("uploaded"), settled.message.both())
            assertFalse(rig.terminal.uploadUnfinished())

            flow.printSlip()
            flow.state.await { it is SettlementState.Settled && it.slipPrinted }
            val slip = rig.devices.takePaperText()
            assertTrue(slip.contains("SETTLEMENT SLIP") && slip.contains("UNBALANCED") && slip.contains(batch.toString().padStart(6, '0')), slip)
            assertTrue(rig.terminal.settlementSlipPreview().isNotBlank())

            // The new batch: one sale, equal totals, no upload.
            val next = rig.terminal.sale(700, null)
            assertTrue(next.approved && next.batch == batch + 1u)
            rig.terminal.complete(next.txnId)
            val again = SettlementFlow(rig.terminal, rig.scope, printer = { rig.devices.printer() })
            again.settle()
            val balanced = again.state.await { it is SettlementState.Settled || it is SettlementState.Failed }
            val b = (balanced as SettlementState.Settled).result
            assertEquals(Reconciliation.BALANCED, b.reconciliation)
            assertEquals(0u, b.uploaded)
            assertTrue(balanced.message.zh.contains("对账平"), balanced.message.zh)
            rig.sim.checkInvariants()
        }
    }
}
