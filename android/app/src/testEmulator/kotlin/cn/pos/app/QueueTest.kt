package cn.pos.app

import cn.pos.app.ui.Words
import cn.pos.core.UploadState
import cn.pos.shell.checkout.CheckoutState
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode

/** The offline queue screen: a payment approved offline in a dead spot waits, then goes out when the signal is back. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [35], manifest = Config.NONE)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
class QueueTest {
    @Test
    fun `an offline payment waits in the queue through a sync in the dead spot and is accepted once the signal is back`() {
        AppRig().use { rig ->
            rig.ready()
            // A dead spot: the phone has no network (what AndroidConnectivity reports).
            rig.session.terminal.setConnectivity(false)
            rig.devices.present("offline")
            "3000".forEach { rig.click("key_$it") }
            rig.click("charge")
            rig.waitForTag("approved")
            val o = (rig.session.checkout.state.value as CheckoutState.Result).outcome
            assertTrue("approved offline: ${o.summaryEn}", o.offline)
            assertEquals(Words.approvedOffline.zh, rig.text("approved"))
            rig.click("no_slip")
            rig.click("next")

            rig.click("queue")
            assertEquals(QueueActivity::class.java, rig.openStarted()::class.java)
            val voucher = o.voucher!!.toString().padStart(6, '0')
            rig.expectText("queue_waiting", Words.waiting(1, "¥30.00").zh)
            assertEquals("¥30.00", rig.text("queue_amount_$voucher"))
            assertTrue(rig.text("queue_line"), rig.text("queue_line").startsWith("离线"))
            rig.shoot("queue", Words.queue, Words.syncNow, Words.waiting(1, "¥30.00"))

            // Sync now in the dead spot: the core says what it could not send; the payment waits.
            rig.click("sync_now")
            rig.waitForTag("op_message")
            assertTrue(rig.text("op_message"), rig.text("op_message").isNotBlank())
            assertEquals(1u, rig.session.terminal.queueSummary().waiting)
            rig.click("op_ok")

            // The signal is back: the service's background sync forwards it, and the acquirer accepts it.
            rig.session.terminal.setConnectivity(true)
            rig.expectText("queue_waiting", Words.nothingWaiting.zh)
            assertEquals(0u, rig.session.terminal.queueSummary().waiting)
            assertEquals(UploadState.ACCEPTED, rig.session.terminal.queue(false).single { it.txnId == o.txnId }.state)
            assertTrue(rig.text("queue_line"), rig.text("queue_line").startsWith("联机"))
            rig.shoot("queue-synced", Words.nothingWaiting, Words.syncNow)
            rig.click("back")
            rig.closeTop()
        }
    }
}
