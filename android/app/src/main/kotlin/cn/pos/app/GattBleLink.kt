package cn.pos.app

import android.annotation.SuppressLint
import android.bluetooth.BluetoothDevice
import android.bluetooth.BluetoothGatt
import android.bluetooth.BluetoothGattCallback
import android.bluetooth.BluetoothGattCharacteristic
import android.bluetooth.BluetoothGattDescriptor
import android.bluetooth.BluetoothProfile
import android.content.Context
import cn.pos.core.BleLink
import cn.pos.core.LinkInbox
import cn.pos.core.PosException
import cn.pos.shell.devices.DeviceKind
import cn.pos.shell.devices.GattConnection
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull

/**
 * The core's [BleLink] over Android GATT: writes with response (one at a time, each waiting
 * for `onCharacteristicWrite`), notifications and connection changes pushed into the
 * [LinkInbox]. Thin on purpose: framing, retries and the protocols live in the core.
 */
@SuppressLint("MissingPermission") // BLUETOOTH_CONNECT is checked by the gateway before connecting.
class GattBleLink(
    private val context: Context,
    private val device: BluetoothDevice,
    private val kind: DeviceKind,
    private val inbox: LinkInbox,
) : BleLink, GattConnection {
    private val writeLock = Mutex()
    @Volatile private var gatt: BluetoothGatt? = null
    @Volatile private var writeChar: BluetoothGattCharacteristic? = null
    @Volatile private var connected = false
    @Volatile private var mtu = 23
    @Volatile private var pendingWrite: CompletableDeferred<Int>? = null
    @Volatile private var ready: CompletableDeferred<Boolean>? = null
    @Volatile private var listener: ((Boolean) -> Unit)? = null

    override val link: BleLink get() = this

    private val callback = object : BluetoothGattCallback() {
        override fun onConnectionStateChange(g: BluetoothGatt, status: Int, newState: Int) {
            if (newState == BluetoothProfile.STATE_CONNECTED) {
                g.requestMtu(GattUuids.REQUESTED_MTU)
            } else if (newState == BluetoothProfile.STATE_DISCONNECTED) {
                val was = connected
                connected = false
                pendingWrite?.complete(BluetoothGatt.GATT_FAILURE)
                ready?.complete(false)
                inbox.disconnected()
                if (was) listener?.invoke(false)
            }
        }

        override fun onMtuChanged(g: BluetoothGatt, newMtu: Int, status: Int) {
            if (status == BluetoothGatt.GATT_SUCCESS) mtu = newMtu
            g.discoverServices()
        }

        override fun onServicesDiscovered(g: BluetoothGatt, status: Int) {
            val (write, notify) = characteristics(g) ?: run {
                ready?.complete(false)
                return
            }
            writeChar = write
            g.setCharacteristicNotification(notify, true)
            val cccd = notify.getDescriptor(GattUuids.CCCD)
            if (cccd == null) {
                up()
            } else {
                g.writeDescriptor(cccd, BluetoothGattDescriptor.ENABLE_NOTIFICATION_VALUE)
            }
        }

        override fun onDescriptorWrite(g: BluetoothGatt, d: BluetoothGattDescriptor, status: Int) {
            if (status == BluetoothGatt.GATT_SUCCESS) up() else ready?.complete(false)
        }

        override fun onCharacteristicWrite(g: BluetoothGatt, c: BluetoothGattCharacteristic, status: Int) {
            pendingWrite?.complete(status)
        }

        override fun onCharacteristicChanged(g: BluetoothGatt, c: BluetoothGattCharacteristic, value: ByteArray) {
            inbox.notification(value)
        }
    }

    private fun up() {
        connected = true
        inbox.connected(mtu.toUInt())
        ready?.complete(true)
        listener?.invoke(true)
    }

    private fun characteristics(g: BluetoothGatt): Pair<BluetoothGattCharacteristic, BluetoothGattCharacteristic>? =
        when (kind) {
            DeviceKind.READER -> g.getService(GattUuids.READER_SERVICE)?.let { s ->
                val w = s.getCharacteristic(GattUuids.READER_WRITE) ?: return null
                val n = s.getCharacteristic(GattUuids.READER_NOTIFY) ?: return null
                w to n
            }
            DeviceKind.PRINTER -> GattUuids.PRINTER_SERVICES.firstNotNullOfOrNull { p ->
                val s = g.getService(p.service) ?: return@firstNotNullOfOrNull null
                val w = s.getCharacteristic(p.write) ?: return@firstNotNullOfOrNull null
                val n = s.getCharacteristic(p.notify) ?: return@firstNotNullOfOrNull null
                w to n
            }
        }

    /** Connects (first time or again) and waits until notifications are on. */
    suspend fun open(timeoutMs: Long = 15_000): Boolean {
        val done = CompletableDeferred<Boolean>().also { ready = it }
        val g = gatt
        if (g == null) {
            gatt = device.connectGatt(context, false, callback, BluetoothDevice.TRANSPORT_LE)
        } else {
            g.connect()
        }
        return withTimeoutOrNull(timeoutMs) { done.await() } ?: false
    }

    override suspend fun write(chunk: ByteArray) {
        writeLock.withLock {
            val g = gatt
            val c = writeChar
            if (!connected || g == null || c == null) throw disconnected()
            val result = CompletableDeferred<Int>().also { pendingWrite = it }
            val started = g.writeCharacteristic(c, chunk, BluetoothGattCharacteristic.WRITE_TYPE_DEFAULT)
            if (started != BluetoothGatt.GATT_SUCCESS) {
                throw PosException.Device("link_write_failed", "蓝牙写入失败，请重试", "Bluetooth write failed ($started)")
            }
            val status = withTimeout(WRITE_TIMEOUT_MS) { result.await() }
            if (!connected) throw disconnected()
            if (status != BluetoothGatt.GATT_SUCCESS) {
                throw PosException.Device("link_write_failed", "蓝牙写入失败，请重试", "Bluetooth write failed ($status)")
            }
        }
    }

    override fun mtu(): UInt = mtu.toUInt()

    override fun isConnected(): Boolean = connected

    override fun onConnectionChange(listener: (connected: Boolean) -> Unit) {
        this.listener = listener
    }

    override suspend fun reconnect(): Boolean = open()

    override fun close() {
        connected = false
        gatt?.close()
        gatt = null
    }

    private fun disconnected() =
        PosException.Device("link_disconnected", "蓝牙设备已断开，请检查设备电源和距离", "Bluetooth device disconnected")

    private companion object {
        const val WRITE_TIMEOUT_MS = 5_000L
    }
}
