package cn.pos.app

import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.Service
import android.content.Intent
import android.os.Build
import android.os.IBinder
import cn.pos.app.api.Api29
import cn.pos.app.ui.Language
import cn.pos.app.ui.Switches
import cn.pos.app.ui.Words
import cn.pos.core.OfflinePreference
import cn.pos.core.CardReaderHandle
import cn.pos.core.KeyVault
import cn.pos.core.PlatformTrust
import cn.pos.core.PosException
import cn.pos.core.ReceiptPrinter
import cn.pos.core.TaskHandle
import cn.pos.core.Terminal
import cn.pos.core.installProvisioning
import cn.pos.shell.checkout.CheckoutMachine
import cn.pos.shell.devices.PairingManager
import cn.pos.shell.i18n.Text
import cn.pos.shell.i18n.text
import cn.pos.shell.provisioning.TerminalProvisioning
import cn.pos.shell.sync.SyncStatusPresenter
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import java.io.File

/**
 * The payment service: a foreground service (type `connectedDevice`) that owns the `Terminal`,
 * the checkout, the background sync that forwards offline payments and reversals, connectivity
 * and the devices. The activity starts it only once the Bluetooth permissions are granted
 * ([Permissions]); it publishes its [Phase] through [PosHub], where activities observe it, so
 * a sale in progress survives rotation and the activity's death.
 */
class PosService : Service() {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    private var opening: Job? = null
    private var terminal: Terminal? = null
    private var session: Session? = null
    private var local: LocalDevices? = null
    private var acquirer: LocalAcquirer? = null
    private var connectivity: AndroidConnectivity? = null
    private var sync: TaskHandle? = null
    private var pairing: PairingManager? = null
    /** Stopped with its problem on screen (no permissions, no core library): onDestroy leaves it there. */
    @Volatile
    private var refused = false
    private var restored = false
    private var voice: Voice? = null

    override fun onCreate() {
        super.onCreate()
        // Started without its permissions (revoked meanwhile, or restarted by the system): a
        // connectedDevice service would be refused (a crash on Android 14+). Say so instead.
        if (Permissions.missingRequired(this).isNotEmpty() || !enterForeground()) {
            refused = true
            PosHub.publish(Phase.Problem(Words.permissionsDenied, retry = null))
            stopSelf()
            return
        }
        // The pairing outlives the terminal: the devices are paired before it can open. The
        // vault is the first call into the core (it loads the library).
        val gateway = try {
            Flavor.gateway(this, File(filesDir, "pos"), vaultFactory())
        } catch (e: LinkageError) {
            coreMissing(e)
            return
        }
        pairing = PairingManager(gateway, SharedPrefsPairingStore(this), scope, messages = Words.pairingMessages)
        PosHub.gateway = gateway
        PosHub.pairing = pairing
        open()
    }

    /**
     * The core's library did not load: missing or built for another ABI, an UnsatisfiedLinkError
     * (then NoClassDefFoundError), an Error that would crash the app. A retry cannot help: the
     * service stops with its problem on screen, as without permissions (a new start, e.g. the
     * activity recreated, tries once more and says the same).
     */
    private fun coreMissing(e: LinkageError) {
        refused = true
        PosHub.publish(Phase.Problem(Words.coreMissing(e.toString()), retry = null))
        stopSelf()
    }

    override fun onStartCommand(intent: Intent?, flags: Int, startId: Int): Int = START_STICKY

    /** Goes to the foreground; false when the platform refuses (no permission, not allowed now). */
    private fun enterForeground(): Boolean = try {
        if (Build.VERSION.SDK_INT >= 29) {
            Api29.startForegroundConnectedDevice(this, NOTIFICATION_ID, notification())
        } else {
            startForeground(NOTIFICATION_ID, notification())
        }
        true
    } catch (e: SecurityException) {
        false
    } catch (e: IllegalStateException) {
        false // ForegroundServiceStartNotAllowedException (Android 12+)
    }

    private fun open() {
        if (opening?.isActive == true) return
        PosHub.publish(Phase.Opening)
        opening = scope.launch {
            val problem = try {
                openTerminal()
            } catch (e: PosException) {
                e.text
            } catch (e: RuntimeException) {
                Words.startFailed(e.toString())
            } catch (e: LinkageError) {
                // Loading libpos_ffi.so (JNA; PlatformTrust's JNI) failed here first.
                coreMissing(e)
                return@launch
            }
            if (problem != null) PosHub.publish(Phase.Problem(problem, retry = { closeTerminal(); open() }))
        }
    }

