package cn.pos.app

import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent

/**
 * After a reboot, starts the payment service so what the terminal stored (payments approved
 * offline, reversals owed) is forwarded without waiting for the merchant to open the app: the
 * service runs the core's recovery at start, then its background sync.
 *
 * Declared with `exported="false"`: `BOOT_COMPLETED` comes from the system, which reaches
 * non-exported receivers; no other app can trigger it. Only when the permissions the service
 * needs are granted (a `connectedDevice` foreground service is refused without them; Android
 * allows that type to start from `BOOT_COMPLETED`).
 */
class BootReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        if (intent.action != Intent.ACTION_BOOT_COMPLETED) return
        if (Permissions.missingRequired(context).isNotEmpty()) return
        try {
            context.startForegroundService(Intent(context, PosService::class.java))
        } catch (e: IllegalStateException) {
            // Not allowed now (the platform's background-start rules): the app's launch starts it.
        } catch (e: SecurityException) {
        }
    }
}
