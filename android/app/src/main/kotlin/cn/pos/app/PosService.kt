package cn.pos.app

import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.Service
import android.content.Intent
import android.os.Binder
import android.os.IBinder
import cn.pos.core.CardReaderHandle
import cn.pos.core.ReceiptPrinter
import cn.pos.core.TaskHandle
import cn.pos.core.Terminal
import cn.pos.core.PlatformTrust
import cn.pos.core.PosException
import cn.pos.shell.devices.PairingManager
import cn.pos.shell.i18n.Text
import cn.pos.shell.i18n.text
import cn.pos.shell.provisioning.TerminalProvisioning
import cn.pos.shell.sync.SyncStatusPresenter
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import java.io.File

/**
 * Keeps the terminal alive while the app is in the background: the background sync that
 * forwards offline payments and reversals, connectivity, the paired devices. A foreground
 * service so that a delivery driver's stored payments go out as soon as the signal is back.
 */
class PosService : Service() {
    /** What the activity binds to. */
    inner class Local : Binder() {
        val service: PosService get() = this@PosService
    }

    private val binder = Local()
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    var terminal: Terminal? = null
        private set
    var printer: ReceiptPrinter? = null
        private set
    var syncStatus: SyncStatusPresenter? = null
        private set
    lateinit var pairing: PairingManager
        private set
    /** Why the terminal did not open (not provisioned, a refused file, ...), for the activity. */
    @Volatile
    var problem: Text? = null
        private set

    /** A provisioning file that could not be imported (the old provisioning stays in force). */
    @Volatile
    var notice: Text? = null
        private set
    private var local: LocalDevices? = null
    private var connectivity: AndroidConnectivity? = null
    private var sync: TaskHandle? = null

    override fun onCreate() {
        super.onCreate()
        startForeground(NOTIFICATION_ID, notification())
        pairing = PairingManager(AndroidBluetoothGateway(this), SharedPrefsPairingStore(this), scope)
        scope.launch { open() }
    }

    /**
     * Opens the terminal on its provisioning (imported first from `provisioning.json` in the
     * app's external files folder, where `adb push` or the acquirer's tool puts it), on the
     * paired reader or on the simulated devices (emulator builds).
     */
    private suspend fun open() {
        val dir = File(filesDir, "pos")
        val vault = AndroidKeystoreVault()
        val inbox = getExternalFilesDir(null) ?: filesDir
        val prepared = TerminalProvisioning(dir, inbox, vault, allowDemo = Flavor.SIMULATED_DEVICES).prepare()
        val settings = when (prepared) {
            is TerminalProvisioning.Prepared.Needed -> {
                problem = prepared.text
                return
            }
            is TerminalProvisioning.Prepared.Ready -> {
                notice = prepared.notice
                prepared.settings
            }
        }
        // No pinned certificate and not plain: the host is checked against the platform's CAs.
        if (settings.acquirerCaPem == null && !settings.plainTcp) {
            try {
                PlatformTrust.init(applicationContext)
            } catch (e: RuntimeException) {
                problem = Text("无法使用系统证书库：${e.message}", "the platform trust store is unavailable: ${e.message}")
                return
            }
        }
        val devices = Flavor.localDevices(dir.path, vault)
        val reader: CardReaderHandle = if (devices != null) {
            local = devices
            printer = devices.printer
            devices.reader
        } else {
            pairing.restore()
            printer = pairing.printerHandle
            pairing.readerHandle ?: return // the activity shows the pairing screen
        }
        val t = try {
            Terminal.open(dir.path, settings, vault, reader, AndroidClock())
        } catch (e: PosException) {
            problem = e.text
            return
        }
        terminal = t
        connectivity = AndroidConnectivity(this, t).also { it.start() }
        syncStatus = SyncStatusPresenter(t).also { it.attach() }
        sync = t.startBackgroundSync()
        t.recover()
    }

    override fun onBind(intent: Intent?): IBinder = binder

    override fun onDestroy() {
        sync?.cancel()
        syncStatus?.close()
        connectivity?.stop()
        scope.cancel()
        terminal?.close()
        local?.close()
        super.onDestroy()
    }

    private fun notification(): Notification {
        val nm = getSystemService(NotificationManager::class.java)
        nm?.createNotificationChannel(NotificationChannel(CHANNEL, "POS", NotificationManager.IMPORTANCE_LOW))
        return Notification.Builder(this, CHANNEL)
            .setContentTitle("收款服务运行中 / POS running")
            .setSmallIcon(android.R.drawable.stat_sys_data_bluetooth)
            .build()
    }

    private companion object {
        const val CHANNEL = "pos"
        const val NOTIFICATION_ID = 1
    }
}
