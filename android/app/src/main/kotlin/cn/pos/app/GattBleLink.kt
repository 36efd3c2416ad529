package cn.pos.app

import android.annotation.SuppressLint
import android.bluetooth.BluetoothDevice
import android.bluetooth.BluetoothGatt
import android.bluetooth.BluetoothGattCallback
import android.bluetooth.BluetoothGattCharacteristic
import android.bluetooth.BluetoothGattDescriptor
import android.bluetooth.BluetoothProfile
import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.content.IntentFilter
import android.os.Build
import cn.pos.app.api.Api33
import cn.pos.core.BleLink
import cn.pos.core.LinkInbox
import cn.pos.core.LinkSecurity
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
 *
 * A reader must be bonded (LE Secure Connections): after connecting, the link asks for a bond
 * with [BluetoothDevice.createBond] and waits for `BOND_BONDED` (the system shows its pairing
 * dialog). A write or descriptor write the reader refuses with `GATT_INSUFFICIENT_AUTHENTICATION`
 * or `GATT_INSUFFICIENT_ENCRYPTION` also asks for a bond. [linkSecurity] says `ENCRYPTED` only
 * for a bonded reader whose last access was not refused for security; the core sends no key or
 * PIN command otherwise ("读卡器蓝牙连接未加密… / the reader link is not encrypted…").
 * Android does not tell whether a bond used Secure Connections: the reader's firmware must
 * accept only LE Secure Connections pairing and declare its characteristics encrypted with
 * MITM protection (`PERMISSION_WRITE_ENCRYPTED_MITM`), so no access succeeds unencrypted.
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
    /** The reader refused an access for insufficient authentication or encryption since the last bond. */
    @Volatile private var refusedForSecurity = false
    /** A notification descriptor write refused for security, written again once bonded. */
    @Volatile private var cccdAfterBond: BluetoothGattDescriptor? = null
    @Volatile private var bonded: CompletableDeferred<Boolean>? = null

    /** The last failed connection status the stack reported (133: Android's GATT_ERROR), 0 for none. */
    @Volatile var lastStatus: Int = 0
        private set
    @Volatile private var bondReceiver: BroadcastReceiver? = null

    override val link: BleLink get() = this

    private val needsBond: Boolean get() = kind == DeviceKind.READER

    private fun isSecurityRefusal(status: Int) =
        status == BluetoothGatt.GATT_INSUFFICIENT_AUTHENTICATION || status == BluetoothGatt.GATT_INSUFFICIENT_ENCRYPTION

    /** Follows the bond state of [device]: completes [bonded], clears a refusal, re-enables notifications. */
    private fun watchBond() {
        if (bondReceiver != null) return
        val receiver = object : BroadcastReceiver() {
            override fun onReceive(c: Context, intent: Intent) {
                if (intent.action != BluetoothDevice.ACTION_BOND_STATE_CHANGED) return
                val which: BluetoothDevice? = if (Build.VERSION.SDK_INT >= 33) {
                    Api33.deviceExtra(intent)
                } else {
                    @Suppress("DEPRECATION")
                    intent.getParcelableExtra(BluetoothDevice.EXTRA_DEVICE)
                }
                if (which?.address != device.address) return
                when (intent.getIntExtra(BluetoothDevice.EXTRA_BOND_STATE, BluetoothDevice.BOND_NONE)) {
                    BluetoothDevice.BOND_BONDED -> {
                        refusedForSecurity = false
                        bonded?.complete(true)
                        val d = cccdAfterBond
                        val g = gatt
                        if (d != null && g != null) {
                            cccdAfterBond = null
                            enableNotifications(g, d)
                        }
                    }
                    BluetoothDevice.BOND_NONE -> bonded?.complete(false)
                }
            }
        }
        val filter = IntentFilter(BluetoothDevice.ACTION_BOND_STATE_CHANGED)
        // The Bluetooth stack is another app: the receiver must be exported to hear it.
        if (Build.VERSION.SDK_INT >= 33) {
            Api33.registerExported(context, receiver, filter)
        } else {
            context.registerReceiver(receiver, filter)
        }
        bondReceiver = receiver
    }

    /** Writes "notifications on" to the notify characteristic's CCCD [d]; the answer comes in `onDescriptorWrite`. */
    private fun enableNotifications(g: BluetoothGatt, d: BluetoothGattDescriptor) {
        if (Build.VERSION.SDK_INT >= 33) {
            Api33.writeDescriptor(g, d, BluetoothGattDescriptor.ENABLE_NOTIFICATION_VALUE)
        } else {
            // Android 8-12: the value goes through the descriptor (the only call there).
            @Suppress("DEPRECATION")
            d.value = BluetoothGattDescriptor.ENABLE_NOTIFICATION_VALUE
            @Suppress("DEPRECATION")
            g.writeDescriptor(d)
        }
    }

    /** Asks for a bond unless there is one or one is being made. */
    private fun requestBond() {
        if (device.bondState == BluetoothDevice.BOND_NONE) device.createBond()
    }

    /**
     * Bonds with the reader (the system's pairing dialog) and waits up to [timeoutMs] for
     * `BOND_BONDED`; true when bonded.
     */
    suspend fun ensureBonded(timeoutMs: Long = BOND_TIMEOUT_MS): Boolean {
        if (device.bondState == BluetoothDevice.BOND_BONDED) return true
        watchBond()
        val done = CompletableDeferred<Boolean>().also { bonded = it }
        requestBond()
        if (device.bondState == BluetoothDevice.BOND_BONDED) return true
        return withTimeoutOrNull(timeoutMs) { done.await() } ?: false
    }

    private val callback = object : BluetoothGattCallback() {
        override fun onConnectionStateChange(g: BluetoothGatt, status: Int, newState: Int) {
            if (status != BluetoothGatt.GATT_SUCCESS) lastStatus = status
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
                enableNotifications(g, cccd)
            }
        }

        override fun onDescriptorWrite(g: BluetoothGatt, d: BluetoothGattDescriptor, status: Int) {
            when {
                status == BluetoothGatt.GATT_SUCCESS -> up()
                needsBond && isSecurityRefusal(status) -> {
                    // The reader wants an encrypted link before it notifies: bond, then enable again.
                    refusedForSecurity = true
                    cccdAfterBond = d
                    watchBond()
                    requestBond()
                }
                else -> ready?.complete(false)
            }
        }

        override fun onCharacteristicWrite(g: BluetoothGatt, c: BluetoothGattCharacteristic, status: Int) {
            if (needsBond && isSecurityRefusal(status)) {
                refusedForSecurity = true
                requestBond()
            }
            pendingWrite?.complete(status)
        }

        // The two-argument callback, the one Android 8-12 calls: Android 13+ sets the value on the
        // characteristic and its three-argument callback calls this one (a three-argument override
        // alone is never called before 13). Copied at once: the next notification reuses it.
        @Deprecated("Android 13+ also has the callback with the value; this one is what 8-12 call")
        @Suppress("DEPRECATION")
        override fun onCharacteristicChanged(g: BluetoothGatt, c: BluetoothGattCharacteristic) {
            c.value?.let { inbox.notification(it.copyOf()) }
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

    /**
     * Connects (first time or again) and waits until notifications are on; a reader is asked
     * for a bond first. Without a bond the link still opens (the reader can be shown), and
     * [linkSecurity] keeps key and PIN commands off it.
     */
    suspend fun open(timeoutMs: Long = 15_000): Boolean {
        if (needsBond) {
            watchBond()
            ensureBonded()
        }
        val done = CompletableDeferred<Boolean>().also { ready = it }
        val g = gatt
        if (g == null) {
            gatt = device.connectGatt(context, false, callback, BluetoothDevice.TRANSPORT_LE)
        } else {
            g.connect()
        }
        // A bond asked for by a refused descriptor write needs the user: wait for it too.
        return withTimeoutOrNull(timeoutMs + BOND_TIMEOUT_MS) { done.await() } ?: false
    }

    override suspend fun write(chunk: ByteArray) {
        writeLock.withLock {
            val g = gatt
            val c = writeChar
            if (!connected || g == null || c == null) throw disconnected()
            val result = CompletableDeferred<Int>().also { pendingWrite = it }
            val started = if (Build.VERSION.SDK_INT >= 33) {
                Api33.writeCharacteristic(g, c, chunk)
            } else {
                // Android 8-12: the value and write type go through the characteristic.
                c.writeType = BluetoothGattCharacteristic.WRITE_TYPE_DEFAULT
                @Suppress("DEPRECATION")
                c.value = chunk
                @Suppress("DEPRECATION")
                g.writeCharacteristic(c)
            }
            if (!started) {
                throw PosException.Device("link_write_failed", "蓝牙写入失败，请重试", "Bluetooth write not started")
            }
            val status = withTimeout(WRITE_TIMEOUT_MS) { result.await() }
            if (!connected) throw disconnected()
            if (needsBond && isSecurityRefusal(status)) throw notEncrypted()
            if (status != BluetoothGatt.GATT_SUCCESS) {
                throw PosException.Device("link_write_failed", "蓝牙写入失败，请重试", "Bluetooth write failed ($status)")
            }
        }
    }

    override fun mtu(): UInt = mtu.toUInt()

    override fun isConnected(): Boolean = connected

    override fun linkSecurity(): LinkSecurity = when {
        !connected || refusedForSecurity -> LinkSecurity.UNENCRYPTED
        device.bondState == BluetoothDevice.BOND_BONDED -> LinkSecurity.ENCRYPTED
        else -> LinkSecurity.UNENCRYPTED
    }

    override fun onConnectionChange(listener: (connected: Boolean) -> Unit) {
        this.listener = listener
    }

    override suspend fun reconnect(): Boolean = open()

    override fun close() {
        connected = false
        gatt?.close()
        gatt = null
        bondReceiver?.let { runCatching { context.unregisterReceiver(it) } }
        bondReceiver = null
    }

    private fun disconnected() =
        PosException.Device("link_disconnected", "蓝牙设备已断开，请检查设备电源和距离", "Bluetooth device disconnected")

    private fun notEncrypted() = PosException.Device(
        "link_not_encrypted",
        "读卡器蓝牙连接未加密，请先在系统蓝牙设置中配对（绑定）读卡器，再重新连接",
        "The reader link is not encrypted: pair (bond) the reader in Bluetooth settings first, then reconnect",
    )

    private companion object {
        const val WRITE_TIMEOUT_MS = 5_000L
        /** Time for the user to confirm the pairing dialog. */
        const val BOND_TIMEOUT_MS = 30_000L
    }
}
