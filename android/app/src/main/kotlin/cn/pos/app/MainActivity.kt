package cn.pos.app

import android.content.Intent
import android.net.Uri
import android.os.Bundle
import android.provider.Settings
import android.view.View
import cn.pos.app.ui.CheckoutScreens
import cn.pos.app.ui.Language
import cn.pos.app.ui.Ui
import cn.pos.app.ui.Words
import cn.pos.shell.checkout.CheckoutState
import cn.pos.shell.checkout.Operation
import cn.pos.shell.i18n.Lang
import cn.pos.shell.i18n.Text
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.combine
import kotlinx.coroutines.flow.flatMapLatest
import kotlinx.coroutines.flow.flowOf
import kotlinx.coroutines.flow.map
import cn.pos.app.ui.FirstRunScreen

/**
 * The checkout activity. It holds no sale: it asks for the permissions, starts [PosService]
 * once they are granted, and draws what the service publishes ([PosHub]): starting, a problem
 * with what to do, sign-in, and the checkout's states. Taps go to the service's session.
 */
class MainActivity : ObservingActivity<MainActivity.Frame>() {
    /** What one frame shows. */
    data class Frame(
        val phase: Phase,
        val signIn: SignInState? = null,
        val checkout: CheckoutState? = null,
        val syncLine: Text? = null,
        val operation: Operation = Operation.Sale,
        val firstRun: FirstRunState? = null,
    )

    private var lang = Lang.ZH
    private var permissionsDenied = false
    private var serviceStarted = false
    private var frame: Frame? = null
    /** The transaction whose slip preview is open. */
    private var previewTxn: Long? = null

    override fun onCreate(savedInstanceState: Bundle?) {
        // Before the base's first draw, which starts the service or asks for the permissions.
        lang = Language.get(this)
        permissionsDenied = savedInstanceState?.getBoolean(STATE_DENIED) ?: false
        previewTxn = savedInstanceState?.getLong(STATE_PREVIEW, -1L)?.takeIf { it >= 0 }
        super.onCreate(savedInstanceState)
    }

    /** The service's current frame; none yet: the service started once the permissions are granted, else the permissions page. */
    override fun draw() {
        when {
            frame != null -> redraw()
            Permissions.missingRequired(this).isEmpty() -> startPos()
            else -> showPermissions()
        }
    }

    override fun onSaveInstanceState(outState: Bundle) {
        super.onSaveInstanceState(outState)
        outState.putBoolean(STATE_DENIED, permissionsDenied)
        previewTxn?.let { outState.putLong(STATE_PREVIEW, it) }
    }

    override fun onStart() {
        super.onStart()
        // Back from another screen whose language switch was used.
        val l = Language.get(this)
        if (l != lang) {
            lang = l
            draw()
        }
    }

    // Permissions ------------------------------------------------------------------------

    private fun showPermissions() {
        val ui = Ui(this, lang)
        setContentView(
            ui.page(
                topBar(ui),
                ui.title(Words.permissionsTitle, tag = "permissions_title"),
                ui.label(if (permissionsDenied) Words.permissionsDenied else Words.permissionsWhy, tag = "permissions_text"),
                if (permissionsDenied) {
                    ui.button(Words.openSettings, "open_settings", primary = true) {
                        startActivity(Intent(Settings.ACTION_APPLICATION_DETAILS_SETTINGS, Uri.fromParts("package", packageName, null)))
                    }
                } else {
                    null
                },
                ui.button(Words.grant, "grant", primary = !permissionsDenied) {
                    requestPermissions(Permissions.toRequest(this).toTypedArray(), REQUEST_PERMISSIONS)
                },
            ),
        )
    }

    override fun onRequestPermissionsResult(requestCode: Int, permissions: Array<out String>, grantResults: IntArray) {
        if (requestCode != REQUEST_PERMISSIONS) return
        if (Permissions.missingRequired(this).isEmpty()) {
            startPos()
        } else {
            permissionsDenied = true
            showPermissions()
        }
    }

    override fun onResume() {
        super.onResume()
        // Back from the system settings with the permissions granted.
        if (!serviceStarted && Permissions.missingRequired(this).isEmpty()) startPos()
    }

    // The service ------------------------------------------------------------------------

    private fun startPos() {
        if (serviceStarted) return
        serviceStarted = true
        // A refusal left by a service that then stopped is not this start's (the service starts
        // again and says what it finds); a running service's problem stays.
        if ((PosHub.phase.value as? Phase.Problem)?.retry == null && PosHub.phase.value is Phase.Problem) PosHub.publish(Phase.Opening)
        startForegroundService(Intent(this, PosService::class.java))
        show(Frame(PosHub.phase.value))
        observe()
    }

    /** Once the service is started: its phase and, when open, the session's sign-in, checkout, sync line and operation. */
    @OptIn(ExperimentalCoroutinesApi::class)
    override fun source(): Flow<Frame>? = if (!serviceStarted) {
        null
    } else {
        PosHub.phase.flatMapLatest { phase ->
            if (phase is Phase.Open) {
                val s = phase.session
                combine(s.signIn, s.checkout.state, s.syncStatus.state, s.checkout.operation) { signIn, checkout, sync, op ->
                    Frame(phase, signIn, checkout, sync.line, op)
                }
            } else if (phase is Phase.Unprovisioned) {
                phase.firstRun.state.map { Frame(phase, firstRun = it) }
            } else {
                flowOf(Frame(phase))
            }
        }
    }

