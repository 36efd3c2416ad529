package cn.pos.app

import android.app.Activity
import android.content.Context
import cn.pos.shell.devices.BluetoothGateway
import cn.pos.core.AcquirerSimulator
import cn.pos.core.KeyVault
import cn.pos.core.SimulatedDevices
import cn.pos.core.TerminalSettings
import cn.pos.core.provisioningInfo
import cn.pos.core.startAcquirerSimulatorIn
import cn.pos.core.startSimulatedDevices
import kotlinx.coroutines.runBlocking
import java.io.File

/**
 * The emulator/debug flavor, self-contained: the acquirer simulator in-process, the simulated
 * reader and printer holding the keys of the terminal's provisioning, and a test panel
 * ([TestPanelActivity]) that presents deck cards. A provisioning file pushed to the app's
 * external files folder (`pos provision --demo --acquirer 10.0.2.2:8583 --acquirer-ca
 * pos-sim-data/ca.pem --export provisioning.json`) points it at a `pos sim` on the host
 * instead. Its library is built with pos-ffi's feature `simulators` (android/app/build.gradle.kts).
 */
object Flavor {
    /** Simulated reader and printer (emulators have no Bluetooth). */
    const val SIMULATED_DEVICES = true

    /** The emulator's test panel. */
    val testPanel: Class<out Activity>? = TestPanelActivity::class.java

    /** The simulated reader and printer of the terminal in [dataDir], its keys sealed through [vault]. */
    suspend fun localDevices(dataDir: String, vault: KeyVault): LocalDevices =
        SimulatedLocalDevices(startSimulatedDevices(dataDir, vault))

    /**
     * The in-process acquirer simulator, unless the terminal was provisioned (from a file or the
     * first-run screen) for another host. A terminal never provisioned runs it too: the first-run
     * screen offers the demo terminal on it ([provisioningDefaults]). The marker names the host the
     * terminal was provisioned with for it: a provisioning imported later for another host is not
     * the in-process one. The simulator's address and certificate are new each run, so
     * [LocalAcquirer.adjust] puts them into the settings. Its ledger and TLS CA are kept in the
     * app's files ([simulatorDir]), as a real acquirer keeps its books: after the app's process
     * dies, the payments it owes (stored offline, reversals) are forwarded to the same books.
     */
    suspend fun localAcquirer(dataDir: File, vault: KeyVault): LocalAcquirer? {
        val marker = File(dataDir, IN_PROCESS)
        val info = provisioningInfo(dataDir.path, vault)
        if (info != null) {
            val marked = if (marker.isFile) marker.readText().trim() else return null
            // Before the first-run screen the marker held a sentence, not a host: still in-process.
            if (marked != info.host && !marked.startsWith(LEGACY_NOTE)) return null
        }
        val kept = keptHost
        val sim = kept ?: startAcquirerSimulatorIn(simulatorDir(dataDir).path)
        return SimulatedAcquirer(sim, owned = kept == null)
    }

    /** The in-process simulator's books and CA: beside the terminal's data, in the app's files. */
    fun simulatorDir(dataDir: File): File = File(dataDir.absoluteFile.parentFile ?: dataDir, "acquirer-simulator")

    /**
     * The first-run screen's prefilled form: the published demo terminal (its keys are public,
     * the simulator knows them) on the in-process simulator [acquirer].
     */
    fun provisioningDefaults(acquirer: LocalAcquirer?): ProvisioningForm = ProvisioningForm(
        tid = "10000001",
        mid = "898310048990001",
        merchantName = "演示商户 DEMO MERCHANT",
        host = (acquirer as? SimulatedAcquirer)?.sim?.address() ?: "",
        tmk = "CA5D92598DCA48CE8A4C76361A9269E9",
        unlockKey = "2B7E151628AED2A6ABF7158809CF4F3C",
        mac = MacChoice.X919,
    )

    /** After the first run: a form pointed at the in-process simulator stays on it (its address changes each run). */
    fun provisioned(dataDir: File, form: ProvisioningForm, acquirer: LocalAcquirer?) {
        val sim = (acquirer as? SimulatedAcquirer)?.sim ?: return
        if (form.host.trim() == sim.address()) useInProcessAcquirer(dataDir, form.host.trim())
    }

    /** Marks [dataDir], provisioned with [host], as the in-process simulator's (tests that start signed in). */
    fun useInProcessAcquirer(dataDir: File, host: String) = File(dataDir, IN_PROCESS).writeText(host + "\n")

    /** The Bluetooth of the emulator: the simulated reader and printer advertise and connect. */
    fun gateway(context: Context, dataDir: File, vault: KeyVault): BluetoothGateway = SimulatedBluetoothGateway(dataDir, vault)

    /**
     * A host that outlives the app's process, as a real acquirer does (its keys and books kept
     * across a restart): set by tests of process death; null, each service starts its own.
     */
    @Volatile
    var keptHost: AcquirerSimulator? = null

    private const val IN_PROCESS = "in-process-acquirer"
    private const val LEGACY_NOTE = "the demo provisioning"
}

/** The in-process acquirer simulator (its ledger and admin queries: the help desk's unlock codes). */
class SimulatedAcquirer(val sim: AcquirerSimulator, private val owned: Boolean = true) : LocalAcquirer {
    override fun adjust(settings: TerminalSettings) =
        settings.copy(host = sim.address(), acquirerCaPem = sim.caPem(), plainTcp = false)

    override fun close() {
        if (!owned) return // [Flavor.keptHost]: its owner stops it
        runBlocking { sim.shutdown() }
        sim.close()
    }
}

/** The simulated devices; the test panel presents and removes cards through [sim]. */
class SimulatedLocalDevices(val sim: SimulatedDevices) : LocalDevices {
    override val reader = sim.reader()
    override val printer = sim.printer()

    /** The deck card on the reader (as the test panel last left it), null for none. */
    @Volatile
    var presented: String? = null
        private set

    /** Puts a deck card on the reader (it stays until removed). */
    fun present(id: String) {
        sim.presentCard(id)
        presented = id
    }

    /** The printer is out of paper (as the test panel last set it). */
    @Volatile
    var paperOut: Boolean = false
        private set

    /** Takes the paper out, or loads it. */
    fun setPaperOut(out: Boolean) {
        sim.setPaperOut(out)
        paperOut = out
    }

    /** Fires the reader's tamper switch: it erases its keys and refuses every transaction until unlocked. */
    fun tamper() = sim.triggerTamper()

    /** Takes the card away. */
    fun remove() {
        sim.removeCard()
        presented = null
    }

    override fun close() = sim.close()
}
