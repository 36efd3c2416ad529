package cn.pos.app

import android.content.Intent
import cn.pos.core.SimFault
import cn.pos.core.SimRequestClass
import cn.pos.core.TxnStatus
import cn.pos.core.UploadState
import cn.pos.core.startAcquirerSimulator
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode

/**
 * The process dies (the service and the activities torn down) and the terminal comes back on
 * the same data directory: after a reboot through the boot receiver, or at the app's next launch.
 * Nothing journaled is lost; what was owed is forwarded or reversed as the core decides.
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [35], manifest = Config.NONE)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
class LifecycleTest {
    /** Runs [body] with one acquirer host for every run of the service: it outlives the process, as a real one does. */
    private fun withHost(body: () -> Unit) {
        val host = runBlocking { startAcquirerSimulator() }
        Flavor.keptHost = host
        try {
            body()
        } finally {
            Flavor.keptHost = null
            runBlocking { host.shutdown() }
            host.close()
        }
    }

    @Test
    fun `the boot receiver starts the service only for BOOT_COMPLETED and with its permissions`() {
        val app = RuntimeEnvironment.getApplication()
        BootReceiver().onReceive(app, Intent(Intent.ACTION_BOOT_COMPLETED))
        assertNull("no permissions: no service", shadowOf(app).nextStartedService)
        AppRig().use { rig ->
            rig.grantPermissions()
            BootReceiver().onReceive(app, Intent(Intent.ACTION_SCREEN_ON))
            assertNull(shadowOf(app).nextStartedService)
            BootReceiver().onReceive(app, Intent(Intent.ACTION_BOOT_COMPLETED))
            assertEquals(PosService::class.java.name, shadowOf(app).peekNextStartedService()?.component?.className)
        }
    }

    /**
     * No host kept by the test: the emulator build's own simulator keeps its books in the app's
     * files ([Flavor.simulatorDir]), so the next run's simulator has the first run's payments.
     */
    @Test
    fun `payments stored offline survive the process's death and the boot receiver's service forwards them`() {
        val vault = SoftwareKeyVault()
        val stored: List<Long>
        val journal: List<Long>
        AppRig(vault).use { rig ->
            rig.ready()
            assertTrue(rig.sale("debit", "1234").approved)
            rig.session.terminal.setConnectivity(false)
            val a = rig.sale("offline", "3000")
            assertTrue(a.summaryEn, a.approved && a.offline)
            assertEquals(1u, rig.session.terminal.queueSummary().waiting)
            stored = listOf(a.txnId)
            journal = rig.session.terminal.history(50u).map { it.txnId }
        } // the process dies: service and activities gone, the files stay
        assertNull(PosHub.session)

        // The phone reboots: no activity, the boot receiver starts the service.
        AppRig(vault).use { rig ->
            rig.grantPermissions()
            BootReceiver().onReceive(rig.app, Intent(Intent.ACTION_BOOT_COMPLETED))
            rig.runStartedService()
            val end = System.currentTimeMillis() + 30_000
            while (System.currentTimeMillis() < end && PosHub.session?.terminal?.queueSummary()?.waiting != 0u) {
                rig.idle()
                Thread.sleep(50)
            }
            val t = PosHub.session?.terminal ?: die("the terminal did not open after the reboot: ${PosHub.phase.value}")
            assertEquals("forwarded after the reboot: ${t.queue(false)}", 0u, t.queueSummary().waiting)
            for (id in stored) assertEquals(UploadState.ACCEPTED, t.queue(false).single { it.txnId == id }.state)
            assertEquals("the host has it", 10_000_000L - 3000, rig.acquirer.availableMinor("offline"))
            assertEquals("the same books: the first run's sale is there", 10_000_000L - 1234, rig.acquirer.availableMinor("debit"))
            rig.acquirer.checkInvariants()
            assertTrue("nothing journaled lost", t.history(50u).map { it.txnId }.containsAll(journal))
        }
    }

    @Test
    fun `a sale in flight when the process dies is settled by the core's recovery at the next launch`() = withHost {
        val vault = SoftwareKeyVault()
        val txn: Long
        val before: Long
        AppRig(vault).use { rig ->
            rig.ready()
            assertTrue(rig.sale("credit", "500").approved)
            before = rig.acquirer.availableMinor("debit")
            // A slow host: the sale is sent and journaled, no answer yet.
            rig.acquirer.injectFault(rig.session.terminal.settings().tid, SimFault.Delay(8_000uL), 1u, SimRequestClass.ANY)
            rig.devices.present("debit")
            rig.type("1234")
            rig.click("charge")
            rig.waitFor("the sale journaled as pending") {
                rig.session.terminal.history(5u).any { it.status == TxnStatus.PENDING }
            }
            txn = rig.session.terminal.history(5u).first { it.status == TxnStatus.PENDING }.txnId
        } // the process dies mid-sale
        assertNull(PosHub.session)

        // The next launch: the core recovers before it signs in. In one JVM the dead run's
        // in-flight call still holds the terminal's directory until the host's delay ends (a
        // real process death frees it): the app says so and "try again" opens it then.
        AppRig(vault).use { rig ->
            rig.grantPermissions()
            rig.launch()
            rig.runStartedService()
            val opened = System.currentTimeMillis() + 40_000
            while (System.currentTimeMillis() < opened && rig.view("key_1") == null) {
                rig.idle()
                if (rig.view("retry") != null) {
                    Thread.sleep(1_000)
                    rig.click("retry")
                }
                Thread.sleep(50)
            }
            rig.waitForTag("key_1")
            val t = rig.session.terminal
            val end = System.currentTimeMillis() + 30_000
            while (System.currentTimeMillis() < end && t.queueSummary().reversalsDue != 0u) { rig.idle(); Thread.sleep(50) }
            rig.waitFor("the interrupted sale resolved") {
                t.queueSummary().reversalsDue == 0u && t.history(10u).single { it.txnId == txn }.let { it.reversed || it.status != TxnStatus.PENDING }
            }
            val row = t.history(10u).single { it.txnId == txn }
            // The terminal takes the next sale as usual (another card: the debit card's books stay put).
            assertTrue(rig.sale("contactless", "100").approved)
            // The host's books agree with the journal. In one JVM the dead run's call is still
            // in flight (a real process death ends it): it may receive the delayed approval and
            // journal the sale approved, a sale rightly charged; otherwise the recovery finds
            // it pending and reverses it, and the host gives the money back. Seen here so far:
            // approved (the host's row approved, no reversal).
            val available = rig.acquirer.availableMinor("debit")
            val host = rig.acquirer.hostTxns(t.settings().tid).filter { it.stan == row.stan }
            when {
                row.reversed -> {
                    assertEquals("reversed: the host gave the 12.34 back; its rows $host", before, available)
                    assertTrue("the host's sale reversed: $host", host.any { !it.isReversal && it.status == "reversed" })
                }
                row.status == TxnStatus.APPROVED -> {
                    assertEquals("approved: the host charged 12.34 once; its rows $host", before - 1234, available)
                    assertEquals("the host's sale approved, never reversed: $host", listOf("approved"), host.map { it.status })
                }
                else -> die("the interrupted sale neither approved nor reversed: $row; the host's rows $host")
            }
        }
    }
}
