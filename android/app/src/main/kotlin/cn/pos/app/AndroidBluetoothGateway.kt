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
import kotlinx.coroutines.delay
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
        val callback = object : ScanCallback() {
            override fun onScanResult(callbackType: Int, result: ScanResult) {
                val d = result.device
                found[d.address] = BleDevice(d.address, d.name ?: d.address, result.rssi, kind)
            }
        }
        scanner.startScan(filters, ScanSettings.Builder().setScanMode(ScanSettings.SCAN_MODE_LOW_LATENCY).build(), callback)
        try {
            delay(timeoutMs)
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
            throw PosException.Device("link_disconnected", "连接设备失败，请确认设备已开机并在附近", "Could not connect: check the device is on and nearby")
        }
        return link
    }

    private fun off() = PosException.Device("bluetooth_off", "蓝牙未开启或未授权，请打开蓝牙", "Bluetooth is off or not permitted: switch it on")
}
