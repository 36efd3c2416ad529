package cn.pos.app

import cn.pos.app.ui.Words
import cn.pos.core.DayEndOperation
import cn.pos.core.SimFault
import cn.pos.core.SimRequestClass
import cn.pos.shell.dayend.label
import cn.pos.shell.i18n.Text
import cn.pos.shell.settlement.SettlementState
import cn.pos.core.Reconciliation
import cn.pos.core.Terminal
import cn.pos.core.startSimulatedDevices
import kotlinx.coroutines.runBlocking
import java.io.File
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode

/** Settlement with its progress and slip, and the day's end: sign-off refused until settled, then done, then switching device. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [35], manifest = Config.NONE)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
class DayEndTest {
    @Test
    fun `sign-off is refused with the batch unsettled, settlement settles it and prints its slip, then sign-off and switching device`() {
        AppRig().use { rig ->
            rig.ready()
            assertTrue(rig.sale("debit", "1234").approved)
            val batch = rig.session.terminal.batch()

            // Day end first: the core names what stands in the way.
            rig.open("day_end")
            rig.waitForTag("sign_off")
            val blockers = rig.session.terminal.dayEndBlockers()
            assertTrue(blockers.isNotEmpty())
            assertEquals(blockers.first().zh, rig.text("blocker_${blockers.first().code}"))
            rig.shoot("day-end", Words.dayEndHint, Words.signOff, Words.switchDevice, Text(blockers.first().zh, blockers.first().en))
            rig.click("sign_off")
            rig.waitForTag("blocked_message")
            assertTrue(rig.text("blocked_message"), rig.text("blocked_message").startsWith("暂不能签退"))
            assertTrue(rig.session.terminal.isSignedIn())
            rig.shoot("day-end-blocked", Words.settleFirst, DayEndOperation.SIGN_OFF.label())
            rig.click("dismiss")
            rig.waitForTag("sign_off")
            rig.click("back")
            rig.closeTop()

            // Settlement: a slow host shows the progress, then the totals and the slip.
            rig.open("settlement")
            rig.waitForTag("settle")
            rig.shoot("settlement", Words.settleHint, Words.settleNow)
            rig.acquirer.injectFault(rig.session.terminal.settings().tid, SimFault.Delay(8_000uL), 1u, SimRequestClass.ANY)
            rig.click("settle")
            rig.waitForTag("settling")
            rig.shoot("settlement-progress", Words.settling)
            rig.waitForTag("settled", 40_000)
            val r = (rig.session.settlement.state.value as SettlementState.Settled).result
            assertEquals(batch, r.batch)
            assertEquals(batch + 1u, rig.session.terminal.batch())
            assertEquals(1u, r.domestic.debitCount)
            assertEquals(1234L, r.domestic.debitMinor)
            assertEquals(Words.debits(1, "¥12.34").zh, rig.text("settled_debits"))
            assertEquals(r.summaryZh, rig.text("settled_summary"))
            val slip = rig.text("settlement_slip")
            assertEquals(rig.session.terminal.settlementSlipPreview().trimEnd(), slip)
            assertTrue(slip, slip.contains(batch.toString().padStart(6, '0')))
            rig.shoot("settlement-settled", Words.settled, Words.printSettlementSlip, Words.debits(1, "¥12.34"))
            rig.devices.sim.takePaperText()
            rig.click("print_settlement")
            rig.waitForTag("settlement_printed")
            val paper = rig.devices.sim.takePaperText()
            assertTrue(paper, paper.contains("SETTLEMENT SLIP") && paper.contains(batch.toString().padStart(6, '0')))
            rig.click("back")
            rig.closeTop()
            // The keypad's line shows the new batch.
            rig.expectText("signed_in", Words.signedIn((batch + 1u).toLong()).zh)

            // Settled and nothing owed: sign-off goes through; the checkout asks for a sign-in.
            rig.open("day_end")
            rig.waitForTag("nothing_blocks")
            rig.click("sign_off")
            rig.waitForTag("day_end_done")
            assertFalse(rig.session.terminal.isSignedIn())
            rig.shoot("day-end-signed-off", DayEndOperation.SIGN_OFF.label(), Words.ok)
            rig.click("day_end_ok")
            rig.closeTop()
            rig.waitForTag("signed_off")
            rig.shoot("signed-off", Words.signedOff, Words.signedOffHint, Words.signIn)
            rig.click("sign_in")
            rig.waitForTag("key_1")
            assertTrue(rig.session.terminal.isSignedIn())

            // Switching device: allowed (nothing new), signs off here.
            rig.open("day_end")
            rig.waitForTag("switch_device")
            rig.click("switch_device")
            rig.waitForTag("day_end_done")
            assertEquals(DayEndOperation.SWITCH_DEVICE.label().zh, rig.text("day_end_done"))
            assertFalse(rig.session.terminal.isSignedIn())
            rig.click("day_end_ok")
            rig.closeTop()
            rig.waitForTag("signed_off")
        }
    }

    @Test
    fun `a refused sign-off settles first from its screen, then signs off`() {
        AppRig().use { rig ->
            rig.ready()
            assertTrue(rig.sale("credit", "4321").approved)
            val batch = rig.session.terminal.batch()
            rig.open("day_end")
            rig.click("sign_off")
            rig.waitForTag("settle_first")
            rig.click("settle_first")
            rig.waitForTag("day_end_done", 40_000)
            assertTrue(rig.text("day_end_message"), rig.text("day_end_message").startsWith("已签退"))
            assertEquals("settled on the way", batch + 1u, rig.session.terminal.batch())
            assertFalse(rig.session.terminal.isSignedIn())
            assertTrue(rig.session.terminal.dayEndBlockers().isEmpty())
            rig.click("day_end_ok")
            rig.closeTop()
            rig.waitForTag("signed_off")
        }
    }

    @Test
    fun `totals that differ upload the batch, its progress on screen, then the slip says UNBALANCED`() {
        AppRig().use { rig ->
            rig.ready()
            val t = rig.session.terminal
            val tid = t.settings().tid
            // Another terminal with this identity approves a sale this one never records, so the
            // host's totals differ (as the shell's SettlementTest does). This one's STANs first
            // move past what the other uses; then it takes its own keys back.
            runBlocking { repeat(3) { assertTrue(t.echo().approved) } }
            val dir = File(rig.app.cacheDir, "other-terminal")
            val vault = SoftwareKeyVault()
            val devices = runBlocking { startSimulatedDevices(dir.path, vault) }
            val other = Terminal.open(dir.path, t.settings().copy(riskPolicyJson = null), vault, devices.reader(), null)
            runBlocking {
                assertTrue(other.signIn().approved)
                devices.presentCard("debit")
                assertTrue(other.sale(12_345, null).approved)
            }
            other.close()
            devices.close()
            assertTrue(runBlocking { t.signIn() }.approved)
            assertTrue(rig.sale("credit", "2000").approved)

            rig.open("settlement")
            rig.waitForTag("settle")
            // A slow host: each message waits, so the upload's progress shows.
            rig.acquirer.injectFault(tid, SimFault.Delay(1_500uL), 6u, SimRequestClass.ANY)
            rig.click("settle")
            rig.waitForTag("settle_progress", 40_000)
            assertTrue(rig.text("settle_progress"), rig.text("settle_progress").startsWith("正在上送批次明细："))
            rig.save(rig.activity.window.decorView, "settlement-upload-zh-phone")
            rig.waitForTag("settled", 60_000)
            val r = (rig.session.settlement.state.value as SettlementState.Settled).result
            assertEquals(Reconciliation.UNBALANCED, r.reconciliation)
            assertEquals(1u, r.uploadCount)
            assertEquals(r.summaryZh, rig.text("settled_summary"))
            assertTrue(rig.text("settlement_slip"), rig.text("settlement_slip").contains("UNBALANCED"))
            rig.shoot("settlement-unbalanced", Words.settled, Text(r.summaryZh, r.summaryEn))
        }
    }
}
