package cn.pos.app.ui

import android.text.Editable
import android.text.InputType
import android.text.TextWatcher
import android.view.View
import cn.pos.app.Flavor
import cn.pos.app.FirstRun
import cn.pos.app.FirstRunState
import cn.pos.app.FormField
import cn.pos.app.MacChoice

/**
 * The first-run screen (开通终端): the terminal's identity, acquirer host and keys, each field
 * with its problem under it in the operator's language, "set up", and the provisioning file
 * as the other way. What is typed lives in [firstRun] (a rotation keeps it); [redraw] draws again.
 */
class FirstRunScreen(private val ui: Ui, private val firstRun: FirstRun, private val redraw: () -> Unit) {
    /** The screen for [state]. */
    fun view(state: FirstRunState): View {
        val editing = state as? FirstRunState.Editing
        val problems = editing?.problems.orEmpty()
        val form = firstRun.form
        fun field(f: FormField, hint: cn.pos.shell.i18n.Text, tag: String, secret: Boolean = false): List<View?> = listOf(
            ui.label(hint, 13f, color = Ui.MUTED),
            ui.textInput(hint, tag).apply {
                // Keys are masked on screen (shoulder-surfing, screenshots) and never suggested.
                inputType = if (secret) {
                    InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_PASSWORD
                } else {
                    InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_NO_SUGGESTIONS
                }
                setText(form.get(f))
                addTextChangedListener(object : TextWatcher {
                    override fun beforeTextChanged(s: CharSequence?, start: Int, count: Int, after: Int) = Unit
                    override fun onTextChanged(s: CharSequence?, start: Int, before: Int, count: Int) = Unit
                    override fun afterTextChanged(s: Editable?) = firstRun.set(f, s?.toString().orEmpty())
                })
            },
            problems[f]?.let { ui.label(it, 14f, tag = "${tag}_error", color = Ui.BAD) },
        )
        return ui.column(
            ui.title(Words.firstRunTitle, tag = "first_run_title"),
            ui.label(Words.firstRunHint, 15f, tag = "first_run_hint"),
            if (Flavor.SIMULATED_DEVICES) ui.label(Words.firstRunDemo, 14f, tag = "first_run_demo", color = Ui.MUTED) else null,
            *field(FormField.TID, Words.tid, "form_tid").toTypedArray(),
            *field(FormField.MID, Words.mid, "form_mid").toTypedArray(),
            *field(FormField.MERCHANT, Words.merchant, "form_merchant").toTypedArray(),
            *field(FormField.HOST, Words.host, "form_host").toTypedArray(),
            *field(FormField.TMK, Words.tmk, "form_tmk", secret = true).toTypedArray(),
            *field(FormField.UNLOCK_KEY, Words.unlockKey, "form_unlock_key", secret = true).toTypedArray(),
            ui.button(if (form.mac == MacChoice.X919) Words.macX919 else Words.macEcb, "form_mac") {
                firstRun.toggleMac()
                redraw()
            },
            if (problems.isNotEmpty()) ui.label(Words.fixFields, tag = "form_fix", color = Ui.BAD) else null,
            editing?.refused?.let { ui.label(Words.provisionRefused, 18f, tag = "provision_refused_title", bold = true, color = Ui.BAD) },
            // The core's reason (it names the field, never a key's value).
            editing?.refused?.let { ui.label(it, tag = "provision_refused", color = Ui.BAD) },
            if (state is FirstRunState.Installing) {
                ui.label(Words.provisioning, tag = "provisioning")
            } else {
                ui.button(Words.provision, "provision", primary = true) { firstRun.submit() }
            },
            ui.label(Words.orFile, 14f, color = Ui.MUTED),
            ui.label(firstRun.fileHint, 14f, tag = "provision_file_hint", color = Ui.MUTED),
            ui.button(Words.checkFileAgain, "provision_recheck") { firstRun.recheck() },
        )
    }
}
