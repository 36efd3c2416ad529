package cn.pos.app

import android.content.Context
import android.net.ConnectivityManager
import android.net.Network
import android.net.NetworkCapabilities
import android.net.NetworkRequest
import cn.pos.core.Clock
import cn.pos.core.ClockReading
import cn.pos.core.TerminalInterface
import cn.pos.shell.devices.BleDevice
import cn.pos.shell.devices.DeviceKind
import cn.pos.shell.devices.PairingStore
import java.util.TimeZone

/** The phone's clock and time zone for the core. */
class AndroidClock : Clock {
    override fun now(): ClockReading {
        val ms = System.currentTimeMillis()
        return ClockReading(ms, TimeZone.getDefault().getOffset(ms) / 1000)
    }
}

/** Tells the terminal when the phone has a validated network (it then forwards what is stored). */
class AndroidConnectivity(context: Context, private val terminal: TerminalInterface) {
    private val manager = context.getSystemService(ConnectivityManager::class.java)
    private val callback = object : ConnectivityManager.NetworkCallback() {
        override fun onAvailable(network: Network) = terminal.setConnectivity(true)
        override fun onLost(network: Network) = terminal.setConnectivity(manager?.activeNetwork != null)
    }

    /** Starts listening; reports the current state at once. */
    fun start() {
        terminal.setConnectivity(manager?.activeNetwork != null)
        val request = NetworkRequest.Builder()
            .addCapability(NetworkCapabilities.NET_CAPABILITY_INTERNET)
            .build()
        manager?.registerNetworkCallback(request, callback)
    }

    /** Stops listening. */
    fun stop() {
        manager?.unregisterNetworkCallback(callback)
    }
}

/** Paired devices in SharedPreferences (addresses and names only). */
class SharedPrefsPairingStore(context: Context) : PairingStore {
    private val prefs = context.getSharedPreferences("pairing", Context.MODE_PRIVATE)

    override fun load(kind: DeviceKind): BleDevice? {
        val address = prefs.getString("${kind.name}.address", null) ?: return null
        return BleDevice(address, prefs.getString("${kind.name}.name", address) ?: address, 0, kind)
    }

    override fun save(kind: DeviceKind, device: BleDevice?) {
        prefs.edit().apply {
            if (device == null) {
                remove("${kind.name}.address")
                remove("${kind.name}.name")
            } else {
                putString("${kind.name}.address", device.address)
                putString("${kind.name}.name", device.name)
            }
        }.apply()
    }
}
