package cn.pos.app

import android.app.Activity
import android.os.Bundle
import android.os.Handler
import android.os.Looper
import android.view.Window
import cn.pos.app.ui.Language
import cn.pos.app.ui.Switches
import cn.pos.app.ui.Ui
import cn.pos.app.ui.Words
import cn.pos.core.PosException
import cn.pos.shell.i18n.text
import cn.pos.shell.i18n.Text
import cn.pos.shell.money.formatMinor
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch

/**
 * Settings (设置): the language, the voice (on by default), the terminal's identity as the core
 * gives it (terminal and merchant ID, merchant name, acquirer host and link) and the terminal
 * parameters downloaded from the acquirer, read-only, with "download" (the parameters, the CA
 * public keys, the IC parameters and the blacklist, in the core).
 */
class SettingsActivity : Activity() {
    private val work = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    private val main = Handler(Looper.getMainLooper())
    /** What the last download said (the core's words on a failure). */
    private var downloadNote: Pair<Text, Boolean>? = null

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        requestWindowFeature(Window.FEATURE_NO_TITLE)
        draw()
    }

    override fun onDestroy() {
        work.cancel()
        super.onDestroy()
    }

    private fun download(session: Session) {
        downloadNote = Words.downloading to true
        draw()
        work.launch {
            val note = try {
                val done = session.terminal.downloadTerminalManagement()
                val n = { kind: String -> done.firstOrNull { it.kind == kind }?.entries?.toLong() ?: 0L }
                Words.downloaded(n("parameters"), n("capk"), n("aid"), n("blacklist")) to true
            } catch (e: PosException) {
                e.text to false
            }
            main.post { if (!isDestroyed) { downloadNote = note; draw() } }
        }
    }

    private fun draw() {
        val ui = Ui(this, Language.get(this))
        val header = ui.subpageHeader(Words.settings, "settings_title", back = { finish() }, redraw = { draw() })
        val session = PosHub.session
        val voice = Switches.voice(this)
        val switches = ui.column(
            ui.label(Words.language, 14f, color = Ui.MUTED),
            ui.button(Words.languageNow, "language") {
                Language.toggle(this)
                draw()
            },
            ui.label(Words.voice, 14f, color = Ui.MUTED),
            ui.button(if (voice) Words.voiceOn else Words.voiceOff, "voice", primary = voice) {
                Switches.setVoice(this, !voice)
                draw()
            },
            ui.label(Words.pairing, 14f, color = Ui.MUTED),
            ui.button(Words.pairingTitle, "pairing") { startActivity(android.content.Intent(this, PairingActivity::class.java)) },
        )
        if (session == null) {
            setContentView(ui.page(header, switches, ui.label(Words.devicesUnavailable, tag = "settings_unavailable")))
            return
        }
        val t = session.terminal
        val st = t.settings()
        val identity = ui.column(
            ui.title(Words.identity, tag = "identity_title"),
            ui.field(Words.tid, st.tid, "tid"),
            ui.field(Words.mid, st.mid, "mid"),
            ui.field(Words.merchant, st.merchantName, "merchant"),
            ui.field(Words.host, st.host, "host"),
            // The core's words for the link ("TLS 加密链路 / TLS encrypted link").
            ui.field(Words.link, t.linkLabel(), "link"),
        )
        val note = downloadNote
        val params = ui.column(
            ui.title(Words.parameters, tag = "parameters_title"),
            *parameters(ui, session).toTypedArray(),
            ui.button(Words.downloadManagement, "download_management") { download(session) },
            *listOfNotNull(note?.let { (text, ok) -> ui.label(text, tag = "download_note", color = if (ok) Ui.MUTED else Ui.BAD) }).toTypedArray(),
        )
        setContentView(ui.page(header, switches, identity, params))
    }

    /** The downloaded parameters in force, or that there are none. */
    private fun parameters(ui: Ui, session: Session) = try {
        val p = session.terminal.parameters()
        if (p == null) {
            listOf(ui.label(Words.noParameters, tag = "no_parameters", color = Ui.MUTED))
        } else {
            listOfNotNull(
                ui.label(Words.paramVersion(p.version.toLong(), p.appliedAt), tag = "param_version"),
                p.merchantName?.let { ui.field(Words.merchant, it, "param_merchant") },
                p.responseTimeoutSecs?.let { ui.label(Words.paramTimeout(it.toLong()), tag = "param_timeout") },
                p.retries?.let { ui.label(Words.paramRetries(it.toLong()), tag = "param_retries") },
                p.offline?.let { o -> ui.label(Words.paramOffline(o.enabled, "¥" + formatMinor(o.perPaymentMinor), "¥" + formatMinor(o.totalMinor), o.count.toLong()), tag = "param_offline") },
                p.headerLines.takeIf { it.isNotEmpty() }?.let { ui.label(Words.paramHeader(it.joinToString(" / ")), tag = "param_header") },
                p.host?.let { ui.field(Words.host, it, "param_host") },
                if (p.hasRiskPolicy) ui.label(Words.paramRisk, tag = "param_risk") else null,
            )
        }
    } catch (e: PosException) {
        listOf(ui.label(e.text, tag = "parameters_error", color = Ui.BAD))
    }
}
