package cn.pos.app.api

import android.bluetooth.BluetoothDevice
import android.bluetooth.BluetoothGatt
import android.bluetooth.BluetoothGattCharacteristic
import android.bluetooth.BluetoothGattDescriptor
import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.content.IntentFilter

/**
 * Calls of API 33 (Android 13), newer than the app's minSdk 26: callers check
 * `Build.VERSION.SDK_INT >= 33` first and use the older call otherwise. Not compiled against
 * the API 26 framework (see [Api29]).
 */
object Api33 {
    /** The Bluetooth device an intent carries, typed (the untyped getter is deprecated). */
    fun deviceExtra(intent: Intent): BluetoothDevice? =
        intent.getParcelableExtra(BluetoothDevice.EXTRA_DEVICE, BluetoothDevice::class.java)

    /** Registers [receiver] exported: the Bluetooth stack is another app, which must reach it. */
    fun registerExported(context: Context, receiver: BroadcastReceiver, filter: IntentFilter) {
        context.registerReceiver(receiver, filter, Context.RECEIVER_EXPORTED)
    }

    /** Writes [value] to [d] without the descriptor's shared value; true when the write started. */
    fun writeDescriptor(g: BluetoothGatt, d: BluetoothGattDescriptor, value: ByteArray): Boolean =
        g.writeDescriptor(d, value) == BluetoothGatt.GATT_SUCCESS

    /** Writes [value] to [c] with response, without the characteristic's shared value; true when the write started. */
    fun writeCharacteristic(g: BluetoothGatt, c: BluetoothGattCharacteristic, value: ByteArray): Boolean =
        g.writeCharacteristic(c, value, BluetoothGattCharacteristic.WRITE_TYPE_DEFAULT) == BluetoothGatt.GATT_SUCCESS
}
