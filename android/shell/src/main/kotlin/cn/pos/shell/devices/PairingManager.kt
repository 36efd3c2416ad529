package cn.pos.shell.devices

import cn.pos.core.CardReaderHandle
import cn.pos.core.LinkInbox
import cn.pos.core.LinkSecurity
import cn.pos.core.PosException
import cn.pos.core.ReceiptPrinter
import cn.pos.core.connectPrinter
import cn.pos.core.connectReader
import cn.pos.shell.i18n.Text
import cn.pos.shell.i18n.text
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import java.util.concurrent.ConcurrentHashMap

/** Where one device stands, for the status bar and the pairing screen. */
sealed class DeviceState {
    /** Nothing paired. */
    object Unpaired : DeviceState()

    /** Scanning for devices. */
    object Scanning : DeviceState()

    /** Devices found by the last scan. */
    data class Found(val devices: List<BleDevice>) : DeviceState()

    /** Connecting to [device]. */
    data class Connecting(val device: BleDevice) : DeviceState()

    /** Connected and ready. */
    data class Connected(val device: BleDevice) : DeviceState()

    /** The link dropped; attempt [attempt] comes in [nextInMs]. */
    data class Reconnecting(val device: BleDevice, val attempt: Int, val nextInMs: Long) : DeviceState()

    /** Pairing or connecting failed; [error] says why. */
    data class Failed(val device: BleDevice?, val error: Text) : DeviceState()
}

/** Delays between reconnection attempts: quick at first, then every 30 s at most. */
fun reconnectDelayMs(attempt: Int): Long {
    val base = 1_000L shl (attempt - 1).coerceIn(0, 5)
    return base.coerceAtMost(30_000L)
}

/**
 * The words of the pairing errors the manager words itself (the app passes its own vocabulary's);
 * a gateway's own errors come with their text.
 */
data class PairingMessages(
    /** Bluetooth is off or not permitted. */
    val bluetoothOff: Text = Text("蓝牙未开启，请打开蓝牙", "Bluetooth is off: switch it on"),
    /** A connection failed for a reason the gateway did not word. */
    val connectFailed: Text = Text("连接设备失败，请确认设备已开机并在附近", "Could not connect: check the device is on and nearby"),
    /** A scan failed for a reason the gateway did not word. */
    val scanFailed: Text = Text("蓝牙搜索失败，请关闭再打开蓝牙后重试", "The Bluetooth scan failed: switch Bluetooth off and on, then try again"),
    /** The reader's link is not bonded (encrypted): no key or PIN may go over it. */
    val bondRefused: Text = Text("读卡器未绑定：请重新连接并在系统弹窗中确认配对", "The reader is not bonded: connect again and confirm the pairing in the system dialog"),
)

/**
 * Device pairing and reconnection: scan, pair (connect and start the reader or printer
 * protocol), remember the device, and reconnect with backoff when the link drops. The
 * reader's protocol survives a reconnect on the same link (the core resumes on `Connected`),
 * so a dropped reader comes back without reopening the terminal.
 */
