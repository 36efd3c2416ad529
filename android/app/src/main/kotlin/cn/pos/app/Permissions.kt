package cn.pos.app

import android.Manifest
import android.content.Context
import android.content.pm.PackageManager
import android.os.Build

/**
 * The runtime permissions the payment service needs before it starts (a `connectedDevice`
 * foreground service on Android 14+ refuses to start without the Bluetooth ones, so the app
 * asks first and starts the service only once they are granted):
 * - Android 12+ (API 31): BLUETOOTH_SCAN (declared `neverForLocation`) and BLUETOOTH_CONNECT.
 * - Android 8–11 (API 26–30): ACCESS_FINE_LOCATION, which LE scanning needs there; BLUETOOTH
 *   and BLUETOOTH_ADMIN are install-time permissions, declared with `maxSdkVersion="30"`.
 * - Android 13+ (API 33): POST_NOTIFICATIONS, asked for but optional (the service runs without
 *   it, its notification is just not shown in the drawer).
 */
object Permissions {
    // Names as strings: the constants are newer than minSdk 26 (BLUETOOTH_SCAN/CONNECT API 31,
    // POST_NOTIFICATIONS API 33), and the app must compile against the API 26 framework too.
    private const val BLUETOOTH_SCAN = "android.permission.BLUETOOTH_SCAN"
    private const val BLUETOOTH_CONNECT = "android.permission.BLUETOOTH_CONNECT"
    private const val POST_NOTIFICATIONS = "android.permission.POST_NOTIFICATIONS"

    /** What must be granted before the service starts, on [sdk]. */
    fun required(sdk: Int): List<String> = if (sdk >= 31) {
        listOf(BLUETOOTH_SCAN, BLUETOOTH_CONNECT)
    } else {
        listOf(Manifest.permission.ACCESS_FINE_LOCATION)
    }

    /** What is asked for along with [required] but not needed to start. */
    fun optional(sdk: Int): List<String> =
        if (sdk >= 33) listOf(POST_NOTIFICATIONS) else emptyList()

    /** The required permissions not granted yet. */
    fun missingRequired(context: Context, sdk: Int = Build.VERSION.SDK_INT): List<String> =
        required(sdk).filter { context.checkSelfPermission(it) != PackageManager.PERMISSION_GRANTED }

    /** Everything to ask for now: the missing required ones and the optional ones not granted. */
    fun toRequest(context: Context, sdk: Int = Build.VERSION.SDK_INT): List<String> =
        (required(sdk) + optional(sdk)).filter { context.checkSelfPermission(it) != PackageManager.PERMISSION_GRANTED }
}