    /**
     * Opens the terminal on its provisioning (imported first from `provisioning.json` in the
     * app's external files folder), on the paired reader or on the flavor's local devices, and
     * signs in if it is not. Not provisioned, it publishes the first-run screen instead; after a
     * first run (or with no reader on a phone), the pairing prompt. Returns why not, or null.
     */
    private suspend fun openTerminal(): Text? {
        val dir = File(filesDir, "pos").apply { mkdirs() }
        val vault = vaultFactory()
        val inbox = getExternalFilesDir(null) ?: filesDir
        // The file first: a provisioning imported now names its own host, which decides whether
        // the flavor's local acquirer is the one.
        val prepared = TerminalProvisioning(dir, inbox, vault, allowDemo = Flavor.SIMULATED_DEVICES).prepare()
        val host = Flavor.localAcquirer(dir, vault)
        acquirer = host
        val settings = when (prepared) {
            is TerminalProvisioning.Prepared.Needed -> {
                // A fresh install: the first-run screen provisions it (or a file put in [inbox]).
                // The folder as a file manager shows it ("…/Android/data/<app>/files"), not the mount point.
                val full = inbox.path
                val folder = full.indexOf("/Android/").takeIf { it >= 0 }?.let { "…" + full.substring(it) } ?: full
                val hint = Text(prepared.text.zh.replace(full, folder), prepared.text.en.replace(full, folder))
                val firstRun = FirstRun(Flavor.provisioningDefaults(host), hint, scope, install = { form ->
                    provision(dir, vault, form, host)
                }, recheck = { closeTerminal(); open() })
                PosHub.publish(Phase.Unprovisioned(firstRun))
                return null
            }
            is TerminalProvisioning.Prepared.Ready -> host?.adjust(prepared.settings) ?: prepared.settings
        }
        val p = pairing ?: return NEED_READER
        // The remembered devices, once per service (a dropped link reconnects by itself).
        if (!restored) {
            restored = true
            p.restore()
        }
        val devices = Flavor.localDevices(dir.path, vault)
        // After a first run the operator pairs the devices before the sign-in; without local
        // devices nothing opens before a reader is paired.
        if (Setup.pairingDue(this) || (devices == null && p.readerHandle == null)) {
            devices?.close()
            PosHub.publish(Phase.NeedDevices(if (Setup.pairingDue(this)) Words.pairAfterSetup else NEED_READER, proceed = {
                Setup.setPairingDue(this, false)
                closeTerminal()
                open()
            }))
            return null
        }
        // No pinned certificate and not plain: the host is checked against the platform's CAs.
        if (settings.acquirerCaPem == null && !settings.plainTcp) {
            try {
                PlatformTrust.init(applicationContext)
            } catch (e: RuntimeException) {
                devices?.close()
                return Text("无法使用系统证书库：${e.message}", "the platform trust store is unavailable: ${e.message}")
            }
        }
        val printer: () -> ReceiptPrinter?
        val reader: CardReaderHandle = if (devices != null) {
            local = devices
            printer = { devices.printer }
            devices.reader
        } else {
            printer = { p.printerHandle }
            p.readerHandle ?: return NEED_READER
        }
        val t = Terminal.open(dir.path, settings, vault, reader, AndroidClock())
        terminal = t
        connectivity = AndroidConnectivity(this, t).also { it.start() }
        // Force offline (the queue screen's switch): the sale is approved offline within the limits.
        val preference = { if (Switches.forceOffline(this)) OfflinePreference.FORCE_OFFLINE else null }
        val machine = CheckoutMachine(t, scope, printer = printer, preference = preference).also { it.attach(t.reader()) }
        val status = SyncStatusPresenter(t).also { it.attach() }
        val v = Voice(speakerFactory(this), enabled = { Switches.voice(this) }, lang = { Language.get(this) }).also { voice = it }
        val s = Session(t, machine, status, local, acquirer, printer, scope, v)
        session = s
        PosHub.publish(Phase.Open(s))
        // First what a previous run left owed (reversals, stored payments: the core refuses a
        // sign-in while any is left), then sign in if the terminal is not: the first sale must
        // not fail for lack of it. The sign-in screen shows meanwhile.
        try {
            t.recover()
        } catch (e: PosException) {
            // Owed reversals stay journaled; the background sync retries them.
        }
        s.ensureSignedIn()?.join()
        sync = t.startBackgroundSync()
        return null
    }

    /**
     * Imports the first-run form (the terminal is not open meanwhile), then opens the terminal:
     * the pairing screen comes next. Returns the core's reason when it refuses.
     */
    private fun provision(dir: File, vault: KeyVault, form: ProvisioningForm, acquirer: LocalAcquirer?): Text? {
        val bytes = form.toJson()
        try {
            installProvisioning(dir.path, bytes, Flavor.SIMULATED_DEVICES, vault)
        } catch (e: PosException) {
            return e.text
        } finally {
            bytes.fill(0)
        }
        Flavor.provisioned(dir, form, acquirer)
        Setup.setPairingDue(this, true)
        closeTerminal()
        open()
        return null
    }

    private fun closeTerminal() {
        sync?.cancel()
        sync = null
        session?.close()
        session = null
        connectivity?.stop()
        connectivity = null
        terminal?.close()
        terminal = null
        local?.close()
        local = null
        acquirer?.close()
        acquirer = null
        voice?.shutdown()
        voice = null
    }

    override fun onBind(intent: Intent?): IBinder? = null

    override fun onDestroy() {
        // A service refused for lack of permissions leaves its problem on screen.
        if (!refused) PosHub.publish(Phase.Stopped)
        scope.cancel()
        closeTerminal()
        pairing?.close()
        if (PosHub.pairing === pairing) {
            PosHub.pairing = null
            PosHub.gateway = null
        }
        super.onDestroy()
    }

    private fun notification(): Notification {
        val nm = getSystemService(NotificationManager::class.java)
        nm?.createNotificationChannel(NotificationChannel(CHANNEL, Words.appName.both(), NotificationManager.IMPORTANCE_LOW))
        return Notification.Builder(this, CHANNEL)
            .setContentTitle(Text("收款服务运行中", "POS running").both())
            .setSmallIcon(android.R.drawable.stat_sys_data_bluetooth)
            .build()
    }

    companion object {
        private const val CHANNEL = "pos"
        private const val NOTIFICATION_ID = 1
        private val NEED_READER = Text("未配对读卡器：请先配对蓝牙读卡器", "No reader paired: pair the Bluetooth card reader first")

        /**
         * The key vault the terminal's keys are sealed with: the Android Keystore. Robolectric
         * has no AndroidKeyStore provider, so its tests put a software vault here.
         */
        @Volatile
        var vaultFactory: () -> KeyVault = { AndroidKeystoreVault() }

        /** What speaks the results: Android's TextToSpeech; tests put a recording fake here. */
        @Volatile
        var speakerFactory: (android.content.Context) -> Speaker = { TtsSpeaker(it) }
    }
}