    override fun onState(value: Frame) = show(value)

    private fun show(f: Frame) {
        if (isDestroyed) return
        frame = f
        redraw()
    }

    /** Draws the current frame again (after a language switch too). */
    private fun redraw() {
        val f = frame ?: return
        val ui = Ui(this, lang)
        val body: View = when (val phase = f.phase) {
            Phase.Stopped, Phase.Opening -> ui.column(ui.label(Words.starting, tag = "starting"))
            is Phase.Problem -> ui.column(
                ui.title(Words.problemTitle, tag = "problem_title", color = Ui.BAD),
                ui.label(phase.text, tag = "problem_text"),
                phase.retry?.let { retry -> ui.button(Words.retry, "retry", primary = true) { retry() } },
            )
            is Phase.Unprovisioned -> FirstRunScreen(ui, phase.firstRun) { redraw() }.view(f.firstRun ?: FirstRunState.Editing())
            is Phase.NeedDevices -> ui.column(
                ui.title(Words.pairDevicesTitle, tag = "need_devices_title"),
                ui.label(phase.text, tag = "need_devices_text"),
                ui.button(Words.pairDevices, "pair_devices", primary = true) { startActivity(Intent(this, PairingActivity::class.java)) },
                ui.button(Words.continueToSignIn, "devices_done") { phase.proceed() },
            )
            is Phase.Open -> when (val signIn = f.signIn) {
                SignInState.Running, SignInState.Unknown, null -> ui.column(
                    ui.title(Words.signInTitle, tag = "sign_in_title"),
                    ui.label(Words.signingIn, tag = "signing_in"),
                )
                is SignInState.Failed -> ui.column(
                    ui.title(Words.signInFailed, tag = "sign_in_failed", color = Ui.BAD),
                    ui.label(signIn.reason, tag = "sign_in_reason"),
                    ui.label(Words.signInWhatToDo, tag = "sign_in_what_to_do"),
                    ui.button(Words.signInAgain, "sign_in_again", primary = true) { phase.session.signInNow() },
                )
                is SignInState.SignedOff -> ui.column(
                    ui.title(Words.signedOff, tag = "signed_off"),
                    ui.label(signIn.message, tag = "signed_off_message"),
                    ui.label(Words.signedOffHint, tag = "signed_off_hint", color = Ui.MUTED),
                    ui.button(Words.signIn, "sign_in", primary = true) { phase.session.signInNow() },
                )
                is SignInState.SignedIn -> CheckoutScreens(ui, phase.session, previewTxn) { txn ->
                    previewTxn = txn
                    redraw()
                }.view(f.checkout ?: CheckoutState.AmountEntry(0), signIn.batch, f.operation)
            }
        }
        val page = ui.page(topBar(ui, f.syncLine), body)
        setContentView(page)
        // The slip preview opened: show the slip, not the top of the page.
        if (previewTxn != null) ui.scrollToTag(page, "slip_preview")
        // The core refused the first-run form: show its reason (below the form), not the top.
        if ((f.firstRun as? FirstRunState.Editing)?.refused != null) ui.scrollToTag(page, "provision_refused_title")
    }

    private fun topBar(ui: Ui, status: Text? = null): View {
        val open = frame?.phase is Phase.Open
        val panel = Flavor.testPanel.takeIf { open }
        return ui.column(
            ui.row(
                ui.title(Words.appName, tag = "app_name"),
                ui.button(Words.switchLanguage, "lang") {
                    lang = Language.toggle(this)
                    draw()
                },
            ),
            if (open) {
                ui.row(
                    ui.button(Words.history, "history") { startActivity(Intent(this, HistoryActivity::class.java)) },
                    ui.button(Words.queue, "queue") { startActivity(Intent(this, QueueActivity::class.java)) },
                    panel?.let { p -> ui.button(Words.testPanel, "test_panel") { startActivity(Intent(this, p)) } },
                )
            } else {
                null
            },
            if (open) {
                ui.row(
                    ui.smallButton(Words.moreShort, "more") { startActivity(Intent(this, TransactionsActivity::class.java)) },
                    ui.smallButton(Words.settleShort, "settlement") { startActivity(Intent(this, SettlementActivity::class.java)) },
                    ui.smallButton(Words.dayEnd, "day_end") { startActivity(Intent(this, DayEndActivity::class.java)) },
                    ui.smallButton(Words.settings, "settings") { startActivity(Intent(this, SettingsActivity::class.java)) },
                )
            } else {
                null
            },
            status?.let { ui.label(it, 13f, tag = "sync_line", color = Ui.MUTED) },
        ).apply { setBackgroundColor(Ui.BAR) }
    }

    private companion object {
        const val REQUEST_PERMISSIONS = 1
        const val STATE_DENIED = "permissions_denied"
        const val STATE_PREVIEW = "slip_preview"
    }
}
