package cn.pos.app.api

import android.app.Notification
import android.app.Service
import android.content.pm.ServiceInfo

/**
 * Calls of API 29 (Android 10), newer than the app's minSdk 26: callers check
 * `Build.VERSION.SDK_INT >= 29` first. The files of `api/` are the only ones not compiled
 * against the API 26 framework (scripts/test-kotlin.sh), so a newer call anywhere else fails
 * the build; they use nothing of the app.
 */
object Api29 {
    /** Foreground with the `connectedDevice` type the manifest declares (Android 14 refuses a start without it). */
    fun startForegroundConnectedDevice(service: Service, id: Int, notification: Notification) =
        service.startForeground(id, notification, ServiceInfo.FOREGROUND_SERVICE_TYPE_CONNECTED_DEVICE)
}
