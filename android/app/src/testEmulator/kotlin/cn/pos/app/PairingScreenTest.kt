package cn.pos.app

import cn.pos.app.SimulatedBluetoothGateway.Companion.FAR_READER
import cn.pos.app.SimulatedBluetoothGateway.Companion.PRINTER
import cn.pos.app.SimulatedBluetoothGateway.Companion.READER
import cn.pos.app.ui.Words
import cn.pos.shell.devices.DeviceKind
import cn.pos.shell.devices.DeviceState
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode

/**
 * The pairing screen over the shell's PairingManager and the emulator flavor's simulated
 * Bluetooth: scan results, connect and bond, the reader's battery, a link that drops and comes
 * back, unpair, and each failure (scan, GATT 133, bond refused, out of range) with what to do.
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [35], manifest = Config.NONE)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
class PairingScreenTest {
    /** From the keypad: settings, then the pairing screen. */
    private fun AppRig.openPairing() {
        open("settings")
        open("pairing")
        waitForTag("pairing_title")
    }

    @Test
    fun `scan, connect and bond the reader and the printer, battery, drop and reconnect, unpair`() {
        AppRig().use { rig ->
            rig.ready()
            rig.openPairing()
            assertEquals(Words.notPaired.zh, rig.text("reader_state"))
            rig.shoot("pairing", Words.pairingTitle, Words.readerDevice, Words.printerDevice, Words.notPaired, Words.scan)

            rig.click("reader_scan")
            rig.waitForTag("found_${READER.name}")
            // Strongest signal first: the shop's reader above the one next door.
            val names = rig.texts().filter { it == READER.name || it == FAR_READER.name }
            assertEquals(listOf(READER.name, FAR_READER.name), names)
            assertEquals(Words.signal(READER.rssi).zh, rig.text("signal_${READER.name}"))
            assertEquals(Words.signal(FAR_READER.rssi).zh, rig.text("signal_${FAR_READER.name}"))
            rig.shoot("pairing-found", Words.signal(READER.rssi), Words.signal(FAR_READER.rssi), Words.connectDevice, Words.scanAgain)

            rig.click("connect_${READER.name}")
            rig.waitForTag("reader_connected")
            val pm = PosHub.pairing!!
            assertEquals(DeviceState.Connected(READER), pm.reader.value)
            // The battery is the reader's own answer over the reader protocol.
            val battery = pm.readerHandle!!.deviceInfo().batteryPercent.toInt()
            assertTrue("battery $battery", battery in 1..100)
            assertEquals(Words.battery(battery).zh, rig.text("reader_battery"))
            rig.pairOnScreen("printer", PRINTER.name)
            assertTrue("the printer answers its status", runBlocking { pm.printerHandle!!.status() }.ready)
            // Remembered for the next start (addresses and names only).
            val prefs = rig.app.getSharedPreferences("pairing", 0)
            assertEquals(READER.address, prefs.getString("READER.address", null))
            assertEquals(PRINTER.address, prefs.getString("PRINTER.address", null))
            rig.shoot("pairing-connected", Words.connectedTo(READER.name), Words.connectedTo(PRINTER.name), Words.battery(battery), Words.reconnectDevice, Words.unpair)

            // The reader is switched off: the link drops, the screen says it reconnects and what to do.
            rig.bluetooth.powerOff(DeviceKind.READER)
            rig.waitForTag("reader_reconnecting")
            rig.shoot("pairing-reconnecting", Words.errOutOfRange, Words.reconnectDevice)
            rig.bluetooth.powerOn()
            rig.waitForTag("reader_connected", 45_000)
            // The same reader handle answers again once the core's client has the link back (bounded).
            val end = System.currentTimeMillis() + 15_000
            var last: Exception? = null
            var again: cn.pos.core.DeviceInfo? = null
            while (again == null && System.currentTimeMillis() < end) {
                again = try {
                    runBlocking { pm.readerHandle!!.refreshInfo() }
                } catch (e: cn.pos.core.PosException) {
                    last = e
                    Thread.sleep(200)
                    null
                }
            }
            if (again == null) die("the reader did not answer after the reconnect: $last")
            assertEquals(battery, again.batteryPercent.toInt())

            rig.click("reader_unpair")
            rig.waitForTag("reader_state")
            assertEquals(DeviceState.Unpaired, pm.reader.value)
            assertNull(pm.readerHandle)
            assertNull(prefs.getString("READER.address", null))
            // The checkout was never cut: the emulator's terminal pays on its own simulated reader.
            rig.click("back")
            rig.closeTop()
            rig.click("back")
            rig.closeTop()
            assertTrue(rig.sale("debit", "300").approved)
        }
    }

    @Test
    fun `each pairing failure says what happened and what to do, and the next try succeeds`() {
        AppRig().use { rig ->
            rig.ready()
            rig.openPairing()
            val pm = PosHub.pairing!!

            // The scan fails to start.
            rig.bluetooth.fault = SimulatedFault.SCAN_FAILED
            rig.click("reader_scan")
            rig.waitForTag("reader_failed")
            assertEquals(Words.errScanFailed.zh, rig.text("reader_error"))
            assertTrue("no device to retry after a failed scan", rig.view("reader_retry") == null)
            rig.shoot("pairing-scan-failed", Words.pairingFailed, Words.errScanFailed, Words.scanAgain)
            rig.click("reader_scan")
            rig.waitForTag("found_${READER.name}")

            // A device too far away (or off) does not answer.
            rig.click("connect_${FAR_READER.name}")
            rig.waitForTag("reader_failed")
            assertEquals(Words.errOutOfRange.zh, rig.text("reader_error"))
            rig.shoot("pairing-out-of-range", Words.pairingFailed, Words.errOutOfRange, Words.connectDevice)
            assertNull(pm.readerHandle)

            // GATT status 133 on the shop's reader; "connect" again succeeds.
            rig.click("reader_scan")
            rig.bluetooth.fault = SimulatedFault.GATT_133
            rig.click("connect_${READER.name}")
            rig.waitForTag("reader_failed")
            assertEquals(Words.errGatt133.zh, rig.text("reader_error"))
            rig.shoot("pairing-gatt-133", Words.pairingFailed, Words.errGatt133, Words.connectDevice)
            rig.click("reader_retry")
            rig.waitForTag("reader_connected")

            // The bond is refused: no reader handle for the core (no key or PIN over a plain link).
            rig.bluetooth.fault = SimulatedFault.BOND_REFUSED
            rig.click("reader_reconnect")
            rig.waitForTag("reader_failed")
            assertEquals(Words.errBondRefused.zh, rig.text("reader_error"))
            assertTrue(pm.reader.value is DeviceState.Failed)
            rig.shoot("pairing-bond-refused", Words.pairingFailed, Words.errBondRefused, Words.connectDevice)
            rig.click("reader_retry")
            rig.waitForTag("reader_connected")
            assertEquals(DeviceState.Connected(READER), pm.reader.value)

            // The printer switched off before connecting: the same words, then it connects.
            rig.click("printer_scan")
            rig.bluetooth.fault = SimulatedFault.OUT_OF_RANGE
            rig.click("connect_${PRINTER.name}")
            rig.waitForTag("printer_failed")
            assertEquals(Words.errOutOfRange.zh, rig.text("printer_error"))
            rig.click("printer_retry")
            rig.waitForTag("printer_connected")
            assertTrue(pm.printerHandle != null)
        }
    }
}
