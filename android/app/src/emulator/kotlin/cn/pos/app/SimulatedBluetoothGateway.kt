package cn.pos.app

import cn.pos.app.ui.Words
import cn.pos.core.BleLink
import cn.pos.core.KeyVault
import cn.pos.core.LinkInbox
import cn.pos.core.LinkSecurity
import cn.pos.core.PosException
import cn.pos.core.PrinterPeripheral
import cn.pos.core.ReaderPeripheral
import cn.pos.core.startPrinterPeripheral
import cn.pos.core.startReaderPeripheral
import cn.pos.shell.devices.BleDevice
import cn.pos.shell.devices.BluetoothGateway
import cn.pos.shell.devices.DeviceKind
import cn.pos.shell.devices.GattConnection
import kotlinx.coroutines.delay
import java.io.File

/** A failure the emulator's Bluetooth plays once, as a phone's Bluetooth stack would report it. */
enum class SimulatedFault {
    /** The LE scan fails to start (`ScanCallback.onScanFailed`). */
    SCAN_FAILED,

    /** The connection fails with GATT status 133 (`GATT_ERROR`, Android's catch-all). */
    GATT_133,

    /** The operator (or the reader) refuses the bond: the link stays unencrypted. */
    BOND_REFUSED,

    /** The device is switched off or out of range: no answer to the connection. */
    OUT_OF_RANGE,
}

/**
 * The emulator flavor's Bluetooth: it advertises the simulated card reader and printer (and a
 * far-away reader of another shop), and connects to simulated peripherals over the shell's own
 * [BleLink], so the pairing screen runs the shell's [cn.pos.shell.devices.PairingManager] and
 * the real reader and printer protocols without a radio. [fault] plays one failure.
 */
class SimulatedBluetoothGateway(private val dataDir: File, private val vault: KeyVault) : BluetoothGateway {
    /** The next failure to play (cleared once played); null for none. */
    @Volatile
    var fault: SimulatedFault? = null

    /** The reader peripheral of the last connection (cards, power). */
    @Volatile
    var reader: ReaderPeripheral? = null
        private set

    /** The printer peripheral of the last connection. */
    @Volatile
    var printer: PrinterPeripheral? = null
        private set

    private val links = mutableMapOf<DeviceKind, SimulatedGatt>()

    override fun isEnabled(): Boolean = true

    override suspend fun scan(kind: DeviceKind, timeoutMs: Long): List<BleDevice> {
        if (take(SimulatedFault.SCAN_FAILED)) throw device("scan_failed", Words.errScanFailed)
        delay(minOf(timeoutMs, SCAN_MS)) // a scan takes a moment: the screen shows "scanning"
        return when (kind) {
            DeviceKind.READER -> listOf(FAR_READER, READER)
            DeviceKind.PRINTER -> listOf(PRINTER)
        }
    }

    override suspend fun connect(device: BleDevice, inbox: LinkInbox): GattConnection {
        if (take(SimulatedFault.GATT_133)) throw device("gatt_133", Words.errGatt133)
        if (take(SimulatedFault.OUT_OF_RANGE) || device.address == FAR_READER.address) throw device("out_of_range", Words.errOutOfRange)
        val bonded = !take(SimulatedFault.BOND_REFUSED)
        val gatt = when (device.kind) {
            DeviceKind.READER -> {
                // Its own directory beside the terminal's: a reader's secure element is not the terminal's journal.
                val dir = File(dataDir.parentFile ?: dataDir, "simulated-paired-reader").apply { mkdirs() }
                // A peripheral answers into the inbox it was started with: a new one per connection.
                reader?.let { old -> runCatching { old.close() } }
                val p = startReaderPeripheral(dir.path, inbox, vault).also { reader = it }
                SimulatedGatt(inbox, p.mtu(), bonded, p::isPowered, p::deliver)
            }
            DeviceKind.PRINTER -> {
                printer?.let { old -> runCatching { old.close() } }
                val p = startPrinterPeripheral(inbox).also { printer = it }
                SimulatedGatt(inbox, p.mtu(), bonded, p::isPowered, p::deliver)
            }
        }
        synchronized(links) { links[device.kind] = gatt }
        return gatt
    }

    /** The device of [kind] is switched off or walks away: the link drops (the manager reconnects). */
    fun powerOff(kind: DeviceKind) {
        if (kind == DeviceKind.READER) reader?.powerOff()
        synchronized(links) { links[kind] }?.drop()
    }

    /** The reader is switched on again: the manager's next reconnection attempt succeeds. */
    fun powerOn() {
        reader?.powerOn()
    }

    private fun take(f: SimulatedFault): Boolean = synchronized(this) {
        if (fault == f) {
            fault = null
            true
        } else {
            false
        }
    }

    private fun device(code: String, t: cn.pos.shell.i18n.Text) = PosException.Device(code, t.zh, t.en)

    companion object {
        /** How long a simulated scan takes. */
        const val SCAN_MS = 300L

        /** The simulated card reader, as it advertises. */
        val READER = BleDevice("5A:1D:00:00:00:01", "POS-SIM-READER", -52, DeviceKind.READER)

        /** Another shop's reader, too far away to connect. */
        val FAR_READER = BleDevice("5A:1D:00:00:00:77", "POS-READER-NEXT-DOOR", -94, DeviceKind.READER)

        /** The simulated 58 mm printer. */
        val PRINTER = BleDevice("5A:1D:00:00:00:09", "POS-SIM-PRINTER", -63, DeviceKind.PRINTER)
    }
}

/** A GATT connection to a simulated peripheral: the shell's [BleLink], as the app's GATT link is on a phone. */
class SimulatedGatt(
    private val inbox: LinkInbox,
    private val mtu: UInt,
    private val bonded: Boolean,
    private val powered: () -> Boolean,
    private val deliver: (ByteArray) -> Boolean,
) : GattConnection, BleLink {
    @Volatile
    private var up = true
    @Volatile
    private var listener: ((Boolean) -> Unit)? = null

    override val link: BleLink get() = this

    override suspend fun write(chunk: ByteArray) {
        if (!up || !deliver(chunk)) {
            throw PosException.Device("link_disconnected", Words.errOutOfRange.zh, Words.errOutOfRange.en)
        }
    }

    override fun mtu(): UInt = mtu

    override fun isConnected(): Boolean = up

    override fun linkSecurity(): LinkSecurity = if (up && bonded) LinkSecurity.ENCRYPTED else LinkSecurity.UNENCRYPTED

    override fun onConnectionChange(listener: (connected: Boolean) -> Unit) {
        this.listener = listener
    }

    override suspend fun reconnect(): Boolean {
        if (!powered()) return false
        up = true
        inbox.connected(mtu)
        return true
    }

    override fun close() {
        up = false
    }

    /** The platform reports the link down. */
    fun drop() {
        up = false
        inbox.disconnected()
        listener?.invoke(false)
    }
}
