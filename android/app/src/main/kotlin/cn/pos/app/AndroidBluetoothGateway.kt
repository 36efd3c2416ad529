package cn.pos.app

import android.annotation.SuppressLint
import android.bluetooth.BluetoothManager
import android.bluetooth.le.ScanCallback
import android.bluetooth.le.ScanFilter
import android.bluetooth.le.ScanResult
import android.bluetooth.le.ScanSettings
import android.content.Context
import android.os.ParcelUuid
import cn.pos.core.LinkInbox
import cn.pos.core.PosException
import cn.pos.shell.devices.BleDevice
import cn.pos.shell.devices.BluetoothGateway
import cn.pos.shell.devices.DeviceKind
import cn.pos.shell.devices.GattConnection
import cn.pos.app.ui.Words
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.withTimeoutOrNull
import java.util.concurrent.ConcurrentHashMap

/** [BluetoothGateway] over android.bluetooth: LE scans filtered by service, GATT connections. */
@SuppressLint("MissingPermission") // checked in permitted()
class AndroidBluetoothGateway(private val context: Context) : BluetoothGateway {
    private val manager = context.getSystemService(BluetoothManager::class.java)

    // What this Android version requires ([Permissions]): BLUETOOTH_SCAN and BLUETOOTH_CONNECT
    // exist from Android 12 only; before, they read as refused and Bluetooth never came on.
    private fun permitted(): Boolean = Permissions.missingRequired(context).isEmpty()

    override fun isEnabled(): Boolean = permitted() && manager?.adapter?.isEnabled == true

    override suspend fun scan(kind: DeviceKind, timeoutMs: Long): List<BleDevice> {
        val scanner = manager?.adapter?.bluetoothLeScanner ?: return emptyList()
        val services = when (kind) {
            DeviceKind.READER -> listOf(GattUuids.READER_SERVICE)
            DeviceKind.PRINTER -> GattUuids.PRINTER_SERVICES.map { it.service }
        }
        val filters = services.map { ScanFilter.Builder().setServiceUuid(ParcelUuid(it)).build() }
        val found = ConcurrentHashMap<String, BleDevice>()
        val failed = CompletableDeferred<Int>()
        val callback = object : ScanCallback() {
            override fun onScanResult(callbackType: Int, result: ScanResult) {
                val d = result.device
                found[d.address] = BleDevice(d.address, d.name ?: d.address, result.rssi, kind)
            }

            override fun onScanFailed(errorCode: Int) {
                failed.complete(errorCode)
            }
        }
        scanner.startScan(filters, ScanSettings.Builder().setScanMode(ScanSettings.SCAN_MODE_LOW_LATENCY).build(), callback)
        try {
            // The whole window, unless the stack says the scan failed.
            if (withTimeoutOrNull(timeoutMs) { failed.await() } != null) {
                throw PosException.Device("scan_failed", Words.errScanFailed.zh, Words.errScanFailed.en)
            }
        } finally {
            scanner.stopScan(callback)
        }
        return found.values.toList()
    }

    override suspend fun connect(device: BleDevice, inbox: LinkInbox): GattConnection {
        val adapter = manager?.adapter ?: throw off()
        if (!permitted()) throw off()
        val link = GattBleLink(context, adapter.getRemoteDevice(device.address), device.kind, inbox)
        if (!link.open()) {
            link.close()
            // 133 (GATT_ERROR) is the stack's own failure, cured by power-cycling; anything else: off or away.
            val (code, t) = if (link.lastStatus == GATT_ERROR) "gatt_133" to Words.errGatt133 else "link_disconnected" to Words.errOutOfRange
            throw PosException.Device(code, t.zh, t.en)
        }
        return link
    }

    private fun off() = PosException.Device("bluetooth_off", Words.errBluetoothOff.zh, Words.errBluetoothOff.en)

    private companion object {
        /** Android's catch-all GATT failure status (not a public constant of BluetoothGatt). */
        const val GATT_ERROR = 133
    }
}
