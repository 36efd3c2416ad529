package cn.pos.shell.devices

import cn.pos.core.BleLink
import cn.pos.core.LinkInbox

/** Which peripheral. */
enum class DeviceKind { READER, PRINTER }

/** A peripheral found by a scan. */
data class BleDevice(val address: String, val name: String, val rssi: Int, val kind: DeviceKind)

/**
 * One GATT connection as the platform keeps it: its [link] is what the core writes to; the
 * platform pushes notifications and connection changes into the inbox it was opened with.
 */
interface GattConnection {
    /** The link the core writes through. */
    val link: BleLink

    /** Called with `false` when the connection drops (and `true` when it comes back by itself). */
    fun onConnectionChange(listener: (connected: Boolean) -> Unit)

    /** Tries to connect again; true when the link is up (and `Connected` pushed into the inbox). */
    suspend fun reconnect(): Boolean

    /** Disconnects for good (unpairing, app shutdown). */
    fun close()
}

/** The Android Bluetooth service as the shell needs it (implemented over android.bluetooth in the app). */
interface BluetoothGateway {
    /** Whether Bluetooth is on and permitted. */
    fun isEnabled(): Boolean

    /** Scans for peripherals of [kind] for up to [timeoutMs]. */
    suspend fun scan(kind: DeviceKind, timeoutMs: Long): List<BleDevice>

    /** Connects to [device]; its notifications and connection changes go into [inbox]. */
    suspend fun connect(device: BleDevice, inbox: LinkInbox): GattConnection
}

/** Where the paired devices are remembered (SharedPreferences on the phone). */
interface PairingStore {
    /** The paired device of [kind], if any. */
    fun load(kind: DeviceKind): BleDevice?

    /** Remembers [device]; `null` forgets the pairing. */
    fun save(kind: DeviceKind, device: BleDevice?)
}