class PairingManager(
    private val gateway: BluetoothGateway,
    private val store: PairingStore,
    private val scope: CoroutineScope,
    private val delayFor: (Int) -> Long = ::reconnectDelayMs,
    private val messages: PairingMessages = PairingMessages(),
) {
    private val _reader = MutableStateFlow<DeviceState>(DeviceState.Unpaired)
    private val _printer = MutableStateFlow<DeviceState>(DeviceState.Unpaired)
    // Touched from the platform's callback threads and from coroutines.
    private val connections = ConcurrentHashMap<DeviceKind, GattConnection>()
    private val reconnecting = ConcurrentHashMap<DeviceKind, Job>()

    /** The reader's state. */
    val reader: StateFlow<DeviceState> = _reader.asStateFlow()

    /** The printer's state. */
    val printer: StateFlow<DeviceState> = _printer.asStateFlow()

    /** The connected reader, once paired. */
    var readerHandle: CardReaderHandle? = null
        private set

    /** The connected printer, once paired. */
    var printerHandle: ReceiptPrinter? = null
        private set

    private fun flow(kind: DeviceKind) = if (kind == DeviceKind.READER) _reader else _printer

    /** Scans for devices of [kind]; the result lands in [DeviceState.Found]. */
    suspend fun scan(kind: DeviceKind, timeoutMs: Long = 8_000): List<BleDevice> {
        if (!gateway.isEnabled()) {
            flow(kind).value = DeviceState.Failed(null, messages.bluetoothOff)
            return emptyList()
        }
        flow(kind).value = DeviceState.Scanning
        // A failed scan is a state the screen explains, never an exception for the caller.
        val found = try {
            gateway.scan(kind, timeoutMs).sortedByDescending { it.rssi }
        } catch (e: PosException) {
            flow(kind).value = DeviceState.Failed(null, e.text)
            return emptyList()
        } catch (e: kotlinx.coroutines.CancellationException) {
            throw e
        } catch (e: Exception) {
            flow(kind).value = DeviceState.Failed(null, messages.scanFailed)
            return emptyList()
        }
        flow(kind).value = DeviceState.Found(found)
        return found
    }

    /** Pairs with [device]: connects, starts its protocol and remembers it. */
    suspend fun pair(device: BleDevice): Boolean {
        val state = flow(device.kind)
        state.value = DeviceState.Connecting(device)
        connections.remove(device.kind)?.close()
        return try {
            val inbox = LinkInbox()
            val conn = gateway.connect(device, inbox)
            // An unbonded reader would get no keys from the core: say so now, not at sign-in.
            if (device.kind == DeviceKind.READER && conn.link.linkSecurity() != LinkSecurity.ENCRYPTED) {
                conn.close()
                return failed(device, messages.bondRefused)
            }
            when (device.kind) {
                DeviceKind.READER -> readerHandle = connectReader(conn.link, inbox)
                DeviceKind.PRINTER -> printerHandle = connectPrinter(conn.link, inbox)
            }
            connections[device.kind] = conn
            conn.onConnectionChange { up -> onLink(device, up) }
            store.save(device.kind, device)
            state.value = DeviceState.Connected(device)
            true
        } catch (e: PosException) {
            failed(device, e.text)
        } catch (e: kotlinx.coroutines.CancellationException) {
            throw e
        } catch (e: Exception) {
            failed(device, messages.connectFailed)
        }
    }

    /** A failed pairing: the old connection is closed already, so its handle goes too. */
    private fun failed(device: BleDevice, error: Text): Boolean {
        if (device.kind == DeviceKind.READER) readerHandle = null else printerHandle = null
        flow(device.kind).value = DeviceState.Failed(device, error)
        return false
    }

    /** Pairs again with the remembered devices (app start). */
    suspend fun restore() {
        for (kind in DeviceKind.values()) store.load(kind)?.let { pair(it) }
    }

    /** Forgets the device of [kind] and disconnects it. */
    fun unpair(kind: DeviceKind) {
        reconnecting.remove(kind)?.cancel()
        connections.remove(kind)?.close()
        store.save(kind, null)
        if (kind == DeviceKind.READER) readerHandle = null else printerHandle = null
        flow(kind).value = DeviceState.Unpaired
    }

    private fun onLink(device: BleDevice, up: Boolean) {
        val state = flow(device.kind)
        if (up) {
            reconnecting.remove(device.kind)?.cancel()
            state.value = DeviceState.Connected(device)
            return
        }
        if (reconnecting[device.kind]?.isActive == true) return
        reconnecting[device.kind] = scope.launch { reconnectLoop(device) }
    }

    private suspend fun reconnectLoop(device: BleDevice) {
        val state = flow(device.kind)
        var attempt = 1
        while (true) {
            val wait = delayFor(attempt)
            state.value = DeviceState.Reconnecting(device, attempt, wait)
            delay(wait)
            val conn = connections[device.kind] ?: return
            val ok = try {
                conn.reconnect()
            } catch (e: Exception) {
                false
            }
            if (ok) {
                state.value = DeviceState.Connected(device)
                return
            }
            attempt++
        }
    }

    /** Disconnects every device without forgetting it (the service stops). */
    fun close() {
        reconnecting.values.forEach { it.cancel() }
        reconnecting.clear()
        connections.values.forEach { runCatching { it.close() } }
        connections.clear()
    }
}
